import { connect as http2Connect, type ClientHttp2Session, type Settings } from 'node:http2';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { classifyNodeError } from '../classify';
import { SteadySocketError } from '../errors';
import type { NodeOptions } from '../options';

// HTTP/2 sessions shared per origin: one TCP (and TLS) connection carries the WebSockets of every
// socket to that origin, each an extended CONNECT stream (RFC 8441). A session is used only once the
// server's SETTINGS arrived and carry SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3: a client must
// not send `:protocol` before). It ends when its last stream does; a GOAWAY or a session error ends
// its streams, and their sockets reconnect onto a new session.

/** `true`: HTTP/2 only (prior knowledge on ws:). `'auto'`: HTTP/2 where the server offers RFC 8441, else HTTP/1.1. */
export type H2Mode = true | 'auto';

/** What the pool needs of a stream's owner. */
export interface SessionUser {
  /** The session failed or the server is going away: the WebSocket on it is lost. */
  lost(error: SteadySocketError): void;
}

/** Why a session is no use for WebSockets; `fallback` says HTTP/1.1 may still work. */
export interface Refusal {
  error: SteadySocketError;
  fallback: boolean;
  /** The origin does not route the extended CONNECT (a 4xx that is no auth nor rate limit): 'auto' remembers it. */
  unrouted?: boolean;
}

type Waiter = { user: SessionUser; attempt: number; settle: (outcome: Pooled | Refusal) => void };

/** RFC 9113 §7's error codes, by number. */
const ERROR_NAMES = 'NO_ERROR PROTOCOL_ERROR INTERNAL_ERROR FLOW_CONTROL_ERROR SETTINGS_TIMEOUT STREAM_CLOSED FRAME_SIZE_ERROR REFUSED_STREAM CANCEL COMPRESSION_ERROR CONNECT_ERROR ENHANCE_YOUR_CALM INADEQUATE_SECURITY HTTP_1_1_REQUIRED'.split(' ');

/** An HTTP/2 error code's name (RFC 9113 §7), or its number in hex when unknown. */
export const errorName = (code: number): string => ERROR_NAMES[code] ?? `0x${code.toString(16)}`;

// A stream's flow-control window: node:http2's default (65,535 bytes, RFC 9113 §6.9.2) holds one
// socket's throughput to a window per round trip. The session's own window is raised to match.
const STREAM_WINDOW = 4 << 20;
const SESSION_WINDOW = 32 << 20;
// DATA frames the server may send: larger than RFC 9113's 16,384 bytes, so a fast stream costs fewer
// frames (and reads), small enough that one stream's frame holds the others up little.
const FRAME_SIZE = 64 << 10;
// RFC 9113 §6.5.2 recommends at least 100 concurrent streams: assumed until the SETTINGS say.
const ASSUMED_STREAMS = 100;
// An origin found without RFC 8441 goes straight to HTTP/1.1 in 'auto' mode for this long (ms).
const REMEMBER = 10 * 60_000;

const pools = new Map<string, Pooled[]>();
const withoutH2 = new Map<string, number>();

/** A key per origin and TLS identity: sockets with another CA or certificate get their own session. */
function keyOf(url: URL, options: NodeOptions): string {
  const { ca, cert, key, pfx, rejectUnauthorized, servername, family, localAddress } = options;
  return [url.protocol, url.host, rejectUnauthorized, servername, family, localAddress, ...[ca, cert, key, pfx].map((value) => (value === undefined ? '' : String(value as string)))].join('\n');
}

/** One HTTP/2 connection and the WebSockets it carries. */
export class Pooled {
  session?: ClientHttp2Session;
  /** The sockets holding a stream here, or waiting for it to be ready. */
  readonly users = new Set<SessionUser>();
  /** Set while connecting; cleared once the server's SETTINGS arrived. */
  waiters?: Waiter[] = [];
  /** No new streams: GOAWAY, failure, or closing. */
  draining = false;
  capacity = ASSUMED_STREAMS;
  readonly #socket: Socket;

  constructor(
    readonly key: string,
    readonly url: URL,
    private readonly options: NodeOptions,
    private readonly mode: H2Mode,
  ) {
    const secure = url.protocol === 'wss:';
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port) || (secure ? 443 : 80);
    // 'auto' offers both (RFC 7301): the server's choice says whether HTTP/2 is there at all.
    this.#socket = secure
      ? tlsConnect({ ...options, host, port, servername: (options.servername as string | undefined) ?? (isIP(host) ? undefined : host), ALPNProtocols: mode === 'auto' ? ['h2', 'http/1.1'] : ['h2'] } as never)
      : netConnect({ host, port, family: options.family as number | undefined });
    // A CONNECT and the first frames are small: Nagle's algorithm would hold them ~40 ms.
    this.#socket.setNoDelay(true);
    this.#socket.once('error', (cause: Error & { code?: string }) => {
      // RFC 7301 §3.2: the server speaks none of the protocols offered (only h2 is, with `true`).
      if (cause.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL') this.#refuse('the server refused h2 by ALPN (no_application_protocol)');
      else this.#end(cause);
    });
    this.#socket.once(secure ? 'secureConnect' : 'connect', () => this.#connected(secure));
  }

  #connected(secure: boolean): void {
    const socket = this.#socket;
    const alpn = secure && (socket as TLSSocket).alpnProtocol;
    if (secure && alpn !== 'h2') {
      socket.destroy();
      return this.#refuse(`the server chose ${alpn || 'no protocol'} by ALPN, not h2`);
    }
    const session = (this.session = http2Connect(this.url.origin.replace(/^ws/, 'http'), {
      createConnection: () => socket,
      settings: { enablePush: false, initialWindowSize: STREAM_WINDOW, maxFrameSize: FRAME_SIZE },
      // A thousand streams' frames in flight exceed node:http2's 10 MB default, which then refuses streams.
      maxSessionMemory: 64,
    }));
    session.setLocalWindowSize(SESSION_WINDOW);
    session.on('error', (cause: Error) => this.#end(cause));
    session.once('close', () => this.#end());
    session.on('goaway', (code: number) => {
      // Streams above the last one the server names are refused; the others end soon: every socket
      // moves to a new session now rather than when the server cuts it (RFC 9113 §6.8).
      this.#end(undefined, new SteadySocketError('network', `the server sent GOAWAY ${errorName(code)} (${code})`, { retryable: true }));
    });
    session.once('remoteSettings', (settings: Settings) => this.#settled(settings));
  }

  #settled(settings: Settings): void {
    if (!settings.enableConnectProtocol) {
      this.session!.close();
      return this.#refuse("the server's SETTINGS do not enable the extended CONNECT (RFC 8441)");
    }
    this.capacity = settings.maxConcurrentStreams ?? ASSUMED_STREAMS;
    const waiters = this.waiters!;
    this.waiters = undefined;
    // Those beyond what the server allows at once go to another session.
    let room = this.capacity - (this.users.size - waiters.length);
    for (const waiter of waiters) {
      if (room-- > 0) waiter.settle(this);
      else {
        this.users.delete(waiter.user);
        acquire(this.url, this.options, this.mode, waiter.attempt, waiter.user, waiter.settle, this.key);
      }
    }
  }

  /** The server refused or reset an extended CONNECT: 'auto' goes straight to HTTP/1.1 here for a while. */
  remember(): void {
    withoutH2.set(this.key, Date.now() + REMEMBER);
  }

  /** No HTTP/2 WebSocket here: 'auto' remembers it and falls back; `true` fails. */
  #refuse(why: string): void {
    this.draining = true;
    this.remember();
    this.#flush((attempt) => ({ fallback: true, error: new SteadySocketError('no-protocol-support', `no WebSocket over HTTP/2: ${why}`, { attempt }) }));
    this.#forget();
  }

  /** The connection failed or closed, or the server is going away. */
  #end(cause?: Error, reason?: SteadySocketError): void {
    if (this.draining && !reason && !this.users.size) return;
    this.draining = true;
    this.#forget();
    const failure = (attempt: number, opened: boolean): SteadySocketError =>
      reason ?? (cause ? classifyNodeError(cause, attempt, opened) : new SteadySocketError('network', 'the HTTP/2 connection closed', { attempt, retryable: true }));
    this.#flush((attempt) => ({ fallback: false, error: failure(attempt, false) }));
    for (const user of [...this.users]) user.lost(failure(0, true));
    this.users.clear();
    // After a GOAWAY the session closes once its streams (being cancelled now) are gone.
    if (reason) this.session!.close();
    else if (this.session) this.session.destroy();
    else this.#socket.destroy();
  }

  #flush(outcome: (attempt: number) => Refusal): void {
    const waiters = this.waiters ?? [];
    this.waiters = undefined;
    for (const waiter of waiters) {
      this.users.delete(waiter.user);
      waiter.settle(outcome(waiter.attempt));
    }
    if (this.users.size) return;
    if (this.session) this.session.close();
    else this.#socket.destroy();
  }

  #forget(): void {
    const list = pools.get(this.key);
    if (!list) return;
    const rest = list.filter((pooled) => pooled !== this);
    if (rest.length) pools.set(this.key, rest);
    else pools.delete(this.key);
  }

  /** The socket's stream ended, or it gave up waiting: the session ends with its last user. */
  release(user: SessionUser): void {
    if (!this.users.delete(user)) return;
    if (this.waiters) this.waiters = this.waiters.filter((waiter) => waiter.user !== user);
    if (this.users.size) return;
    this.draining = true;
    this.#forget();
    if (this.session) this.session.close();
    else this.#socket.destroy();
  }
}

/**
 * Finds or starts a session for `url` and calls `settle` once it is ready for an extended CONNECT, or
 * with why not. Returns the session now, so the caller can `release` it before it settles.
 */
export function acquire(
  url: URL,
  options: NodeOptions,
  mode: H2Mode,
  attempt: number,
  user: SessionUser,
  settle: (outcome: Pooled | Refusal) => void,
  known?: string,
): Pooled | undefined {
  const key = known ?? keyOf(url, options);
  const until = withoutH2.get(key);
  if (until !== undefined) {
    if (mode === 'auto' && until > Date.now()) {
      settle({ fallback: true, error: new SteadySocketError('no-protocol-support', 'no WebSocket over HTTP/2 at this origin (found earlier)', { attempt }) });
      return undefined;
    }
    withoutH2.delete(key);
  }
  const list = pools.get(key) ?? [];
  // Until its SETTINGS say how many streams the server allows, a session being set up takes everyone.
  let pooled = list.find((candidate) => !candidate.draining && (candidate.waiters || candidate.users.size < candidate.capacity));
  if (!pooled) {
    pooled = new Pooled(key, url, options, mode);
    pools.set(key, [...list, pooled]);
  }
  pooled.users.add(user);
  if (pooled.waiters) pooled.waiters.push({ user, attempt, settle });
  else settle(pooled);
  return pooled;
}

/** HTTP/2 sessions open now, per origin key: for tests that check sharing. */
export const sessionCount = (): number => [...pools.values()].reduce((sum, list) => sum + list.length, 0);
