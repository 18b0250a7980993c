import EventEmitter from 'eventemitter3';
import type { UrlSource } from './attempt';
import type { SteadySocketEvents } from './events';
import { resolveOptions, type SteadySocketOptions } from './options';
import type { SendData } from './queue';
import { Session } from './session';
import type { SocketState } from './state';
import type { SocketStats } from './records';

/**
 * A WebSocket that reconnects, keeps itself alive, buffers while offline and says why it failed.
 *
 * @example
 * const socket = new SteadySocket('wss://chat.example.com/ws', { protocols: ['chat.v2'] });
 * socket.on('message', (data) => console.log(data));
 * socket.on('error', (error) => console.warn(String(error)));
 * await socket.connected();
 * socket.send('hello');
 */
export class SteadySocket extends EventEmitter<SteadySocketEvents> {
  readonly #session: Session;

  /**
   * Starts connecting on the next microtask, so listeners attached right after see every event
   * (unless `autoConnect` is false: then at `connect()`).
   * @param url A ws:, wss:, http: or https: URL, or a function (sync or async) called before every
   * attempt that returns one.
   * @throws SteadySocketError `invalid-url`, `invalid-protocols` or `invalid-options`, naming the bad
   * field; for a function `url`, a bad value it returns is emitted as `error` instead.
   */
  constructor(url: UrlSource, options?: SteadySocketOptions) {
    super();
    this.#session = new Session(this, url, resolveOptions(options));
  }

  /** A short id, unique in this page or process: the `socket` of its log records (`s1`, `s2`, ...). */
  get id(): string {
    return this.#session.id;
  }

  /** 'connecting' | 'open' | 'closing' | 'reconnecting' | 'closed'. */
  get state(): SocketState {
    return this.#session.state;
  }

  /** The last URL used, with credentials and the query redacted (`***`). */
  get url(): string {
    return this.#session.url;
  }

  /** The subprotocol the server chose; '' when none or not open. */
  get protocol(): string {
    return this.#session.protocol;
  }

  /** Bytes not yet sent: the socket's own buffer plus the offline queue. */
  get bufferedAmount(): number {
    return this.#session.bufferedAmount;
  }

  /** The current attempt within this failure streak; 1 is the first, 0 once a connection has lasted. */
  get attempt(): number {
    return this.#session.attempt;
  }

  /** A snapshot of counters and timings, cheap enough to call on every frame (docs/monitoring.md). */
  stats(): SocketStats {
    return this.#session.stats();
  }

  /**
   * Sends now when open; otherwise queues (in order, flushed first on the next open) when `buffer`
   * is on.
   * @throws SteadySocketError `invalid-data`, `buffer-full`, or `not-open` (closed, closing, or no buffer).
   */
  send(data: SendData): void {
    this.#session.send(data);
  }

  /** Resolves when open (at once if open); rejects with the error that ends the socket. */
  connected(): Promise<void> {
    return this.#session.connected();
  }

  /**
   * Closes for good: no reconnect. Resolves when the socket is closed and every timer cleared.
   * @param code 1000 or 3000-4999 (what browsers allow). Default 1000.
   * @param reason At most 123 UTF-8 bytes. Default ''.
   * @throws SteadySocketError `invalid-data` for any other code or reason.
   */
  close(code = 1000, reason = ''): Promise<void> {
    return this.#session.close(code, reason);
  }

  /**
   * Starts connecting when the socket is closed: made with `autoConnect: false`, or ended. Does
   * nothing in any other state (it is connecting, open, or will reconnect by itself).
   */
  connect(): void {
    if (this.state === 'closed') this.reconnect();
  }

  /**
   * Drops the current connection (the server gets a 1000 close frame, reason 'reconnect') and
   * connects again now, with a fresh attempt count. Also brings back a socket that ended. Does
   * nothing while close() is closing.
   */
  reconnect(): void {
    this.#session.reconnect();
  }
}
