import type { SteadySocketError } from './errors';
import type { Announcement } from './events';
import type { ResolvedOptions } from './options';
import type { SocketStats, LogEvent, LogLevel } from './records';
import type { SocketState } from './state';

// What the full entry (`steadysocket`) adds to the lean core (`steadysocket/core`): the probe that
// diagnoses browser handshakes and the monitor (log records, `stats()`, diagnostics channels). The
// core defines the shapes and reads `extensions`; the full entry fills it in when it loads (and hands
// errors their hints, src/errors.ts). Imports run one way, from the full entry to the core, so a bundle
// of the core alone carries none of them.

/** What the probe gets: the attempt that failed, and what is left of its connect budget. */
export interface DiagnoseContext {
  url: string;
  protocols: string[];
  attempt: number;
  /** ms the probes may take, all together. */
  budget: number;
  signal: AbortSignal;
  WebSocket: new (url: string, protocols?: string[]) => {
    onopen: (() => void) | null;
    onerror: (() => void) | null;
    onclose: (() => void) | null;
    close(code?: number): void;
  };
}

/** Finds out why a browser handshake failed; never rejects (the worst answer is `unknown`). */
export type Diagnoser = (context: DiagnoseContext) => Promise<SteadySocketError>;

/** What the monitor reads of the session it watches. */
export interface Watched {
  readonly state: SocketState;
  readonly attempt: number;
  readonly url: string;
  readonly id: string;
  readonly ending?: SteadySocketError;
  readonly socket: { listenerCount(event: 'error'): number };
  readonly options: ResolvedOptions;
}

/** What the core hands the monitor: counters it bumps, records and announcements, the snapshot it asks for. */
export interface Watcher {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  pings: number;
  /** Whether a connection is open (or closing): an error now is the connection's, not a handshake's. */
  readonly live: boolean;
  readonly session: Watched;
  log(level: LogLevel, event: LogEvent, fields?: object): void;
  payload(event: 'send' | 'receive', data: unknown, bytes: number): void;
  note(entry: Announcement): void;
  stats(queued: SocketStats['queued'], bufferedAmount: number): SocketStats;
}

export const extensions: { diagnose?: Diagnoser; Monitor?: new (session: Watched) => Watcher } = {};
