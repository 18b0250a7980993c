import type { DiagnoseContext } from './diagnose';
import type { ErrorKind, SteadySocketError } from './errors';

/** Finds out why a browser handshake failed; never rejects (the worst answer is `unknown`). */
export type Diagnoser = (context: DiagnoseContext) => Promise<SteadySocketError>;

/**
 * What the full entry (`steadysocket`) adds to the lean core (`steadysocket/core`): a hint per error
 * kind, and the probe that diagnoses browser handshakes. The full entry fills this in when it loads;
 * the core reads it, so a bundle of the core alone carries neither.
 */
export const extensions: { hints?: Partial<Record<ErrorKind, string>>; diagnose?: Diagnoser } = {};
