import type { Clock } from './clock';
import { systemClock } from './clock';
import { SteadySocketError } from './errors';
import type { Jitter } from './backoff';
import type { SendData } from './queue';

/** What a `message` event carries: text as a string, binary as ArrayBuffer (or Blob with binaryType 'blob'). */
export type MessageData = string | ArrayBuffer | Blob;

/** What `shouldReconnect` is told about the end of a connection or a failed attempt. */
export interface ReconnectInfo {
  /** Close code; 1006 when the connection was lost or never opened. */
  code: number;
  reason: string;
  error?: SteadySocketError;
  /** The attempt that just ended (1-based within the current failure streak). */
  attempt: number;
}

export interface ReconnectOptions {
  /** Ceiling of the first delay, ms. Default 1000. */
  initialDelay?: number;
  /** Longest delay, ms; also caps Retry-After. Default 30000. */
  maxDelay?: number;
  /** Growth of the delay per failed attempt. Default 2. */
  factor?: number;
  /** Default 'full': a uniform pick in [0, delay], so clients dropped together return apart. */
  jitter?: Jitter;
  /** Consecutive attempts (the first included) before giving up. Default Infinity. */
  maxAttempts?: number;
  /** ms a connection must stay open before the attempt counter starts again from 1. Default 5000. */
  resetAfter?: number;
  /** Overrides the default policy: return true to reconnect. */
  shouldReconnect?: (info: ReconnectInfo) => boolean;
}

export interface HeartbeatOptions {
  /** ms between pings. Default 25000. */
  interval?: number;
  /** ms to wait for the answer to a ping before the peer counts as dead. Default 10000. */
  timeout?: number;
  /** An application ping to send instead of protocol ping frames (required in browsers). */
  message?: SendData | (() => SendData);
  /** Recognises the answer; matched messages are not emitted as `message`. Default: any message. */
  isPong?: (data: MessageData) => boolean;
}

export interface BufferOptions {
  /** Messages held while not open. Default 1000. */
  maxMessages?: number;
  /** Bytes held while not open (UTF-8 for text). Default 1048576 (1 MiB). */
  maxBytes?: number;
}

/** The constructor steadysocket drives: the browser's WebSocket, `ws`, undici's, or one shaped like them. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[], options?: NodeOptions) => WebSocketLike;

/** The least a WebSocket instance has (the WHATWG WebSocket interface has more, and is used). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: never): void;
  close(code?: number, reason?: string): void;
}

/** Options handed to `ws` in Node (see ws's ClientOptions); ignored in browsers. */
export interface NodeOptions {
  /** Largest incoming message, bytes. Default 16777216 (16 MiB), not ws's 100 MiB. */
  maxPayload?: number;
  headers?: Record<string, string>;
  /** Keep TLS verification on (the default) unless you mean it. */
  rejectUnauthorized?: boolean;
  ca?: string | Uint8Array | Array<string | Uint8Array>;
  [option: string]: unknown;
}

type Maybe<T> = T | Promise<T>;

export interface SteadySocketOptions {
  /** Subprotocols to offer, or a function (sync or async) called before every attempt. */
  protocols?: string | string[] | (() => Maybe<string | string[]>);
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
  /** Browsers: probe after a failed handshake to tell why. Default true. */
  diagnose?: boolean;
  /** Constructor to use instead of isomorphic-ws (undici, React Native, tests). */
  WebSocket?: WebSocketConstructor;
  /** Passed to `ws` in Node; ignored in browsers. */
  nodeOptions?: NodeOptions;
  /** Timers to use: for tests that drive time by hand. Default: the global timers. */
  clock?: Clock;
}

/** The options after defaults, validated. */
export interface ResolvedOptions {
  protocols: SteadySocketOptions['protocols'];
  connectTimeout: number;
  reconnect: Required<Omit<ReconnectOptions, 'shouldReconnect'>> & Pick<ReconnectOptions, 'shouldReconnect'> | false;
  heartbeat: (Required<Pick<HeartbeatOptions, 'interval' | 'timeout'>> & HeartbeatOptions) | false;
  buffer: Required<BufferOptions> | false;
  binaryType: 'arraybuffer' | 'blob';
  diagnose: boolean;
  WebSocket?: WebSocketConstructor;
  nodeOptions: NodeOptions;
  clock: Clock;
}

const RECONNECT = Object.freeze({ initialDelay: 1000, maxDelay: 30000, factor: 2, jitter: 'full' as Jitter, maxAttempts: Infinity, resetAfter: 5000 });
const HEARTBEAT = Object.freeze({ interval: 25000, timeout: 10000 });
const BUFFER = Object.freeze({ maxMessages: 1000, maxBytes: 1 << 20 });
// ws copies its options, so every socket may pass the same frozen object.
const NODE: NodeOptions = Object.freeze({ maxPayload: 16 << 20 });
const TOP = ['protocols', 'connectTimeout', 'reconnect', 'heartbeat', 'buffer', 'binaryType', 'diagnose', 'WebSocket', 'nodeOptions', 'clock'];

const fail = (field: string, why: string): never => {
  throw new SteadySocketError('invalid-options', `options.${field} ${why}`);
};

function checkKeys(value: object, allowed: string[], prefix: string): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) fail(prefix + key, 'is not a known option');
}

function number(value: unknown, field: string, min: number, allowInfinity = false): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || (!allowInfinity && !Number.isFinite(value)))
    fail(field, `must be a ${allowInfinity ? '' : 'finite '}number >= ${min}, got ${String(value)}`);
  return value as number;
}

/** Nested options: false, or an object merged over its defaults. */
function section<T extends object>(value: unknown, defaults: T, field: string): T | false {
  if (value === false) return false;
  // Untouched sections share the frozen defaults: thousands of sockets need not hold a copy each.
  if (value === undefined || value === true) return defaults;
  if (typeof value !== 'object' || value === null) return fail(field, 'must be false or an object');
  return { ...defaults, ...(value as object) };
}

/** Merges defaults once and checks every field, naming the bad one. */
export function resolveOptions(options: SteadySocketOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('', 'must be an object');
  checkKeys(options, TOP, '');
  const reconnect = section(options.reconnect, RECONNECT, 'reconnect');
  if (reconnect) {
    checkKeys(reconnect, [...Object.keys(RECONNECT), 'shouldReconnect'], 'reconnect.');
    number(reconnect.initialDelay, 'reconnect.initialDelay', 0);
    number(reconnect.maxDelay, 'reconnect.maxDelay', reconnect.initialDelay);
    number(reconnect.factor, 'reconnect.factor', 1);
    number(reconnect.maxAttempts, 'reconnect.maxAttempts', 1, true);
    number(reconnect.resetAfter, 'reconnect.resetAfter', 0);
    if (!['full', 'equal', 'none'].includes(reconnect.jitter)) fail('reconnect.jitter', "must be 'full', 'equal' or 'none'");
    const should = (reconnect as ReconnectOptions).shouldReconnect;
    if (should !== undefined && typeof should !== 'function') fail('reconnect.shouldReconnect', 'must be a function');
  }
  const heartbeat = section<HeartbeatOptions & typeof HEARTBEAT>(options.heartbeat, HEARTBEAT, 'heartbeat');
  if (heartbeat) {
    checkKeys(heartbeat, ['interval', 'timeout', 'message', 'isPong'], 'heartbeat.');
    number(heartbeat.interval, 'heartbeat.interval', 1);
    number(heartbeat.timeout, 'heartbeat.timeout', 1);
    if (heartbeat.isPong !== undefined && typeof heartbeat.isPong !== 'function') fail('heartbeat.isPong', 'must be a function');
  }
  const buffer = section(options.buffer, BUFFER, 'buffer');
  if (buffer) {
    checkKeys(buffer, Object.keys(BUFFER), 'buffer.');
    number(buffer.maxMessages, 'buffer.maxMessages', 0, true);
    number(buffer.maxBytes, 'buffer.maxBytes', 0, true);
  }
  const binaryType = options.binaryType ?? 'arraybuffer';
  if (binaryType !== 'arraybuffer' && binaryType !== 'blob') fail('binaryType', "must be 'arraybuffer' or 'blob'");
  if (options.WebSocket !== undefined && typeof options.WebSocket !== 'function') fail('WebSocket', 'must be a constructor');
  const p = options.protocols;
  if (p !== undefined && typeof p !== 'string' && typeof p !== 'function' && !Array.isArray(p)) {
    throw new SteadySocketError('invalid-protocols', 'options.protocols must be a string, an array of strings or a function');
  }
  return {
    protocols: p,
    connectTimeout: number(options.connectTimeout ?? 10000, 'connectTimeout', 1),
    reconnect,
    heartbeat,
    buffer,
    binaryType,
    diagnose: options.diagnose ?? true,
    WebSocket: options.WebSocket,
    nodeOptions: options.nodeOptions ? { ...NODE, ...options.nodeOptions } : NODE,
    clock: options.clock ?? systemClock,
  };
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
