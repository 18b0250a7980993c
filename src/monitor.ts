import { publish } from '#runtime';
import type { ErrorKind, SteadySocketError } from './errors';
import type { SteadySocketEvents } from './events';
import { apply, type ResolvedOptions } from './options';
import type { SocketState } from './state';
import { maskProtocols } from './url';

/** An event as the session announces it: its name and arguments. */
export type Announcement = { [K in keyof SteadySocketEvents]: [K, ...Parameters<SteadySocketEvents[K]>] }[keyof SteadySocketEvents];

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The closed set of `event` names a log record may have (README, "Logging"): the socket's own events,
 * plus `give-up`, `queue-full`, the page's `offline`/`online`/`visible`, and `send`/`receive` (payloads).
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

/** A snapshot of one socket (README, "Monitoring", field by field). */
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

/** What the monitor reads of the session it watches. */
export interface Watched {
  readonly state: SocketState;
  readonly attempt: number;
  readonly url: string;
  readonly id: string;
  readonly ending?: SteadySocketError;
}


export const LEVELS: readonly (LogLevel | 'silent')[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** The logging options' rules, in the options' schema form. */
const RULES = {
  logger: [
    undefined,
    (value: Record<LogLevel, unknown>) =>
      typeof value !== 'boolean' &&
      typeof value !== 'function' &&
      LEVELS.some((level) => level !== 'silent' && typeof value?.[level] !== 'function') &&
      'must be true, a function, or an object with debug, info, warn and error methods',
  ],
  logLevel: ['warn', LEVELS],
  logPayloads: [false, [true, false]],
} as const;

/** ` key=value` pairs (logfmt) for a record's message: one line a person can read and grep. */
const logfmt = (fields: object): string =>
  Object.entries(fields)
    .map(([key, value]) => (value === undefined ? '' : ` ${key}=${/[\s"=]|^$/.test((value = String(value))) ? JSON.stringify(value) : value}`))
    .join('');

/** The parts of `stats()` that only events change. */
type Tally = Omit<SocketStats, 'state' | 'since' | 'attempt' | 'queued' | 'bufferedAmount' | 'nextAttemptIn'>;

/**
 * Counts and tells what a socket does. Every announcement passes through `note` when it is committed,
 * so the numbers of `stats()`, the log records and the diagnostics channels all come from the events
 * the listeners see, in their order: they agree by construction. The message counters are bumped by
 * the connection and `send()` directly.
 */
export class Monitor {
  readonly tally: Tally = {
    connects: 0,
    reconnects: 0,
    failures: {},
    closes: {},
    uptime: 0,
    downtime: 0,
    heartbeats: { sent: 0, missed: 0 },
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
  };
  /** Safe headers of the 101 that just opened, for the `open` channel (Node). */
  responseHeaders?: Record<string, string>;
  /** When the current attempt started (clock ms). */
  attemptAt = 0;
  #changedAt: number;
  #retryAt = 0;
  #warned?: boolean;
  readonly #sink?: (record: LogRecord) => void;
  readonly #least: number;
  /** Whether messages are logged with their payloads (`logPayloads` and level debug). */
  readonly tapping: boolean;

  constructor(
    readonly session: Watched,
    readonly socket: { listenerCount(event: 'error'): number },
    private readonly options: ResolvedOptions,
  ) {
    const { logger, logLevel, logPayloads } = options;
    apply({ logger, logLevel, logPayloads }, RULES as never, '');
    this.#changedAt = options.clock.now();
    this.#least = LEVELS.indexOf(logLevel);
    if (logger)
      this.#sink =
        typeof logger === 'function'
          ? logger
          : ({ level, message, ...fields }) =>
              // The console gets one line (the message has every field); other loggers the fields too.
              logger === true ? console[level](`[steadysocket ${fields.socket}] ${message}`) : logger[level](message, fields);
    this.tapping = logPayloads && this.logs('debug');
  }

  /** Whether a record at `level` goes anywhere. */
  logs(level: LogLevel): boolean {
    return !!this.#sink && LEVELS.indexOf(level) >= this.#least;
  }

  /** Makes a record (its message: the event and its fields) and hands it to the logger. */
  log(level: LogLevel, event: LogEvent, fields: object = {}): void {
    if (!this.logs(level)) return;
    const { session } = this;
    try {
      this.#sink!({ time: Date.now(), level, event, message: event + logfmt(fields), socket: this.session.id, attempt: session.attempt, state: session.state, ...fields });
    } catch {
      // A logger that throws must not break the socket it watches.
    }
  }

  /** A `send`/`receive` record with the payload, capped at 200 characters; only while `tapping`. */
  payload(event: 'send' | 'receive', data: unknown, bytes: number): void {
    this.log('debug', event, { bytes, data: typeof data === 'string' ? (data.length > 200 ? data.slice(0, 200) + '…' : data) : '<binary>' });
  }

  /**
   * An announcement was committed: count it, log it, publish it (diagnostics channels, Node). A record
   * has the event's name and arguments, with an error reduced to what is safe to log.
   */
  note(entry: Announcement): void {
    const now = this.options.clock.now();
    const at = Date.now();
    const { session, tally } = this;
    const url = session.url;
    // An error while a connection is open is the connection's; before, the handshake's.
    const live = tally.connectedAt;
    const duration = now - this.attemptAt;
    const [name, detail] = entry;
    let event: LogEvent = name as LogEvent;
    let level: LogLevel = 'info';
    let fields: object = detail as object;
    publish(this, entry, duration);
    switch (name) {
      case 'state': {
        const previous = entry[2];
        if (previous === 'open' || previous === 'closing') tally.uptime += now - this.#changedAt;
        else if (previous !== 'closed') tally.downtime += now - this.#changedAt;
        this.#changedAt = now;
        if (detail !== 'closed') return;
        const ending = session.ending;
        fields = {};
        if (ending && ending.kind !== 'closed') {
          event = 'give-up';
          level = 'error';
          fields = { kind: ending.kind, error: ending.message };
          // Nobody would otherwise hear that the socket is gone for good.
          if (!this.#sink && !this.#warned && !this.socket.listenerCount('error')) {
            this.#warned = true;
            console.warn(`[steadysocket ${this.session.id}] ${url} gave up: ${ending}`);
          }
        } else event = 'closed';
        break;
      }
      case 'connecting':
        this.attemptAt = now;
        level = 'debug';
        fields = { ...detail, url };
        break;
      case 'open':
        tally.connects++;
        tally.connectedAt = at;
        fields = { ...detail, protocol: maskProtocols([detail.protocol])[0], duration, url };
        break;
      case 'close': {
        const { code, wasClean } = detail;
        tally.connectedAt = undefined;
        tally.closes[code] = (tally.closes[code] ?? 0) + 1;
        tally.lastClose = { code, reason: detail.reason, wasClean, at };
        if (!wasClean) level = 'warn';
        break;
      }
      case 'reconnecting': {
        tally.reconnects++;
        this.#retryAt = now + detail.delay;
        fields = { ...detail, error: detail.error?.kind };
        break;
      }
      case 'error': {
        // eslint-disable-next-line @typescript-eslint/no-unused-vars -- left out: header values may be secrets
        const { kind, status, headers, name, ...safe } = detail;
        tally.failures[kind] = (tally.failures[kind] ?? 0) + 1;
        tally.lastError = { kind, status, at };
        if (kind === 'heartbeat-timeout') tally.heartbeats.missed++;
        // max-attempts and a server's final close come with their give-up record.
        if (kind === 'max-attempts' || kind === 'closed') return;
        // One record carries the whole diagnosis; header values never (they may be secrets).
        level = 'warn';
        fields = { kind, status, ...safe, error: detail.message, duration: live ? undefined : duration, url };
        break;
      }
      case 'heartbeat': {
        const { rtt } = detail;
        const last = tally.rtt ?? { min: rtt, max: rtt, avg: rtt };
        tally.rtt = { last: rtt, min: Math.min(last.min, rtt), max: Math.max(last.max, rtt), avg: last.avg + (rtt - last.avg) / 8 };
        level = 'debug';
        break;
      }
      default:
        return;
    }
    this.log(level, event, fields);
  }

  /**
   * The snapshot; `queued` and `bufferedAmount` are what only the session knows. The tables are
   * copied; `rtt`, `lastError` and `lastClose` are replaced, never changed, so they are shared.
   */
  stats(queued: SocketStats['queued'], bufferedAmount: number): SocketStats {
    const now = this.options.clock.now();
    const { state, attempt } = this.session;
    const since = now - this.#changedAt;
    const { tally } = this;
    const open = state === 'open' || state === 'closing';
    return {
      ...tally,
      state,
      since,
      attempt,
      failures: { ...tally.failures },
      closes: { ...tally.closes },
      heartbeats: { ...tally.heartbeats },
      uptime: tally.uptime + (open ? since : 0),
      downtime: tally.downtime + (open || state === 'closed' ? 0 : since),
      queued,
      bufferedAmount,
      nextAttemptIn: state === 'reconnecting' ? Math.max(0, this.#retryAt - now) : undefined,
    };
  }
}
