import type { ErrorKind } from './errors';

/** What to check, per kind: the message says what happened. Part of the full entry only. */
export const HINTS: Partial<Record<ErrorKind, string>> = {
  'invalid-url': 'Use an absolute ws(s): or http(s): URL, no fragment.',
  'invalid-protocols': 'Use unique HTTP tokens.',
  'buffer-full': 'Wait for open, or raise the buffer limits.',
  'not-open': 'Wait for open, or turn the buffer on.',
  network: 'Check that the server runs at this host and port.',
  timeout: 'Check the server and any proxy.',
  tls: 'Check the certificate, and ws:/wss: against the port.',
  'heartbeat-timeout': 'The link or the server died.',
  'no-protocol-support': 'Check the path and port: no WebSocket there.',
  'bad-upgrade-header': 'Let proxies pass the Upgrade and Connection headers.',
  'subprotocol-mismatch': 'Compare the protocols option with the server.',
  'extension-mismatch': 'Check the server: it chose an extension not offered.',
  unauthorized: 'Refresh the token or cookie, then reconnect.',
  'rate-limited': 'Wait for Retry-After (the next attempt does).',
  'server-error': 'Check the server logs.',
  'protocol-error': 'Check what the peer sends (size, UTF-8, frames).',
  unknown: 'See the browser console for the reason.',
  'max-attempts': 'See cause for the last error.',
};
