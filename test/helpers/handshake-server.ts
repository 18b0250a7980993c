import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { ErrorKind } from '../../src/errors';
import { listenLocal } from './servers';

// A server with full control of every byte of the handshake: one route per way a handshake can fail
// (each HTTP refusal, each broken 101, subprotocol and extension faults, non-HTTP bytes, hang, FIN,
// RST). GET /s/<route>.

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** RFC 6455 §4.2.2: the accept value for a key. */
export const acceptFor = (key: string): string => createHash('sha1').update(key + GUID).digest('base64');

// `{ end }`: these bytes, then FIN.
type Reply = (key: string, host: string) => string | Buffer | { end: Buffer } | 'hang' | 'fin' | 'rst';

const upgrade101 = (key: string, extra = '', omit: string[] = []): string =>
  [
    'HTTP/1.1 101 Switching Protocols',
    !omit.includes('upgrade') && 'Upgrade: websocket',
    !omit.includes('connection') && 'Connection: Upgrade',
    !omit.includes('accept') && `Sec-WebSocket-Accept: ${acceptFor(key)}`,
  ]
    .filter(Boolean)
    .join('\r\n') +
  (extra ? '\r\n' + extra : '') +
  '\r\n\r\n';

const plain = (status: string, headers: string[] = [], body = ''): string =>
  [`HTTP/1.1 ${status}`, ...headers, `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', body].join('\r\n');

const garbage = (): Buffer => Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) % 256));

export const ROUTES: Record<string, Reply> = {
  ok: (key) => upgrade101(key),
  '200-html': () => plain('200 OK', ['Content-Type: text/html'], '<h1>hello</h1>'),
  '301-redirect': () => plain('301 Moved Permanently', ['Location: /s/ok?token=s3cret']),
  '302-redirect': () => plain('302 Found', ['Location: /s/ok']),
  '302-absolute-ws': (_key, host) => plain('302 Found', [`Location: ws://${host}/s/ok`]),
  '307-redirect': () => plain('307 Temporary Redirect', ['Location: /s/ok']),
  '400': () => plain('400 Bad Request'),
  '404': () => plain('404 Not Found'),
  '405': () => plain('405 Method Not Allowed', ['Allow: POST']),
  '426': () => plain('426 Upgrade Required', ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Version: 13']),
  '426-bare': () => plain('426 Upgrade Required'),
  '401': () => plain('401 Unauthorized', ['WWW-Authenticate: Bearer realm="chat"']),
  '401-basic': () => plain('401 Unauthorized', ['WWW-Authenticate: Basic realm="ws"']),
  '401-bare': () => plain('401 Unauthorized'),
  '403': () => plain('403 Forbidden', ['Set-Cookie: session=secret']),
  '407': () => plain('407 Proxy Authentication Required', ['Proxy-Authenticate: Basic realm="proxy"']),
  '429': () => plain('429 Too Many Requests', ['Retry-After: 2']),
  '500': () => plain('500 Internal Server Error'),
  '503': () => plain('503 Service Unavailable', ['Retry-After: 2']),
  '101-no-upgrade': (key) => upgrade101(key, '', ['upgrade']),
  '101-no-connection': (key) => upgrade101(key, '', ['connection']),
  '101-upgrade-h2c': (key) => upgrade101(key, '', ['upgrade']).replace('HTTP/1.1 101 Switching Protocols', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c'),
  // The sample key of RFC 6455 §1.3 echoed as the accept value: a common mistake, invalid.
  '101-accept-sample-key': (key) => upgrade101(key, 'Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==', ['accept']),
  '101-accept-echo-key': (key) => upgrade101(key, `Sec-WebSocket-Accept: ${key}`, ['accept']),
  // Correct only for the RFC's sample key, not for this client's key.
  '101-accept-rfc-example': (key) => upgrade101(key, 'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', ['accept']),
  '101-accept-missing': (key) => upgrade101(key, '', ['accept']),
  'protocol-missing': (key) => upgrade101(key),
  'protocol-wrong': (key) => upgrade101(key, 'Sec-WebSocket-Protocol: chat.v1'),
  'protocol-unrequested': (key) => upgrade101(key, 'Sec-WebSocket-Protocol: chat.v1'),
  'extension-unknown': (key) => upgrade101(key, 'Sec-WebSocket-Extensions: x-unknown-ext'),
  garbage,
  'ssh-banner': () => 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n',
  'garbage-then-fin': () => ({ end: garbage() }),
  hang: () => 'hang',
  'fin-after-request': () => 'fin',
  'rst-after-request': () => 'rst',
};

/** The true kind of each failing route (what `ws` proves in Node), and the subprotocols to offer. */
export const TRUTH: Record<string, { kind: ErrorKind; protocols?: string[] }> = {
  '200-html': { kind: 'no-protocol-support' },
  '301-redirect': { kind: 'no-protocol-support' },
  '302-redirect': { kind: 'no-protocol-support' },
  '302-absolute-ws': { kind: 'no-protocol-support' },
  '307-redirect': { kind: 'no-protocol-support' },
  '400': { kind: 'no-protocol-support' },
  '404': { kind: 'no-protocol-support' },
  '405': { kind: 'no-protocol-support' },
  '426': { kind: 'bad-upgrade-header' },
  '426-bare': { kind: 'bad-upgrade-header' },
  '401': { kind: 'unauthorized' },
  '401-basic': { kind: 'unauthorized' },
  '401-bare': { kind: 'unauthorized' },
  '403': { kind: 'unauthorized' },
  '407': { kind: 'unauthorized' },
  '429': { kind: 'rate-limited' },
  '500': { kind: 'server-error' },
  '503': { kind: 'server-error' },
  '101-no-upgrade': { kind: 'bad-upgrade-header' },
  '101-no-connection': { kind: 'bad-upgrade-header' },
  '101-upgrade-h2c': { kind: 'bad-upgrade-header' },
  '101-accept-sample-key': { kind: 'bad-upgrade-header' },
  '101-accept-echo-key': { kind: 'bad-upgrade-header' },
  '101-accept-rfc-example': { kind: 'bad-upgrade-header' },
  '101-accept-missing': { kind: 'bad-upgrade-header' },
  'protocol-missing': { kind: 'subprotocol-mismatch', protocols: ['chat.v2'] },
  'protocol-wrong': { kind: 'subprotocol-mismatch', protocols: ['chat.v2'] },
  'protocol-unrequested': { kind: 'subprotocol-mismatch' },
  'extension-unknown': { kind: 'extension-mismatch' },
  garbage: { kind: 'no-protocol-support' },
  'ssh-banner': { kind: 'no-protocol-support' },
  'garbage-then-fin': { kind: 'no-protocol-support' },
  hang: { kind: 'timeout' },
  'fin-after-request': { kind: 'network' },
  'rst-after-request': { kind: 'network' },
};

export interface HandshakeServer {
  port: number;
  url(route: string): string;
  /** Requests seen, by route. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export interface HandshakeServerOptions {
  /** Answers other paths (a test page, the library): the bytes of a 200 response body, or undefined for 404. */
  serve?: (path: string) => Promise<{ body: Buffer; type: string } | undefined>;
  /** Adds CORS headers to the HTTP answers of the routes, for a page of another origin. */
  cors?: boolean;
}

export async function startHandshakeServer({ serve, cors = false }: HandshakeServerOptions = {}): Promise<HandshakeServer> {
  const sockets = new Set<Socket>();
  const hits = new Map<string, number>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (chunk) => {
      if (head.includes('\r\n\r\n')) return;
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const path = /^GET (\S+)/.exec(head)?.[1] ?? '';
      const route = /^\/s\/([^?]+)/.exec(path)?.[1] ?? '';
      hits.set(route, (hits.get(route) ?? 0) + 1);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? '';
      const reply = ROUTES[route];
      if (!reply && serve && !path.startsWith('/s/')) {
        void serve(path.split('?')[0]!).then((file) =>
          socket.end(file ? Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: ${file.type}\r\nContent-Length: ${file.body.length}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n`), file.body]) : plain('404 Not Found')),
        );
        return;
      }
      if (!reply) return void socket.end(plain('404 Not Found'));
      const host = /\r\nhost:\s*(\S+)/i.exec(head)?.[1] ?? '127.0.0.1';
      let bytes = reply(key, host);
      const origin = /\r\norigin:\s*(\S+)/i.exec(head)?.[1];
      if (cors && origin && typeof bytes === 'string' && bytes.startsWith('HTTP/1.1 ') && !bytes.startsWith('HTTP/1.1 101')) {
        const allow = `Access-Control-Allow-Origin: ${origin}\r\nAccess-Control-Allow-Credentials: true\r\nAccess-Control-Expose-Headers: Retry-After, WWW-Authenticate, Location\r\nVary: Origin\r\n`;
        bytes = bytes.replace('\r\n', '\r\n' + allow);
      }
      if (bytes === 'hang') return;
      if (bytes === 'fin') return void socket.end();
      if (bytes === 'rst') return void socket.resetAndDestroy();
      if (typeof bytes === 'object' && 'end' in bytes) return void socket.end(bytes.end);
      socket.write(bytes);
    });
  });
  const port = await listenLocal(server);
  return {
    port,
    url: (route) => `ws://127.0.0.1:${port}/s/${route}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
