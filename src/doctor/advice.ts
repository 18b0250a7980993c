import type { ErrorKind } from '../errors';

/**
 * The doctor's exit code per error kind (README, "Doctor"). 0 is success, 1 an unexpected failure of
 * the doctor itself, 2 bad usage.
 */
export const EXIT_CODES: Partial<Record<ErrorKind, number>> = {
  'invalid-url': 2,
  'invalid-protocols': 2,
  'invalid-options': 2,
  network: 10,
  timeout: 11,
  tls: 12,
  'no-protocol-support': 13,
  'bad-upgrade-header': 14,
  'subprotocol-mismatch': 15,
  'extension-mismatch': 16,
  unauthorized: 17,
  'rate-limited': 18,
  'server-error': 19,
  'protocol-error': 20,
  'heartbeat-timeout': 21,
  handshake: 22,
};

const PROXY =
  'A proxy between here and the server dropped the hop-by-hop Upgrade and Connection headers, or answered ' +
  'itself. In nginx: `proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header ' +
  'Connection "upgrade";` in the location that proxies to the WebSocket server.';

/** What to change, from the check that failed (a 101 was received) or the status (one was not). */
export function advise(kind: ErrorKind, detail: { check?: string; status?: number; location?: string; echoed?: boolean }): string {
  const { check, status, location } = detail;
  switch (check) {
    case 'upgrade':
    case 'connection':
      return PROXY;
    case 'accept':
      return detail.echoed
        ? 'The server echoes Sec-WebSocket-Key as Sec-WebSocket-Accept: it must send base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).'
        : 'The server computes Sec-WebSocket-Accept wrongly: it must be base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")) for the key sent.';
    case 'protocol':
      return 'Offer a subprotocol the server accepts (--protocol), and make the server choose one of those offered or none when none is offered.';
    case 'extensions':
      return 'The server chose an extension that was not offered: check its extension settings.';
    case 'ping':
      return 'The connection opened but no pong came back: the server or a proxy does not pass control frames, or the server is stuck.';
    case 'close':
      return 'The connection opened but the closing handshake was not answered with 1000: check how the server ends connections.';
    case 'h2c:prior-knowledge-only':
      return 'Talk HTTP/2 to it from the first byte (prior knowledge), as `node:http2` and `curl --http2-prior-knowledge` do: it does not offer the upgrade.';
    case 'h2c:ignored':
      return 'This server does not offer h2c here: use HTTP/1.1, or HTTP/2 where it offers it (TLS with ALPN h2, or prior knowledge if the result below says so).';
    case 'h2c:broken-upgrade':
      return 'A 101 must carry Upgrade: h2c and be followed at once by the server\'s SETTINGS frame (RFC 9113 §3.1, RFC 7540 §3.2).';
  }
  if (status === 426) return `${PROXY} A server that needs another version says so in Sec-WebSocket-Version.`;
  if (status && status >= 300 && status < 400) return `The server redirects${location ? ` to ${location}` : ''}: use that URL (WebSocket clients do not follow redirects).`;
  switch (kind) {
    case 'no-protocol-support':
      return status
        ? 'No WebSocket endpoint at this path and port: check the path, and that a proxy routes it to the WebSocket server.'
        : 'The server does not speak HTTP here: check the port (ws: against a TLS port, or another service).';
    case 'unauthorized':
      return status === 407
        ? 'A proxy wants credentials: configure them for the proxy, not the WebSocket server.'
        : 'Send the credentials the server expects (-H "Authorization: ...", -H "Cookie: ...", or a token in the URL); a 403 can also be an Origin check (--origin).';
    case 'rate-limited':
      return 'Wait as long as Retry-After says before trying again.';
    case 'server-error':
      return 'The server failed: check its logs. A 502 or 504 from a proxy means the WebSocket server behind it is down or slow.';
    case 'timeout':
      return 'The server accepted the connection but did not answer in time: check the server, or raise --timeout.';
    case 'tls':
      return 'Fix the certificate (or pass the CA with --ca); check ws:/wss: against the port. --insecure shows the rest without verification.';
    default:
      return '';
  }
}
