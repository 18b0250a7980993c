import { readFileSync } from 'node:fs';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createHttp2Server, type Http2Server } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { formatReport, probe, type DoctorReport } from '../src/doctor';
import { SteadySocketError } from '../src/errors';
import { acceptFor, startHandshakeServer, TRUTH, type HandshakeServer } from './helpers/handshake-server';
import { startH2o, startNghttpd, startNginx, startPythonWebsockets, startUnaccepting, type RealServer } from './helpers/real-servers';
import { closedPort, listenLocal, startServer, type EchoServer } from './helpers/servers';

// The doctor against real servers: ws, nginx in front of it (right and wrong), Python's websockets,
// h2o (h2c), nghttpd and Node's http2 (prior knowledge), the byte-exact fault server for every broken
// handshake, and TLS with certificates that fail each way. Each server is started once.

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

let echo: EchoServer;
let faults: HandshakeServer;
let nginx: RealServer;
let h2o: RealServer;
let nghttpd: RealServer;
let python: RealServer;
let http2: Http2Server;
let http2Port: number;
let other: HttpServer;
let otherPort: number;
const tls: Record<'selfSigned' | 'expired' | 'wrongHost', { server: HttpsServer; port: number }> = {} as never;
let raw: NetServer;
let rawPort: number;
// A WebSocket server whose HTTP parser takes 1 KiB of headers at most: Node answers more with 431.
let small: HttpServer;
let smallPort: number;
let unaccepting: RealServer;
// Node's http without an upgrade listener: a WebSocket request is an ordinary request, refused in chunks.
let chunky: HttpServer;
let chunkyPort: number;
const rawSockets = new Set<Socket>();

// Answers the doctor's own frames after a valid 101: how a server answers a ping and a close.
const frame = (opcode: number, payload: Buffer = Buffer.alloc(0)): Buffer => Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]);
const close = (code: number, reason = ''): Buffer => Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason)]);
const RAW: Record<string, (key: string, socket: Socket) => void> = {
  partial: (_key, socket) => socket.end('HTTP/1.1 200 OK\r\nContent-'),
  malformed: (_key, socket) => socket.end('HTTP/1.1 OK\r\n\r\n'),
  'short-banner': (_key, socket) => socket.end('SSH'),
  chunked: (_key, socket) => socket.write('HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nnot here!\r\n'),
  'settings-ack': (_key, socket) => socket.write(Buffer.concat([Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n'), Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0])])),
  big: (_key, socket) => socket.end(`HTTP/1.1 404 Not Found\r\nContent-Length: 1000\r\n\r\n${'x'.repeat(1000)}`),
  'no-pong': () => {},
  'close-on-ping': (_key, socket) => socket.once('data', () => socket.write(frame(0x8, close(1011, 'busy')))),
  'close-going-away': (_key, socket) => socket.on('data', (bytes: Buffer) => socket.write((bytes[0]! & 0x0f) === 0x9 ? frame(0xa, unmask(bytes)) : frame(0x8, close(1001, 'going away')))),
  'close-empty': (_key, socket) => socket.on('data', (bytes: Buffer) => socket.write((bytes[0]! & 0x0f) === 0x9 ? frame(0xa, unmask(bytes)) : frame(0x8))),
};
const unmask = (bytes: Buffer): Buffer => Buffer.from(bytes.subarray(6, 6 + (bytes[1]! & 0x7f)).map((byte, index) => byte ^ bytes[2 + (index % 4)]!));

beforeAll(async () => {
  echo = await startServer({ perMessageDeflate: true });
  // A greeting before anything else, as Engine.IO and ActionCable send: the ping must look past it.
  echo.wss.on('connection', (socket) => socket.send('welcome'));
  [faults, nginx, h2o, nghttpd, python] = await Promise.all([startHandshakeServer(), startNginx(echo.port), startH2o(), startNghttpd(), startPythonWebsockets()]);
  http2 = createHttp2Server((_request, response) => response.end('h2'));
  http2Port = await listenLocal(http2 as unknown as HttpServer);
  // Another Upgrade token: a 101 that switches to `chat/1`, then a greeting in that protocol.
  other = createHttpServer((_request, response) => response.writeHead(426, { Upgrade: 'chat/1' }).end());
  // Asked for h2c, it switches and then sends no HTTP/2 preface: a broken upgrade.
  other.on('upgrade', (request, socket) => {
    const token = request.headers.upgrade === 'chat/1' || request.headers.upgrade === 'h2c' ? request.headers.upgrade : 'other';
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${token}\r\nConnection: Upgrade\r\n\r\n${token === 'h2c' ? 'HELLO, not a frame' : 'HELLO chat/1\r\n'}`);
    socket.on('error', () => {});
    // An upgraded socket is paused: read it, or its end goes unnoticed and close() waits for ever.
    socket.on('end', () => socket.destroy()).resume();
  });
  otherPort = await listenLocal(other);
  raw = createNetServer((socket) => {
    rawSockets.add(socket);
    socket.on('close', () => rawSockets.delete(socket));
    socket.on('error', () => {});
    socket.once('data', (head: Buffer) => {
      const text = head.toString('latin1');
      const route = /^GET \/(\S*) /.exec(text)?.[1] ?? '';
      const key = /sec-websocket-key: (\S+)/i.exec(text)?.[1] ?? '';
      // Anything else (the h2c probe's HTTP/2 prior-knowledge try) is hung up on.
      if (!RAW[route]) return void socket.destroy();
      if (!['partial', 'malformed', 'short-banner', 'chunked', 'settings-ack', 'big'].includes(route)) {
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
      }
      RAW[route]!(key, socket);
    });
  });
  rawPort = await listenLocal(raw);
  small = createHttpServer({ maxHeaderSize: 1024 });
  new WebSocketServer({ server: small });
  smallPort = await listenLocal(small);
  unaccepting = await startUnaccepting();
  chunky = createHttpServer((_request, response) => {
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.write('no WebSocket here\n');
    response.end('ok\n');
  });
  chunkyPort = await listenLocal(chunky);
  for (const [name, file] of [['selfSigned', 'self-signed'], ['expired', 'expired'], ['wrongHost', 'wrong-host']] as const) {
    const server = createHttpsServer({ key: fixture(`${file}.key`), cert: fixture(`${file}.crt`) });
    new WebSocketServer({ server });
    tls[name] = { server, port: await listenLocal(server) };
  }
}, 30000);

afterAll(async () => {
  const closing = (server: { close(done: () => void): unknown; closeAllConnections?: () => void }) =>
    new Promise<void>((resolve) => (server.closeAllConnections?.(), server.close(() => resolve())));
  await Promise.all([
    echo?.close(),
    faults?.close(),
    nginx?.close(),
    h2o?.close(),
    nghttpd?.close(),
    python?.close(),
    unaccepting?.close(),
    small && closing(small),
    chunky && closing(chunky),
    http2 && closing(http2 as never),
    other && closing(other),
    raw && new Promise<void>((resolve) => (rawSockets.forEach((socket) => socket.destroy()), raw.close(() => resolve()))),
    ...Object.values(tls).map(({ server }) => closing(server)),
  ]);
});

const failing = (report: DoctorReport): string | undefined => report.checks.find((check) => !check.ok)?.name;

describe('a healthy server', () => {
  it('passes every check, pings, closes with 1000 and exits 0', async () => {
    const report = await probe(echo.url + '/chat');
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.checks.map(({ name, ok }) => [name, ok])).toEqual(
      ['status', 'upgrade', 'connection', 'accept', 'protocol', 'extensions', 'ping', 'close'].map((name) => [name, true]),
    );
    expect(report.steps.map((step) => step.name)).toEqual(['dns', 'tcp', 'request', 'response', 'ping', 'close']);
    for (const step of report.steps) expect(step.ms).toBeGreaterThanOrEqual(0);
    expect(report.dns).toMatchObject({ used: '127.0.0.1' });
    expect(report.rtt).toBeGreaterThan(0);
    expect(report.close).toEqual({ code: 1000, reason: '' });
    expect(report.request!.head).toMatch(/^GET \/chat HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nUpgrade: websocket\r\n/);
    // ws accepted the offered permessage-deflate: an extension that was offered passes.
    expect(report.response!.head).toMatch(/Sec-WebSocket-Extensions: permessage-deflate/i);
  });

  it('resolves a name and shows every address', async () => {
    const report = await probe(`ws://localhost:${echo.port}/`);
    expect(report.dns!.host).toBe('localhost');
    expect(report.dns!.addresses.map(({ address }) => address)).toContain(report.dns!.used);
  });

  it('never shows a secret: userinfo, query values, Authorization, Cookie, token subprotocols', async () => {
    const report = await probe(`ws://alice:pa55word@127.0.0.1:${echo.port}/chat?token=s3cret&room=1`, {
      headers: { Authorization: 'Bearer t0ken', Cookie: 'session=c00kie', 'X-Api-Key': 'k3y' },
      protocols: ['access_token', 'eyJhbGciOiJIUzI1NiJ9.payloadpayloadpayload'],
    });
    const text = JSON.stringify(report);
    for (const secret of ['pa55word', 'alice', 's3cret', 't0ken', 'c00kie', 'k3y', 'eyJhbGci']) expect(text).not.toContain(secret);
    expect(report.url).toBe(`ws://***@127.0.0.1:${echo.port}/chat?token=***&room=***`);
    expect(report.request!.head).toContain('Authorization: ***');
    // The user's header wins over the userinfo's Basic credentials: one Authorization is sent.
    expect(report.request!.head.match(/Authorization/g)).toHaveLength(1);
  });

  it("a user's Host or User-Agent replaces the default one where it stands, as curl's -H does; an empty one removes it", async () => {
    // nginx answers two Host lines with 400: the request would never reach the WebSocket server.
    const report = await probe(`ws://127.0.0.1:${nginx.port}/good`, { headers: { Host: 'chat.example.test', 'user-agent': 'probe/2' } });
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.request!.head).toMatch(/^GET \/good HTTP\/1\.1\r\nHost: chat\.example\.test\r\nUpgrade: websocket\r\n/);
    expect(report.request!.head.match(/^host:/gim)).toHaveLength(1);
    expect(report.request!.head.match(/^user-agent:/gim)).toEqual(['user-agent:']);
    expect(report.request!.head).toContain('user-agent: probe/2\r\n');
    const bare = await probe(echo.url, { headers: [['User-Agent', '']] });
    expect(bare.verdict.ok).toBe(true);
    expect(bare.request!.head).not.toMatch(/user-agent/i);
  });
});

describe('every broken handshake of the byte-exact server: the kind the client reports', () => {
  const CHECK: Record<string, string> = {
    '101-no-upgrade': 'upgrade',
    '101-no-connection': 'connection',
    '101-upgrade-h2c': 'upgrade',
    '101-accept-sample-key': 'accept',
    '101-accept-echo-key': 'accept',
    '101-accept-rfc-example': 'accept',
    '101-accept-missing': 'accept',
    'protocol-missing': 'protocol',
    'protocol-wrong': 'protocol',
    'protocol-unrequested': 'protocol',
    'extension-unknown': 'extensions',
  };
  it.each(Object.keys(TRUTH))('%s', async (route) => {
    const report = await probe(faults.url(route), { protocols: TRUTH[route]!.protocols, timeout: 500 });
    expect(report.verdict.ok).toBe(false);
    expect(report.verdict.kind).toBe(TRUTH[route]!.kind);
    expect(report.verdict.hint).toBeTruthy();
    if (CHECK[route]) expect(failing(report)).toBe(CHECK[route]);
    if (/^\d{3}/.test(route) && !route.startsWith('101')) {
      expect(report.response!.status).toBe(Number(route.slice(0, 3)));
      expect(report.checks[0]).toMatchObject({ name: 'status', ok: false, expected: '101 Switching Protocols' });
    }
  });

  it('names the common Sec-WebSocket-Accept mistakes', async () => {
    const echoed = await probe(faults.url('101-accept-echo-key'));
    expect(echoed.checks.find((check) => check.name === 'accept')!.note).toMatch(/key itself was echoed/);
    expect(echoed.verdict.fix).toMatch(/echoes Sec-WebSocket-Key/);
    const example = await probe(faults.url('101-accept-rfc-example'));
    expect(example.checks.find((check) => check.name === 'accept')!.note).toMatch(/RFC 6455's example/);
  });

  it('a wrong Sec-WebSocket-Accept is hinted as the server\'s mistake, not a proxy\'s', async () => {
    for (const route of ['101-accept-echo-key', '101-accept-sample-key', '101-accept-missing']) {
      const report = await probe(faults.url(route));
      expect(report.verdict.kind).toBe('bad-upgrade-header');
      expect(report.verdict.hint).toMatch(/Sec-WebSocket-Accept/);
      expect(report.verdict.hint).not.toMatch(/prox/i);
    }
  });

  it('shows a refusal body, the redirect target redacted, and Set-Cookie masked', async () => {
    const page = await probe(faults.url('200-html'));
    expect(page.response!.body).toEqual({ bytes: 14, text: '<h1>hello</h1>' });
    const moved = await probe(faults.url('301-redirect'));
    expect(moved.verdict.fix).toContain('/s/ok?token=***');
    expect(JSON.stringify(moved)).not.toContain('s3cret');
    const forbidden = await probe(faults.url('403'));
    expect(forbidden.response!.head).toContain('Set-Cookie: ***');
    expect(JSON.stringify(forbidden)).not.toContain('session=secret');
    const binary = await probe(faults.url('garbage'));
    expect(binary.raw!.hex).toMatch(/^0b 30 55/);
  });
});

describe('behind nginx', () => {
  it('a correct WebSocket proxy passes', async () => {
    const report = await probe(`ws://127.0.0.1:${nginx.port}/good`);
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.response!.head).toMatch(/Server: nginx/);
  });

  it('a proxy that drops Upgrade and Connection: bad-upgrade-header, and the nginx lines that fix it', async () => {
    const report = await probe(`ws://127.0.0.1:${nginx.port}/stripped`);
    expect(report.response!.status).toBe(426);
    expect(report.verdict).toMatchObject({ ok: false, kind: 'bad-upgrade-header', exitCode: 14 });
    expect(report.verdict.fix).toContain('proxy_set_header Upgrade $http_upgrade');
  });

  it('a static page and a 301: no-protocol-support, with the body and the Location', async () => {
    const page = await probe(`ws://127.0.0.1:${nginx.port}/static`);
    expect(page.verdict).toMatchObject({ kind: 'no-protocol-support', exitCode: 13 });
    expect(page.response!.body!.text).toBe('<h1>a static page</h1>');
    const moved = await probe(`ws://127.0.0.1:${nginx.port}/moved`);
    expect(moved.response!.status).toBe(301);
    expect(moved.verdict.fix).toMatch(/redirects to http:\/\/127\.0\.0\.1:\d+\/good/);
  });

  it('ignores Upgrade: h2c, and speaks no HTTP/2 with prior knowledge', async () => {
    const report = await probe(`http://127.0.0.1:${nginx.port}/static`, { upgrade: 'h2c' });
    expect(report.h2c).toMatchObject({ result: 'ignored', priorKnowledge: { ok: false } });
    expect(report.verdict).toMatchObject({ ok: false, kind: 'no-protocol-support' });
    expect(report.request!.head).toMatch(/Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: [\w-]+\r\n/);
  });
});

describe("Python's websockets", () => {
  it('a server that requires a subprotocol refuses none with 400 and says so in the body', async () => {
    const report = await probe(`ws://127.0.0.1:${python.port}/chat`);
    expect(report.verdict).toMatchObject({ kind: 'no-protocol-support' });
    expect(report.response!.body!.text).toContain('missing subprotocol');
  });

  it('a wrong subprotocol: a 101 without one, subprotocol-mismatch', async () => {
    const report = await probe(`ws://127.0.0.1:${python.port}/chat`, { protocols: ['chat.v2'] });
    expect(report.verdict).toMatchObject({ kind: 'subprotocol-mismatch', exitCode: 15 });
    expect(report.checks.find((check) => check.name === 'protocol')).toMatchObject({ ok: false, expected: 'one of chat.v2', got: '(absent)' });
    const right = await probe(`ws://127.0.0.1:${python.port}/chat`, { protocols: ['chat.v2', 'chat.v1'] });
    expect(right.verdict.ok).toBe(true);
  });

  it('401 with its challenge, then the token that opens', async () => {
    const refused = await probe(`ws://127.0.0.1:${python.port}/private`);
    expect(refused.verdict).toMatchObject({ kind: 'unauthorized', exitCode: 17 });
    expect(refused.response!.head).toContain('WWW-Authenticate: Bearer realm="test"');
    expect(refused.response!.body!.text).toBe('a token is required\n');
    const allowed = await probe(`ws://127.0.0.1:${python.port}/private`, { headers: [['Authorization', 'Bearer letmein']] });
    expect(allowed.verdict.ok).toBe(true);
    expect(allowed.request!.head).not.toContain('letmein');
  });
});

describe('h2c and HTTP/2', () => {
  it('h2o upgrades: 101, Upgrade: h2c, a SETTINGS frame with its settings, and prior knowledge works', async () => {
    const report = await probe(`http://127.0.0.1:${h2o.port}/`, { upgrade: 'h2c' });
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.h2c!.result).toBe('supported');
    expect(report.h2c!.frame).toMatch(/^SETTINGS length \d+ flags 0x0 stream 0$/);
    expect(report.h2c!.settings!.length).toBeGreaterThan(0);
    expect(report.h2c!.settings!.map(({ name }) => name)).toContain('MAX_CONCURRENT_STREAMS');
    expect(report.h2c!.priorKnowledge).toMatchObject({ ok: true, status: 200 });
    expect(report.steps.map((step) => step.name)).toEqual(['dns', 'tcp', 'request', 'response', 'h2c', 'prior-knowledge']);
  });

  it.each([
    ['nghttpd', () => nghttpd.port],
    ["Node's http2", () => http2Port],
  ])('%s speaks HTTP/2 with prior knowledge only', async (_name, port) => {
    const report = await probe(`http://127.0.0.1:${port()}/`, { upgrade: 'h2c' });
    expect(report.h2c).toMatchObject({ result: 'prior-knowledge-only', priorKnowledge: { ok: true, status: 200 } });
    expect(report.verdict).toMatchObject({ ok: false, kind: 'no-protocol-support' });
    // A WebSocket client meets the same frames: named as HTTP/2, not as garbage.
    const websocket = await probe(`ws://127.0.0.1:${port()}/`);
    expect(websocket.verdict.message).toMatch(/HTTP\/2/);
  });

  it('a 101 to another protocol, or one without a SETTINGS frame after it, is a broken upgrade', async () => {
    const report = await probe(faults.url('ok').replace('ws:', 'http:'), { upgrade: 'h2c' });
    expect(report.h2c!.result).toBe('broken-upgrade');
    expect(report.verdict).toMatchObject({ ok: false, kind: 'bad-upgrade-header', exitCode: 14 });
    expect(report.verdict.fix).toMatch(/followed at once by the server's SETTINGS frame/);
    const noPreface = await probe(`http://127.0.0.1:${otherPort}/`, { upgrade: 'h2c' });
    expect(noPreface.h2c).toMatchObject({ result: 'broken-upgrade', frame: 'type 0x4c length 4736332 flags 0x4f stream 740322927' });
    expect(noPreface.checks.find((check) => check.name === 'settings')).toMatchObject({ ok: false });
    expect(noPreface.verdict.kind).toBe('bad-upgrade-header');
  });
});

describe('any other Upgrade token', () => {
  it('checks the 101 and its echoed token, and shows the first bytes after it', async () => {
    const report = await probe(`http://127.0.0.1:${otherPort}/`, { upgrade: 'chat/1' });
    expect(report.verdict).toMatchObject({ ok: true });
    expect(report.after).toEqual({ bytes: 14, text: 'HELLO chat/1\r\n', hex: '48 45 4c 4c 4f 20 63 68 61 74 2f 31 0d 0a' });
    const wrong = await probe(`http://127.0.0.1:${otherPort}/`, { upgrade: 'chat/2' });
    expect(wrong.verdict).toMatchObject({ ok: false, kind: 'bad-upgrade-header' });
    expect(failing(wrong)).toBe('upgrade');
  });
});

describe('TLS', () => {
  it('a self-signed certificate: tls, the exact reason, the certificate shown, and no request sent', async () => {
    const report = await probe(`wss://127.0.0.1:${tls.selfSigned.port}/`);
    expect(report.verdict).toMatchObject({ ok: false, kind: 'tls', exitCode: 12 });
    expect(report.tls).toMatchObject({ verified: false, reason: 'DEPTH_ZERO_SELF_SIGNED_CERT', subject: 'CN=127.0.0.1', issuer: 'CN=127.0.0.1' });
    expect(report.tls!.version).toMatch(/^TLSv1\.[23]$/);
    expect(report.tls!.daysLeft).toBeGreaterThan(1000);
    expect(report.request).toBeUndefined();
  });

  it('passes with its CA, and goes on with --insecure', async () => {
    const trusted = await probe(`wss://127.0.0.1:${tls.selfSigned.port}/`, { ca: fixture('self-signed.crt') });
    expect(trusted.verdict.ok).toBe(true);
    expect(trusted.tls).toMatchObject({ verified: true, alpn: 'http/1.1' });
    const insecure = await probe(`wss://127.0.0.1:${tls.selfSigned.port}/`, { insecure: true });
    expect(insecure.verdict.ok).toBe(true);
    expect(insecure.tls!.verified).toBe(false);
  });

  it('an expired certificate and one for another host', async () => {
    const expired = await probe(`wss://127.0.0.1:${tls.expired.port}/`, { ca: fixture('expired.crt') });
    expect(expired.tls).toMatchObject({ verified: false, reason: 'CERT_HAS_EXPIRED' });
    expect(expired.tls!.daysLeft).toBeLessThan(0);
    const wrongHost = await probe(`wss://localhost:${tls.wrongHost.port}/`, { ca: fixture('wrong-host.crt') });
    expect(wrongHost.tls).toMatchObject({ verified: false, reason: 'ERR_TLS_CERT_ALTNAME_INVALID', subject: 'CN=wrong.example' });
    expect(wrongHost.verdict.kind).toBe('tls');
  });

  it('wss: to a plain port fails in TLS; ws: to a TLS port is hung up on, as the client sees it', async () => {
    const wss = await probe(`wss://127.0.0.1:${echo.port}/`, { timeout: 2000 });
    expect(wss.verdict.kind).toBe('tls');
    expect(wss.steps.at(-1)).toMatchObject({ name: 'tls', ok: false });
    // Node's TLS server closes on plain text without a word: what ws reports too.
    const ws = await probe(`ws://127.0.0.1:${tls.selfSigned.port}/`, { timeout: 2000 });
    expect(ws.verdict.kind).toBe('network');
  });

  it('a TLS failure with --insecure given does not advise --insecure', async () => {
    const without = await probe(`wss://127.0.0.1:${echo.port}/`, { timeout: 2000 });
    expect(without.verdict.fix).toMatch(/--insecure/);
    const insecure = await probe(`wss://127.0.0.1:${echo.port}/`, { timeout: 2000, insecure: true });
    expect(insecure.verdict.kind).toBe('tls');
    expect(insecure.verdict.fix).not.toMatch(/--insecure/);
    expect(insecure.verdict.fix).toMatch(/ws:\/wss: against the port/);
  });
});

describe('the network', () => {
  it('a refused connection: network, exit code 10', async () => {
    const report = await probe(`ws://127.0.0.1:${await closedPort()}/`);
    expect(report.verdict).toMatchObject({ ok: false, kind: 'network', exitCode: 10 });
    expect(report.steps.at(-1)).toMatchObject({ name: 'tcp', ok: false, detail: 'ECONNREFUSED' });
  });

  it('a request head too large: 431 named as such, not as no WebSocket, with its own exit code and advice', async () => {
    const report = await probe(`ws://127.0.0.1:${smallPort}/`, { headers: { Cookie: `session=${'x'.repeat(2000)}` } });
    expect(report.response!.status).toBe(431);
    expect(report.verdict).toMatchObject({ ok: false, kind: 'no-protocol-support', cause: 'headers-too-large', exitCode: 23 });
    expect(report.verdict.message).toMatch(/431: the request headers are too large/);
    expect(report.verdict.fix).toMatch(/cookies/);
    expect(report.verdict.hint).not.toMatch(/no WebSocket/);
    const text = formatReport(report);
    expect(text).toMatch(/headers-too-large: the server answered 431/);
    expect(text).toContain('the client reports it as no-protocol-support');
    expect(text).toContain('exit code 23');
    // The same server with a small head opens.
    expect((await probe(`ws://127.0.0.1:${smallPort}/`)).verdict.ok).toBe(true);
  });

  it('no TCP connection in time is not called an accepted connection that did not answer', async () => {
    const report = await probe(`ws://127.0.0.1:${unaccepting.port}/`, { timeout: 300 });
    expect(report.verdict).toMatchObject({ kind: 'timeout', exitCode: 11, message: `no TCP connection to 127.0.0.1:${unaccepting.port} within 300 ms` });
    expect(report.steps.at(-1)).toMatchObject({ name: 'tcp', ok: false });
    expect(report.verdict.fix).not.toMatch(/accepted/);
    expect(report.verdict.fix).toMatch(/firewall/);
    // An accepted connection that gets no answer is still called that.
    expect((await probe(faults.url('hang'), { timeout: 300 })).verdict.fix).toMatch(/accepted the connection but did not answer/);
  });

  it('a server that never answers: timeout after --timeout', async () => {
    const started = Date.now();
    const report = await probe(faults.url('hang'), { timeout: 300 });
    expect(report.verdict).toMatchObject({ kind: 'timeout', exitCode: 11 });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('answers that go wrong after the request', () => {
  const at = (route: string): string => `ws://127.0.0.1:${rawPort}/${route}`;

  it('a partial head then the end, a malformed head, a short banner: no-protocol-support with the bytes', async () => {
    const partial = await probe(at('partial'));
    expect(partial.verdict).toMatchObject({ kind: 'no-protocol-support', message: 'the server sent a partial answer and closed' });
    expect(partial.raw!.text).toBe('HTTP/1.1 200 OK\r\nContent-');
    const malformed = await probe(at('malformed'));
    expect(malformed.verdict.message).toMatch(/malformed HTTP response head/);
    expect(malformed.raw!.text).toBe('HTTP/1.1 OK\r\n\r\n');
    const banner = await probe(at('short-banner'));
    expect(banner.verdict).toMatchObject({ kind: 'no-protocol-support', message: 'the server does not speak HTTP/1.1 here' });
    expect(banner.raw).toEqual({ bytes: 3, text: 'SSH' });
  });

  it('a long refusal body: its first 512 bytes', async () => {
    const report = await probe(at('big'));
    expect(report.response!.body).toEqual({ bytes: 512, text: 'x'.repeat(512) });
    expect(formatReport(report)).toContain(`   body (512, cut at 512): ${'x'.repeat(512)}\n`);
  });

  it('a chunked refusal that stays open: its first bytes decoded, read until the server pauses', async () => {
    const report = await probe(at('chunked'), { timeout: 2000 });
    expect(report.verdict.kind).toBe('no-protocol-support');
    expect(report.response!.body).toEqual({ bytes: 9, text: 'not here!' });
  });

  it("a chunked refusal from Node's http: the chunks joined, without their sizes", async () => {
    const report = await probe(`ws://127.0.0.1:${chunkyPort}/`);
    expect(report.response!.head).toContain('Transfer-Encoding: chunked');
    expect(report.response!.body).toEqual({ bytes: 21, text: 'no WebSocket here\nok\n' });
  });

  it('no pong: heartbeat-timeout; a close instead of a pong: its code and reason', async () => {
    const silent = await probe(at('no-pong'), { timeout: 300 });
    expect(silent.verdict).toMatchObject({ kind: 'heartbeat-timeout', exitCode: 21, message: 'the connection opened, but the ping got nothing in time' });
    expect(silent.verdict.fix).toMatch(/no pong came back/);
    const busy = await probe(at('close-on-ping'), { timeout: 1000 });
    expect(busy.checks.at(-1)).toMatchObject({ name: 'ping', ok: false, got: 'a close frame (1011)' });
    expect(busy.close).toEqual({ code: 1011, reason: 'busy' });
  });

  it('a close answered with another code, or with none: protocol-error and what came back', async () => {
    const away = await probe(at('close-going-away'), { timeout: 1000 });
    expect(away.checks.at(-1)).toMatchObject({ name: 'close', ok: false, expected: '1000', got: '1001 going away' });
    expect(away.verdict).toMatchObject({ kind: 'protocol-error', exitCode: 20 });
    const empty = await probe(at('close-empty'), { timeout: 1000 });
    expect(empty.checks.at(-1)).toMatchObject({ name: 'close', ok: false, got: 'no code' });
    expect(empty.close).toEqual({ code: undefined, reason: '' });
  });

  it('h2c: a SETTINGS acknowledgement is no server preface; a banner is not HTTP at all; over TLS no prior knowledge is tried', async () => {
    const ack = await probe(`http://127.0.0.1:${rawPort}/settings-ack`, { upgrade: 'h2c' });
    expect(ack.h2c).toMatchObject({ result: 'broken-upgrade', frame: 'SETTINGS length 0 flags 0x1 stream 0' });
    const banner = await probe(faults.url('ssh-banner').replace('ws:', 'http:'), { upgrade: 'h2c' });
    expect(banner.h2c!.result).toBe('not-http');
    expect(banner.verdict).toMatchObject({ kind: 'no-protocol-support', message: 'the server does not speak HTTP here' });
    // No hint: the client's hints speak of WebSocket.
    expect(banner.verdict.hint).toBeUndefined();
    const secure = await probe(`https://127.0.0.1:${tls.selfSigned.port}/`, { upgrade: 'h2c', ca: fixture('self-signed.crt') });
    expect(secure.h2c!.result).toBe('ignored');
    expect(secure.h2c!.priorKnowledge).toBeUndefined();
  });

  it('a name that does not resolve: network, at the DNS step, which the text shows', async () => {
    const report = await probe('ws://nothing.invalid/');
    expect(report.verdict).toMatchObject({ kind: 'network', exitCode: 10 });
    expect(report.steps).toEqual([expect.objectContaining({ name: 'dns', ok: false, detail: 'ENOTFOUND' })]);
    expect(formatReport(report)).toMatch(/\n1\. DNS {2}[\d.]+ ms {2}✗ ENOTFOUND\n2\. Verdict\n {3}network: /);
  });

  it('a TLS port that never answers the handshake: timeout at the TLS step', async () => {
    const report = await probe(faults.url('hang').replace('ws:', 'wss:'), { timeout: 300 });
    expect(report.verdict.kind).toBe('timeout');
    expect(report.steps.at(-1)).toMatchObject({ name: 'tls', ok: false, detail: 'no TLS handshake in time' });
  });
});

describe('bad input throws a typed error at the call', () => {
  it.each([
    ['ftp://example.test/', {}, 'invalid-url'],
    ['not a url', {}, 'invalid-url'],
    ['ws://127.0.0.1/', { upgrade: 'web socket' }, 'invalid-options'],
    ['ws://127.0.0.1/', { timeout: 0 }, 'invalid-options'],
    // Node's timers would make it 1 ms, with a TimeoutOverflowWarning.
    ['ws://127.0.0.1/', { timeout: 2147483648 }, 'invalid-options'],
    ['ws://127.0.0.1/', { proxy: 'socks5://127.0.0.1:1080' }, 'invalid-options'],
    ['ws://127.0.0.1/', { proxy: 'http://' }, 'invalid-options'],
    ['ws://127.0.0.1/', { headers: { 'Bad Name': 'x' } }, 'invalid-options'],
    ['ws://127.0.0.1/', { headers: { 'X-Split': 'a\r\nInjected: yes' } }, 'invalid-options'],
    ['ws://127.0.0.1/', { protocols: ['a b'] }, 'invalid-protocols'],
    ['ws://127.0.0.1/', { origin: 'https://a.example\r\nX-Injected: yes' }, 'invalid-options'],
  ] as const)('%s %j: %s', async (url, options, kind) => {
    const error: unknown = await probe(url, options as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SteadySocketError);
    expect((error as SteadySocketError).kind).toBe(kind);
  });
});

describe('formatReport: the text of the command', () => {
  it('prints each section of a passing exchange in order, each step with its time', async () => {
    const text = formatReport(await probe(echo.url + '/chat?token=s3cret'));
    expect(text).toMatch(/^steadysocket doctor ws:\/\/127\.0\.0\.1:\d+\/chat\?token=\*\*\* \(Upgrade: websocket\)\n\n1\. DNS {2}[\d.]+ ms {2}127\.0\.0\.1 \(using 127\.0\.0\.1\)\n2\. TCP connect {2}[\d.]+ ms/);
    expect(text).toMatch(/3\. Request, as sent {2}[\d.]+ ms {2}GET \/chat\?token=\*\*\* with Upgrade: websocket\n {3}> GET \/chat\?token=\*\*\* HTTP\/1\.1\n {3}> Host: /);
    expect(text).toMatch(/4\. Response, as received {2}[\d.]+ ms {2}101 Switching Protocols \(first byte after [\d.]+ ms\)\n {3}< HTTP\/1\.1 101 Switching Protocols\n/);
    expect(text).toMatch(/5\. Checks\n {3}PASS status {5}101 Switching Protocols\n {3}PASS upgrade {4}websocket\n/);
    expect(text).toMatch(/6\. Verdict\n {3}OK: the WebSocket opened, answered a ping and closed cleanly\n {3}exit code 0\n$/);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('\x1b[');
  });

  it('prints failures with expected and got, the body, the hint and the fix; colours when asked', async () => {
    const broken = formatReport(await probe(faults.url('101-accept-echo-key')), { color: true });
    expect(broken).toContain('\x1b[31mFAIL\x1b[0m accept');
    expect(broken).toMatch(/expected [\w+/=]+, got [\w+/=]+\x1b\[33m \(the key itself was echoed\)/);
    expect(broken).toMatch(/hint: Fix how the server computes Sec-WebSocket-Accept\.\n {3}fix: {2}The server echoes Sec-WebSocket-Key/);
    const page = formatReport(await probe(faults.url('200-html')));
    expect(page).toContain('   body (14): <h1>hello</h1>\n');
    const banner = formatReport(await probe(faults.url('garbage')));
    expect(banner).toMatch(/ {3}bytes \(64\): 0b 30 55/);
  });

  it('prints TLS facts, h2c settings, prior knowledge and the bytes after another token', async () => {
    const secure = formatReport(await probe(`wss://127.0.0.1:${tls.selfSigned.port}/`));
    expect(secure).toMatch(/3\. TLS {2}[\d.]+ ms {2}✗ TLSv1\.\d, [\w_]+, certificate NOT verified: DEPTH_ZERO_SELF_SIGNED_CERT\n {3}ALPN http\/1\.1; subject CN=127\.0\.0\.1; issuer CN=127\.0\.0\.1\n {3}valid to 2126-\d\d-\d\d \(\d+ days left\)\n {3}verification: DEPTH_ZERO_SELF_SIGNED_CERT/);
    const h2 = formatReport(await probe(`http://127.0.0.1:${h2o.port}/`, { upgrade: 'h2c' }));
    expect(h2).toMatch(/h2c upgrade {2}[\d.]+ ms {2}SETTINGS with \d settings? {2}\(supported\)\n {3}first frame: SETTINGS length \d+ flags 0x0 stream 0\n {3}MAX_CONCURRENT_STREAMS = \d+/);
    expect(h2).toMatch(/HTTP\/2 with prior knowledge {2}[\d.]+ ms {2}HTTP\/2 answered 200/);
    const chat = formatReport(await probe(`http://127.0.0.1:${otherPort}/`, { upgrade: 'chat/1' }));
    expect(chat).toContain('   after the 101 (14 bytes): 48 45 4c 4c 4f 20 63 68 61 74 2f 31 0d 0a  "HELLO chat/1\\r\\n"');
    const refused = formatReport(await probe(`ws://127.0.0.1:${await closedPort()}/`));
    expect(refused).toMatch(/2\. TCP connect {2}[\d.]+ ms {2}✗ ECONNREFUSED\n3\. Verdict\n {3}network: /);
  });
});

describe('formatReport of reports the servers above do not produce', () => {
  it('shows what is missing as such, and fails without a kind', () => {
    const report: DoctorReport = {
      url: 'wss://example.test/',
      upgrade: 'websocket',
      steps: [
        { name: 'dns', ok: true, ms: 1, detail: '192.0.2.1 (using 192.0.2.1)' },
        { name: 'tcp', ok: true, ms: 2, detail: 'connected to 192.0.2.1:443' },
        { name: 'tls', ok: false, ms: 3, detail: 'TLSv1.3' },
        { name: 'response', ok: false, ms: 4, detail: '8 bytes that are not HTTP/1.1' },
      ],
      dns: { host: 'example.test', addresses: [{ address: '192.0.2.1', family: 4 }], used: '192.0.2.1' },
      tls: { verified: false, alpn: false },
      raw: { bytes: 8, hex: '00 01 02 03 04 05 06 07' },
      checks: [],
      after: { bytes: 2, hex: '00 ff' },
      h2c: { result: 'broken-upgrade', detail: 'no frame' },
      verdict: { ok: false, message: 'something', exitCode: 1 },
    };
    const text = formatReport(report);
    expect(text).toContain('   ALPN none; subject ?; issuer ?\n   verification: failed\n');
    expect(text).toContain('   bytes (8): 00 01 02 03 04 05 06 07\n');
    expect(text).toContain('   after the 101 (2 bytes): 00 ff\n');
    expect(text).toMatch(/h2c upgrade {2}\(broken-upgrade\)\n/);
    expect(text).toContain('   failed: something\n');
  });
});
