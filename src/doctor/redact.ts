import { maskProtocols } from '../url';

// What the doctor shows of a head: every secret masked, the rest as sent or received.

const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|key|auth|pass/i;
// Headers that hold no secret, whatever their names say: the request's own, challenges, and HTTP/2's
// pseudo-headers (`:authority` is the host; `:path` is redacted as a URL by the caller).
const OWN = /^(:[a-z]+|sec-websocket-key|sec-websocket-version|sec-websocket-extensions|sec-websocket-protocol|http2-settings|upgrade|connection|host|www-authenticate|proxy-authenticate)$/i;

const secret = (name: string): boolean => !OWN.test(name) && SECRET_HEADER.test(name);

/** Header values with secrets masked, names kept. */
export const masked = (lines: [string, string][]): [string, string][] =>
  lines.map(([name, value]) => [name, secret(name) ? '***' : /^sec-websocket-protocol$/i.test(name) ? maskProtocols(value.split(/\s*,\s*/)).join(', ') : value]);

/** Shows a head with every secret masked: credentials, cookies, token-carrying subprotocols. */
export function redactHead(lines: [string, string][], first?: string): string {
  const shown = lines.map(([name, value]) => {
    if (/^sec-websocket-protocol$/i.test(name)) return `${name}: ${maskProtocols(value.split(/\s*,\s*/)).join(', ')}`;
    return `${name}: ${secret(name) ? '***' : value}`;
  });
  return [...(first === undefined ? [] : [first]), ...shown].join('\r\n') + '\r\n\r\n';
}
