import { SteadySocketError } from './errors';

/**
 * Hides what may be a secret: credentials and query values become `***`, parameter names stay so a
 * person can still tell which URL it was. A parameter without `=` (`?<token>`) is hidden whole.
 * `unparsed`: the text is not known to be a valid URL (the input a URL error quotes).
 */
export function redactUrl(url: string, unparsed?: boolean): string {
  // In a URL that parses, the credentials end at the authority's last `@`. In one that did not (or
  // has a fragment), a `/`, `?` or `#` may be part of the password (`ws://alice:se/cret@host/`):
  // everything up to the last `@` goes.
  return url
    .replace(unparsed ? /\/\/[^]*@/ : /\/\/[^/?#\\]*@/, '//***@')
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
  if (/\s/.test(text)) fail(`contains whitespace: ${redactUrl(text, true)}`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`is not an absolute URL: ${redactUrl(text, true)}`);
  }
  // http: and https: name the same endpoints as ws: and wss: (RFC 6455 §3, WHATWG WebSocket).
  const scheme = url.protocol.replace('http', 'ws');
  if (scheme !== 'ws:' && scheme !== 'wss:') fail(`has unsupported scheme ${url.protocol} (use ws:, wss:, http: or https:)`);
  if (url.hash || text.includes('#')) fail(`must not contain a fragment: ${redactUrl(text, true)}`);
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
