import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { constants, createSecureServer, type Http2SecureServer, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { folder, freePort, run, type RealServer } from './real-servers';

// Servers that speak WebSocket over HTTP/2 (RFC 8441), for the doctor's tests and the browsers': HAProxy,
// Apache httpd and hypercorn from Debian, and Node's http2 as a server that works, one that advertises
// SETTINGS_ENABLE_CONNECT_PROTOCOL but refuses or resets the CONNECT (the broken advertiser), and one
// that speaks h2 alone without RFC 8441. Each trusts one test CA made per suite with openssl.

/** A CA and a certificate it signed for 127.0.0.1 and localhost, in a temporary folder. */
export interface TestCertificates {
  dir: string;
  /** The CA, PEM: what a client trusts. */
  ca: string;
  cert: string;
  key: string;
  /** Paths of the same, for servers configured by file. */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Certificate then key in one file, as HAProxy reads them. */
  bundleFile: string;
}

export function makeCertificates(): TestCertificates {
  const dir = folder('h2-tls');
  const openssl = (...args: string[]): void => void execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=steadysocket test CA');
  openssl('req', ...ec, '-keyout', 'key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cert.pem', '-days', '2', '-extfile', 'ext.cnf');
  const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
  writeFileSync(join(dir, 'bundle.pem'), read('cert.pem') + read('key.pem'));
  return {
    dir,
    ca: read('ca.pem'),
    cert: read('cert.pem'),
    key: read('key.pem'),
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'cert.pem'),
    keyFile: join(dir, 'key.pem'),
    bundleFile: join(dir, 'bundle.pem'),
  };
}

/** An HTTP/1.1 WebSocket backend for the proxies: echoes, and first sends the HTTP version HAProxy saw (`X-Client-Version`). */
export interface Backend {
  port: number;
  /** How each WebSocket reached the backend: HTTP version seen by the proxy, `?` when unknown. */
  versions: string[];
  close(): Promise<void>;
}

/** `pages` answers plain GETs (a page for the browser tests); every upgrade becomes an echoing WebSocket. */
export async function startBackend(pages?: (request: IncomingMessage, response: ServerResponse) => void): Promise<Backend> {
  const server = createHttpServer(pages ?? ((_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end('backend')));
  const wss = new WebSocketServer({ noServer: true });
  const versions: string[] = [];
  server.on('upgrade', (request, socket, head) => {
    wss.handleUpgrade(request, socket as Duplex, head, (ws) => {
      const version = String(request.headers['x-client-version'] ?? '?');
      versions.push(version);
      ws.send(`version ${version}`);
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    versions,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** HAProxy with two frontends: TLS with ALPN h2,http/1.1 (`port`), and cleartext HTTP/2 by prior knowledge (`cleartextPort`). */
export async function startHaproxy(backend: number, certificates: TestCertificates): Promise<RealServer & { cleartextPort: number }> {
  const dir = folder('haproxy');
  const [port, cleartextPort] = [await freePort(), await freePort()];
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    `global
  maxconn 256
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  timeout tunnel 60s
frontend tls
  bind 127.0.0.1:${port} ssl crt ${certificates.bundleFile} alpn h2,http/1.1
  http-request set-header X-Client-Version %[req.ver]
  default_backend ws
frontend cleartext
  bind 127.0.0.1:${cleartextPort} proto h2
  http-request set-header X-Client-Version %[req.ver]
  default_backend ws
backend ws
  server ws 127.0.0.1:${backend}
`,
  );
  const server = await run('/usr/sbin/haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], port, dir);
  return { ...server, cleartextPort };
}

/** Apache httpd 2.4 with `Protocols h2 http/1.1` and `H2WebSockets on`, proxying `/ws` to `backend` with mod_proxy_wstunnel. */
export async function startApache(backend: number, certificates: TestCertificates): Promise<RealServer> {
  const dir = folder('apache');
  const port = await freePort();
  const modules = ['mpm_event', 'authz_core', 'ssl', 'http2', 'proxy', 'proxy_http', 'proxy_wstunnel', 'headers', 'setenvif'];
  writeFileSync(
    join(dir, 'httpd.conf'),
    `${modules.map((name) => `LoadModule ${name}_module /usr/lib/apache2/modules/mod_${name}.so`).join('\n')}
ServerName 127.0.0.1
ServerRoot ${dir}
DefaultRuntimeDir ${dir}
PidFile ${dir}/httpd.pid
Mutex file:${dir} default
ErrorLog ${dir}/error.log
LogLevel warn
User nobody
Group nogroup
Listen 127.0.0.1:${port}
StartServers 1
ServerLimit 1
ThreadsPerChild 16
MaxRequestWorkers 16
Protocols h2 http/1.1
H2WebSockets on
SSLEngine on
SSLCertificateFile ${certificates.certFile}
SSLCertificateKeyFile ${certificates.keyFile}
RequestHeader set X-Client-Version "%{SERVER_PROTOCOL}s"
ProxyPass /ws ws://127.0.0.1:${backend}/ws
`,
  );
  return run('/usr/sbin/apache2', ['-X', '-DFOREGROUND', '-f', join(dir, 'httpd.conf')], port, dir);
}

/** hypercorn (an independent HTTP/2 stack, Python's h2) serving an ASGI echo WebSocket at any path, over TLS with ALPN h2. */
export async function startHypercorn(certificates: TestCertificates): Promise<RealServer> {
  const dir = folder('hypercorn');
  const port = await freePort();
  writeFileSync(
    join(dir, 'echo.py'),
    `async def app(scope, receive, send):
    if scope['type'] == 'lifespan':
        while True:
            message = await receive()
            if message['type'] == 'lifespan.startup':
                await send({'type': 'lifespan.startup.complete'})
            elif message['type'] == 'lifespan.shutdown':
                await send({'type': 'lifespan.shutdown.complete'})
                return
    elif scope['type'] == 'websocket':
        await receive()
        await send({'type': 'websocket.accept'})
        await send({'type': 'websocket.send', 'text': 'version ' + scope['http_version']})
        while True:
            message = await receive()
            if message['type'] != 'websocket.receive':
                return
            await send({'type': 'websocket.send', 'text': message.get('text'), 'bytes': message.get('bytes')})
    else:
        await send({'type': 'http.response.start', 'status': 200, 'headers': [(b'content-type', b'text/plain')]})
        await send({'type': 'http.response.body', 'body': b'hypercorn'})
`,
  );
  return run('/usr/bin/hypercorn', ['--certfile', certificates.certFile, '--keyfile', certificates.keyFile, '--bind', `127.0.0.1:${port}`, 'echo:app'], port, dir);
}

/**
 * Node's http2 over TLS. `works`: advertises RFC 8441 and runs an echoing WebSocket on every extended
 * CONNECT. `refuses`, the broken advertiser: advertises it, but a 'request' listener makes Node answer
 * every CONNECT with 405 (nodejs/node#36977); at `/reset` it resets the stream (REFUSED_STREAM), at
 * `/mute` it answers 200 and then nothing. HTTP/1.1 upgrades work in both. `no-rfc8441`: h2 and
 * http/1.1 without RFC 8441 (nginx's case). `h2-only`: ALPN h2 alone, without RFC 8441. Pages from
 * `pages`, if given.
 */
export type NodeH2Mode = 'works' | 'refuses' | 'no-rfc8441' | 'h2-only';

export interface NodeH2Server {
  port: number;
  server: Http2SecureServer;
  /** How each WebSocket arrived: 'h2' (extended CONNECT) or 'http/1.1' (upgrade). */
  arrivals: string[];
  close(): Promise<void>;
}

export async function startNodeH2(mode: NodeH2Mode, certificates: TestCertificates, pages?: (request: IncomingMessage, response: ServerResponse) => void): Promise<NodeH2Server> {
  const server = createSecureServer({
    key: certificates.key,
    cert: certificates.cert,
    allowHTTP1: mode !== 'h2-only',
    settings: { enableConnectProtocol: mode === 'works' || mode === 'refuses' },
  });
  const arrivals: string[] = [];
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    wss.handleUpgrade(request, socket, head, (ws) => {
      arrivals.push('http/1.1');
      ws.send('version 1.1');
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  server.on('stream', (stream, headers) => {
    if (headers[':method'] !== 'CONNECT') {
      if (pages) return void pages(...compat(stream, headers));
      return void stream.respond({ ':status': 200, 'content-type': 'text/plain' }), stream.end('node h2');
    }
    if (mode === 'refuses') {
      if (String(headers[':path']).startsWith('/reset')) return void stream.close(constants.NGHTTP2_REFUSED_STREAM);
      if (String(headers[':path']).startsWith('/ended')) return void stream.respond({ ':status': 200 }, { endStream: true });
      // Left to the compatibility layer: with a 'request' listener and no 'connect' one, Node answers 405.
      return;
    }
    arrivals.push('h2');
    stream.respond({ ':status': 200 });
    serveFrames(stream);
    stream.write(serverFrame(0x1, Buffer.from('version 2')));
  });
  // HTTP/1.1 pages through the compatibility layer: a 'request' listener would also answer the extended
  // CONNECT with 405 (nodejs/node#36977), so pages come through 'stream' for h2 and 'request' for 1.1 only.
  // A 'connect' listener keeps Node's compatibility layer from answering the extended CONNECT itself.
  if (mode === 'works') server.on('connect', () => {});
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.httpVersion === '2.0') return;
    if (pages) pages(request, response);
    else response.writeHead(200, { 'content-type': 'text/plain' }).end('node h2');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sessions = new Set<{ destroy(): void }>();
  server.on('session', (session) => (sessions.add(session), session.on('close', () => sessions.delete(session))));
  server.on('secureConnection', (socket) => socket.on('error', () => {}));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    arrivals,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

// The pages callback takes Node's http types; an HTTP/2 GET is answered through a shim of the two calls it makes.
function compat(stream: ServerHttp2Stream, headers: Record<string, unknown>): [IncomingMessage, ServerResponse] {
  const request = { url: String(headers[':path']), method: String(headers[':method']), headers, httpVersion: '2.0' } as unknown as IncomingMessage;
  const response = {
    writeHead(status: number, fields: Record<string, string> = {}) {
      stream.respond({ ':status': status, ...fields });
      return response;
    },
    end(body?: string | Buffer) {
      stream.end(body);
      return response;
    },
  } as unknown as ServerResponse;
  return [request, response];
}

/** An unmasked server frame (RFC 6455 §5.2), short payloads only. */
function serverFrame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length]) : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([length, payload]);
}

/** RFC 6455 over the stream: echo data frames, answer a ping with a pong and a close with a close, then END_STREAM. */
function serveFrames(stream: ServerHttp2Stream): void {
  let buffer = Buffer.alloc(0);
  stream.on('error', () => {});
  stream.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (buffer.length < 2) return;
      let length = buffer[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      }
      const masked = (buffer[1]! & 0x80) !== 0;
      const end = offset + (masked ? 4 : 0) + length;
      if (buffer.length < end) return;
      const mask = buffer.subarray(offset, offset + 4);
      const payload = Buffer.from(buffer.subarray(end - length, end).map((byte, index) => (masked ? byte ^ mask[index % 4]! : byte)));
      const opcode = buffer[0]! & 0x0f;
      buffer = buffer.subarray(end);
      if (opcode === 0x9) stream.write(serverFrame(0xa, payload));
      else if (opcode === 0x8) return void stream.end(serverFrame(0x8, payload));
      else if (opcode === 0x1 || opcode === 0x2) stream.write(serverFrame(opcode, payload));
    }
  });
}
