import { rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createSecureServer, createServer as createH2cServer, type Http2SecureServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { formatReport, probe, type DoctorReport } from '../src/doctor';
import { makeCertificates, type TestCertificates } from './helpers/http2-servers';

// The doctor's HTTP/2 check (RFC 8441) where it goes wrong, against servers made for each fault and
// started once: Node's http2 answering the extended CONNECT by its :path (a reset with any code, a
// GOAWAY, silence, a refusal with a body, a 200 and then a broken WebSocket); the same speaking h2
// alone; and a front that hands connections offering ALPN h2 alone (the doctor's second connection) to
// whatever a test sets, while the HTTP/1.1 check reaches a working WebSocket server. In cleartext, the
// same front tells the HTTP/2 preface from an HTTP/1.1 request.

let certificates: TestCertificates;
let untrusted: TestCertificates;
let faults: Http2SecureServer;
let h2Alone: Http2SecureServer;
let h2c: Http2Server;
let http1: HttpsServer;
let plain: ReturnType<typeof createHttpServer>;
let front: NetServer;
let cleartextFront: NetServer;
const port = (server: { address(): unknown }): number => (server.address() as AddressInfo).port;
const sockets = new Set<Duplex>();

/** What the front does with a connection that offers ALPN h2 alone (TLS) or starts with the HTTP/2 preface (cleartext). */
let onH2: (socket: Socket) => void = (socket) => socket.destroy();
/** What the TLS front does with the other connections: by default, a working WebSocket over HTTP/1.1. */
let onHttp1: ((socket: Socket) => void) | undefined;
let rawTls: TlsServer;
let noAlpn: TlsServer;
let otherCertificate: TlsServer;
let noProtocolInCommon: TlsServer;
let onRawTls: (socket: TLSSocket) => void = () => {};

// RFC 9113 §4.1: length (24 bits), type, flags, stream identifier.
const frame = (type: number, flags: number, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer => {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(stream, 5);
  return Buffer.concat([head, payload]);
};
const settingsFrame = (settings: [number, number][]): Buffer =>
  frame(
    4,
    0,
    0,
    Buffer.concat(
      settings.map(([id, value]) => {
        const entry = Buffer.alloc(6);
        entry.writeUInt16BE(id, 0);
        entry.writeUInt32BE(value, 2);
        return entry;
      }),
    ),
  );
const goawayFrame = (lastStream: number, code: number): Buffer => {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(lastStream, 0);
  payload.writeUInt32BE(code, 4);
  return frame(7, 0, 0, payload);
};

/**
 * An HTTP/2 server by hand, over TLS with ALPN h2: `first` writes what it sends first (by default, SETTINGS
 * with ENABLE_CONNECT_PROTOCOL = 1), `onFrame` sees each frame the client sends after its preface.
 */
function rawH2(onFrame: (socket: TLSSocket, type: number) => void, first = (socket: TLSSocket): unknown => socket.write(settingsFrame([[8, 1]]))): (socket: Socket) => void {
  onRawTls = (socket) => {
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    let preface = false;
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!preface && buffer.length >= 24) [preface, buffer] = [true, buffer.subarray(24)];
      while (preface && buffer.length >= 9 && buffer.length >= 9 + buffer.readUIntBE(0, 3)) {
        const type = buffer[3]!;
        buffer = buffer.subarray(9 + buffer.readUIntBE(0, 3));
        onFrame(socket, type);
      }
    });
    first(socket);
  };
  return (socket) => rawTls.emit('connection', socket);
}

/** An unmasked server frame (RFC 6455 §5.2), short payloads only. */
const wsFrame = (opcode: number, payload: Buffer = Buffer.alloc(0)): Buffer => Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]);
const closeFrame = (code: number, reason = ''): Buffer => {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return wsFrame(0x8, payload);
};

/** The client's masked frames on a stream, unmasked, one call each. */
function onFrames(stream: ServerHttp2Stream, handle: (opcode: number, payload: Buffer) => void): void {
  let buffer = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 6) {
      const length = buffer[1]! & 0x7f;
      if (length > 125 || buffer.length < 6 + length) return;
      const mask = buffer.subarray(2, 6);
      const payload = Buffer.from(buffer.subarray(6, 6 + length).map((byte, index) => byte ^ mask[index % 4]!));
      const opcode = buffer[0]! & 0x0f;
      buffer = buffer.subarray(6 + length);
      handle(opcode, payload);
    }
  });
}

/** The extended CONNECT answered by its :path: `/<what>/<argument>`. */
function answer(stream: ServerHttp2Stream, headers: Record<string, unknown>): void {
  stream.on('error', () => {});
  if (headers[':method'] !== 'CONNECT') return void stream.respond({ ':status': 404 }, { endStream: true });
  const [path, query = ''] = String(headers[':path']).split('?');
  const [what, argument = ''] = path!.split('/').slice(1);
  const code = Number(argument);
  switch (what) {
    case 'reset':
      return void stream.close(code);
    case 'goaway':
      // node:http2 names this stream as the last one processed (RFC 9113 §6.8); an error code closes it.
      return void stream.session!.goaway(code);
    case 'silent':
      return;
    case 'refuse':
      stream.respond({ ':status': 403, 'set-cookie': ['session=cookie-one', 'tracking=cookie-two'], 'x-auth-token': 'token-three', 'www-authenticate': 'Bearer realm="chat"' });
      return void stream.end(argument === 'binary' ? Buffer.from([0, 1, 2, 0xff, 0xfe]) : 'x'.repeat(2000));
    case 'protocol':
      return void stream.respond({ ':status': 200, 'sec-websocket-protocol': new URLSearchParams(query).get('choose')! });
    case 'extension':
      return void stream.respond({ ':status': 200, 'sec-websocket-extensions': 'x-webkit-deflate-frame' });
  }
  stream.respond({ ':status': 200 });
  let pinged = false;
  onFrames(stream, (opcode, payload) => {
    if (opcode === 0x9 && !pinged) {
      pinged = true;
      if (what === 'close-on-ping') stream.write(argument ? closeFrame(code) : wsFrame(0x8));
      else if (what === 'reset-on-ping') stream.close(code);
      else if (what !== 'deaf') stream.write(wsFrame(0xa, payload));
    } else if (opcode === 0x8) {
      if (what === 'close-with') stream.end(closeFrame(code, 'going wrong'));
      else if (what === 'close-empty') stream.end(wsFrame(0x8));
      else if (what === 'close-without') stream.end();
      else stream.end(wsFrame(0x8, payload));
    }
  });
}

/** An echoing WebSocket over HTTP/1.1 on `server`'s upgrades. */
function websockets(server: { on(event: 'upgrade', listener: (request: IncomingMessage, socket: Duplex, head: Buffer) => void): unknown }): void {
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    sockets.add(socket);
    wss.handleUpgrade(request, socket, head, (ws) => ws.on('message', (data) => ws.send(data)));
  });
}

const listen = async <T extends NetServer>(server: T): Promise<T> => {
  server.on('connection', (socket: Duplex) => (sockets.add(socket), socket.on('close', () => sockets.delete(socket))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
};

// ALPN (RFC 7301) in a ClientHello that offers h2 alone: extension 16, lengths 5 and 3, then "h2".
const ALPN_H2_ALONE = Buffer.from([0x00, 0x10, 0x00, 0x05, 0x00, 0x03, 0x02, 0x68, 0x32]);
const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n');

/** Reads the first bytes of a connection, then hands it on with them put back. */
function peek(socket: Socket, enough: (bytes: Buffer) => boolean, then: (bytes: Buffer) => void): void {
  let bytes = Buffer.alloc(0);
  socket.on('error', () => {});
  const onData = (chunk: Buffer): void => {
    bytes = Buffer.concat([bytes, chunk]);
    if (!enough(bytes)) return;
    socket.off('data', onData);
    socket.pause();
    socket.unshift(bytes);
    then(bytes);
  };
  socket.on('data', onData);
}

beforeAll(async () => {
  certificates = makeCertificates();
  untrusted = makeCertificates();
  const tls = { key: certificates.key, cert: certificates.cert };
  faults = createSecureServer({ ...tls, allowHTTP1: true, settings: { enableConnectProtocol: true, customSettings: { 0x20: 5 } } });
  h2Alone = createSecureServer({ ...tls, settings: { enableConnectProtocol: true } });
  h2c = createH2cServer({ settings: { enableConnectProtocol: true } });
  for (const server of [faults, h2Alone, h2c]) {
    server.on('stream', answer);
    server.on('session', (session) => session.on('error', () => {}));
  }
  websockets(faults);
  http1 = createHttpsServer(tls);
  websockets(http1);
  plain = createHttpServer();
  websockets(plain);
  rawTls = createTlsServer({ ...tls, ALPNProtocols: ['h2'] }, (socket) => onRawTls(socket));
  noAlpn = createTlsServer(tls, (socket) => socket.on('error', () => {}));
  otherCertificate = createTlsServer({ key: untrusted.key, cert: untrusted.cert, ALPNProtocols: ['h2'] }, (socket) => socket.on('error', () => {}));
  noProtocolInCommon = createTlsServer({ ...tls, ALPNProtocols: ['x-other'] }, (socket) => socket.on('error', () => {}));
  for (const server of [rawTls, noAlpn, otherCertificate, noProtocolInCommon]) server.on('tlsClientError', () => {});
  // The TLS ClientHello is one record: its length is in its 5-byte header (RFC 8446 §5.1).
  front = createNetServer((socket) =>
    peek(
      socket,
      (bytes) => bytes.length >= 5 && bytes.length >= 5 + bytes.readUInt16BE(3),
      (hello) => (hello.includes(ALPN_H2_ALONE) ? onH2(socket) : onHttp1 ? onHttp1(socket) : http1.emit('connection', socket)),
    ),
  );
  cleartextFront = createNetServer((socket) =>
    peek(
      socket,
      (bytes) => bytes.length >= PREFACE.length || !PREFACE.subarray(0, bytes.length).equals(bytes),
      (bytes) => (bytes.subarray(0, PREFACE.length).equals(PREFACE) ? onH2(socket) : (plain.emit('connection', socket), socket.resume())),
    ),
  );
  await Promise.all([faults, h2Alone, front, cleartextFront].map(listen));
}, 30000);

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all([faults, h2Alone, h2c, http1, plain, front, cleartextFront, rawTls, noAlpn, otherCertificate, noProtocolInCommon].map((server) => server && new Promise((resolve) => server.close(resolve))));
  for (const made of [certificates, untrusted]) if (made) rmSync(made.dir, { recursive: true, force: true });
});

const check = (url: string, options: Parameters<typeof probe>[1] = {}): Promise<DoctorReport> => probe(url, { ca: certificates.ca, timeout: 3000, ...options });
beforeEach(() => {
  onHttp1 = undefined;
});

const stepOf = (report: DoctorReport, name: string) => report.steps.find((step) => step.name === name);

describe('the extended CONNECT reset, gone away or unanswered: h2-connect-reset, exit 41', () => {
  it.each([
    [8, 'CANCEL'],
    [11, 'ENHANCE_YOUR_CALM'],
    [13, 'HTTP_1_1_REQUIRED'],
    [0, 'NO_ERROR'],
    [0x1f, '0x1f'],
  ])('RST_STREAM %i is named %s, in the step, the verdict and the printed answer', async (code, name) => {
    const report = await check(`wss://127.0.0.1:${port(faults)}/reset/${code}`);
    expect(report.h2).toMatchObject({ result: 'connect-reset', reset: { code, name } });
    expect(report.h2!.goaway).toBeUndefined();
    expect(stepOf(report, 'h2-connect')).toMatchObject({ ok: false, detail: `RST_STREAM ${name} (${code})` });
    expect(report.verdict).toMatchObject({ ok: false, cause: 'h2-connect-reset', kind: 'network', exitCode: 41 });
    expect(report.verdict.message).toBe(`HTTP/1.1 works, but over HTTP/2 the server advertises RFC 8441 and the extended CONNECT got RST_STREAM ${name} (${code}) instead of 200: browsers that use it fail where HTTP/1.1 clients work`);
    expect(formatReport(report)).toContain(`   < RST_STREAM ${name} (${code})`);
  });

  it('a GOAWAY with an error code closes the CONNECT: named by its code, not taken for a reset, printed in red', async () => {
    const report = await check(`wss://127.0.0.1:${port(faults)}/goaway/11`);
    expect(report.h2).toMatchObject({ result: 'connect-reset', goaway: { code: 11, name: 'ENHANCE_YOUR_CALM' } });
    expect(report.h2!.reset).toBeUndefined();
    expect(stepOf(report, 'h2-connect')).toMatchObject({ ok: false, detail: 'GOAWAY ENHANCE_YOUR_CALM (11)' });
    expect(report.verdict).toMatchObject({ cause: 'h2-connect-reset', exitCode: 41 });
    expect(report.verdict.message).toContain('the extended CONNECT got GOAWAY ENHANCE_YOUR_CALM (11) instead of 200');
    expect(formatReport(report)).toContain('   < GOAWAY ENHANCE_YOUR_CALM (11)');
    expect(formatReport(report, { color: true })).toContain('\x1b[31m< GOAWAY ENHANCE_YOUR_CALM (11)\x1b[0m');
  });

  it('a GOAWAY NO_ERROR that leaves the CONNECT unprocessed: named at once, without waiting for the timeout, printed dim', async () => {
    onH2 = rawH2((socket, type) => type === 1 && socket.write(goawayFrame(0, 0)));
    const started = performance.now();
    const report = await check(`wss://127.0.0.1:${port(front)}/`);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(report.h2).toMatchObject({ result: 'connect-reset', goaway: { code: 0, name: 'NO_ERROR' } });
    expect(stepOf(report, 'h2-connect')).toMatchObject({ ok: false, detail: 'GOAWAY NO_ERROR (0)' });
    expect(report.verdict).toMatchObject({ cause: 'h2-connect-reset', exitCode: 41 });
    expect(formatReport(report, { color: true })).toContain('\x1b[2m< GOAWAY NO_ERROR (0)\x1b[0m');
  });

  it('a connection dropped under the CONNECT: the connection closed, no reset the server never sent', async () => {
    onH2 = rawH2((socket, type) => type === 1 && socket.destroy());
    const report = await check(`wss://127.0.0.1:${port(front)}/`);
    expect(report.h2).toMatchObject({ result: 'connect-reset' });
    expect(report.h2!.reset).toBeUndefined();
    expect(stepOf(report, 'h2-connect')!.detail).toMatch(/^the connection closed/);
    expect(report.verdict).toMatchObject({ cause: 'h2-connect-reset', exitCode: 41 });
  });

  it('a TCP reset under the CONNECT: the connection closed, with the socket\'s error', async () => {
    let tcp: Socket | undefined;
    const toRaw = rawH2((_socket, type) => type === 1 && tcp!.resetAndDestroy());
    onH2 = (socket) => toRaw((tcp = socket));
    const report = await check(`wss://127.0.0.1:${port(front)}/`);
    expect(report.h2).toMatchObject({ result: 'connect-reset' });
    expect(report.h2!.reset).toBeUndefined();
    expect(stepOf(report, 'h2-connect')!.detail).toBe('the connection closed: ECONNRESET');
    expect(report.verdict).toMatchObject({ cause: 'h2-connect-reset', exitCode: 41 });
  });

  it('a CONNECT never answered: no answer within the timeout, and the doctor does not wait longer', async () => {
    const started = performance.now();
    const report = await check(`wss://127.0.0.1:${port(faults)}/silent`, { timeout: 800 });
    expect(performance.now() - started).toBeLessThan(3000);
    expect(report.h2).toMatchObject({ result: 'connect-reset' });
    expect(stepOf(report, 'h2-connect')).toMatchObject({ ok: false, detail: 'no answer within 800 ms' });
    expect(report.verdict).toMatchObject({ cause: 'h2-connect-reset', exitCode: 41 });
    expect(report.verdict.message).toContain('the extended CONNECT got no answer within 800 ms instead of 200');
  });
});

describe('a refusal with a body: h2-connect-refused, exit 40', () => {
  it('a long body is cut at 512 bytes; cookies and tokens in the answer are masked, in print and in JSON', async () => {
    const report = await check(`wss://127.0.0.1:${port(faults)}/refuse/long?token=query-four`);
    expect(report.h2).toMatchObject({ result: 'connect-refused', response: { status: 403, body: { bytes: 512 } } });
    expect(report.h2!.response!.headers).toContainEqual(['set-cookie', '***']);
    expect(report.h2!.response!.headers).toContainEqual(['x-auth-token', '***']);
    expect(report.h2!.response!.headers).toContainEqual(['www-authenticate', 'Bearer realm="chat"']);
    expect(report.verdict).toMatchObject({ cause: 'h2-connect-refused', kind: 'unauthorized', exitCode: 40 });
    const text = formatReport(report);
    expect(text).toContain('   > :path: /refuse/long?token=***');
    expect(text).toContain(`body (512, cut at 512): ${'x'.repeat(512)}\n`);
    const json = JSON.stringify(report);
    for (const secret of ['cookie-one', 'cookie-two', 'token-three', 'query-four']) {
      expect(text).not.toContain(secret);
      expect(json).not.toContain(secret);
    }
    expect(JSON.parse(json).h2).toEqual(report.h2);
  });

  it('a binary body is shown in hex', async () => {
    const report = await check(`wss://127.0.0.1:${port(faults)}/refuse/binary`);
    expect(report.h2!.response!.body).toMatchObject({ bytes: 5, hex: '00 01 02 ff fe' });
    expect(formatReport(report)).toContain('body (5): 00 01 02 ff fe');
  });
});

describe('the CONNECT answered 200, then the WebSocket broken: h2-websocket-broken, exit 42', () => {
  it('a subprotocol that was not offered: subprotocol-mismatch, masked when it carries a token', async () => {
    const report = await check(`wss://127.0.0.1:${port(faults)}/protocol?choose=token.secret-five`, { protocols: ['chat'] });
    expect(report.h2).toMatchObject({ result: 'websocket-broken', response: { status: 200 } });
    expect(report.h2!.checks.find((line) => line.name === 'protocol')).toMatchObject({ ok: false, expected: 'one of chat' });
    expect(report.verdict).toMatchObject({ cause: 'h2-websocket-broken', kind: 'subprotocol-mismatch', exitCode: 42 });
    expect(report.h2!.response!.headers).toContainEqual(['sec-websocket-protocol', '***']);
    expect(formatReport(report)).toContain('FAIL protocol   expected one of chat, got ***');
    expect(JSON.stringify(report) + formatReport(report)).not.toContain('secret-five');
  });

  it('the offered subprotocol chosen: the protocol check passes and the WebSocket goes on', async () => {
    const report = await check(`wss://127.0.0.1:${port(faults)}/protocol?choose=chat`, { protocols: ['chat'] });
    expect(report.h2!.checks.find((line) => line.name === 'protocol')).toMatchObject({ ok: true, got: 'chat' });
  });

  it('an extension that was not offered: extension-mismatch', async () => {
    const report = await check(`wss://127.0.0.1:${port(faults)}/extension`);
    expect(report.h2!.checks.find((line) => line.name === 'extensions')).toMatchObject({ ok: false, got: 'x-webkit-deflate-frame' });
    expect(report.verdict).toMatchObject({ cause: 'h2-websocket-broken', kind: 'extension-mismatch', exitCode: 42 });
    expect(report.verdict.message).toContain('fails the extensions check');
  });

  it.each([
    ['close-on-ping/1001', 'a close frame (1001)', 1001],
    ['close-on-ping', 'a close frame (no code)', undefined],
    ['reset-on-ping/8', 'RST_STREAM CANCEL', undefined],
  ])('/%s: the ping got %s', async (path, got, code) => {
    const report = await check(`wss://127.0.0.1:${port(faults)}/${path}`);
    expect(report.h2).toMatchObject({ result: 'websocket-broken' });
    expect(report.h2!.checks.at(-1)).toEqual({ name: 'ping', ok: false, expected: 'a pong with the same payload', got });
    expect(stepOf(report, 'h2-ping')).toMatchObject({ ok: false, detail: got });
    expect(report.h2!.close?.code).toBe(code);
    expect(report.verdict).toMatchObject({ cause: 'h2-websocket-broken', kind: 'heartbeat-timeout', exitCode: 42 });
    expect(report.verdict.message).toContain(`then the ping got ${got}`);
  });

  it('no pong within the timeout', async () => {
    const report = await check(`wss://127.0.0.1:${port(faults)}/deaf`, { timeout: 800 });
    expect(stepOf(report, 'h2-ping')).toMatchObject({ ok: false, detail: 'nothing in time' });
    expect(report.verdict).toMatchObject({ cause: 'h2-websocket-broken', kind: 'heartbeat-timeout', exitCode: 42 });
  });

  it.each([
    ['close-with/1011', '1011 going wrong'],
    ['close-empty', 'no code'],
    ['close-without', 'no close frame'],
  ])('/%s: the pong comes, the closing handshake gets %s: protocol-error', async (path, got) => {
    const report = await check(`wss://127.0.0.1:${port(faults)}/${path}`);
    expect(report.h2!.checks.find((line) => line.name === 'ping')).toMatchObject({ ok: true });
    expect(report.h2!.checks.at(-1)).toEqual({ name: 'close', ok: false, expected: '1000', got });
    expect(stepOf(report, 'h2-close')).toMatchObject({ ok: false, detail: got });
    expect(report.verdict).toMatchObject({ cause: 'h2-websocket-broken', kind: 'protocol-error', exitCode: 42 });
    expect(report.verdict.message).toContain(`then the closing handshake got ${got}`);
  });
});

describe('the CONNECT as sent', () => {
  it('an empty Host keeps :authority, which HTTP/2 cannot go without', async () => {
    const report = await check(`wss://127.0.0.1:${port(faults)}/works`, { headers: [['Host', '']] });
    expect(report.h2!.request!.headers).toContainEqual([':authority', `127.0.0.1:${port(faults)}`]);
    expect(report.h2!.result).toBe('works');
  });
});

describe('a subprotocol that carries a token', () => {
  it('is masked wherever it shows: both requests, the HTTP/1.1 answer that chose it, in print and in JSON', async () => {
    const token = 'token.0123456789abcdefghijklmnop';
    const report = await check(`wss://127.0.0.1:${port(faults)}/works`, { protocols: [token] });
    expect(report.response!.headers).toContainEqual(['Sec-WebSocket-Protocol', '***']);
    expect(report.h2!.request!.headers).toContainEqual(['sec-websocket-protocol', '***']);
    expect(JSON.stringify(report) + formatReport(report)).not.toContain(token);
  });
});

describe('the SETTINGS as sent', () => {
  it('a setting RFC 9113 does not name is shown by its number', async () => {
    const report = await check(`wss://127.0.0.1:${port(faults)}/works`);
    expect(report.h2).toMatchObject({ result: 'works', enableConnectProtocol: true });
    expect(report.h2!.settings).toContainEqual({ id: 0x20, name: '0x20', value: 5 });
    expect(formatReport(report)).toContain('   0x20 = 5\n');
  });
});

describe('the second connection, before any CONNECT', () => {
  it('reset during the TLS handshake with ALPN h2: failed, the TLS step shows why, and HTTP/1.1 alone decides (exit 0)', async () => {
    onH2 = (socket) => socket.destroy();
    const report = await check(`wss://127.0.0.1:${port(front)}/`);
    expect(report.h2).toMatchObject({ via: 'alpn', result: 'failed', error: 'ECONNRESET', detail: 'the TLS handshake with ALPN h2 failed: ECONNRESET' });
    expect(stepOf(report, 'h2-tls')).toMatchObject({ ok: false, detail: 'ECONNRESET' });
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.verdict.message).toContain('; no HTTP/2 connection: the TLS handshake with ALPN h2 failed: ECONNRESET');
  });

  it('a TLS handshake never answered: no TLS handshake in time', async () => {
    onH2 = () => {};
    const report = await check(`wss://127.0.0.1:${port(front)}/`, { timeout: 800 });
    expect(report.h2).toMatchObject({ result: 'failed', detail: 'the TLS handshake with ALPN h2 failed: no TLS handshake in time' });
    expect(stepOf(report, 'h2-tls')).toMatchObject({ ok: false, detail: 'no TLS handshake in time' });
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
  });

  it('a server that does no ALPN: no h2, it accepts http/1.1 only, exit 0', async () => {
    onH2 = (socket) => noAlpn.emit('connection', socket);
    const report = await check(`wss://127.0.0.1:${port(front)}/`);
    expect(report.h2).toMatchObject({ result: 'no-h2', accepts: 'http/1.1', detail: 'the server did not choose h2 by ALPN (no ALPN): no HTTP/2 over TLS here' });
    expect(report.h2!.checks).toEqual([{ name: 'alpn', ok: false, expected: 'h2', got: 'none: the server does no ALPN' }]);
    expect(stepOf(report, 'h2-tls')!.detail).toMatch(/^ALPN none, TLSv1\.3/);
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(formatReport(report)).toContain('the server accepts by ALPN: http/1.1 only');
  });

  it('a server that accepts neither h2 nor http/1.1 by ALPN: the HTTP/1.1 failure stands', async () => {
    onH2 = onHttp1 = (socket) => noProtocolInCommon.emit('connection', socket);
    const report = await check(`wss://127.0.0.1:${port(front)}/`);
    expect(report.h2).toMatchObject({ result: 'no-h2', accepts: 'none' });
    expect(report.verdict.ok).toBe(false);
    expect(report.verdict.cause).toBeUndefined();
    expect(report.verdict.exitCode).toBeLessThan(40);
    expect(formatReport(report)).toContain('the server accepts by ALPN: neither h2 nor http/1.1');
  });

  it('a certificate that fails on the HTTP/2 connection alone: nothing is sent over it', async () => {
    onH2 = (socket) => otherCertificate.emit('connection', socket);
    const report = await check(`wss://127.0.0.1:${port(front)}/`);
    expect(report.tls!.verified).toBe(true);
    expect(report.h2).toMatchObject({ result: 'failed', tls: { alpn: 'h2', verified: false } });
    expect(report.h2!.detail).toMatch(/^certificate verification failed: /);
    expect(report.h2!.request).toBeUndefined();
    // A connection agreed on h2 that fails before its SETTINGS fails browsers as a reset CONNECT does.
    expect(report.verdict).toMatchObject({ ok: false, cause: 'h2-connect-reset', exitCode: 41 });
    expect(report.verdict.message).toContain('HTTP/1.1 works, but over HTTP/2 certificate verification failed: ');
  });

  it.each([
    ['closes', (socket: TLSSocket) => socket.end(), 'the connection closed'],
    ['answers in HTTP/1.1', (socket: TLSSocket) => socket.write('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'), 'ERR_HTTP2_ERROR'],
    // RFC 9113 §3.4: the server's preface is a SETTINGS frame, first.
    ['sends a PING before its SETTINGS', (socket: TLSSocket) => socket.write(Buffer.concat([frame(6, 0, 0, Buffer.alloc(8)), settingsFrame([[8, 1]])])), 'ERR_HTTP2_ERROR'],
  ])('ALPN h2 agreed, then the server %s before its SETTINGS: h2-connect-reset, exit 41', async (_what, first, error) => {
    onH2 = rawH2(() => {}, first);
    const report = await check(`wss://127.0.0.1:${port(front)}/`);
    expect(report.h2).toMatchObject({ result: 'failed', tls: { alpn: 'h2' }, error });
    expect(report.h2!.settings).toBeUndefined();
    expect(report.h2!.detail).toBe(`HTTP/2 was agreed by ALPN, but the connection failed before the server's SETTINGS: ${report.h2!.error}`);
    expect(stepOf(report, 'h2-settings')).toMatchObject({ ok: false, detail: report.h2!.error });
    expect(report.verdict).toMatchObject({ ok: false, cause: 'h2-connect-reset', kind: 'network', exitCode: 41 });
  });

  it('ALPN h2 agreed, then no SETTINGS: no SETTINGS in time, exit 41', async () => {
    onH2 = rawH2(
      () => {},
      () => {},
    );
    const report = await check(`wss://127.0.0.1:${port(front)}/`, { timeout: 800 });
    expect(report.h2).toMatchObject({ result: 'failed', error: 'no SETTINGS in time' });
    expect(report.verdict).toMatchObject({ cause: 'h2-connect-reset', exitCode: 41 });
  });

  it('SETTINGS then GOAWAY at once: the CONNECT is never sent, and the GOAWAY is shown', async () => {
    onH2 = rawH2(
      () => {},
      (socket) => socket.write(Buffer.concat([settingsFrame([[8, 1]]), goawayFrame(0, 0)])),
    );
    const report = await check(`wss://127.0.0.1:${port(front)}/`);
    expect(report.h2).toMatchObject({ result: 'failed', goaway: { code: 0, name: 'NO_ERROR' }, error: 'ERR_HTTP2_GOAWAY_SESSION' });
    expect(stepOf(report, 'h2-connect')).toMatchObject({ ok: false, detail: 'ERR_HTTP2_GOAWAY_SESSION' });
    expect(report.verdict).toMatchObject({ cause: 'h2-connect-reset', exitCode: 41 });
    expect(formatReport(report)).toContain('   < GOAWAY NO_ERROR (0)');
  });
});

describe('HTTP/2 alone (ALPN http/1.1 refused) with RFC 8441', () => {
  it('the WebSocket works over HTTP/2: h2-only, exit 44, browsers connect and HTTP/1.1 clients cannot', async () => {
    const report = await check(`wss://127.0.0.1:${port(h2Alone)}/works`);
    expect(report.h2).toMatchObject({ result: 'works', accepts: 'h2' });
    expect(report.verdict).toMatchObject({ ok: false, cause: 'h2-only', exitCode: 44 });
    expect(report.verdict.message).toBe(
      'the server speaks HTTP/2 alone (it refused ALPN http/1.1): RFC 8441 works and browsers open the WebSocket over it, but HTTP/1.1 clients cannot connect',
    );
    expect(formatReport(report)).toContain('the server accepts by ALPN: h2 only');
  });

  it('the CONNECT reset: the reset decides, exit 41, and no client at all can connect', async () => {
    const report = await check(`wss://127.0.0.1:${port(h2Alone)}/reset/11`);
    expect(report.verdict).toMatchObject({ ok: false, cause: 'h2-connect-reset', exitCode: 41 });
    expect(report.verdict.message).toBe(
      'the server speaks HTTP/2 alone (it refused ALPN http/1.1), and over HTTP/2 the server advertises RFC 8441 and the extended CONNECT got RST_STREAM ENHANCE_YOUR_CALM (11) instead of 200: no client can open a WebSocket here',
    );
  });
});

describe('--http2 on ws: (prior knowledge)', () => {
  it('a server that speaks both in cleartext: the same WebSocket works over HTTP/2, exit 0, printed as prior knowledge', async () => {
    onH2 = (socket) => h2c.emit('connection', socket);
    const report = await check(`ws://127.0.0.1:${port(cleartextFront)}/works`, { http2: true });
    expect(report.h2).toMatchObject({ via: 'prior-knowledge', result: 'works', enableConnectProtocol: true, close: { code: 1000 } });
    expect(report.steps.map((step) => step.name).filter((name) => name.startsWith('h2-'))).toEqual(['h2-settings', 'h2-connect', 'h2-ping', 'h2-close']);
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.verdict.message).toContain('the same WebSocket works over HTTP/2 (RFC 8441)');
    const text = formatReport(report);
    expect(text).toContain('WebSocket over HTTP/2 (RFC 8441), a second connection by prior knowledge:');
    expect(text).toContain("HTTP/2: the server's SETTINGS (prior knowledge)");
    expect(text).toContain('   > :scheme: http');
  });

  it('the preface answered by a close: no-h2, exit 0', async () => {
    onH2 = (socket) => socket.destroy();
    const report = await check(`ws://127.0.0.1:${port(cleartextFront)}/`, { http2: true });
    expect(report.h2).toMatchObject({ via: 'prior-knowledge', result: 'no-h2' });
    expect(report.h2!.detail).toMatch(/^no HTTP\/2 by prior knowledge: /);
    expect(stepOf(report, 'h2-settings')!.ok).toBe(false);
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
  });

  it('the preface never answered: no SETTINGS in time, no-h2', async () => {
    onH2 = () => {};
    const report = await check(`ws://127.0.0.1:${port(cleartextFront)}/`, { http2: true, timeout: 800 });
    expect(report.h2).toMatchObject({ result: 'no-h2', detail: 'no HTTP/2 by prior knowledge: no SETTINGS in time' });
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
  });

  it('a second connection refused: failed, shown at the SETTINGS step, and the verdict says so (exit 0)', async () => {
    const once = createNetServer((socket) => {
      once.close();
      sockets.add(socket);
      plain.emit('connection', socket);
    });
    await new Promise<void>((resolve) => once.listen(0, '127.0.0.1', resolve));
    const report = await check(`ws://127.0.0.1:${port(once)}/`, { http2: true });
    expect(report.response?.status).toBe(101);
    expect(report.h2).toMatchObject({ result: 'failed', error: 'ECONNREFUSED', detail: 'no second connection for HTTP/2: ECONNREFUSED' });
    expect(stepOf(report, 'h2-settings')).toMatchObject({ ok: false, detail: 'ECONNREFUSED' });
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.verdict.message).toContain('; no HTTP/2 connection: no second connection for HTTP/2: ECONNREFUSED');
  });
});
