import { publish } from '#runtime';
import type { Announcement } from './events';
import type { Watched, Watcher } from './extensions';
import { apply } from './options';
import type { LogEvent, LogLevel, RttStats, SocketStats } from './records';
import { maskProtocols } from './url';

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

/** Failures and closes, made at the first of either: a connection that never failed has none. */
interface Past {
  failures: SocketStats['failures'];
  closes: SocketStats['closes'];
  lastError?: SocketStats['lastError'];
  lastClose?: SocketStats['lastClose'];
  /** When the scheduled attempt starts (clock ms); undefined while none is (waiting for the page to come back). */
  retryAt?: number;
  reconnects: number;
  missed: number;
  /** The give-up warning was printed. */
  warned?: boolean;
}

// Times are kept as int32 clock ms (`| 0`), and only their differences are used, taken `| 0` too:
// right modulo 2^32, so for any span under 24 days. V8 keeps such small integers in the object
// itself, where epoch ms would each take a boxed number: an idle socket's bytes count.
const EPOCH = Date.now();

/**
 * Counts and tells what a socket does. Every announcement passes through `note` when it is committed,
 * so the numbers of `stats()`, the log records and the diagnostics channels all come from the events
 * the listeners see, in their order: they agree by construction. The message counters are bumped by
 * the connection and `send()` directly. Plain fields, the rest made when first needed: thousands of
 * idle sockets each carry one.
 */
export class Monitor implements Watcher {
  connects = 0;
  messagesIn = 0;
  messagesOut = 0;
  bytesIn = 0;
  bytesOut = 0;
  uptime = 0;
  downtime = 0;
  pings = 0;
  rtt?: RttStats;
  /** When the current attempt started, and when the state last changed (clock ms since EPOCH). */
  attemptAt: number;
  #changedAt: number;
  #past?: Past;

  constructor(readonly session: Watched) {
    const { logger, logLevel, logPayloads } = session.options;
    apply({ logger, logLevel, logPayloads }, RULES as never, '');
    this.attemptAt = this.#changedAt = this.#now();
  }

  /**
   * A connection is open (or closing): an error now is the connection's, not a handshake's. Every
   * connection that opens ends with one `close`, so this is counted rather than kept.
   */
  get live(): boolean {
    let closes = 0;
    for (const count of Object.values(this.#past?.closes ?? {})) closes += count;
    return this.connects > closes;
  }

  #now(): number {
    return (this.session.options.clock.now() - EPOCH) | 0;
  }

  /** Whether a record at `level` goes anywhere. The options are read each time: a socket keeps no copy. */
  logs(level: LogLevel): boolean {
    const { logger, logLevel } = this.session.options;
    return !!logger && LEVELS.indexOf(level) >= LEVELS.indexOf(logLevel);
  }

  /** Makes a record (its message: the event and its fields) and hands it to the logger. */
  log(level: LogLevel, event: LogEvent, fields: object = {}): void {
    if (!this.logs(level)) return;
    const { session } = this;
    const logger = session.options.logger!;
    const message = event + logfmt(fields);
    const record = { time: Date.now(), event, socket: session.id, attempt: session.attempt, state: session.state, ...fields };
    try {
      if (typeof logger === 'function') logger({ level, message, ...record });
      // The console gets one line (the message has every field); other loggers the fields too.
      else if (logger === true) console[level](`[steadysocket ${session.id}] ${message}`);
      else if (logger) logger[level](message, record);
    } catch {
      // A logger that throws must not break the socket it watches.
    }
  }

  /** A `send`/`receive` record with the payload, capped at 200 characters (`logPayloads`, level debug). */
  payload(event: 'send' | 'receive', data: unknown, bytes: number): void {
    if (this.logs('debug')) this.log('debug', event, { bytes, data: typeof data === 'string' ? (data.length > 200 ? data.slice(0, 200) + '…' : data) : '<binary>' });
  }

  /**
   * An announcement was committed: count it, log it, publish it (diagnostics channels, Node). A record
   * has the event's name and arguments, with an error reduced to what is safe to log.
   */
  note(entry: Announcement): void {
    const now = this.#now();
    const at = Date.now();
    const { session } = this;
    const url = session.url;
    const past = (this.#past ??= entry[0] === 'error' || entry[0] === 'close' || entry[0] === 'reconnecting' ? { failures: {}, closes: {}, reconnects: 0, missed: 0 } : undefined);
    const duration = (now - this.attemptAt) | 0;
    const [name, detail] = entry;
    let event: LogEvent = name as LogEvent;
    let level: LogLevel = 'info';
    let fields: object = detail as object;
    publish(this, entry, duration);
    switch (name) {
      case 'state': {
        const previous = entry[2];
        const spent = (now - this.#changedAt) | 0;
        if (previous === 'open' || previous === 'closing') this.uptime += spent;
        else if (previous !== 'closed') this.downtime += spent;
        this.#changedAt = now;
        // A `reconnecting` event (with its delay) follows unless the wait has no timer (pagehide).
        if (past) past.retryAt = undefined;
        if (detail !== 'closed') return;
        const ending = session.ending;
        fields = {};
        if (ending && ending.kind !== 'closed') {
          event = 'give-up';
          level = 'error';
          fields = { kind: ending.kind, error: ending.message };
          // Nobody would otherwise hear that the socket is gone for good.
          if (!session.options.logger && past && !past.warned && !session.socket.listenerCount('error')) {
            past.warned = true;
            console.warn(`[steadysocket ${session.id}] ${url} gave up: ${ending}`);
          }
        } else event = 'closed';
        break;
      }
      case 'connecting':
        this.attemptAt = now;
        level = 'debug';
        // A `url` function's answer is not known yet: the URL shows on `open` or `error`.
        fields = { ...detail, url: url || undefined };
        break;
      case 'open':
        this.connects++;
        fields = { ...detail, protocol: maskProtocols([detail.protocol])[0], duration, url };
        break;
      case 'close': {
        const { code, wasClean } = detail;
        past!.closes[code] = (past!.closes[code] ?? 0) + 1;
        past!.lastClose = { code, reason: detail.reason, wasClean, at };
        if (!wasClean) level = 'warn';
        break;
      }
      case 'reconnecting': {
        past!.reconnects++;
        past!.retryAt = (now + detail.delay) | 0;
        fields = { ...detail, error: detail.error?.kind };
        break;
      }
      case 'error': {
        // eslint-disable-next-line @typescript-eslint/no-unused-vars -- left out: header values may be secrets
        const { kind, status, headers, name, ...safe } = detail;
        past!.failures[kind] = (past!.failures[kind] ?? 0) + 1;
        // max-attempts and a server's final close come with their give-up record; lastError keeps
        // the failure that explains them (the 503, not `max-attempts`).
        if (kind === 'max-attempts' || kind === 'closed') return;
        past!.lastError = { kind, status, at };
        if (kind === 'heartbeat-timeout') past!.missed++;
        // One record carries the whole diagnosis; header values never (they may be secrets).
        level = 'warn';
        fields = { kind, status, ...safe, error: detail.message, duration: this.live ? undefined : duration, url };
        break;
      }
      case 'heartbeat': {
        const { rtt } = detail;
        const last = this.rtt ?? { min: rtt, max: rtt, avg: rtt };
        this.rtt = { last: rtt, min: Math.min(last.min, rtt), max: Math.max(last.max, rtt), avg: last.avg + (rtt - last.avg) / 8 };
        level = 'debug';
        break;
      }
      default:
        return;
    }
    this.log(level, event, fields);
  }

  /** The snapshot, copied: changing it changes nothing. `queued` and `bufferedAmount` are the session's. */
  stats(queued: SocketStats['queued'], bufferedAmount: number): SocketStats {
    const now = this.#now();
    const { state, attempt } = this.session;
    const since = (now - this.#changedAt) | 0;
    const past = this.#past;
    const open = state === 'open' || state === 'closing';
    const copy = <T extends object>(value: T | undefined): T | undefined => value && { ...value };
    return {
      state,
      since,
      attempt,
      connects: this.connects,
      reconnects: past?.reconnects ?? 0,
      failures: { ...past?.failures },
      closes: { ...past?.closes },
      lastError: copy(past?.lastError),
      lastClose: copy(past?.lastClose),
      connectedAt: state === 'open' ? Date.now() - since : undefined,
      uptime: this.uptime + (open ? since : 0),
      downtime: this.downtime + (open || state === 'closed' ? 0 : since),
      rtt: copy(this.rtt),
      heartbeats: { sent: this.pings, missed: past?.missed ?? 0 },
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      queued,
      bufferedAmount,
      nextAttemptIn: state === 'reconnecting' && past?.retryAt !== undefined ? Math.max(0, (past.retryAt - now) | 0) : undefined,
    };
  }
}
