import { headersFailed } from './headers';
import { constants, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { classifyNodeError, responseError, safeHeaders } from '../classify';
import { SteadySocketError } from '../errors';
import type { NodeOptions } from '../options';
import type { SendData } from '../queue';
import { measure } from './dom';
import { Receiver, Sender, type FrameReader, type FrameWriter } from './h2-frames';
import { acquire, errorName, type H2Mode, type Pooled, type Refusal, type SessionUser } from './h2-session';
import type { Transport, TransportEvents, TransportOptions } from './types';

export type { H2Mode };

// A WebSocket over HTTP/2 (RFC 8441): an extended CONNECT on a shared session, answered 200, then
// RFC 6455's frames in the stream's DATA frames, masked as ever (RFC 8441 §5). No Sec-WebSocket-Key
// nor Accept; END_STREAM does what closing the TCP connection does over HTTP/1.1 (§5.1). The frames
// are read and written by ws's exported Receiver and Sender, the same code that frames ws's own
// connections: fragments, control frames between them, UTF-8 checks, maxPayload.

const OWNER = Symbol('steadysocket.h2');
type Owned<T> = T & { [OWNER]: H2Transport };
type Listeners = Record<string, (this: any, ...args: any[]) => void>;
const listen = (emitter: { on(event: string, listener: (...args: any[]) => void): unknown }, listeners: Listeners): void => {
  for (const event in listeners) emitter.on(event, listeners[event]!);
};

/** How to open a WebSocket over HTTP/1.1 instead: the runtime's usual transport. */
export type Fallback = (options: TransportOptions, events: TransportEvents) => Transport;

const MAX_PAYLOAD = 16 << 20;
// As ws: the peer has this long (ms) to answer a close frame before the stream is cut.
const CLOSE_TIMEOUT = 30_000;
// RFC 9113 §8.2.2: connection-specific fields are malformed in HTTP/2 (node:http2 refuses them).
const CONNECTION_SPECIFIC = /^(connection|upgrade|keep-alive|proxy-connection|transfer-encoding|host|sec-websocket-key)$/;
// The close code for each of ws's frame errors (RFC 6455 §7.4.1); the rest are 1002.
const CLOSE_CODES: Record<string, number> = { WS_ERR_INVALID_UTF8: 1007, WS_ERR_UNSUPPORTED_MESSAGE_LENGTH: 1009 };
const EMPTY = Buffer.alloc(0);
const noop = (): void => {};
const SILENT: TransportEvents = { open: noop, message: noop, pong: noop, error: noop, close: noop };

type Fields = Record<string, string>;

/** The safe headers of the 200 being announced as open (the `open` diagnostics channel): no socket keeps them. */
let opening: Fields | undefined;
export const h2Opening = (): Fields | undefined => opening;

/** The extended CONNECT's fields (RFC 8441 §4, RFC 9113 §8.3), then the user's headers as HTTP/2 allows them. */
export function connectHeaders(url: URL, protocols: string[], options: NodeOptions, extra: Fields = {}): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': url.protocol === 'wss:' ? 'https' : 'http',
    ':path': url.pathname + url.search,
    ':authority': url.host,
    'sec-websocket-version': '13',
  };
  if (protocols.length) headers['sec-websocket-protocol'] = protocols.join(', ');
  if (typeof options.origin === 'string') headers.origin = options.origin;
  // As ws does over HTTP/1.1: credentials in the URL become Basic authentication.
  if (url.username || url.password) headers.authorization = 'Basic ' + Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
  for (const name in extra) {
    const lower = name.toLowerCase();
    if (!CONNECTION_SPECIFIC.test(lower)) headers[lower] = extra[name];
  }
  return headers;
}

/**
 * Opens a WebSocket over HTTP/2. With `'auto'`, a server without RFC 8441 (by ALPN or SETTINGS), or
 * one that refuses or resets the CONNECT, gets the socket over HTTP/1.1 through `fallback`.
 */
export function openH2Transport(options: TransportOptions, events: TransportEvents, mode: H2Mode, fallback: Fallback): Transport {
  return new H2Transport(options, events, mode, fallback);
}

/** One WebSocket on an HTTP/2 stream, or, after a fallback, the HTTP/1.1 transport it handed over to. */
class H2Transport implements Transport, SessionUser {
  /** Which HTTP carried the WebSocket: '2', or '1.1' after a fallback; '' until known. */
  http: '' | '1.1' | '2' = '';
  protocol = '';
  #events: TransportEvents;
  #pooled?: Pooled;
  #stream?: ClientHttp2Stream;
  #sender?: FrameWriter;
  #receiver?: FrameReader;
  /** The HTTP/1.1 transport, after a fallback: every call goes there. */
  #inner?: Transport;
  #opened = false;
  #closeSent = false;
  #closeReceived = false;
  #code = 1006;
  #reason = '';
  #hearPings = false;
  /** A frame broke the protocol or the session was lost: no second error for the stream's end. */
  #errored = false;
  #timer?: NodeJS.Timeout;
  /** Aborts a pending `nodeOptions.headers` function. */
  #abort?: AbortController;
  /** Destroyed, or its close reported: nothing more is said. */
  #done = false;

  constructor(
    private readonly options: TransportOptions,
    events: TransportEvents,
    private readonly mode: H2Mode,
    private readonly fallback: Fallback,
  ) {
    this.#events = events;
    const url = new URL(options.url);
    if (mode === 'auto' && (url.protocol !== 'wss:' || options.nodeOptions?.agent)) {
      // 'auto' negotiates by ALPN, which needs TLS; a proxy's agent speaks HTTP/1.1.
      this.#useHttp1();
      return;
    }
    this.#pooled = acquire(url, options.nodeOptions ?? {}, mode, options.attempt, this, (outcome) => this.#ready(url, outcome));
  }

  #ready(url: URL, outcome: Pooled | Refusal): void {
    if (this.#done) return;
    if ('error' in outcome) {
      this.#pooled = undefined;
      return this.#refused(outcome);
    }
    // Perhaps another session than the one first joined: that one had no room left.
    this.#pooled = outcome;
    const { attempt, nodeOptions = {} } = this.options;
    const { headers } = nodeOptions;
    if (typeof headers !== 'function') return this.#request(url, outcome, headers);
    // A function's headers (a fresh token) are asked for once the session is ready; they fail the
    // attempt, retried, as over HTTP/1.1.
    const abort = (this.#abort = new AbortController());
    Promise.resolve(abort.signal)
      .then(headers)
      .then(
        (fields) => abort.signal.aborted || this.#request(url, outcome, fields),
        (cause: unknown) => abort.signal.aborted || this.#fail(headersFailed(cause, attempt)),
      );
  }

  #request(url: URL, pooled: Pooled, fields: Fields = {}): void {
    const { protocols, nodeOptions = {}, attempt } = this.options;
    let stream: ClientHttp2Stream;
    try {
      stream = this.#stream = pooled.session!.request(connectHeaders(url, protocols, nodeOptions, fields), { endStream: false });
    } catch (cause) {
      return this.#fail(classifyNodeError(cause as Error, attempt, false));
    }
    (stream as Owned<ClientHttp2Stream>)[OWNER] = this;
    listen(stream, H2Transport.#STREAM);
  }

  // The listeners are shared by every socket: the stream and the Receiver point back at their
  // transport (`[OWNER]`), as node.ts does for ws, instead of a set of closures per socket. Each of
  // 'response' and 'close' comes once; `once` would wrap the listener per socket again.
  static readonly #STREAM: Listeners = {
    // A reset reports through 'close' with its code; node:http2 also raises it as an error.
    error: noop,
    response(this: Owned<ClientHttp2Stream>, headers: IncomingHttpHeaders) {
      this[OWNER].#response(headers);
    },
    close(this: Owned<ClientHttp2Stream>) {
      this[OWNER].#closed();
    },
  };

  static readonly #OPEN: Listeners = {
    data(this: Owned<ClientHttp2Stream>, chunk: Buffer) {
      if (!this[OWNER].#receiver!.write(chunk)) this.pause();
    },
    // The server ended its side (RFC 8441 §5.1: as a TCP FIN): so does the client.
    end(this: Owned<ClientHttp2Stream>) {
      this.end();
    },
  };

  static readonly #RECEIVER: Listeners = {
    message(this: Owned<FrameReader>, data: Buffer | ArrayBuffer | Blob, isBinary: boolean) {
      const events = this[OWNER].#events;
      if (isBinary) events.message(data as ArrayBuffer | Blob, measure(data));
      else events.message((data as Buffer).toString(), (data as Buffer).length);
    },
    ping(this: Owned<FrameReader>, data: Buffer) {
      const transport = this[OWNER];
      if (transport.ready) transport.#sender!.pong(data, true);
      if (transport.#hearPings) transport.#events.pong(true);
    },
    pong(this: Owned<FrameReader>) {
      this[OWNER].#events.pong();
    },
    conclude(this: Owned<FrameReader>, code: number, reason: Buffer) {
      this[OWNER].#concluded(code, reason);
    },
    error(this: Owned<FrameReader>, error: Error & { code?: string }) {
      this[OWNER].#broken(error);
    },
    drain(this: Owned<FrameReader>) {
      this[OWNER].#stream!.resume();
    },
  };

  #response(headers: IncomingHttpHeaders): void {
    const stream = this.#stream!;
    const status = Number(headers[':status']);
    const { attempt, binaryType, nodeOptions } = this.options;
    if (status !== 200) {
      stream.close(constants.NGHTTP2_CANCEL);
      // Classified as a refused HTTP/1.1 upgrade is: 401, 429 and 503 with Retry-After mean the same here.
      const { kind, headers: shown, retryAfter } = responseError(status, headers, attempt);
      const error = new SteadySocketError(kind, `server answered ${status} to the extended CONNECT instead of 200`, { status, headers: shown, retryAfter, attempt });
      return this.#refused({ fallback: true, error, unrouted: kind === 'no-protocol-support' });
    }
    // None was offered (RFC 6455 §9.1: a server must not answer with one the client did not ask for).
    if (headers['sec-websocket-extensions']) {
      stream.close(constants.NGHTTP2_CANCEL);
      return this.#fail(new SteadySocketError('extension-mismatch', 'server chose an extension that was not offered', { attempt, status, header: 'sec-websocket-extensions', headers: safeHeaders(headers) }));
    }
    this.http = '2';
    this.protocol = String(headers['sec-websocket-protocol'] ?? '');
    const receiver = (this.#receiver = new Receiver({ binaryType, maxPayload: nodeOptions?.maxPayload ?? MAX_PAYLOAD }));
    (receiver as Owned<FrameReader>)[OWNER] = this;
    this.#sender = new Sender(stream);
    listen(receiver, H2Transport.#RECEIVER);
    listen(stream, H2Transport.#OPEN);
    this.#opened = true;
    opening = safeHeaders(headers);
    this.#events.open(this.protocol);
    opening = undefined;
  }

  /** The server closed (RFC 6455 §5.5.1): echo its code if no close frame went yet, then END_STREAM. */
  #concluded(code: number, reason: Buffer): void {
    this.#closeReceived = true;
    this.#code = code;
    this.#reason = reason.toString();
    this.#stopReading();
    if (!this.#closeSent) this.#sendClose(code === 1005 ? undefined : code, this.#reason);
    this.#stream!.end();
  }

  /** A frame broke RFC 6455 or maxPayload: say so, then close with the code for it (as ws does). */
  #broken(error: Error & { code?: string }): void {
    this.#stopReading();
    this.#events.error(classifyNodeError(error, this.options.attempt, true));
    this.#errored = true;
    if (!this.#closeSent) this.#sendClose(CLOSE_CODES[error.code ?? ''] ?? 1002, '');
  }

  // The Receiver takes nothing after a close frame or an error; what follows is read and dropped until END_STREAM.
  #stopReading(): void {
    const stream = this.#stream!;
    stream.removeAllListeners('data');
    stream.resume();
  }

  #sendClose(code: number | undefined, reason: string): void {
    this.#closeSent = true;
    this.#sender!.close(code, reason, true, noop);
    if (this.#closeReceived) return;
    this.#timer = setTimeout(() => this.#stream?.close(constants.NGHTTP2_CANCEL), CLOSE_TIMEOUT).unref();
  }

  /** The stream is gone: before open, a reset; after, the WebSocket's end. */
  #closed(): void {
    clearTimeout(this.#timer);
    const stream = this.#stream!;
    const pooled = this.#pooled;
    pooled?.release(this);
    this.#pooled = undefined;
    if (this.#done || this.#inner) return;
    if (!this.#opened) {
      const code = stream.rstCode ?? 0;
      // A reset CONNECT is one the origin does not route: 'auto' sends its next sockets to HTTP/1.1 at once.
      if (this.mode === 'auto') pooled?.remember();
      // RFC 9113 §7: HTTP_1_1_REQUIRED asks for HTTP/1.1, which retrying over HTTP/2 will not change.
      // Any other reset before an answer is a connection closed before any response: `network`.
      const kind = code === constants.NGHTTP2_HTTP_1_1_REQUIRED ? 'no-protocol-support' : 'network';
      return this.#refused({
        fallback: true,
        error: new SteadySocketError(kind, `the server reset the extended CONNECT: RST_STREAM ${errorName(code)} (${code})`, { attempt: this.options.attempt, cause: Object.assign(new Error(errorName(code)), { code: errorName(code) }) }),
      });
    }
    const code = stream.rstCode;
    if (!this.#closeReceived && !this.#errored && code) this.#events.error(new SteadySocketError('network', `the server reset the stream: RST_STREAM ${errorName(code)} (${code})`, { attempt: this.options.attempt }));
    this.#done = true;
    // The server's close frame gives the code; without one the stream ended abnormally (RFC 6455 §7.1.5).
    const received = this.#closeReceived;
    this.#events.close(received ? this.#code : 1006, this.#reason, received && this.#closeSent);
  }

  /** The session failed or the server sent GOAWAY. */
  lost(error: SteadySocketError): void {
    this.#pooled = undefined;
    if (this.#done) return;
    if (!this.#opened) this.#fail(new SteadySocketError(error.kind, error.message, { ...error, attempt: this.options.attempt }));
    else {
      this.#events.error(error);
      this.#errored = true;
    }
    this.#stream?.close(constants.NGHTTP2_CANCEL);
  }

  /**
   * Before open: 'auto' tries HTTP/1.1, `true` fails. A CONNECT the server does not route (a 4xx that
   * is no authentication nor rate limit, or a reset) sends this origin's next sockets to HTTP/1.1 at
   * once; a 401, 429 or 5xx may pass, and is not remembered.
   */
  #refused({ fallback, error, unrouted }: Refusal): void {
    if (!fallback || this.mode !== 'auto') return this.#fail(error);
    if (unrouted) this.#pooled?.remember();
    this.#fallBack();
  }

  #useHttp1(): void {
    this.http = '1.1';
    this.#inner = this.fallback(this.options, this.#events);
  }

  /** The same, from an event: a constructor that throws there fails the attempt instead of escaping. */
  #fallBack(): void {
    try {
      this.#useHttp1();
    } catch (cause) {
      this.#fail(new SteadySocketError('invalid-options', `WebSocket constructor failed: ${String(cause)}`, { cause, attempt: this.options.attempt }));
    }
  }

  #fail(error: SteadySocketError): void {
    this.#done = true;
    if (!this.#stream) {
      this.#pooled?.release(this);
      this.#pooled = undefined;
    }
    this.#events.error(error);
  }

  get ready(): boolean {
    return this.#inner ? this.#inner.ready : this.#opened && !this.#closeSent && !this.#closeReceived && !this.#done;
  }

  send(data: SendData): number {
    if (this.#inner) return this.#inner.send(data);
    if (typeof data === 'string') {
      const buffer = Buffer.from(data);
      this.#sender!.send(buffer, { binary: false, fin: true, mask: true });
      return buffer.length;
    }
    this.#sender!.send(data, { binary: true, fin: true, mask: true });
    return measure(data);
  }

  close(code: number, reason?: string): void {
    if (this.#inner) return this.#inner.close(code, reason);
    if (this.#opened && !this.#closeSent && !this.#done) this.#sendClose(code, reason ?? '');
  }

  ping(): void {
    if (this.#inner) return this.#inner.ping?.();
    if (this.ready) this.#sender!.ping(EMPTY, true, noop);
  }

  hearPings(): void {
    if (this.#inner) return this.#inner.hearPings?.();
    this.#hearPings = true;
  }

  destroy(code?: number, reason?: string): void {
    this.#events = SILENT;
    this.#abort?.abort();
    if (this.#inner) return this.#inner.destroy(code, reason);
    const ready = this.ready;
    this.#done = true;
    if (code && ready) return this.#sendClose(code, reason ?? '');
    if (this.#stream && !this.#stream.closed) this.#stream.close(constants.NGHTTP2_CANCEL);
    else {
      this.#pooled?.release(this);
      this.#pooled = undefined;
    }
  }

  listen(events: TransportEvents): void {
    this.#events = events;
    this.#inner?.listen(events);
  }

  get bufferedAmount(): number {
    return this.#inner ? this.#inner.bufferedAmount : (this.#stream?.writableLength ?? 0);
  }
}
