import type { ErrorKind } from './errors';
import type { SocketState } from './state';

// The public shapes of monitoring: log records and their sinks, and the `stats()` snapshot. The
// monitor (src/monitor.ts) makes them; docs/monitoring.md documents them
// field by field.

/** How much a record matters, from `debug` (every attempt, payloads) to `error` (the socket gave up). */
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
  /** How much it matters. */
  level: LogLevel;
  /** What happened: one of a closed set (`LogEvent`). */
  event: LogEvent;
  /** One line a person can read and grep: the event and its fields as `key=value` pairs (logfmt). */
  message: string;
  /** The socket's short id (`socket.id`). */
  socket: string;
  /** The attempt number within the failure streak (as `socket.attempt`). */
  attempt: number;
  /** The socket's state when the record was made. */
  state: SocketState;
  /** The event's own fields (docs/monitoring.md lists them per event). */
  [field: string]: unknown;
}

/** A sink for records: console-shaped (`console`, winston, ...), or a function taking the record. */
export type Logger = Record<LogLevel, (message: string, fields: object) => void> | ((record: LogRecord) => void);

/** Round trips of the heartbeat, ms. `avg` is an EWMA (weight 1/8, as TCP's smoothed RTT). */
export interface RttStats {
  /** The latest round trip, ms. */
  last: number;
  /** The shortest, ms. */
  min: number;
  /** The longest, ms. */
  max: number;
  /** The smoothed average, ms. */
  avg: number;
}

/** A snapshot of one socket (docs/monitoring.md, field by field). */
export interface SocketStats {
  /** As `socket.state`. */
  state: SocketState;
  /** ms in this state. */
  since: number;
  /** As `socket.attempt`: the attempt within the failure streak, 0 once a connection lasted. */
  attempt: number;
  /** Connections opened. */
  connects: number;
  /** Reconnects scheduled: `reconnecting` events. */
  reconnects: number;
  /** `error` events by kind. */
  failures: Partial<Record<ErrorKind, number>>;
  /** `close` events by close code. */
  closes: Record<number, number>;
  /** The last failure; after the socket gave up, the failure that made it give up (not `max-attempts`). */
  lastError?: {
    /** Its kind. */
    kind: ErrorKind;
    /** The HTTP status of the handshake response, when there was one. */
    status?: number;
    /** Epoch ms. */
    at: number;
  };
  /** The last `close` event. */
  lastClose?: {
    /** The close code. */
    code: number;
    /** The close reason. */
    reason: string;
    /** Whether the closing handshake completed. */
    wasClean: boolean;
    /** Epoch ms. */
    at: number;
  };
  /** Epoch ms the open connection opened; absent while not open. */
  connectedAt?: number;
  /** ms spent open, all connections together. */
  uptime: number;
  /** ms spent connecting or waiting to reconnect. */
  downtime: number;
  /** From the heartbeat; absent until one was answered. */
  rtt?: RttStats;
  /** Heartbeats of every connection. */
  heartbeats: {
    /** Pings sent; with `heartbeat.mode: 'server'`, answers to the server's pings. */
    sent: number;
    /** Heartbeat timeouts. */
    missed: number;
  };
  /** Messages delivered to `message` listeners (heartbeat answers excluded). */
  messagesIn: number;
  /** Messages handed to a connection (queued ones when flushed). */
  messagesOut: number;
  /** Payload bytes received: binary as sent, text as UTF-8 in Node and as its length in browsers. */
  bytesIn: number;
  /** Payload bytes sent, counted as `bytesIn`. */
  bytesOut: number;
  /** The offline queue. */
  queued: {
    /** Messages waiting. */
    messages: number;
    /** Their bytes (UTF-8 for text). */
    bytes: number;
  };
  /** As `socket.bufferedAmount`: the socket's own buffer plus the offline queue. */
  bufferedAmount: number;
  /** ms until the next attempt while reconnecting with one scheduled; absent otherwise. */
  nextAttemptIn?: number;
}
