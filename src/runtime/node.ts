import { channel, type Channel } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import EventEmitter from 'eventemitter3';
import WebSocket from 'isomorphic-ws';
import { classifyNodeError, responseError, safeHeaders } from '../classify';
import { SteadySocketError } from '../errors';
import { maskProtocols } from '../url';
import type { SendData } from '../queue';
import type { MessageData, NodeOptions } from '../options';
import type { Announcement } from '../events';
import type { Watcher } from '../extensions';
import type { EnvironmentEvents, MessageEmitter, Runtime, Transport, TransportEvents, TransportOptions } from './types';
import { domTransport, measure, type DomSocket } from './dom';
import { h2Opening, openH2Transport } from './h2';
import { headersFailed, type HeadersFunction } from './headers';

type WsSocket = WebSocket & DomSocket;

/** What steadysocket asks of `ws` unless `nodeOptions` says otherwise: 16 MiB messages at most, not ws's 100 MiB. */
const NODE_DEFAULTS = { maxPayload: 16 << 20 };

/**
 * Node: the `ws` socket tells exactly why a handshake failed (status, headers, its own checks, Node's
 * error codes), pings with protocol frames and delivers messages without the EventTarget wrapper.
 * Any other constructor (undici's global WebSocket) is driven as a WHATWG WebSocket.
 */
export function openTransport(options: TransportOptions, events: TransportEvents): Transport {
  const http2 = options.nodeOptions?.http2;
  if (http2 === true || http2 === 'auto') return openH2Transport(options, events, http2, openWs);
  if (http2 !== undefined && http2 !== false) throw new SteadySocketError('invalid-options', `options.nodeOptions.http2 must be false, true or 'auto', got ${String(http2)}`);
  return openWs(options, events);
}

function openWs(options: TransportOptions, events: TransportEvents): Transport {
  const Constructor = (options.WebSocket ?? WebSocket) as unknown as new (...args: unknown[]) => WsSocket;
  // ws copies its options: the object made here is not kept.
  const nodeOptions: NodeOptions = { ...NODE_DEFAULTS, ...options.nodeOptions };
  const { headers } = nodeOptions;
  let abort: AbortController | undefined;
  if (typeof headers === 'function') {
    abort = new AbortController();
    nodeOptions.headers = undefined;
    nodeOptions.finishRequest = (request: ClientRequest, socket: Raw) => withHeaders(request, socket, headers, abort!.signal);
  }
  const raw = new Constructor(options.url, options.protocols, nodeOptions);
  if (typeof raw.on !== 'function' || typeof raw.ping !== 'function') return domTransport(raw, options, events);
  const transport = new WsTransport(raw as Raw, options, events);
  transport.abort = abort;
  return transport;
}

/**
 * `nodeOptions.headers` as a function: ws hands over the request before sending it (its
 * `finishRequest` option), and it goes out once the function answered. A function that throws (at
 * once or by rejecting: a token service down) fails the attempt, retried, as a url function's would.
 */
async function withHeaders(request: ClientRequest, socket: Raw, make: HeadersFunction, signal: AbortSignal): Promise<void> {
  try {
    // ws calls finishRequest inside its constructor: wait until it returned and the transport is
    // attached, so even a function that throws at once reports through it.
    await Promise.resolve();
    const headers = await make(signal);
    if (signal.aborted) return;
    for (const name in headers) request.setHeader(name, headers[name]!);
  } catch (cause) {
    if (signal.aborted) return;
    socket[TRANSPORT].events.error(headersFailed(cause, socket[TRANSPORT].attempt));
    return;
  }
  socket[TRANSPORT].abort = undefined;
  request.end();
}

/** The TCP socket under a ws connection, as ws's public `upgrade` event hands it over. */
type Tcp = { cork(): void; uncork(): void; writableLength: number };
const noop = (): void => {};
const TEXT = { binary: false };

// The listeners below are shared by every connection: ws calls them with `this` set to the socket,
// which points back at its transport. Closures per listener per attempt cost an idle Node
// connection about half a kilobyte (measured with heap snapshots of 1,000 connections).
const TRANSPORT = Symbol('steadysocket.transport');
type Raw = WsSocket & { [TRANSPORT]: WsTransport };
const transportOf = (socket: WebSocket): WsTransport => (socket as Raw)[TRANSPORT];

function onUpgrade(this: WebSocket, response: IncomingMessage): void {
  const transport = transportOf(this);
  transport.upgradeHeaders = response.headers;
  const tcp = response.socket as Partial<Tcp> | null;
  if (typeof tcp?.cork === 'function') transport.tcp = tcp as Tcp;
}

function onUnexpectedResponse(this: WebSocket, _request: ClientRequest, response: IncomingMessage): void {
  const transport = transportOf(this);
  transport.events.error(responseError(response.statusCode ?? 0, response.headers, transport.attempt));
}

function onOpen(this: WebSocket): void {
  const transport = transportOf(this);
  // For the `open` diagnostics channel, published before this call returns.
  if (CHANNELS.open!.hasSubscribers && transport.upgradeHeaders) opening = safeHeaders(transport.upgradeHeaders);
  transport.opened = true;
  // What only the handshake needed goes, so an open connection holds no more than it must: removing
  // every listener also gives ws a fresh, small listener table.
  transport.upgradeHeaders = undefined;
  this.removeAllListeners();
  listen(this as Raw, transport.isWs, OPEN);
  transport.events.open(this.protocol);
  opening = undefined;
}

// Text arrives as a Buffer (isBinary false); binary already in the requested binaryType.
// Text's size is its UTF-8 size on the wire, known before decoding.
function onMessage(this: WebSocket, data: Buffer | ArrayBuffer | Blob, isBinary: boolean): void {
  transportOf(this).events.message(isBinary ? (data as ArrayBuffer | Blob) : (data as Buffer).toString(), isBinary ? measure(data) : (data as Buffer).length);
}

function onPong(this: WebSocket): void {
  transportOf(this).events.pong();
}

// ws has already answered the ping with a pong: a sign of life, and an answer sent.
function onPing(this: WebSocket): void {
  transportOf(this).events.pong(true);
}

function onError(this: WebSocket, cause: Error): void {
  const { attempt, opened, upgradeHeaders: headers, events } = transportOf(this);
  const error = classifyNodeError(cause, attempt, opened);
  events.error(headers ? new SteadySocketError(error.kind, error.message, { ...error, headers: safeHeaders(headers) }) : error);
}

function onClose(this: WebSocket, code: number, reason: Buffer): void {
  const transport = transportOf(this);
  if (transport.opened) transport.events.close(code, reason.toString(), code !== 1006);
}

type Listeners = Record<string, (this: WebSocket, ...args: any[]) => void>;
const HANDSHAKE: Listeners = { upgrade: onUpgrade, 'unexpected-response': onUnexpectedResponse, open: onOpen, error: onError, close: onClose };
const OPEN: Listeners = { message: onMessage, pong: onPong, error: onError, close: onClose };
// ws answers a ping frame by itself; a server-driven heartbeat counts it as a sign of life.
const PINGS: Listeners = { ping: onPing };

/**
 * ws calls a listener with the socket as `this`. A look-alike (a wrapper around ws, say) may call it
 * with another `this`, so it gets each listener bound to itself instead: closures, but only there.
 */
function listen(raw: Raw, isWs: boolean, listeners: Listeners): void {
  for (const event in listeners) raw.on(event, isWs ? listeners[event]! : listeners[event]!.bind(raw));
}

/** One `ws` connection. A class, so its methods are shared: thousands of idle sockets stay small. */
class WsTransport implements Transport {
  opened = false;
  upgradeHeaders?: IncomingMessage['headers'];
  /** Set from the `upgrade` event; absent for a look-alike that does not emit it. */
  tcp?: Tcp;
  readonly attempt: number;
  /** A real ws socket (or subclass), not a look-alike. */
  readonly isWs: boolean;
  /** Aborts a headers function still being waited for (`nodeOptions.headers`). */
  abort?: AbortController;
  #corked = false;

  constructor(
    private readonly raw: Raw,
    options: TransportOptions,
    public events: TransportEvents,
  ) {
    this.attempt = options.attempt;
    this.isWs = raw instanceof WebSocket;
    raw[TRANSPORT] = this;
    (raw as { binaryType: string }).binaryType = options.binaryType;
    listen(raw, this.isWs, HANDSHAKE);
  }

  get ready(): boolean {
    return this.raw.readyState === 1;
  }

  /**
   * Frames sent within one tick leave in one write: the TCP socket is corked at the first send of the
   * tick and uncorked on the next tick. A burst of small messages then costs one syscall instead of
   * one each; a lone message waits no longer than the current tick; order is the socket's own. A long
   * burst is let out every 64 KiB, so the peer starts reading while the rest is produced.
   */
  send(data: SendData): number {
    const tcp = this.tcp;
    if (tcp) {
      if (!this.#corked) {
        tcp.cork();
        this.#corked = true;
        process.nextTick(uncork, this);
      } else if (tcp.writableLength > 65536) {
        tcp.uncork();
        tcp.cork();
      }
    }
    // ws frames a string as two chunks (header, payload) but a Buffer as one: half the entries for
    // the corked socket to gather. Buffer.from is the UTF-8 encoding ws would do itself. Only ws
    // (and its subclasses) is known to honour `binary: false`; a look-alike gets the string.
    if (typeof data === 'string') {
      if (!this.isWs) return this.raw.send(data), Buffer.byteLength(data);
      const buffer = Buffer.from(data);
      this.raw.send(buffer, TEXT);
      return buffer.length;
    }
    this.raw.send(data);
    return measure(data);
  }

  close(code: number, reason?: string): void {
    this.raw.close(code, reason);
  }

  ping(): void {
    this.raw.ping();
  }

  // Only for server-driven heartbeats: every other open connection keeps its listener table small.
  hearPings(): void {
    listen(this.raw, this.isWs, PINGS);
  }

  destroy(code?: number, reason?: string): void {
    this.abort?.abort();
    this.raw.removeAllListeners();
    // ws reports the abort of a pending handshake as an error on the next tick: keep it from
    // becoming an uncaught 'error' event.
    this.raw.on('error', noop);
    // An open connection let go with a code gets its close frame; ws ends the TCP connection after
    // the peer answers, or after its own close timeout.
    if (code && this.ready) this.raw.close(code, reason);
    else this.raw.terminate();
  }

  listen(events: TransportEvents): void {
    this.events = events;
  }

  get bufferedAmount(): number {
    return this.raw.bufferedAmount;
  }

  get protocol(): string {
    return this.raw.protocol;
  }

  /** The tick is over: what it sent leaves in one write. */
  release(): void {
    if (this.#corked) this.tcp?.uncork();
    this.#corked = false;
  }
}

function uncork(transport: WsTransport): void {
  transport.release();
}

// Where eventemitter3 files the message listeners (prefixed only where Object.create is missing).
const MESSAGE = (EventEmitter.prefixed || '') + 'message';
type ListenerTable = Record<string, { fn?: (data: MessageData) => void; context: unknown; once: boolean } | undefined>;

/**
 * Hands one message to the socket's listeners. eventemitter3 keeps a lone listener as
 * { fn, context, once }; calling it is what emit() does for it, minus emit's lookup of a variable
 * event name, which was 4 % of Node's receive path (measured). eventemitter3 has no public way to
 * read a lone listener without copying it into an array, so this reads its table, guarded: anything
 * it does not recognise (several listeners, a once listener, none, another layout) goes through emit.
 * test/socket.test.ts pins every listener form; eventemitter3 is held to ^5.
 */
export function deliver(socket: MessageEmitter, data: MessageData): void {
  // eslint-disable-next-line no-restricted-syntax -- the guarded fast path described above
  const only = (socket as unknown as { _events?: ListenerTable })._events?.[MESSAGE];
  if (only?.fn && !only.once) only.fn.call(only.context, data);
  else socket.emit('message', data);
}

/** Node has no online/offline or page visibility: nothing to watch. */
export function watchEnvironment(_listener: EnvironmentEvents): () => void {
  return noop;
}

export const isOnline = (): boolean => true;

/** The safe headers of the 101 being announced as open: no socket keeps them. */
let opening: Record<string, string> | undefined;

// Held here: Node keeps a channel only as long as something references it.
const CHANNELS: Record<string, Channel> = {};
for (const name of ['connecting', 'open', 'close', 'error', 'reconnecting', 'heartbeat']) CHANNELS[name] = channel('steadysocket:' + name);

/**
 * Publishes an announcement on `steadysocket:<event>` (docs/monitoring.md). Nothing is built for a
 * channel nobody watches. `duration`: ms since the attempt started.
 */
export function publish(monitor: Watcher, [event, detail]: Announcement, duration: number): void {
  const { session } = monitor;
  // Over HTTP/2 the extended CONNECT's 200 opened it (RFC 8441 §5): its answer's headers.
  const h2 = event === 'open' ? h2Opening() : undefined;
  // With nodeOptions.http2, the open event itself (and so its log record, written after this) says
  // which HTTP carried it, as the channel does. Here, before any listener sees it: Node only, so
  // browser bundles carry nothing for it.
  if (event === 'open' && session.options.nodeOptions?.http2) detail.http = h2 ? '2' : '1.1';
  const found = CHANNELS[event];
  if (!found?.hasSubscribers) return;
  const base = { socket: session.socket, id: session.id, url: session.url };
  let message: object;
  // A subprotocol may carry a token (`access_token, <jwt>`): shown masked, as in the log records.
  if (event === 'open') {
    message = { ...base, attempt: detail.attempt, protocol: maskProtocols([detail.protocol])[0], status: h2 ? 200 : 101, http: h2 ? '2' : '1.1', headers: h2 ?? opening, duration };
  } else if (event === 'error') {
    const { kind, status, headers } = detail;
    message = { ...base, error: detail, kind, status, headers, duration: monitor.live ? undefined : duration };
  } else message = { ...base, ...(detail as object) };
  found.publish(message);
}

/** An Event carrying the fields of its init, for the classes Node lacks (Node 20 has no CloseEvent or ErrorEvent). */
class Made extends Event {
  constructor(type: string, init: EventInit & Record<string, unknown>) {
    super(type, init);
    Object.assign(this, init);
  }
}

export const makeEvent: Runtime['makeEvent'] = (name, type, init) => new ((globalThis as unknown as Record<string, typeof Made | undefined>)[name] ?? Made)(type, init);
