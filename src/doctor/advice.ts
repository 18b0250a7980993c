import type { ErrorKind } from '../errors';
import { HINTS } from '../hints';

/**
 * The doctor's exit code per error kind (docs/doctor.md). 0 is success, 1 an unexpected failure of
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

/**
 * What the doctor names more finely than the client's kind: a 431, each way a proxy in between can
 * fail, and what browsers meet over HTTP/2 (RFC 8441) where HTTP/1.1 clients may not. The verdict's
 * `kind` stays the one the client reports; `cause` and its exit code say more.
 */
export type DoctorCause =
  | 'headers-too-large'
  | 'proxy-unreachable'
  | 'proxy-auth-required'
  | 'proxy-denied'
  | 'proxy-failed'
  | 'h2-connect-refused'
  | 'h2-connect-reset'
  | 'h2-websocket-broken'
  | 'h2-only-no-websocket'
  | 'h2-only';

/** The doctor's exit code per cause (docs/doctor.md). */
export const CAUSE_EXIT_CODES: Record<DoctorCause, number> = {
  'headers-too-large': 23,
  'proxy-unreachable': 30,
  'proxy-auth-required': 31,
  'proxy-denied': 32,
  'proxy-failed': 33,
  'h2-connect-refused': 40,
  'h2-connect-reset': 41,
  'h2-websocket-broken': 42,
  'h2-only-no-websocket': 43,
  'h2-only': 44,
};

/** One line on what to check, per cause (the client's hints speak of the server, not of a proxy). */
export const CAUSE_HINTS: Record<DoctorCause, string> = {
  'headers-too-large': 'Send fewer or smaller headers: cookies are the usual cause.',
  'proxy-unreachable': 'Check the proxy URL (--proxy, HTTPS_PROXY, HTTP_PROXY) and that the proxy runs.',
  'proxy-auth-required': 'Give the proxy its credentials: http://user:password@proxy:port.',
  'proxy-denied': "The proxy's rules forbid this destination: ask its administrator, or bypass it (NO_PROXY).",
  'proxy-failed': 'The proxy did not open a tunnel to the server: its answer says why.',
  'h2-connect-refused': 'Route the extended CONNECT to the WebSocket endpoint, or stop advertising SETTINGS_ENABLE_CONNECT_PROTOCOL.',
  'h2-connect-reset': 'Route the extended CONNECT to the WebSocket endpoint, or stop advertising SETTINGS_ENABLE_CONNECT_PROTOCOL.',
  'h2-websocket-broken': 'The WebSocket over HTTP/2 opens but misbehaves: check how the server (or proxy) carries it.',
  'h2-only-no-websocket': 'Offer http/1.1 by ALPN next to h2, or support RFC 8441.',
  'h2-only': 'Offer http/1.1 by ALPN next to h2: HTTP/1.1 clients cannot connect.',
};

// What to change when a server advertises RFC 8441 but does not carry the CONNECT (socket.io #5067,
// Spring Framework #34044, Go #71128 met it).
const ROUTE_CONNECT =
  'Browsers that see SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (Firefox; Chromium on a connection it already holds) open the WebSocket with it and fail, while HTTP/1.1 clients (Node, curl, this doctor\'s first check) work. ' +
  'Either route the extended CONNECT (:protocol websocket) to the WebSocket server (HAProxy 2.4+ turns it into an HTTP/1.1 upgrade by itself; Apache 2.4 with mod_http2: H2WebSockets on and mod_proxy_wstunnel; ' +
  "Node's http2: handle the 'stream' event for it, and no 'request' listener, which answers it 405, nodejs/node#36977), or stop advertising it (Node: settings.enableConnectProtocol false; Apache: H2WebSockets off), and browsers use HTTP/1.1.";

const PROXY =
  'A proxy between here and the server dropped the hop-by-hop Upgrade and Connection headers, or answered ' +
  'itself. In nginx: `proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; proxy_set_header ' +
  'Connection "upgrade";` in the location that proxies to the WebSocket server.';

/** What the advice depends on besides the kind. */
export interface Detail {
  /** The check that failed, when a 101 was received. */
  check?: string;
  status?: number;
  location?: string;
  echoed?: boolean;
  /** The step that failed. */
  step?: string;
  /** --insecure was given. */
  insecure?: boolean;
  cause?: DoctorCause;
  /** Credentials for the proxy were sent. */
  proxyCredentials?: boolean;
  /** What the refusal says of the server that sent it (`serverOf`). */
  server?: ServerSign;
  /** The URL's path, for advice that names another. */
  path?: string;
}

/**
 * What a refusal says of the server behind it. `spring`: Spring's own answers (its handshake handler's
 * 400, SockJS's greeting, Spring Boot's JSON error). `tomcat`: Tomcat's error page (what Spring runs on,
 * and Jakarta WebSocket apps). `sockjs`: a SockJS endpoint (Spring's `withSockJS()`). `other`: a server
 * that names itself (nginx, Apache, h2o, Python) and is none of these. Undefined: nothing tells.
 */
export type ServerSign = 'spring' | 'tomcat' | 'sockjs' | 'spring-upgrade' | 'other';

/** Reads a refusal's `Server` header and body for the signs of Spring, Tomcat and SockJS. */
export function serverOf(headers: [string, string][], body = ''): ServerSign | undefined {
  if (body.startsWith('Welcome to SockJS!')) return 'sockjs';
  // Spring's handshake handler (AbstractHandshakeHandler) refuses an Upgrade that is not websocket so.
  if (body.includes('Can "Upgrade" only to "WebSocket"')) return 'spring-upgrade';
  // Spring Boot's error JSON: {"timestamp":…,"status":403,"error":"Forbidden","path":"/chat"}.
  if (/^\s*\{[^]*"timestamp"[^]*"path"/.test(body)) return 'spring';
  if (/Apache Tomcat|<title>HTTP Status \d{3} – /.test(body)) return 'tomcat';
  return headers.some(([name]) => /^server$/i.test(name)) ? 'other' : undefined;
}

const SPRING_ORIGINS =
  "Spring refuses an upgrade from an Origin it does not allow with 403: list the page's origin with " +
  "registry.addHandler(handler, \"/path\").setAllowedOrigins(\"https://app.example.com\") (or " +
  'setAllowedOriginPatterns), or look at Spring Security\'s rules for the path. Try the Origin a page sends with --origin.';
const SPRING_HANDLER =
  'no WebSocket handler is registered at this path: with Spring, registerWebSocketHandlers in a @EnableWebSocket ' +
  'configuration (with SockJS, the raw WebSocket is at <path>/websocket); with Jakarta WebSocket, @ServerEndpoint("<path>").';

/** The one-line hint: the client's for its kind, unless the failure says something it does not fit. */
export function hintFor(kind: ErrorKind, detail: Detail): string | undefined {
  if (detail.cause) return CAUSE_HINTS[detail.cause];
  // A wrong accept value is the server's own mistake: a proxy passes it unchanged.
  if (detail.check === 'accept') return 'Fix how the server computes Sec-WebSocket-Accept.';
  if (kind === 'timeout' && detail.step === 'tcp') return 'Check the host, the port and any firewall.';
  if (kind === 'tls' && detail.insecure) return 'Check ws:/wss: against the port, and the TLS versions the server accepts.';
  const { server, status } = detail;
  if (server === 'sockjs') return 'This is SockJS: connect to its /websocket path.';
  if (server === 'spring-upgrade') return 'A proxy rewrote the Upgrade header: let it pass websocket.';
  if ((server === 'spring' || server === 'tomcat') && status === 403) return 'Allow this Origin on the server (Spring: setAllowedOrigins).';
  if ((server === 'spring' || server === 'tomcat') && kind === 'no-protocol-support') return 'Register a WebSocket handler at this path.';
  return HINTS[kind];
}

/** What to change, from the check that failed (a 101 was received) or the status (one was not). */
export function advise(kind: ErrorKind, detail: Detail): string {
  const { check, status, location } = detail;
  switch (detail.cause) {
    case 'headers-too-large':
      return 'The server refused the request head as too large (431 Request Header Fields Too Large): drop or shorten cookies and long headers for this host (a browser sends every cookie of the domain), or raise the server\'s limit (nginx: large_client_header_buffers; Node: --max-http-header-size).';
    case 'proxy-unreachable':
      return 'No connection to the proxy: check its host and port in --proxy or in HTTPS_PROXY/HTTP_PROXY, or put this host in NO_PROXY if it is reached directly.';
    case 'proxy-auth-required':
      return detail.proxyCredentials
        ? 'The proxy refused the credentials sent: check the user name and password in the proxy URL (special characters percent-encoded).'
        : 'The proxy wants credentials (see Proxy-Authenticate): put them in the proxy URL, http://user:password@proxy:port, as curl and https-proxy-agent take them.';
    case 'proxy-denied':
      return 'The proxy refused to open a tunnel to this host and port (403): its rules allow CONNECT to some destinations only (squid allows port 443 alone by default: SSL_ports, http_access). Ask for this host and port to be allowed.';
    case 'proxy-failed':
      return status && status >= 500
        ? 'The proxy could not reach the server (a 502, 503 or 504 from the proxy): the server is down, or the proxy cannot resolve or reach it.'
        : 'The proxy did not open a tunnel: it must answer CONNECT with 200. An HTTP proxy that does not allow CONNECT cannot carry WebSocket.';
  }
  switch (detail.cause) {
    case 'h2-connect-refused':
    case 'h2-connect-reset':
      return ROUTE_CONNECT;
    case 'h2-websocket-broken':
      return 'The extended CONNECT was answered 200, but the WebSocket over the stream failed a check: the server or proxy must carry RFC 6455 frames both ways in DATA frames, answer a ping and the close, and choose only a subprotocol or extension offered.';
    case 'h2-only-no-websocket':
      return 'The server speaks HTTP/2 alone and does not advertise RFC 8441, so no browser can open a WebSocket to it (nor can an HTTP/1.1 client). Offer http/1.1 by ALPN next to h2 (Node: allowHTTP1: true; nginx and HAProxy: alpn h2,http/1.1), or support RFC 8441 (Node: settings.enableConnectProtocol true, and handle the extended CONNECT).';
    case 'h2-only':
      return 'The server speaks HTTP/2 alone: browsers open WebSockets over it (RFC 8441 works), but HTTP/1.1 clients cannot (Node\'s ws and this library without http2, curl, websocat). Offer http/1.1 by ALPN next to h2 (Node: allowHTTP1: true; HAProxy: alpn h2,http/1.1).';
  }
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
  const { server, path = '/' } = detail;
  const spring = server === 'spring' || server === 'tomcat';
  if (server === 'sockjs') {
    return `This path answers as a SockJS endpoint (Spring's withSockJS()): a plain WebSocket client connects to ${path.replace(/\/?$/, '/websocket')}, or use a SockJS client here.`;
  }
  if (server === 'spring-upgrade') {
    return `Spring answered that the Upgrade header was not "websocket": a proxy between here and the server rewrote or dropped it. ${PROXY}`;
  }
  if (status === 403 && spring) return SPRING_ORIGINS;
  if (kind === 'no-protocol-support' && status && spring) return `The server answered ${status}: ${SPRING_HANDLER.replace(/<path>/g, path)}`;
  if (status && status >= 300 && status < 400) return `The server redirects${location ? ` to ${location}` : ''}: use that URL (WebSocket clients do not follow redirects).`;
  switch (kind) {
    case 'no-protocol-support':
      return status
        ? `No WebSocket endpoint at this path and port: check the path, and that a proxy routes it to the WebSocket server.${
            server ? '' : ` If this is Spring or Tomcat, ${SPRING_HANDLER.replace(/<path>/g, path)}`
          }`
        : 'The server does not speak HTTP here: check the port (ws: against a TLS port, or another service).';
    case 'unauthorized':
      return status === 407
        ? 'A proxy wants credentials: configure them for the proxy, not the WebSocket server.'
        : `Send the credentials the server expects (-H "Authorization: ...", -H "Cookie: ...", or a token in the URL); a 403 can also be an Origin check (--origin).${
            status === 403 && !server ? ' If this is Spring, its allowed origins (setAllowedOrigins, setAllowedOriginPatterns) decide.' : ''
          }`;
    case 'rate-limited':
      return 'Wait as long as Retry-After says before trying again.';
    case 'server-error':
      return 'The server failed: check its logs. A 502 or 504 from a proxy means the WebSocket server behind it is down or slow.';
    case 'timeout':
      if (detail.step === 'tcp') return 'No TCP connection in time: the host is down, or a firewall drops the packets to this port. Check the host and port, or raise --timeout.';
      if (detail.step === 'tls') return 'The TCP connection opened but the TLS handshake did not finish in time: check that the port speaks TLS (wss:), or raise --timeout.';
      return 'The server accepted the connection but did not answer in time: check the server, or raise --timeout.';
    case 'tls':
      return detail.insecure
        ? 'The TLS handshake itself failed (verification was off): check ws:/wss: against the port, and the TLS versions and ciphers the server accepts.'
        : 'Fix the certificate (or pass the CA with --ca); check ws:/wss: against the port. --insecure shows the rest without verification.';
    default:
      return '';
  }
}
