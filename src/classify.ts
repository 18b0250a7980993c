import { SteadySocketError, type ErrorKind } from './errors';
import { redactUrl } from './url';

/** Header values as Node and fetch give them. */
export type RawHeaders = Record<string, string | string[] | undefined>;

// Headers that help a person and carry no secret. Set-Cookie and anything unknown never leave, nor
// Sec-WebSocket-Protocol: a server that echoes the offered subprotocols echoes their tokens
// (`access_token, <jwt>`); `header` names it when it is the problem.
const SAFE_HEADERS = [
  'retry-after',
  'www-authenticate',
  'proxy-authenticate',
  'location',
  'upgrade',
  'connection',
  'content-type',
  'server',
  'via',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-accept',
];

/** The safe subset of response headers, names lower-cased, `location` redacted. */
export function safeHeaders(raw: RawHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name in raw) {
    const key = name.toLowerCase();
    const value = raw[name];
    if (value !== undefined && SAFE_HEADERS.includes(key)) {
      const text = Array.isArray(value) ? value.join(', ') : value;
      out[key] = key === 'location' ? redactUrl(text) : text;
    }
  }
  return out;
}

/** `Retry-After` (delta-seconds or HTTP-date, RFC 9110 §10.2.3) as ms from `now`; undefined if absent or bad. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = /^\s*\d+\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(seconds) ? Math.max(0, seconds) : undefined;
}

/**
 * The kind a handshake response with this status means. A 101 reaches here only when it lacked the
 * Upgrade or Connection header (a valid 101 opens; Node does not even parse the others as upgrades).
 */
export function kindOfStatus(status: number): ErrorKind {
  if (status === 101 || status === 426) return 'bad-upgrade-header';
  if (status === 401 || status === 403 || status === 407) return 'unauthorized';
  if (status === 429) return 'rate-limited';
  return status >= 500 ? 'server-error' : 'no-protocol-support';
}

/** A failed handshake that got an HTTP answer: status, safe headers, Retry-After. */
export function responseError(status: number, raw: RawHeaders, attempt: number, now?: number): SteadySocketError {
  const headers = safeHeaders(raw);
  const kind = kindOfStatus(status);
  let header: string | undefined;
  if (status === 101) header = !headers.upgrade ? 'upgrade' : 'connection';
  const retryAfter = kind === 'rate-limited' || kind === 'server-error' ? parseRetryAfter(headers['retry-after'], now) : undefined;
  const what =
    status === 101
      ? `server answered 101 without a valid ${header === 'upgrade' ? 'Upgrade' : 'Connection'} header`
      : `server answered ${status} instead of 101 Switching Protocols`;
  return new SteadySocketError(kind, what, { status, headers, header, retryAfter, attempt });
}

// The errors ws raises itself carry no code: its messages are its API (ws 8, lib/websocket.js).
const WS_MESSAGES: [RegExp, ErrorKind, string][] = [
  [/^Invalid Upgrade header/, 'bad-upgrade-header', 'upgrade'],
  [/^Invalid Sec-WebSocket-Accept/, 'bad-upgrade-header', 'sec-websocket-accept'],
  [/subprotocol/, 'subprotocol-mismatch', 'sec-websocket-protocol'],
  [/[Ee]xtension/, 'extension-mismatch', 'sec-websocket-extensions'],
  [/^Opening handshake has timed out/, 'timeout', ''],
];

const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ENETDOWN|EADDRNOTAVAIL)$/;

/**
 * Turns an error from Node's `ws` (or Node itself) into a kind. `opened` says whether the connection
 * had opened: after that, only the link or the protocol can fail.
 */
export function classifyNodeError(error: Error & { code?: string }, attempt: number, opened: boolean): SteadySocketError {
  const code = error.code ?? '';
  const message = error.message ?? '';
  let kind: ErrorKind = opened ? 'network' : 'handshake';
  let header: string | undefined;
  let status: number | undefined;
  const match = /^Unexpected server response: (\d{3})/.exec(message);
  if (match) return responseError(Number(match[1]), {}, attempt);
  if (code.startsWith('WS_ERR_')) kind = 'protocol-error';
  else if (NETWORK_CODES.test(code)) kind = 'network';
  else if (code.startsWith('HPE_')) kind = 'no-protocol-support';
  // OpenSSL's X.509 verification codes as Node names them, and TLS protocol failures.
  else if (/^(EPROTO|ERR_SSL|ERR_TLS|UNABLE_TO|INVALID_CA|HOSTNAME_MISMATCH|PATH_LENGTH)|CERT|CRL/.test(code)) kind = 'tls';
  else if (!code) {
    for (const [pattern, patternKind, patternHeader] of WS_MESSAGES) {
      if (pattern.test(message)) {
        kind = patternKind;
        header = patternHeader || undefined;
        if (kind !== 'timeout') status = 101;
        break;
      }
    }
  }
  // Node's messages hold host and port at most, never the URL's path or query.
  const detail = code ? `${code}: ${message.split('\n')[0]}` : message;
  return new SteadySocketError(kind, `${opened ? 'connection failed' : 'handshake failed'} (${detail})`, {
    attempt,
    header,
    status,
    cause: error,
  });
}
