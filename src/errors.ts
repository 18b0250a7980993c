/**
 * Every failure the client reports. Kinds are stable strings: switch on them, never on `message`.
 */
export type ErrorKind =
  // bad input, thrown at the call that caused it
  | 'invalid-url'
  | 'invalid-protocols'
  | 'invalid-options'
  | 'invalid-data'
  // sending
  | 'buffer-full'
  | 'not-open'
  // a failed attempt or a lost connection
  | 'network'
  | 'timeout'
  | 'tls'
  | 'heartbeat-timeout'
  | 'handshake'
  | 'no-protocol-support'
  | 'bad-upgrade-header'
  | 'subprotocol-mismatch'
  | 'extension-mismatch'
  | 'unauthorized'
  | 'rate-limited'
  | 'server-error'
  | 'protocol-error'
  | 'unknown'
  // the end of the socket
  | 'closed'
  | 'max-attempts';

/** Details a failure may carry; every field is optional. */
export interface ErrorDetails {
  /** Whether the default policy retries after this error. */
  retryable?: boolean;
  /** HTTP status of the handshake response, when one was seen. */
  status?: number;
  /** A safe subset of the handshake response's headers (never `set-cookie`). */
  headers?: Record<string, string>;
  /** The offending header's name (lower case), for `bad-upgrade-header` and the mismatch kinds. */
  header?: string;
  /** Minimum wait before the next attempt that the server asked for (ms). */
  retryAfter?: number;
  /** WebSocket close code, when the error came with one (`code` in Node and the DOM is a string id). */
  closeCode?: number;
  /** For `unknown`: the kinds the evidence could not tell apart. */
  candidates?: ErrorKind[];
  /** Attempt number the error belongs to (1 = the first connection attempt). */
  attempt?: number;
  /** One sentence for humans: what is likely wrong and what to check. */
  hint?: string;
  /** The underlying error, when there was one. */
  cause?: unknown;
}

/** The hint per kind, when the full entry handed them over (`steadysocket/core` has none). */
let HINTS: Partial<Record<ErrorKind, string>> | undefined;

/** Gives every error made from now on its kind's hint: the full entry calls this when it loads. */
export function useHints(hints: Partial<Record<ErrorKind, string>>): void {
  HINTS = hints;
}

// Kinds whose default is to retry: the condition is expected to pass by itself.
const RETRYABLE: ErrorKind[] = [
  'network',
  'timeout',
  'heartbeat-timeout',
  'handshake',
  'rate-limited',
  'server-error',
  'protocol-error',
  'unknown',
];

/** The one error class of steadysocket. `kind` says what happened; `hint` says what to check. */
export class SteadySocketError extends Error implements ErrorDetails {
  /** Always `'SteadySocketError'`, also across realms (`isSteadySocketError` reads it). */
  override readonly name = 'SteadySocketError';
  /** What happened: a stable string to switch on. */
  readonly kind: ErrorKind;
  /** Whether the default policy tries again after it. */
  readonly retryable: boolean;
  declare readonly attempt?: number;
  declare readonly status?: number;
  declare readonly headers?: Record<string, string>;
  declare readonly header?: string;
  declare readonly retryAfter?: number;
  declare readonly closeCode?: number;
  declare readonly candidates?: ErrorKind[];
  /** Absent from errors of `steadysocket/core`, which leaves the hints out. */
  declare readonly hint?: string;
  declare readonly cause?: unknown;

  constructor(kind: ErrorKind, message: string, details: ErrorDetails = {}) {
    const { cause, ...rest } = details;
    super(message, cause === undefined ? undefined : { cause });
    this.kind = kind;
    this.retryable = RETRYABLE.includes(kind);
    const hint = HINTS?.[kind];
    Object.assign(this, hint && { hint }, rest);
  }

  /** One line: kind, status if any, message and hint. */
  override toString(): string {
    return `${this.name} [${this.kind}${this.status ? ' ' + this.status : ''}]: ${this.message}${
      this.hint ? ' ' + this.hint : ''
    }`;
  }
}

/**
 * Whether `value` is a SteadySocketError, also one made in another realm (an iframe) or by another
 * copy of the package, where `instanceof` says no.
 */
export function isSteadySocketError(value: unknown): value is SteadySocketError {
  const error = value as SteadySocketError | null;
  return typeof error === 'object' && error !== null && error.name === 'SteadySocketError' && typeof error.kind === 'string';
}
