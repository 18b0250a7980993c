import type { Clock } from './clock';
import { systemClock } from './clock';
import { SteadySocketError } from './errors';
import { MAX_TIMER, type Jitter } from './backoff';
import { checkData, type SendData } from './queue';
import type { ReconnectInfo, ReconnectPolicy } from './policy';
import type { Logger, LogLevel } from './records';

export type { ReconnectInfo };

/** What a `message` event carries: text as a string, binary as ArrayBuffer (or Blob with binaryType 'blob'). */
export type MessageData = string | ArrayBuffer | Blob;

/** How to come back after a drop or a failed attempt: `reconnect` of the options. */
export interface ReconnectOptions {
  /** Ceiling of the first delay, ms. Default 1500. */
  initialDelay?: number;
  /** Longest delay, ms; also caps Retry-After. Default 30000. */
  maxDelay?: number;
  /** Growth of the delay per failed attempt. Default 1.3. */
  factor?: number;
  /**
   * Default 'staggered': a random start per outage, then delays that grow the same way for every
   * client, so that clients dropped together return spread evenly over one delay. 'full' picks in
   * [0, delay], 'equal' in [delay/2, delay], 'none' waits exactly delay.
   */
  jitter?: Jitter;
  /** Consecutive attempts (the first included) before giving up. Default Infinity. */
  maxAttempts?: number;
  /** ms a connection must stay open before the attempt counter starts again from 1. Default 5000. */
  resetAfter?: number;
  /** Overrides the default policy: return true to reconnect. */
  shouldReconnect?: (info: ReconnectInfo) => boolean;
}

/** How to notice a dead peer: `heartbeat` of the options. */
export interface HeartbeatOptions {
  /**
   * 'client' (default): the client pings and waits for the answer. 'server': the server drives the
   * heartbeat (Engine.IO, graphql-ws, ActionCable, ping frames): the client sends nothing on its own,
   * every message (and in Node every ping frame) proves the peer alive, and `timeout` ms of silence
   * is `heartbeat-timeout`. No round trip is measured in this mode.
   */
  mode?: 'client' | 'server';
  /** ms between pings (mode 'client'). Default 25000. */
  interval?: number;
  /**
   * Mode 'client': ms to wait for the answer to a ping before the peer counts as dead. Default 10000.
   * Mode 'server' (required there): ms of silence after which the peer counts as dead, such as the
   * server's ping interval plus the delay it allows.
   */
  timeout?: number;
  /**
   * Mode 'server': the reply to a server's ping, or undefined for any other message. A message
   * answered is not emitted as `message`. Example for Engine.IO: `(data) => (data === '2' ? '3' : undefined)`.
   */
  answer?: (data: MessageData) => SendData | undefined;
  /**
   * An application ping to send instead of protocol ping frames (required in browsers): data as for
   * `send()`, or a function returning it, called before every ping.
   */
  message?: SendData | (() => SendData);
  /** Recognises the answer; matched messages are not emitted as `message`. Default: any message. */
  isPong?: (data: MessageData) => boolean;
}

/** The limits of the offline queue: `buffer` of the options. */
export interface BufferOptions {
  /** Messages held while not open. Default 1000. */
  maxMessages?: number;
  /** Bytes held while not open (UTF-8 for text). Default 1048576 (1 MiB). */
  maxBytes?: number;
}

/** The constructor steadysocket drives: the browser's WebSocket, `ws`, undici's, or one shaped like them. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: NodeOptions & { headers?: Record<string, string> }) => WebSocketLike;

/** The least a WebSocket instance has (the WHATWG WebSocket interface has more, and is used). */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Sends one message. */
  send(data: never): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
}

/** Options handed to `ws` in Node (see ws's ClientOptions); ignored in browsers. */
export interface NodeOptions {
  /** Largest incoming message, bytes. Default 16777216 (16 MiB), not ws's 100 MiB. */
  maxPayload?: number;
  /**
   * Extra request headers of the opening handshake (`Authorization`, `Cookie`, ...), or a function
   * (sync or async) called before every attempt that returns them: a fresh token each time. It gets
   * the attempt's AbortSignal, as the url function does.
   */
  headers?: Record<string, string> | ((signal: AbortSignal) => Record<string, string> | Promise<Record<string, string>>);
  /**
   * WebSocket over HTTP/2 (RFC 8441). Default false: HTTP/1.1. `true`: HTTP/2 only, by ALPN on wss:
   * and by prior knowledge on ws:; sockets to one origin share one connection. `'auto'`: HTTP/2 on
   * wss: where the server advertises RFC 8441, else HTTP/1.1, also when the extended CONNECT is
   * refused or reset. Node only.
   */
  http2?: boolean | 'auto';
  /** Keep TLS verification on (the default) unless you mean it. */
  rejectUnauthorized?: boolean;
  /** Certificates to trust besides the system's (an in-house CA), PEM. */
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  /** Any other option of ws's ClientOptions (`agent` for a proxy, `family`, `servername`, ...). */
  [option: string]: unknown;
}

/** Options of a SteadySocket, each checked once at the constructor (docs/api.md, "Options"). */
export interface SteadySocketOptions {
  /**
   * Subprotocols to offer, or a function (sync or async) called before every attempt; it gets an
   * AbortSignal that aborts when the attempt is abandoned (close(), reconnect(), the connect timeout).
   */
  protocols?: string | string[] | ((signal: AbortSignal) => string | string[] | Promise<string | string[]>);
  /** false: start closed, and connect at `connect()`. Default true: connect on the next microtask. */
  autoConnect?: boolean;
  /** ms for TCP + TLS + the opening handshake. Default 10000. */
  connectTimeout?: number;
  /** false, or how to come back after a drop. */
  reconnect?: false | ReconnectOptions;
  /** false, or how to notice a dead peer. */
  heartbeat?: false | HeartbeatOptions;
  /** false (send() while not open throws), or the limits of the offline queue. */
  buffer?: false | BufferOptions;
  /** How binary messages arrive. Default 'arraybuffer'. */
  binaryType?: 'arraybuffer' | 'blob';
  /**
   * After a handshake that failed without saying why (browsers, or a WHATWG `WebSocket` in Node), probe
   * to tell why. Default true. `steadysocket/core` has no probe: there it does nothing.
   */
  diagnose?: boolean;
  /**
   * Browsers: when the page may go into the back/forward cache (`pagehide` with `persisted`), close
   * (1000, 'page hidden') and wait quietly; when it comes back (`pageshow` with `persisted`), reconnect at once,
   * the offline queue kept. Default true.
   */
  bfcache?: boolean;
  /** Constructor to use instead of isomorphic-ws (undici, React Native, tests). */
  WebSocket?: WebSocketConstructor;
  /** Passed to `ws` in Node; ignored in browsers. */
  nodeOptions?: NodeOptions;
  /** Timers to use: for tests that drive time by hand. Default: the global timers. */
  clock?: Clock;
  /**
   * Where log records go. Default: nowhere. `true`: the console. An object with `debug`, `info`,
   * `warn` and `error` methods (console, winston, ...) gets `(message, fields)`; a function gets
   * each record whole.
   */
  logger?: boolean | Logger;
  /** The least level logged. Default 'warn'. */
  logLevel?: LogLevel | 'silent';
  /** Log every message sent and received with its payload (its first 200 characters), at level 'debug'. Default false. */
  logPayloads?: boolean;
}

/** The options after defaults, validated. */
export interface ResolvedOptions {
  protocols: SteadySocketOptions['protocols'];
  autoConnect: boolean;
  connectTimeout: number;
  reconnect: ReconnectPolicy | false;
  heartbeat: (Required<Pick<HeartbeatOptions, 'interval' | 'timeout'>> & HeartbeatOptions) | false;
  buffer: Required<BufferOptions> | false;
  binaryType: 'arraybuffer' | 'blob';
  diagnose: boolean;
  bfcache: boolean;
  WebSocket?: WebSocketConstructor;
  nodeOptions?: NodeOptions;
  clock: Clock;
  logger?: boolean | Logger;
  logLevel: LogLevel | 'silent';
  logPayloads: boolean;
}

// One schema for every option: its default and its rule. The known keys, the shared defaults and the
// messages naming a bad field all come from here. A rule is a number (the least value; a finite
// number, or Infinity too when the default is Infinity), a list of allowed values, or a check that
// says what is wrong.
type Rule = number | readonly unknown[] | ((value: any) => string | false | undefined);
type Schema = Record<string, [fallback: unknown, rule: Rule]>;

const isObject = (value: unknown): boolean => typeof value === 'object' && value !== null;
const ANY = (): undefined => undefined;
const FUNCTION = (value: unknown) => typeof value !== 'function' && 'must be a function';
const OBJECT = (value: unknown) => !isObject(value) && 'must be an object';
const CLOCK = (value: Record<keyof Clock, unknown> | undefined) =>
  (['setTimeout', 'clearTimeout', 'now'] as const).some((name) => FUNCTION(value?.[name])) && 'must have setTimeout, clearTimeout and now functions';
const SENDABLE = (value: unknown): string | undefined => {
  try {
    if (FUNCTION(value)) checkData(value);
  } catch {
    return 'must be data for send() or a function returning it';
  }
};

const SECTIONS: Record<'reconnect' | 'heartbeat' | 'buffer', Schema> = {
  reconnect: {
    initialDelay: [1500, 0],
    maxDelay: [30000, 0],
    factor: [1.3, 1],
    jitter: ['staggered', ['staggered', 'full', 'equal', 'none']],
    maxAttempts: [Infinity, 1],
    resetAfter: [5000, 0],
    shouldReconnect: [undefined, FUNCTION],
  },
  heartbeat: {
    mode: ['client', ['client', 'server']],
    interval: [25000, 1],
    timeout: [10000, 1],
    message: [undefined, SENDABLE],
    isPong: [undefined, FUNCTION],
    answer: [undefined, FUNCTION],
  },
  buffer: { maxMessages: [1000, 0], maxBytes: [1 << 20, 0] },
};

const TOP: Schema = {
  // A list is checked now; a function's answer before every attempt.
  protocols: [undefined, (value) => typeof value !== 'function' && checkProtocols(value) && false],
  autoConnect: [true, [true, false]],
  connectTimeout: [10000, 1],
  reconnect: [true, ANY],
  heartbeat: [true, ANY],
  buffer: [true, ANY],
  binaryType: ['arraybuffer', ['arraybuffer', 'blob']],
  diagnose: [true, [true, false]],
  bfcache: [true, [true, false]],
  WebSocket: [undefined, FUNCTION],
  // The Node runtime adds its defaults (maxPayload): browsers never read these.
  nodeOptions: [undefined, OBJECT],
  clock: [systemClock, CLOCK],
  // Checked by the monitor, which `steadysocket/core` leaves out (its bytes with it).
  logger: [undefined, ANY],
  logLevel: ['warn', ANY],
  logPayloads: [false, ANY],
};

export const fail = (field: string, why: string): never => {
  throw new SteadySocketError('invalid-options', `options.${field} ${why}`);
};

/** Every key known, every rule kept; returns the value with the defaults filled in. */
export function apply(value: object, schema: Schema, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in value) if (!Object.hasOwn(schema, key)) fail(prefix + key, 'is not a known option');
  for (const key in schema) {
    const [fallback, rule] = schema[key]!;
    const given = (value as Record<string, unknown>)[key];
    const why =
      given === undefined
        ? ''
        : typeof rule === 'number'
          ? // Numbers other than Infinity's are ms or counts that timers take: Node and browsers turn a
            // delay past 2^31 - 1 ms into 1 ms.
            (typeof given !== 'number' || !(given >= rule) || (given > MAX_TIMER && fallback !== Infinity)) &&
            `must be a number >= ${rule}${fallback === Infinity ? '' : ' and <= ' + MAX_TIMER}, got ${typeof given === 'number' ? given : typeof given}`
          : typeof rule === 'function'
            ? rule(given)
            : !rule.includes(given) && `must be ${rule.map((v) => (typeof v === 'string' ? `'${v}'` : v)).join(' or ')}`;
    if (why) fail(prefix + key, why);
    out[key] = given === undefined ? fallback : given;
  }
  return out;
}

// Untouched sections share frozen defaults, made at first use: thousands of sockets need not hold a
// copy each.
const DEFAULTS: Partial<Record<keyof typeof SECTIONS, Record<string, unknown>>> = {};

/**
 * Merges defaults once and checks every field, naming the bad one. A socket's resolved options hold
 * only what differs from the defaults; the rest is read from one shared object, their prototype.
 * They are read, never enumerated or spread: thousands of idle sockets stay small.
 */
export function resolveOptions(options: SteadySocketOptions = {}): ResolvedOptions {
  const all = resolveAll(options);
  const shared = (SHARED ??= resolveAll({}));
  const own = Object.create(shared) as Record<string, unknown>;
  for (const key in all) if (all[key] !== shared[key]) own[key] = all[key];
  return own as unknown as ResolvedOptions;
}

// Not frozen: a frozen prototype's properties could not be shadowed by a socket's own.
let SHARED: Record<string, unknown> | undefined;

function resolveAll(options: SteadySocketOptions): Record<string, unknown> {
  if (!isObject(options)) fail('', 'must be an object');
  const top = apply(options, TOP, '');
  for (const name of ['reconnect', 'heartbeat', 'buffer'] as const) {
    const value = top[name];
    if (value === true) top[name] = DEFAULTS[name] ??= Object.freeze(apply({}, SECTIONS[name], ''));
    else if (value !== false) top[name] = isObject(value) ? apply(value as object, SECTIONS[name], name + '.') : fail(name, 'must be false or an object');
  }
  // Each mode has its own fields: one given to the other mode is a mistake worth saying.
  const beat = options.heartbeat as HeartbeatOptions | undefined;
  if (beat) {
    const mode = beat.mode ?? 'client';
    if (mode === 'server' && beat.timeout === undefined) fail('heartbeat.timeout', "is required with mode 'server'");
    for (const field of mode === 'server' ? (['interval', 'message', 'isPong'] as const) : (['answer'] as const)) {
      if (beat[field] !== undefined) fail('heartbeat.' + field, `does not apply to mode '${mode}'`);
    }
  }
  const reconnect = top.reconnect as ReconnectPolicy | false;
  if (reconnect && reconnect.maxDelay < reconnect.initialDelay) fail('reconnect.maxDelay', `must be a number >= ${reconnect.initialDelay}, got ${reconnect.maxDelay}`);
  return top;
}

// RFC 7230 §3.2.6 token characters: RFC 6455 §4.1 requires subprotocols to be tokens.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Checks a subprotocol list: unique, non-empty tokens. */
export function checkProtocols(value: unknown): string[] {
  const list = value === undefined ? [] : typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) throw new SteadySocketError('invalid-protocols', 'protocols must be a string or an array of strings');
  list.forEach((name, index) => {
    if (typeof name !== 'string' || !TOKEN.test(name))
      throw new SteadySocketError('invalid-protocols', `protocols[${index}] is not a valid token: ${JSON.stringify(name)}`);
    if (list.indexOf(name) !== index) throw new SteadySocketError('invalid-protocols', `protocols has "${name}" twice`);
  });
  return list as string[];
}
