import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createHttp2Server, type Http2Server } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { probe, type DoctorReport } from '../src/doctor';
import { SteadySocketError } from '../src/errors';
import { startHandshakeServer, TRUTH, type HandshakeServer } from './helpers/handshake-server';
import { startH2o, startNghttpd, startNginx, startPythonWebsockets, type RealServer } from './helpers/real-servers';
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
    http2 && closing(http2 as never),
    other && closing(other),
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
});

describe('the network', () => {
  it('a refused connection: network, exit code 10', async () => {
    const report = await probe(`ws://127.0.0.1:${await closedPort()}/`);
    expect(report.verdict).toMatchObject({ ok: false, kind: 'network', exitCode: 10 });
    expect(report.steps.at(-1)).toMatchObject({ name: 'tcp', ok: false, detail: 'ECONNREFUSED' });
  });

  it('a server that never answers: timeout after --timeout', async () => {
    const started = Date.now();
    const report = await probe(faults.url('hang'), { timeout: 300 });
    expect(report.verdict).toMatchObject({ kind: 'timeout', exitCode: 11 });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('bad input throws a typed error at the call', () => {
  it.each([
    ['ftp://example.test/', {}, 'invalid-url'],
    ['not a url', {}, 'invalid-url'],
    ['ws://127.0.0.1/', { upgrade: 'web socket' }, 'invalid-options'],
    ['ws://127.0.0.1/', { timeout: 0 }, 'invalid-options'],
    ['ws://127.0.0.1/', { headers: { 'Bad Name': 'x' } }, 'invalid-options'],
    ['ws://127.0.0.1/', { headers: { 'X-Split': 'a\r\nInjected: yes' } }, 'invalid-options'],
    ['ws://127.0.0.1/', { protocols: ['a b'] }, 'invalid-protocols'],
  ] as const)('%s %j: %s', async (url, options, kind) => {
    const error: unknown = await probe(url, options as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SteadySocketError);
    expect((error as SteadySocketError).kind).toBe(kind);
  });
});
