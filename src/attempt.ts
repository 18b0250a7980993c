import { openTransport } from '#runtime';
import { SteadySocketError } from './errors';
import { extensions } from './extensions';
import { checkProtocols, type ResolvedOptions } from './options';
import type { Transport, TransportEvents } from './runtime/types';
import { normalizeUrl } from './url';

/**
 * A URL, or a function called before every attempt that returns one. It gets an AbortSignal that
 * aborts when the attempt is abandoned (close(), reconnect(), the connect timeout): pass it to the
 * token fetch.
 */
export type UrlSource = string | ((signal: AbortSignal) => string | Promise<string>);

/** Where an attempt reports how it ended: exactly one call, unless it was cancelled first. */
export interface AttemptOwner {
  attemptOpened(attempt: Attempt, transport: Transport, protocol: string): void;
  attemptFailed(attempt: Attempt, error: SteadySocketError): void;
}

const NONE: string[] = [];

/**
 * A provider's answer, on a later microtask. A function's own failure (a token service down, throwing
 * or rejecting) is its kind, retried: it may pass. A bad value it returns is checked later, and final.
 */
const call = <T>(provider: T | ((signal: AbortSignal) => T | Promise<T>), what: 'url' | 'protocols', signal: AbortSignal): Promise<T> =>
  Promise.resolve()
    .then(() => (typeof provider === 'function' ? (provider as (signal: AbortSignal) => T)(signal) : provider))
    .catch((cause: unknown) => {
      throw new SteadySocketError(`invalid-${what}`, `${what} function failed: ${String(cause)}`, { cause, retryable: true });
    });

/**
 * One connection attempt: the URL and protocols providers, the connect timeout, the transport until
 * it opens, and the probe that diagnoses a failure. Everything it starts is its own: `cancel()` stops
 * all of it, and nothing it started reports afterwards.
 */
export class Attempt implements TransportEvents {
  /** The URL this attempt uses, once known ('' before the url function answered). */
  url = '';
  offered = NONE;
  /** Cleared when the attempt ends or is cancelled: late callbacks find nobody to report to. */
  #owner?: AttemptOwner;
  #timer: unknown;
  #transport?: Transport;
  /** Aborted when the attempt is abandoned: the signal of the providers and of the probe. */
  #abort? = new AbortController();
  readonly #startedAt: number;

  constructor(
    /** 1 for the first attempt of a failure streak. */
    readonly number: number,
    source: UrlSource,
    private readonly options: ResolvedOptions,
    owner: AttemptOwner,
  ) {
    const { clock, connectTimeout, protocols } = options;
    const signal = this.#abort!.signal;
    this.#owner = owner;
    this.#startedAt = clock.now();
    // The budget covers the URL and protocols functions too: a hung token fetch must not hang us.
    this.#timer = clock.setTimeout(
      () => this.#fail(new SteadySocketError('timeout', `no handshake within connectTimeout (${connectTimeout} ms)`, { attempt: number })),
      connectTimeout,
    );
    // The providers are user code: they run on a later microtask, never inside the caller's
    // transition, and a synchronous throw counts the same as a rejection.
    Promise.all([call(source, 'url', signal), call(protocols, 'protocols', signal)])
      .then(([url, offered]) => {
        if (!this.#owner) return;
        this.url = normalizeUrl(url);
        this.offered = checkProtocols(offered);
        // Named, not spread: the options' defaults live on their prototype.
        const { binaryType, WebSocket, nodeOptions } = options;
        this.#transport = openTransport({ url: this.url, protocols: this.offered, attempt: number, binaryType, WebSocket, nodeOptions }, this);
      })
      .catch((cause: unknown) =>
        this.#fail(
          cause instanceof SteadySocketError
            ? cause
            : new SteadySocketError('invalid-options', `WebSocket constructor failed: ${String(cause)}`, { cause, attempt: number }),
        ),
      );
  }

  /** Abandons the attempt: its timer, probe and transport go, and it never reports. */
  cancel(): void {
    this.#owner = undefined;
    this.options.clock.clearTimeout(this.#timer);
    this.#abort?.abort();
    this.#transport?.destroy();
    this.#transport = undefined;
  }

  open(protocol: string): void {
    const owner = this.#owner;
    const transport = this.#transport;
    if (!owner || !transport) return;
    // Firefox opens even when the server ignored every offered subprotocol (protocol === ''). The
    // message names none: subprotocols often carry tokens (`access_token, <jwt>`).
    if (this.offered.length && !this.offered.includes(protocol)) {
      return this.#fail(
        new SteadySocketError('subprotocol-mismatch', 'server chose none of the offered subprotocols', {
          attempt: this.number,
          header: 'sec-websocket-protocol',
        }),
      );
    }
    // The transport now belongs to the connection the owner makes of it; the signal stays unaborted.
    this.#transport = this.#abort = undefined;
    this.cancel();
    owner.attemptOpened(this, transport, protocol);
  }

  error(error: SteadySocketError): void {
    const diagnose = extensions.diagnose;
    // Only the transport reports errors, and a probe starts by letting it go: one probe at most.
    if (!this.#owner || !this.#transport) return;
    if (error.kind !== 'unknown' || !diagnose || !this.options.diagnose) return this.#fail(error);
    // The runtime could not say why: probe, within what is left of the connect budget. A probe that
    // fails proves nothing, so it falls back to the error itself.
    const { clock, connectTimeout, WebSocket } = this.options;
    clock.clearTimeout(this.#timer);
    this.#transport?.destroy();
    this.#transport = undefined;
    diagnose({
      url: this.url,
      protocols: this.offered,
      attempt: this.number,
      budget: connectTimeout - (clock.now() - this.#startedAt),
      signal: this.#abort!.signal,
      WebSocket: (WebSocket ?? globalThis.WebSocket) as never,
    }).then(
      (found) => this.#fail(found),
      () => this.#fail(error),
    );
  }

  // Before open, the runtimes report only open and error.
  message(): void {}
  pong(): void {}
  close(): void {}

  #fail(error: SteadySocketError): void {
    const owner = this.#owner;
    if (!owner) return;
    this.cancel();
    owner.attemptFailed(this, error);
  }
}
