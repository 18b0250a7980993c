import { makeEvent } from '#runtime';
import { SteadySocketError } from './errors';
import type { UrlSource } from './attempt';
import { fail, resolveOptions, type MessageData, type NodeOptions, type SteadySocketOptions } from './options';
import type { SendData } from './queue';
import { SteadySocket } from './socket';
import type { SocketState } from './state';

/** What `onclose` and `close` listeners get: the WHATWG `CloseEvent` (the global one where there is one). */
export interface SteadyCloseEvent extends Event {
  /** The close code the peer sent, or 1006 when the connection was lost or never opened. */
  readonly code: number;
  /** The peer's close reason ('' when none). */
  readonly reason: string;
  /** Whether both sides completed the closing handshake. */
  readonly wasClean: boolean;
}

/** What `onerror` and `error` listeners get: an `ErrorEvent` (where the runtime has one) carrying why. */
export interface SteadyErrorEvent extends Event {
  /** Why: `error.kind`, `error.status`, `error.hint` (docs/errors.md). */
  readonly error: SteadySocketError;
  /** The error's one-line message. */
  readonly message: string;
}

/** A WebSocket event handler attribute (`onopen`, ...): a function, or null. */
export type EventHandler<E extends Event = Event> = ((this: SteadyWebSocket, event: E) => unknown) | null;

/** What `SteadyWebSocket.configure()` returns: a WebSocket constructor with the options bound. */
export interface SteadyWebSocketClass {
  /**
   * One connection per instance. In Node the third argument is `ws`'s client options, merged over
   * the bound `nodeOptions` (SignalR passes `{ headers }` there); browsers ignore it.
   */
  new (url: string | URL, protocols?: string | string[], nodeOptions?: NodeOptions): SteadyWebSocket;
  /** 0 */
  readonly CONNECTING: 0;
  /** 1 */
  readonly OPEN: 1;
  /** 2 */
  readonly CLOSING: 2;
  /** 3 */
  readonly CLOSED: 3;
}

/** Dispatches a new `name` event (`CloseEvent`, ...: the runtime's class) of `type`. */
const fire = (target: EventTarget, name: string, type: string, init: EventInit & Record<string, unknown>): boolean => target.dispatchEvent(makeEvent(name, type, init));

// SteadySocket states as readyState: waiting between attempts is CONNECTING, since the face will open
// again and send() still queues (docs/dropin.md).
const READY: Record<SocketState, number> = { connecting: 0, reconnecting: 0, open: 1, closing: 2, closed: 3 };

// The SteadySocket listeners, shared by every face: eventemitter3 calls them with the face as `this`.
function opened(this: SteadyWebSocket): void {
  fire(this, 'Event', 'open', {});
}

function received(this: SteadyWebSocket, data: MessageData): void {
  fire(this, 'MessageEvent', 'message', { data: this.binaryType === 'blob' && data instanceof ArrayBuffer ? new Blob([data]) : data });
}

function failed(this: SteadyWebSocket, error: SteadySocketError): void {
  fire(this, 'ErrorEvent', 'error', { error, message: error.message });
}

function closed(this: SteadyWebSocket, { code, reason, wasClean }: { code: number; reason: string; wasClean: boolean }): void {
  fire(this, 'CloseEvent', 'close', { code, reason, wasClean });
}

// A socket that ends without an open connection (a failed handshake, close() while connecting, the
// last attempt given up) has had no `close`: a WebSocket then closes with 1006, and code written for
// one waits for that close.
function moved(this: SteadyWebSocket, state: SocketState, previous: SocketState): void {
  if (state === 'closed' && !READY[previous]) fire(this, 'CloseEvent', 'close', { code: 1006, reason: '', wasClean: false });
}

const LISTENERS = [['open', opened], ['message', received], ['error', failed], ['close', closed], ['state', moved]] as const;

/**
 * The WHATWG `WebSocket` interface over a {@link SteadySocket}: for code and libraries written
 * against `WebSocket`. It reconnects (unless `reconnect: false`): listeners stay, every dropped
 * connection gives one `close` with the real code, then `open` again. docs/dropin.md has the member
 * table and what differs from a plain WebSocket.
 *
 * @example
 * const ws = new SteadyWebSocket('wss://chat.example.com/ws');
 * ws.onmessage = (event) => console.log(event.data);
 * ws.onerror = (event) => console.warn(event.error.kind);
 */
export class SteadyWebSocket extends EventTarget {
  /** 0: an attempt is under way, or the next one is waiting. */
  declare static readonly CONNECTING: 0;
  /** 1: open. */
  declare static readonly OPEN: 1;
  /** 2: closing. */
  declare static readonly CLOSING: 2;
  /** 3: closed for good. */
  declare static readonly CLOSED: 3;
  /** 0, as on the class. */
  declare readonly CONNECTING: 0;
  /** 1, as on the class. */
  declare readonly OPEN: 1;
  /** 2, as on the class. */
  declare readonly CLOSING: 2;
  /** 3, as on the class. */
  declare readonly CLOSED: 3;
  /** Called with an `Event` when a connection opens. Assigning replaces the handler in place; null removes it. */
  declare onopen: EventHandler;
  /** Called with a `MessageEvent`: `data` is a string, or binary as binaryType says. */
  declare onmessage: EventHandler<MessageEvent>;
  /** Called with an event whose `error` is the SteadySocketError that says why. */
  declare onerror: EventHandler<SteadyErrorEvent>;
  /** Called with a `CloseEvent` (`code`, `reason`, `wasClean`) each time a connection ends. */
  declare onclose: EventHandler<SteadyCloseEvent>;

  // As WebIDL defines them: the constants on the class and on its prototype (enumerable, read-only),
  // the handler attributes as enumerable accessors of the prototype. Made in a loop inside the class
  // body, where the private handler table is reachable.
  static #members = /* @__PURE__ */ ((face: typeof SteadyWebSocket, proto = face.prototype) => {
    ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach((name, value) => {
      for (const target of [face, proto]) Object.defineProperty(target, name, { value, enumerable: true });
    });
    for (const type of ['open', 'message', 'error', 'close']) {
      Object.defineProperty(proto, `on${type}`, {
        get(this: SteadyWebSocket) {
          return this.#handlers[type]?.[0] ?? null;
        },
        set(this: SteadyWebSocket, value: unknown) {
          this.#set(type, value);
        },
        enumerable: true,
        configurable: true,
      });
    }
  })(this);

  /** The SteadySocket underneath: `stats()`, `reconnect()`, `connected()` and its own events. */
  readonly socket: SteadySocket;
  #binaryType: BinaryType;
  /** The handler attributes: their value and the listener that calls it, registered once. */
  #handlers: Record<string, [EventHandler<any>, EventListener]> = {};

  /**
   * Connects on the next microtask, as SteadySocket does.
   * @param url A ws:, wss:, http: or https: URL, or a function (sync or async) called before every attempt.
   * @param protocols Subprotocols to offer; given, they replace `options.protocols`.
   * @param options SteadySocket's options; `binaryType` sets the first value of the attribute.
   * @throws SteadySocketError `invalid-url`, `invalid-protocols` or `invalid-options`, naming the bad field.
   */
  constructor(url: string | URL | UrlSource, protocols?: string | string[], options: SteadySocketOptions = {}) {
    super();
    // The argument, as a WebSocket takes it, over the option.
    if (protocols !== undefined) options = { ...options, protocols };
    this.#binaryType = options.binaryType ?? 'blob';
    // Binary arrives as ArrayBuffer and becomes a Blob here while binaryType says 'blob': the
    // attribute may change between messages, the SteadySocket's option cannot.
    const socket = (this.socket = new SteadySocket(typeof url === 'function' ? url : String(url), { ...options, binaryType: 'arraybuffer' }));
    for (const [event, listener] of LISTENERS) socket.on(event, listener as never, this);
  }

  /**
   * A WebSocket constructor with `options` bound and one connection per instance (no reconnect),
   * for libraries that reconnect themselves (graphql-ws, y-websocket, Phoenix, Centrifuge, SignalR).
   * @throws SteadySocketError `invalid-options`, naming the bad field (a `reconnect` other than false among them).
   * @example
   * createClient({ url, webSocketImpl: SteadyWebSocket.configure({ logger: true }) });
   */
  static configure(options: SteadySocketOptions = {}): SteadyWebSocketClass {
    if (options.reconnect) fail('reconnect', 'must be false here');
    // Checked now, where the mistake is, rather than at the consumer's first connect.
    resolveOptions(options);
    return class extends SteadyWebSocket {
      constructor(url: string | URL, protocols?: string | string[], nodeOptions?: NodeOptions) {
        super(url, protocols, { ...options, reconnect: false, nodeOptions: { ...options.nodeOptions, ...nodeOptions } });
      }
    };
  }

  /** 0 CONNECTING (also while waiting to reconnect), 1 OPEN, 2 CLOSING, 3 CLOSED. */
  get readyState(): number {
    return READY[this.socket.state];
  }

  /** The last URL used, with credentials and query values replaced by `***` (as SteadySocket's). */
  get url(): string {
    return this.socket.url;
  }

  /** The subprotocol the server chose; '' when none or not open. */
  get protocol(): string {
    return this.socket.protocol;
  }

  /** Always '': the extensions negotiated are not reported (docs/dropin.md). */
  get extensions(): string {
    return '';
  }

  /** Bytes not yet sent: the connection's buffer plus the offline queue (text counted in UTF-8). */
  get bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }

  /** How binary messages arrive: 'blob' (the default, as the standard says) or 'arraybuffer'. Other values are ignored. */
  get binaryType(): BinaryType {
    return this.#binaryType;
  }

  /** Sets how the next binary messages arrive; any value but 'blob' or 'arraybuffer' is ignored. */
  set binaryType(value: BinaryType) {
    if (value === 'blob' || value === 'arraybuffer') this.#binaryType = value;
  }

  /**
   * Sends now when open, queues while connecting or waiting to reconnect (unless `buffer: false`);
   * after close() the data is discarded, as a WebSocket does.
   * @throws SteadySocketError `invalid-data`, `buffer-full`, or `not-open` (with `buffer: false`, before open).
   */
  send(data: SendData): void {
    if (this.readyState < 2) this.socket.send(data);
  }

  /**
   * Closes for good: no reconnect. `close` follows with the peer's code.
   * @param code 1000 or 3000-4999. Default 1000.
   * @param reason At most 123 UTF-8 bytes. Default ''.
   * @throws SteadySocketError `invalid-data` for any other code or reason.
   */
  close(code?: number, reason?: string): void {
    void this.socket.close(code, reason);
  }

  // The standard's event handler attributes: the first assignment registers a listener (so it runs
  // in registration order with addEventListener's), a later one replaces the function in place,
  // null removes it.
  #set(type: string, value: unknown): void {
    const handlers = this.#handlers;
    let entry = handlers[type];
    if (typeof value === 'function') {
      if (!entry) this.addEventListener(type, (entry = handlers[type] = [null, (event) => entry![0]?.call(this, event as never)])[1]);
      entry[0] = value as EventHandler<any>;
    } else if (entry) {
      this.removeEventListener(type, entry[1]);
      delete handlers[type];
    }
  }
}
