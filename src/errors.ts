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
  /** WebSocket close code, when the error came with one. */
  code?: number;
  /** For `unknown`: the kinds the evidence could not tell apart. */
  candidates?: ErrorKind[];
  /** Attempt number the error belongs to (1 = the first connection attempt). */
  attempt?: number;
  /** One sentence for humans: what is likely wrong and what to check. */
  hint?: string;
  /** The underlying error, when there was one. */
  cause?: unknown;
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

const HINTS: Partial<Record<ErrorKind, string>> = {
  'invalid-url': 'Use an absolute ws:, wss:, http: or https: URL without a fragment.',
  'invalid-protocols': 'Subprotocols must be unique, non-empty HTTP tokens.',
  'buffer-full': 'Wait for the socket to open, or raise buffer.maxMessages / buffer.maxBytes.',
  'not-open': 'Wait for the open event or connected(), or enable the buffer option.',
  network: 'Check that the server is running and reachable at this host and port.',
  timeout: 'The server accepted the connection but did not complete the handshake in time: check the server and any proxy.',
  tls: 'Check the certificate chain and that the URL scheme (ws:/wss:) matches the port.',
  'heartbeat-timeout': 'The peer stopped answering heartbeats: the link or the server is dead.',
  'no-protocol-support': 'The server answered plain HTTP at this URL: check the path and that the endpoint speaks WebSocket.',
  'bad-upgrade-header': 'The upgrade was mangled: check proxies or load balancers pass Upgrade and Connection headers.',
  'subprotocol-mismatch': 'Client and server share no subprotocol: compare the protocols option with the server.',
  'extension-mismatch': 'The server chose an extension the client did not offer: check the server configuration.',
  unauthorized: 'The server refused the credentials: refresh the token or cookie, then reconnect.',
  'rate-limited': 'The server is rate limiting connections: the next attempt waits for Retry-After.',
  'server-error': 'The server failed while upgrading: check its logs; attempts continue with backoff.',
  'protocol-error': 'The peer broke the WebSocket protocol or sent a message that is too big.',
  unknown: 'The browser hides the reason: its console shows the exact error.',
  'max-attempts': 'Every allowed attempt failed: see cause for the last error.',
};

/** The one error class of steadysocket. `kind` says what happened; `hint` says what to check. */
export class SteadySocketError extends Error implements ErrorDetails {
  readonly kind: ErrorKind;
  readonly retryable: boolean;
  readonly attempt?: number;
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly header?: string;
  readonly retryAfter?: number;
  readonly code?: number;
  readonly candidates?: ErrorKind[];
  readonly hint?: string;
  declare readonly cause?: unknown;

  constructor(kind: ErrorKind, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'SteadySocketError';
    this.kind = kind;
    this.retryable = RETRYABLE.includes(kind);
    this.hint = HINTS[kind];
    Object.assign(this, details);
  }

  /** One line: kind, status if any, message and hint. */
  override toString(): string {
    return `${this.name} [${this.kind}${this.status ? ' ' + this.status : ''}]: ${this.message}${
      this.hint ? ' ' + this.hint : ''
    }`;
  }
}
