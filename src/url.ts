import { SteadySocketError } from './errors';

/**
 * Hides what may be a secret: credentials and query values become `***`, parameter names stay so a
 * person can still tell which URL it was. A parameter without `=` (`?<token>`) is hidden whole.
 * Works on strings that do not parse, too.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/\/\/[^/?#@]*@/, '//***@')
    .replace(/\?[^#]*/, (query) => query.replace(/([?&])([^=&]*)(=?)[^&]*/g, (_, separator: string, name: string, equals: string) => separator + (equals ? name + '=***' : name && '***')));
}

/**
 * Checks a user's URL and returns the form the WebSocket constructor accepts: http(s) becomes ws(s).
 * RFC 6455 §3 forbids fragments; whitespace is refused rather than silently percent-encoded.
 */
export function normalizeUrl(input: unknown): string {
  const fail = (why: string): never => {
    throw new SteadySocketError('invalid-url', `url ${why}`);
  };
  if (typeof input !== 'string') fail(`must be a string, got ${input === null ? 'null' : typeof input}`);
  const text = input as string;
  if (!text) fail('is empty');
  if (/\s/.test(text)) fail(`contains whitespace: ${redactUrl(text)}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`is not an absolute URL: ${redactUrl(text)}`);
  }
  // http: and https: name the same endpoints as ws: and wss: (RFC 6455 §3, WHATWG WebSocket).
  const scheme = url.protocol.replace('http', 'ws');
  if (scheme !== 'ws:' && scheme !== 'wss:') fail(`has unsupported scheme ${url.protocol} (use ws:, wss:, http: or https:)`);
  if (url.hash || text.includes('#')) fail(`must not contain a fragment: ${redactUrl(text)}`);
  url.protocol = scheme;
  return url.href;
}

// Subprotocols often carry credentials: `['access_token', '<jwt>']`, or a token inside the name
// (`base64url.bearer.authorization.k8s.io.<token>`). A value after a credential-like name, one that
// has such a name inside, or a long one is shown as `***`.
const CREDENTIAL = /token|auth|bearer|key|secret|jwt|pass/i;

/** Subprotocols as they may be shown in messages and logs. */
export function maskProtocols(protocols: string[]): string[] {
  return protocols.map((name, index) =>
    name.length > 24 || CREDENTIAL.test(protocols[index - 1] ?? '') || (CREDENTIAL.test(name) && /[^a-z_-]/i.test(name)) ? '***' : name,
  );
}
