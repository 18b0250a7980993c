import type EventEmitter from 'eventemitter3';
import { isOnline, watchEnvironment } from '#runtime';
import { Attempt, type AttemptOwner, type UrlSource } from './attempt';
import { Connection, type ConnectionOwner } from './connection';
import { SteadySocketError } from './errors';
import type { Announcement, SteadySocketEvents } from './events';
import { Announcer } from './announcer';
import { extensions, type Watched } from './extensions';
import type { SocketStats } from './records';
import type { HeartbeatOptions, ResolvedOptions } from './options';
import { checkClose, decide, type Decision } from './policy';
import { checkData, SendQueue, type SendData } from './queue';
import type { EnvironmentEvents, Transport } from './runtime/types';
import { normalizeUrl, redactUrl } from './url';
import { unwatchSleep, watchSleep } from './wake';

/** What `steadysocket/core` leaves out, asked for anyway: a clear error rather than silence. */
const fail = (what: string): never => {
  throw new SteadySocketError('invalid-options', `${what} needs 'steadysocket', not 'steadysocket/core'`);
};

// How long a graceful close may wait for the peer's close frame before the socket is torn down.
const CLOSE_TIMEOUT = 2000;

/**
 * The life of one SteadySocket: attempts, the open connection, the wait between them, the offline
 * queue and the callers of connected(). Internal: SteadySocket is its public face. Every change is
 * committed first and announced after (src/announcer.ts).
 */
export class Session extends Announcer implements AttemptOwner, ConnectionOwner, EnvironmentEvents, Watched {
  /** The attempt number within the failure streak. */
  #count = 0;
  /** Waits scheduled in this streak: the backoff grows with them. */
  #waits = 0;
  /** Where this streak's staggered delays start, drawn at its first wait. */
  #phase = 0;
  #attempt?: Attempt;
  #connection?: Connection;
  /** A connection let go with a close frame (reconnect, pagehide), while the peer may still answer. */
  #draining?: Connection;
  /** The wait before the next attempt. */
  #retry: unknown;
  /** Clock ms before which no attempt may start: the floor the server asked for. */
  #notBefore = 0;
  #queue?: SendQueue;
  #closing?: Promise<void>;
  #closed?: () => void;
  #url = '';
  #unwatch?: () => void;
  readonly #app?: HeartbeatOptions;

  constructor(
    socket: EventEmitter<SteadySocketEvents>,
    private readonly source: UrlSource,
    readonly options: ResolvedOptions,
  ) {
    super(socket);
    if (typeof source !== 'function') this.#url = normalizeUrl(source);
    const Monitor = extensions.Monitor;
    if (Monitor) this.monitor = new Monitor(this);
    else if (options.logger) fail('options.logger');
    const { heartbeat } = options;
    if (heartbeat && (heartbeat.message !== undefined || heartbeat.mode === 'server')) this.#app = heartbeat;
    // On the next microtask, so listeners attached right after the constructor see the first
    // `connecting` (and its errors); close(), reconnect() or connect() before then take precedence.
    // With autoConnect false it starts closed, and the microtask finds nothing to do.
    if (!options.autoConnect) this.state = 'closed';
    queueMicrotask(() => this.state === 'connecting' && !this.#count && this.#connect([]));
  }

  get url(): string {
    return redactUrl(this.#url);
  }

  get protocol(): string {
    return this.#connection?.transport.protocol ?? '';
  }

  get bufferedAmount(): number {
    return (this.#connection?.transport.bufferedAmount ?? 0) + (this.#queue?.bytes ?? 0);
  }

  get attempt(): number {
    return this.#lasted() ? 0 : this.#count;
  }

  stats(): SocketStats {
    const queue = this.#queue;
    return (this.monitor ?? fail('stats()')).stats({ messages: queue?.length ?? 0, bytes: queue?.bytes ?? 0 }, this.bufferedAmount);
  }

  send(data: SendData): void {
    checkData(data);
    const connection = this.#connection;
    if (connection && this.state === 'open' && connection.transport.ready) return this.#sent(connection, data);
    // Not open, or the peer's close frame already arrived (a send now would vanish): queue it.
    const { buffer } = this.options;
    // Ended (closed, or closing for good) refuses; a socket not started yet (autoConnect: false) queues.
    if (this.ending || !buffer) {
      throw new SteadySocketError('not-open', `cannot send while ${connection ? 'the connection closes' : this.state}`);
    }
    const queue = (this.#queue ??= new SendQueue(buffer.maxMessages, buffer.maxBytes));
    try {
      queue.push(data);
    } catch (error) {
      this.monitor?.log('warn', 'queue-full', { messages: queue.length, bytes: queue.bytes });
      throw error;
    }
  }

  /** Sends on the open connection, counted. */
  #sent(connection: Connection, data: SendData): void {
    const monitor = this.monitor;
    const bytes = connection.transport.send(data);
    if (!monitor) return;
    monitor.messagesOut++;
    monitor.bytesOut += bytes;
    if (this.options.logPayloads) monitor.payload('send', data, bytes);
  }

  close(code: number, reason: string): Promise<void> {
    checkClose(code, reason);
    if (this.#closing) return this.#closing;
    const error = new SteadySocketError('closed', 'close() was called', { closeCode: code });
    if (this.state === 'closed') {
      // Not started yet (autoConnect: false): it ends here, quietly, as it never left 'closed'.
      if (!this.ending) this.settle((this.ending = error));
      return Promise.resolve();
    }
    // close() takes the open connection over for its closing handshake: #end must not drop it.
    const connection = this.state === 'open' ? this.#connection : undefined;
    this.#connection = undefined;
    const entries = this.#end(error, connection ? 'closing' : 'closed');
    if (connection) {
      this.#connection = connection;
      this.#closing = new Promise((resolve) => (this.#closed = resolve));
      connection.shutdown(code, reason, CLOSE_TIMEOUT);
    }
    this.announce(entries);
    return this.#closing ?? Promise.resolve();
  }

  reconnect(): void {
    if (this.#closing) return;
    const entries = this.#release('reconnect');
    this.#count = this.#waits = 0;
    this.ending = undefined;
    if (entries.length) entries.push(this.move('reconnecting'), ['reconnecting', { attempt: 1, delay: 0 }]);
    this.#connect(entries);
  }

  attemptOpened(attempt: Attempt, transport: Transport, protocol: string): void {
    this.#attempt = undefined;
    this.#url = attempt.url;
    const connection = (this.#connection = new Connection(transport, this.socket, this.options, this.#app, this));
    const entries = [this.move('open')];
    // Queued messages go first, before anything a listener sends.
    this.#queue?.flush((data) => this.#sent(connection, data));
    this.settle();
    entries.push(['open', { attempt: attempt.number, protocol }]);
    this.announce(entries);
  }

  attemptFailed(attempt: Attempt, error: SteadySocketError): void {
    this.#attempt = undefined;
    this.#url = attempt.url || this.#url;
    this.#after(error.closeCode ?? 1006, '', error);
  }

  connectionClosed(code: number, reason: string, wasClean: boolean, error?: SteadySocketError): void {
    if (this.state === 'closing') {
      this.#connection = undefined;
      const done = this.#closed!;
      this.#closing = this.#closed = undefined;
      this.announce([this.move('closed'), ['close', { code, reason, wasClean, willReconnect: false }]]);
      return done();
    }
    if (this.#lasted()) this.#count = this.#waits = 0;
    this.#connection = undefined;
    this.#after(code, reason, error, wasClean);
  }

  heartbeatAnswered(rtt: number): void {
    this.announce([['heartbeat', { rtt }]]);
  }

  /** An attempt failed (`wasClean` undefined) or a connection ended: decide, commit, announce. */
  #after(code: number, reason: string, error?: SteadySocketError, wasClean?: boolean): void {
    const state = this.state;
    let decision: Decision;
    try {
      if (!this.#waits) this.#phase = Math.random();
      decision = decide(this.options.reconnect, { code, reason, error, attempt: this.#count }, this.#waits + 1, Math.random, this.#phase);
    } catch (cause) {
      decision = { wanted: false };
      error = new SteadySocketError('invalid-options', `reconnect.shouldReconnect threw: ${String(cause)}`, { cause });
    }
    // shouldReconnect is user code: if it closed or reconnected the socket itself, that stands.
    if (this.state !== state || this.#attempt) return;
    const entries: Announcement[] = error ? [['error', error]] : [];
    const willReconnect = decision.delay !== undefined;
    if (wasClean !== undefined) entries.push(['close', { code, reason, wasClean, willReconnect }]);
    if (decision.delay !== undefined) {
      const { clock } = this.options;
      this.#waits++;
      this.#notBefore = clock.now() + decision.floor;
      this.#retry = clock.setTimeout(() => this.#waited(), decision.delay);
      entries.push(this.move('reconnecting'), ['reconnecting', { attempt: this.#count + 1, delay: decision.delay, error }]);
    } else {
      let final = error ?? new SteadySocketError('closed', `server closed the connection (${code}${reason ? ' ' + reason : ''})`, { closeCode: code });
      if (decision.wanted) {
        final = new SteadySocketError('max-attempts', `gave up after ${this.#count} attempts; last: ${final.kind}`, { attempt: this.#count, cause: final });
        entries.push(['error', final]);
      }
      entries.push(...this.#end(final, 'closed'));
    }
    this.announce(entries);
  }

  /** The wait is over. Offline, an attempt would only fail: `online` starts it instead. */
  #waited(): void {
    this.#retry = undefined;
    if (isOnline()) this.#connect([]);
  }

  /** Starts an attempt (from connecting, reconnecting or closed) and announces it after `entries`. */
  #connect(entries: Announcement[]): void {
    const looping = this.looping();
    if (looping) {
      if (looping > 1) return;
      const error = new SteadySocketError('max-attempts', 'listeners restarted the socket in a loop');
      return this.announce([...entries, ['error', error], ...this.#end(error, 'closed')]);
    }
    if (!this.#unwatch) {
      this.#unwatch = watchEnvironment(this);
      watchSleep(this.options.clock, this);
    }
    const number = ++this.#count;
    entries.push(this.move('connecting'), ['connecting', { attempt: number }]);
    this.#attempt = new Attempt(number, this.source, this.options, this);
    this.announce(entries);
  }

  // The environment. The network came back, a hidden tab (whose timers were throttled) is visible
  // again, or the machine slept (`resume`): a waiting reconnect starts now, unless the server asked
  // for a later time; an open connection is checked with a heartbeat at once. After a sleep, one
  // that cannot be checked (no heartbeat here) is replaced: it most likely died while asleep.
  wake(why: 'online' | 'visible' | 'resume' | 'pageshow'): void {
    const { clock } = this.options;
    this.monitor?.log('info', why);
    if (this.state === 'reconnecting' && clock.now() >= this.#notBefore) {
      clock.clearTimeout(this.#retry);
      this.#waited();
    } else if (this.state === 'reconnecting' && !this.#retry) {
      // Back from the cache before the server's floor: wait for it (pagehide left no timer).
      this.#retry = clock.setTimeout(() => this.#waited(), this.#notBefore - clock.now());
    } else if (this.#connection && !this.#connection.check() && why === 'resume' && this.state === 'open') this.reconnect();
  }

  offline(): void {
    this.monitor?.log('info', 'offline');
    this.#connection?.check();
  }

  /**
   * The page may go into the back/forward cache. A page with an open socket is either not cached or
   * cached with its socket cut (Chromium then reports a 1006 after the restore), so the socket ends
   * its connection itself and waits, without a timer, for `pageshow` (a `wake`). The offline queue
   * stays. 1000: a page may not send 1001 (going away), which would say it best.
   */
  pagehide(): void {
    if (!this.options.bfcache || this.state === 'closing' || this.state === 'closed') return;
    this.monitor?.log('info', 'pagehide');
    // Leaving the page is no failure: the attempt on return is a first one, as after reconnect().
    if (this.state === 'open') this.#count = this.#waits = 0;
    const entries = this.#release('page hidden');
    entries.push(this.move('reconnecting'));
    this.announce(entries);
  }

  /** Whether the open connection has stayed open `resetAfter` ms: the failure streak is over. */
  #lasted(): boolean {
    const { reconnect, clock } = this.options;
    const connection = this.#connection;
    return !!connection && !!reconnect && clock.now() - connection.openedAt >= reconnect.resetAfter;
  }

  /** Lets whatever is in flight go, an open connection with a 1000 close frame saying why; returns its `close`, if it was open. */
  #release(reason: string): Announcement[] {
    const wasOpen = this.state === 'open';
    this.#cancel(1000, reason);
    return wasOpen ? [['close', { code: 1000, reason, wasClean: true, willReconnect: true }]] : [];
  }

  /**
   * Abandons whatever is in flight: the attempt, the wait, the connection. With a `code` the
   * connection gets a close frame and drains until the peer answers; the one before it, and any at
   * the end, is cut (a link that stopped reading would hold it, and Node, for `ws`'s 30 s).
   */
  #cancel(code?: number, reason?: string): void {
    this.#attempt?.cancel();
    this.#draining?.drop();
    this.#draining = code ? this.#connection : undefined;
    this.#connection?.drop(code, reason);
    this.#attempt = this.#connection = undefined;
    this.options.clock.clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  /** Stops for good: rejects waiters. Returns what to announce. */
  #end(error: SteadySocketError, next: 'closing' | 'closed'): Announcement[] {
    this.#cancel();
    this.#unwatch?.();
    this.#unwatch = undefined;
    unwatchSleep(this.options.clock, this);
    this.ending = error;
    this.settle(error);
    return [this.move(next)];
  }

}
