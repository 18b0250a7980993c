import type { DiagnoseContext } from './diagnose';
import type { ErrorKind, SteadySocketError } from './errors';
import type { Monitor } from './monitor';

/** Finds out why a browser handshake failed; never rejects (the worst answer is `unknown`). */
export type Diagnoser = (context: DiagnoseContext) => Promise<SteadySocketError>;

/**
 * What the full entry (`steadysocket`) adds to the lean core (`steadysocket/core`): a hint per error
 * kind, the probe that diagnoses browser handshakes, and the monitor (log records, `stats()`,
 * diagnostics channels). The full entry fills this in when it loads; the core reads it, so a bundle
 * of the core alone carries none of them.
 */
export const extensions: { hints?: Partial<Record<ErrorKind, string>>; diagnose?: Diagnoser; Monitor?: typeof Monitor } = {};
