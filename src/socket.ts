import EventEmitter from 'eventemitter3';
import { backoffDelay, type BackoffOptions } from './backoff';
import { SteadySocketError } from './errors';
import { Heartbeat, type HeartbeatOwner } from './heartbeat';
import {
  checkProtocols,
  resolveOptions,
  type HeartbeatOptions,
  type MessageData,
  type ReconnectInfo,
  type ResolvedOptions,
  type SteadySocketOptions,
} from './options';
import { closeCodeRetryable, TRY_AGAIN_LATER_DELAY } from './policy';
import { checkData, SendQueue, type SendData } from './queue';
import { deliver, diagnose, isOnline, openTransport, watchEnvironment } from './runtime/node';
import type { Transport, TransportEvents } from './runtime/types';
import { canTransition, type SocketState } from './state';
import { normalizeUrl, redactUrl } from './url';

/** The events of a SteadySocket, with their arguments. */
export interface SteadySocketEvents {
  connecting: (event: { attempt: number }) => void;
  open: (event: { attempt: number; protocol: string }) => void;
  message: (data: MessageData) => void;
  close: (event: { code: number; reason: string; wasClean: boolean; willReconnect: boolean }) => void;
  reconnecting: (event: { attempt: number; delay: number; error?: SteadySocketError }) => void;
  error: (error: SteadySocketError) => void;
  state: (state: SocketState, previous: SocketState) => void;
  heartbeat: (event: { rtt: number }) => void;
}

/** A URL, or a function called before every attempt that returns one. */
export type UrlSource = string | (() => string | Promise<string>);

// How long a graceful close may wait for the peer's close frame before the socket is torn down.
const CLOSE_TIMEOUT = 2000;
const NONE: string[] = [];

/**
 * What the transport and the heartbeat report, handed to the socket's private handlers: one small
 * object per socket with shared methods instead of a closure per event per attempt, which kept about
 * half a kilobyte alive per idle connection. Handlers are reached by name to stay off the public API.
 */
class Link implements TransportEvents, HeartbeatOwner {
  constructor(private readonly socket: SteadySocket) {}
  open(protocol: string): void {
    this.socket['opened'](protocol);
  }
  message(data: MessageData): void {
    this.socket['received'](data);
  }
  pong(): void {
    this.socket['heartbeat']?.answered();
  }
  error(error: SteadySocketError): void {
    this.socket['transportFailed'](error);
  }
  close(code: number, reason: string, wasClean: boolean): void {
    this.socket['closed'](code, reason, wasClean);
  }
  ping(): void {
    this.socket['ping']();
  }
  dead(): void {
    this.socket['dead']();
  }
  answeredIn(rtt: number): void {
    this.socket.emit('heartbeat', { rtt });
  }
}

/**
 * A WebSocket that reconnects, keeps itself alive, buffers while offline and says why it failed.
 */
export class SteadySocket extends EventEmitter<SteadySocketEvents> {
  private readonly options: ResolvedOptions;
  private readonly source: UrlSource;
  /** Made at the first message that has to wait. */
  private queue?: SendQueue;
  /** The heartbeat options when heartbeats are application messages. */
  private readonly appHeartbeat?: HeartbeatOptions;
  private current: SocketState = 'connecting';
  private transport?: Transport;
  private heartbeat?: Heartbeat;
  private timer: unknown;
  /** When the current connection opened (clock ms); 0 when not open. */
  private openedAt = 0;
  private attemptCount = 0;
  /** Bumped whenever an attempt is abandoned: late callbacks of older attempts see a stale number. */
  private generation = 0;
  private lastUrl = '';
  private offered = NONE;
  /** When the current attempt started (clock ms): the diagnosis gets what is left of its budget. */
  private startedAt = 0;
  private readonly link = new Link(this);
  /** The error that ended the socket, for connected() calls after the end. */
  private ending?: SteadySocketError;
  /** Set by a transport error after open; reported with the close that follows. */
  private lost?: SteadySocketError;
  /** What the failure streak was diagnosed as; probes run once per streak. */
  private diagnosis?: SteadySocketError;
  private paused = false;
  private probe?: AbortController;
  private closing?: Promise<void>;
  private finishClose?: (code: number, reason: string, wasClean: boolean) => void;
  /** Callers of connected(); made at the first one. */
  private waiters?: [() => void, (error: SteadySocketError) => void][];
  private unwatch = (): void => {};

  /**
   * Starts connecting at once.
   * @throws SteadySocketError `invalid-url`, `invalid-protocols` or `invalid-options`, when `url` is a string.
   */
  constructor(url: UrlSource, options?: SteadySocketOptions) {
    super();
    this.options = resolveOptions(options);
    if (typeof url !== 'function') {
      this.lastUrl = normalizeUrl(url);
      if (typeof this.options.protocols !== 'function') this.offered = checkProtocols(this.options.protocols);
    }
    this.source = url;
    const { heartbeat } = this.options;
    if (heartbeat && heartbeat.message !== undefined) this.appHeartbeat = heartbeat;
    // On the next microtask, so listeners attached right after the constructor see the first
    // `connecting` (and its errors); close() or reconnect() before then take precedence.
    queueMicrotask(() => this.current === 'connecting' && !this.attemptCount && this.connect());
  }

  /** 'connecting' | 'open' | 'closing' | 'reconnecting' | 'closed'. */
  get state(): SocketState {
    return this.current;
  }

  /** The last URL used, with credentials and query values redacted. */
  get url(): string {
    return redactUrl(this.lastUrl);
  }

  /** The subprotocol the server chose; '' when none or not open. */
  get protocol(): string {
    return this.transport?.protocol ?? '';
  }

  /** Bytes waiting to be sent: the socket's own buffer plus the offline queue. */
  get bufferedAmount(): number {
    return (this.transport?.bufferedAmount ?? 0) + (this.queue?.bytes ?? 0);
  }

  /** The current attempt within this failure streak; 1 is the first, 0 once a connection has lasted. */
  get attempt(): number {
    return this.lasted() ? 0 : this.attemptCount;
  }

  /** Whether the open connection has stayed open `resetAfter` ms: the streak is over. */
  private lasted(): boolean {
    const { reconnect, clock } = this.options;
    return !!this.openedAt && !!reconnect && clock.now() - this.openedAt >= reconnect.resetAfter;
  }

  /**
   * Sends now when open; otherwise queues (in order, flushed on the next open) when `buffer` is on.
   * @throws SteadySocketError `invalid-data`, `buffer-full`, or `not-open` (closed, or buffer off).
   */
  send(data: SendData): void {
    checkData(data);
    if (this.current === 'open') return this.transport!.send(data);
    const { buffer } = this.options;
    if (this.current === 'closed' || this.current === 'closing' || !buffer) {
      throw new SteadySocketError('not-open', `cannot send while ${this.current}`);
    }
    (this.queue ??= new SendQueue(buffer.maxMessages, buffer.maxBytes)).push(data);
  }

  /** Resolves when open (at once if open); rejects with the error that ends the socket. */
  connected(): Promise<void> {
    if (this.current === 'open') return Promise.resolve();
    if (this.current === 'closed' || this.current === 'closing') {
      return Promise.reject(this.ending ?? new SteadySocketError('closed', 'socket is closed'));
    }
    return new Promise((resolve, reject) => (this.waiters ??= []).push([resolve, reject]));
  }

  /**
   * Closes for good: no reconnect. Resolves when the socket is closed and every timer cleared.
   * @param code 1000 or 3000-4999 (what browsers allow). Default 1000.
   * @throws SteadySocketError `invalid-data` for any other code.
   */
  close(code = 1000, reason = ''): Promise<void> {
    if (code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
      throw new SteadySocketError('invalid-data', `close code must be 1000 or 3000-4999, got ${code}`);
    }
    if (this.closing) return this.closing;
    if (this.current === 'closed') return Promise.resolve();
    const transport = this.current === 'open' ? this.transport : undefined;
    this.end(new SteadySocketError('closed', 'close() was called', { code }), transport);
    if (!transport) return Promise.resolve();
    return (this.closing = new Promise<void>((resolve) => {
      this.finishClose = (closeCode, closeReason, wasClean) => {
        this.drop();
        this.closing = this.finishClose = undefined;
        this.move('closed');
        this.emit('close', { code: closeCode, reason: closeReason, wasClean, willReconnect: false });
        resolve();
      };
      this.timer = this.options.clock.setTimeout(() => this.finishClose?.(1006, '', false), CLOSE_TIMEOUT);
      transport.close(code, reason);
    }));
  }

  /** Drops the current connection (if any) and connects again now, also after the socket ended. */
  reconnect(): void {
    if (this.closing) return;
    const wasOpen = this.current === 'open';
    this.drop();
    this.attemptCount = 0;
    this.diagnosis = this.ending = undefined;
    if (wasOpen) this.emit('close', { code: 1000, reason: 'reconnect', wasClean: true, willReconnect: true });
    if (this.current !== 'closed' && this.current !== 'connecting') this.wait(0, undefined, false);
    this.connect();
  }

  /** Starts one connection attempt. */
  private connect(): void {
    const { clock, connectTimeout, protocols } = this.options;
    this.drop();
    if (this.current === 'closed' || this.attemptCount === 0) this.watch();
    this.paused = false;
    const generation = this.generation;
    const attempt = ++this.attemptCount;
    this.move('connecting');
    this.emit('connecting', { attempt });
    this.startedAt = clock.now();
    // The budget covers the URL and protocols functions too: a hung token fetch must not hang us.
    this.timer = clock.setTimeout(
      () => this.fail(new SteadySocketError('timeout', `no handshake within connectTimeout (${connectTimeout} ms)`, { attempt })),
      connectTimeout,
    );
    Promise.all([
      typeof this.source === 'function' ? this.source() : this.source,
      typeof protocols === 'function' ? protocols() : protocols,
    ])
      .then(
        ([url, offered]) => {
          if (generation !== this.generation) return;
          this.lastUrl = normalizeUrl(url);
          this.offered = checkProtocols(offered);
          this.transport = openTransport(
            {
              url: this.lastUrl,
              protocols: this.offered,
              binaryType: this.options.binaryType,
              attempt,
              WebSocket: this.options.WebSocket,
              nodeOptions: this.options.nodeOptions,
            },
            this.link,
          );
        },
        (cause: unknown) => {
          // A function's own failure may pass (a token service down): retried. A bad value is final.
          throw cause instanceof SteadySocketError
            ? cause
            : new SteadySocketError('invalid-url', `url or protocols function failed: ${String(cause)}`, { cause, retryable: true });
        },
      )
      .catch((cause: unknown) => {
        if (generation !== this.generation) return;
        this.fail(
          cause instanceof SteadySocketError
            ? cause
            : new SteadySocketError('invalid-options', `WebSocket constructor failed: ${String(cause)}`, { cause, attempt }),
        );
      });
  }

  /** Before open: the attempt failed. After open: the error that explains the close to come. */
  private transportFailed(error: SteadySocketError): void {
    if (this.current === 'connecting') this.failed(error);
    else this.lost = error;
  }

  private failed(error: SteadySocketError): void {
    const { clock, connectTimeout, diagnose: wanted } = this.options;
    if (error.kind !== 'unknown' || !wanted) return this.fail(error);
    const known = this.diagnosis;
    if (known) {
      // Not probed again, so not proven again: the streak's diagnosis is the likely candidate.
      return this.fail(
        new SteadySocketError('unknown', `handshake failed again; attempt ${known.attempt} was diagnosed as ${known.kind}${known.status ? ' ' + known.status : ''}`, {
          attempt: this.attemptCount,
          candidates: known.candidates ?? [known.kind],
        }),
      );
    }
    // Once per failure streak, find out what the browser would not say, within the attempt's budget.
    this.diagnosis = error;
    const generation = this.generation;
    clock.clearTimeout(this.timer);
    this.transport?.destroy();
    this.transport = undefined;
    const probe = (this.probe = new AbortController());
    diagnose({
      url: this.lastUrl,
      protocols: this.offered,
      attempt: this.attemptCount,
      budget: connectTimeout - (clock.now() - this.startedAt),
      signal: probe.signal,
      WebSocket: (this.options.WebSocket ?? globalThis.WebSocket) as never,
    }).then(
      (found) => {
        if (generation !== this.generation) return;
        this.diagnosis = found;
        this.fail(found);
      },
      () => generation === this.generation && this.fail(error),
    );
  }

  private opened(protocol: string): void {
    const { clock, heartbeat } = this.options;
    const attempt = this.attemptCount;
    // Firefox opens even when the server ignored every offered subprotocol (protocol === '').
    if (this.offered.length && !this.offered.includes(protocol)) {
      return this.fail(
        new SteadySocketError('subprotocol-mismatch', `server chose no subprotocol of ${this.offered.join(', ')}`, {
          attempt,
          header: 'sec-websocket-protocol',
        }),
      );
    }
    clock.clearTimeout(this.timer);
    // A cleared timer still held would keep its object alive for the whole connection.
    this.timer = this.diagnosis = undefined;
    this.openedAt = clock.now();
    const transport = this.transport!;
    if (heartbeat && (this.appHeartbeat || transport.ping)) {
      this.heartbeat = new Heartbeat(heartbeat.interval, heartbeat.timeout, clock, this.link);
    }
    this.move('open');
    // Queued messages go first, before anything an open listener sends.
    this.queue?.flush((data) => transport.send(data));
    const waiters = this.waiters;
    this.waiters = undefined;
    waiters?.forEach(([resolve]) => resolve());
    this.emit('open', { attempt, protocol });
  }

  private ping(): void {
    const app = this.appHeartbeat;
    if (!app) return this.transport!.ping!();
    this.transport!.send(typeof app.message === 'function' ? app.message() : app.message!);
  }

  private dead(): void {
    const { timeout } = this.options.heartbeat as HeartbeatOptions;
    this.lost = new SteadySocketError('heartbeat-timeout', `no heartbeat answer within ${timeout} ms`, { attempt: this.attemptCount });
    this.closed(1006, '', false);
  }

  /** The hot path of every incoming message: one check, one emit. */
  private received(data: MessageData): void {
    const app = this.appHeartbeat;
    if (app) {
      // Without isPong any message proves the peer alive; with it, only pongs count and stay hidden.
      if (!app.isPong) this.heartbeat?.answered();
      else if (app.isPong(data)) return this.heartbeat?.answered();
    }
    deliver(this, data);
  }

  /** The open connection ended: peer close, lost link or dead heartbeat. */
  private closed(code: number, reason: string, wasClean: boolean): void {
    if (this.finishClose) return this.finishClose(code, reason, wasClean);
    if (this.lasted()) this.attemptCount = 0;
    const error = this.lost;
    this.drop();
    if (error) this.emit('error', error);
    const retry = this.wants({ code, reason, error, attempt: this.attemptCount });
    const willReconnect = retry && this.attemptsLeft();
    this.emit('close', { code, reason, wasClean, willReconnect });
    if (willReconnect) return this.retry(code, error);
    this.giveUp(retry, error ?? new SteadySocketError('closed', `server closed the connection (${code}${reason ? ' ' + reason : ''})`, { code }));
  }

  /** The attempt failed before open. */
  private fail(error: SteadySocketError): void {
    this.drop();
    this.emit('error', error);
    const retry = this.wants({ code: error.code ?? 1006, reason: '', error, attempt: this.attemptCount });
    if (retry && this.attemptsLeft()) return this.retry(error.code ?? 1006, error);
    this.giveUp(retry, error);
  }

  /** Whether the policy (or the user's shouldReconnect) wants another attempt. */
  private wants(info: ReconnectInfo): boolean {
    const { reconnect } = this.options;
    if (!reconnect) return false;
    if (reconnect.shouldReconnect) return reconnect.shouldReconnect(info);
    return info.error ? info.error.retryable : closeCodeRetryable(info.code);
  }

  private attemptsLeft(): boolean {
    return this.options.reconnect !== false && this.attemptCount < this.options.reconnect.maxAttempts;
  }

  private retry(code: number, error?: SteadySocketError): void {
    const floor = code === 1013 ? TRY_AGAIN_LATER_DELAY : (error?.retryAfter ?? 0);
    this.wait(backoffDelay(this.attemptCount + 1, this.options.reconnect as BackoffOptions, floor), error);
  }

  /** Ends the socket; when the policy wanted more attempts than allowed, says so. */
  private giveUp(wanted: boolean, error: SteadySocketError): void {
    if (wanted) {
      error = new SteadySocketError('max-attempts', `gave up after ${this.attemptCount} attempts; last: ${error.kind}`, {
        attempt: this.attemptCount,
        cause: error,
      });
      this.emit('error', error);
    }
    this.end(error);
  }

  /** Enters `reconnecting`; schedules the next attempt unless the caller makes it itself. */
  private wait(delay: number, error?: SteadySocketError, schedule = true): void {
    this.move('reconnecting');
    this.emit('reconnecting', { attempt: this.attemptCount + 1, delay, error });
    // A listener may have closed the socket. Offline, an attempt would only fail: wait for online.
    if (this.current !== 'reconnecting' || !schedule) return;
    if (!isOnline()) this.paused = true;
    else this.timer = this.options.clock.setTimeout(() => this.connect(), delay);
  }

  private watch(): void {
    this.unwatch();
    this.unwatch = watchEnvironment({
      online: () => this.current === 'reconnecting' && this.connect(),
      offline: () => this.heartbeat?.check(),
      visible: () => (this.current === 'reconnecting' && !this.paused ? this.connect() : this.heartbeat?.check()),
    });
  }

  /** Abandons the current attempt or connection and every timer, silently. */
  private drop(keep?: Transport): void {
    const { clock } = this.options;
    this.generation++;
    this.openedAt = 0;
    clock.clearTimeout(this.timer);
    this.probe?.abort();
    this.heartbeat?.stop();
    this.heartbeat = this.probe = this.lost = undefined;
    if (this.transport !== keep) this.transport?.destroy();
    this.transport = keep;
  }

  /** Stops for good: rejects waiters; keeps `keep` open for a graceful close. */
  private end(error: SteadySocketError, keep?: Transport): void {
    this.drop(keep);
    this.unwatch();
    this.ending = error;
    this.move(keep ? 'closing' : 'closed');
    const waiters = this.waiters;
    this.waiters = undefined;
    waiters?.forEach(([, reject]) => reject(error));
  }

  private move(next: SocketState): void {
    const previous = this.current;
    if (previous === next) return;
    if (!canTransition(previous, next)) throw new Error(`steadysocket: no transition ${previous} -> ${next}`);
    this.current = next;
    this.emit('state', next, previous);
  }
}
