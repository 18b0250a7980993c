import type { ErrorKind } from './errors';
import type { SocketState } from './state';

// The public shapes of monitoring: log records and their sinks, and the `stats()` snapshot. The
// monitor (src/monitor.ts) makes them; docs/monitoring.md documents them
// field by field.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The closed set of `event` names a log record may have (docs/monitoring.md, "Logging"): the socket's own events,
 * plus `give-up`, `queue-full`, the page's `offline`/`online`/`visible`/`pagehide`/`pageshow`,
 * `resume` (the machine slept), and `send`/`receive` (payloads).
 */
export type LogEvent =
  | 'connecting'
  | 'open'
  | 'error'
  | 'close'
  | 'reconnecting'
  | 'heartbeat'
  | 'closed'
  | 'give-up'
  | 'queue-full'
  | 'offline'
  | 'online'
  | 'visible'
  | 'resume'
  | 'pagehide'
  | 'pageshow'
  | 'send'
  | 'receive';

/** One log record. Never holds a secret: URLs are redacted, header values and payloads left out. */
export interface LogRecord {
  /** Epoch ms. */
  time: number;
  level: LogLevel;
  event: LogEvent;
  message: string;
  /** The socket's short id (`socket.id`). */
  socket: string;
  /** The attempt number within the failure streak (as `socket.attempt`). */
  attempt: number;
  state: SocketState;
  [field: string]: unknown;
}

/** A sink for records: console-shaped (`console`, winston, ...), or a function taking the record. */
export type Logger = Record<LogLevel, (message: string, fields: object) => void> | ((record: LogRecord) => void);

/** Round trips of the heartbeat, ms. `avg` is an EWMA (weight 1/8, as TCP's smoothed RTT). */
export interface RttStats {
  last: number;
  min: number;
  max: number;
  avg: number;
}

/** A snapshot of one socket (docs/monitoring.md, field by field). */
export interface SocketStats {
  state: SocketState;
  /** ms in this state. */
  since: number;
  attempt: number;
  /** Connections opened. */
  connects: number;
  /** Reconnects scheduled: `reconnecting` events. */
  reconnects: number;
  /** `error` events by kind. */
  failures: Partial<Record<ErrorKind, number>>;
  /** `close` events by close code. */
  closes: Record<number, number>;
  lastError?: { kind: ErrorKind; status?: number; at: number };
  lastClose?: { code: number; reason: string; wasClean: boolean; at: number };
  /** Epoch ms the open connection opened; absent while not open. */
  connectedAt?: number;
  /** ms spent open, all connections together. */
  uptime: number;
  /** ms spent connecting or waiting to reconnect. */
  downtime: number;
  /** From the heartbeat; absent until one was answered. */
  rtt?: RttStats;
  heartbeats: { sent: number; missed: number };
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** The offline queue. */
  queued: { messages: number; bytes: number };
  bufferedAmount: number;
  /** ms until the next attempt while reconnecting; absent otherwise. */
  nextAttemptIn?: number;
}
