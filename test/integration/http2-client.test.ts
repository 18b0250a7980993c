import { execFile } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { SteadySocket, type SteadySocketOptions } from 'steadysocket';
import { WebSocketServer } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openH2Transport, type H2Mode } from '../../src/runtime/h2';
import { sessionCount } from '../../src/runtime/h2-session';
import { openTransport } from '../../src/runtime/node';
import type { Transport, TransportEvents } from '../../src/runtime/types';
import type { SteadySocketError } from '../../src/errors';
import type { NodeOptions } from '../../src/options';
import { makeCertificates, startApache, startBackend, startHaproxy, startHypercorn, startNodeH2, type Backend, type NodeH2Server, type TestCertificates } from '../helpers/http2-servers';
import type { RealServer } from '../helpers/real-servers';
import { next } from '../helpers/wait';
import { startEchoH2, type EchoH2 } from './fixtures/h2-echo-server';

let certificates: TestCertificates;
let works: NodeH2Server;
let broken: NodeH2Server;
let noRfc8441: NodeH2Server;
let echo: EchoH2;
let cleartext: EchoH2;
let backend: Backend;
let haproxy: RealServer & { cleartextPort: number };
let apache: RealServer;
let hypercorn: RealServer;
let http1Only: HttpsServer;
let http1OnlyUrl: string;

// Each server once for the file: HAProxy, Apache httpd and hypercorn from Debian, Node's http2.
beforeAll(async () => {
  certificates = makeCertificates();
  backend = await startBackend();
  [works, broken, noRfc8441, echo, cleartext, haproxy, apache, hypercorn] = await Promise.all([
    startNodeH2('works', certificates),
    startNodeH2('refuses', certificates),
    startNodeH2('no-rfc8441', certificates),
    startEchoH2(certificates),
    startEchoH2(),
    startHaproxy(backend.port, certificates),
    startApache(backend.port, certificates),
    startHypercorn(certificates),
  ]);
  // TLS without ALPN: HTTP/1.1 alone.
  http1Only = createHttpsServer({ key: certificates.key, cert: certificates.cert });
  new WebSocketServer({ server: http1Only }).on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await new Promise<void>((resolve) => http1Only.listen(0, '127.0.0.1', resolve));
  http1OnlyUrl = `wss://127.0.0.1:${(http1Only.address() as AddressInfo).port}`;
}, 30000);

afterAll(async () => {
  http1Only?.closeAllConnections();
  http1Only?.close();
  await Promise.all([works, broken, noRfc8441, echo, cleartext, haproxy, apache, hypercorn, backend].map((server) => server?.close()));
  if (certificates) rmSync(certificates.dir, { recursive: true, force: true });
});

/** What a transport reported, as promises and lists. */
interface Heard {
  events: TransportEvents;
  opened: Promise<string>;
  failed: Promise<SteadySocketError>;
  closed: Promise<[number, string, boolean]>;
  messages: unknown[];
  errors: SteadySocketError[];
  pongs: (boolean | undefined)[];
}

function hear(): Heard {
  const heard = { messages: [], errors: [], pongs: [] } as unknown as Heard;
  let open!: (protocol: string) => void;
  let fail!: (error: SteadySocketError) => void;
  let close!: (args: [number, string, boolean]) => void;
  heard.opened = new Promise((resolve) => (open = resolve));
  heard.failed = new Promise((resolve) => (fail = resolve));
  heard.closed = new Promise((resolve) => (close = resolve));
  heard.events = {
    open,
    message: (data) => void heard.messages.push(data),
    pong: (answered) => void heard.pongs.push(answered),
    error: (error) => (heard.errors.push(error), fail(error)),
    close: (code, reason, wasClean) => close([code, reason, wasClean]),
  };
  return heard;
}

// Every test leaves no session behind: each session ends with its last socket. The transports are
// cut first (a no-op for those closed), so that a test that failed half-way keeps its failure its own.
const transports: Transport[] = [];
afterEach(async () => {
  for (const transport of transports.splice(0)) transport.destroy();
  await expect.poll(() => sessionCount(), { timeout: 5000 }).toBe(0);
});

function open(url: string, mode: H2Mode, heard: Heard, nodeOptions: NodeOptions = {}, protocols: string[] = []): Transport {
  const transport = openH2Transport({ url, protocols, binaryType: 'arraybuffer', attempt: 1, nodeOptions: { ca: certificates.ca, ...nodeOptions } }, heard.events, mode, openTransport);
  transports.push(transport);
  return transport;
}

async function opened(url: string, mode: H2Mode = true, nodeOptions?: NodeOptions, protocols?: string[]): Promise<[Transport, Heard]> {
  const heard = hear();
  const transport = open(url, mode, heard, nodeOptions, protocols);
  await heard.opened;
  return [transport, heard];
}

const httpOf = (transport: Transport): string => (transport as unknown as { http: string }).http;

/** Opens with `mode`, checks which HTTP carried it and the backend's greeting (its HTTP version), then closes. */
async function greets(url: string, mode: H2Mode, http: string, greeting: string, nodeOptions?: NodeOptions): Promise<void> {
  const [transport, heard] = await opened(url, mode, nodeOptions);
  expect(httpOf(transport)).toBe(http);
  await expect.poll(() => heard.messages).toEqual([greeting]);
  transport.close(1000);
  await heard.closed;
}

describe('a WebSocket over HTTP/2 (RFC 8441)', () => {
  it('sends the extended CONNECT with its fields, and echoes text and binary over TLS', async () => {
    const [transport, heard] = await opened(`${echo.url}/chat?room=1`, true, { origin: 'https://app.example', headers: { 'X-Token': 'abc', Connection: 'keep-alive', Host: 'evil' } }, ['chat.v1', 'chat.v2']);
    expect(transport.protocol).toBe('chat.v1');
    expect(httpOf(transport)).toBe('2');
    expect(echo.requests.at(-1)).toMatchObject({
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': 'https',
      ':path': '/chat?room=1',
      ':authority': `127.0.0.1:${echo.port}`,
      'sec-websocket-version': '13',
      'sec-websocket-protocol': 'chat.v1, chat.v2',
      origin: 'https://app.example',
      'x-token': 'abc',
    });
    expect(echo.requests.at(-1)).not.toHaveProperty('connection');
    expect(transport.ready).toBe(true);
    expect(transport.send('héllo')).toBe(6);
    expect(transport.send(new Uint8Array([1, 2, 255]))).toBe(3);
    await expect.poll(() => heard.messages.length).toBe(2);
    expect(heard.messages[0]).toBe('héllo');
    expect([...new Uint8Array(heard.messages[1] as ArrayBuffer)]).toEqual([1, 2, 255]);
    transport.close(1000, 'bye');
    expect(transport.ready).toBe(false);
    expect(await heard.closed).toEqual([1000, 'bye', true]);
  });

  it('speaks HTTP/2 by prior knowledge on ws: with http2 true', async () => {
    const [transport, heard] = await opened(`${cleartext.url}/`);
    expect(cleartext.requests.at(-1)).toMatchObject({ ':scheme': 'http' });
    transport.send('plain');
    await expect.poll(() => heard.messages).toEqual(['plain']);
    transport.close(1000);
    expect(await heard.closed).toEqual([1000, '', true]);
  });

  it('carries large messages both ways, past the 65,535-byte default window', async () => {
    const [transport, heard] = await opened(echo.url);
    const big = new Uint8Array(5 << 20).fill(3);
    transport.send(big);
    transport.send('big 3000000');
    await expect.poll(() => heard.messages.length, { timeout: 10000 }).toBe(2);
    expect((heard.messages[0] as ArrayBuffer).byteLength).toBe(5 << 20);
    expect((heard.messages[1] as ArrayBuffer).byteLength).toBe(3000000);
    transport.close(1000);
    await heard.closed;
  });

  it('joins a fragmented message, answering a ping between the fragments', async () => {
    const [transport, heard] = await opened(echo.url);
    const pongsBefore = echo.pongs;
    transport.send('fragments');
    await expect.poll(() => heard.messages).toEqual(['fragmented']);
    expect(echo.pongs).toBe(pongsBefore + 1);
    // Only a server-driven heartbeat hears the peer's pings.
    expect(heard.pongs).toEqual([]);
    transport.hearPings!();
    transport.send('ping');
    await expect.poll(() => heard.pongs).toEqual([true]);
    transport.close(1000);
    await heard.closed;
  });

  it('sends ping frames and hears the pongs', async () => {
    const [transport, heard] = await opened(echo.url);
    transport.ping!();
    await expect.poll(() => heard.pongs).toEqual([undefined]);
    transport.close(1000);
    await heard.closed;
  });

  it("answers the server's close with the same code, and reports it clean", async () => {
    const [transport, heard] = await opened(echo.url);
    transport.send('close 4001 go away');
    expect(await heard.closed).toEqual([4001, 'go away', true]);
    expect(transport.ready).toBe(false);
    await expect.poll(() => echo.closes.at(-1)).toBe(4001);
  });

  it('reports 1005 for a close frame without a code', async () => {
    const [transport, heard] = await opened(echo.url);
    transport.send('close');
    expect(await heard.closed).toEqual([1005, '', true]);
  });

  it('closes with 1007 on invalid UTF-8 from the server, as a protocol error', async () => {
    const [transport, heard] = await opened(echo.url);
    transport.send('bad-utf8');
    const [code, , wasClean] = await heard.closed;
    expect(heard.errors[0]).toMatchObject({ kind: 'protocol-error' });
    expect(heard.errors[0]!.message).toContain('WS_ERR_INVALID_UTF8');
    expect(wasClean).toBe(false);
    expect(code).toBe(1006);
  });

  it('refuses a message past maxPayload with 1009', async () => {
    const [transport, heard] = await opened(echo.url, true, { maxPayload: 1000 });
    transport.send('big 2000');
    await heard.closed;
    expect(heard.errors[0]!.message).toContain('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    await expect.poll(() => echo.closes.at(-1)).toBe(1009);
  });

  it('reports a stream reset after open as a network error, then 1006', async () => {
    // Cleartext: over TLS, Node's http2 server ends a stream it resets after reading from it, and the
    // client sees the end first.
    const [transport, heard] = await opened(cleartext.url);
    transport.send('reset');
    expect(await heard.closed).toEqual([1006, '', false]);
    expect(heard.errors[0]).toMatchObject({ kind: 'network' });
    expect(heard.errors[0]!.message).toContain('RST_STREAM INTERNAL_ERROR (2)');
  });
});

describe('the edges of a transport', () => {
  it('sends URL credentials as Basic authentication, as ws does', async () => {
    const [transport, heard] = await opened(echo.url.replace('//', '//alice:s%40cret@') + '/');
    expect(echo.requests.at(-1)).toMatchObject({ authorization: 'Basic ' + Buffer.from('alice:s@cret').toString('base64') });
    transport.close(1000);
    await heard.closed;
  });

  it('refuses an extension it did not offer', async () => {
    const heard = hear();
    open(`${echo.url}/extensions`, true, heard);
    expect(await heard.failed).toMatchObject({ kind: 'extension-mismatch', header: 'sec-websocket-extensions', status: 200 });
  });

  it('sends a close frame when destroyed with a code while open, and reports nothing after', async () => {
    const [transport, heard] = await opened(echo.url);
    expect(transport.bufferedAmount).toBe(0);
    const closes = echo.closes.length;
    transport.destroy(4002, 'gone');
    expect(transport.ready).toBe(false);
    await expect.poll(() => echo.closes.slice(closes)).toEqual([4002]);
    transport.close(1000);
    transport.ping!();
    expect(heard.errors).toEqual([]);
  });

  it('cuts the stream when destroyed without a code: the server sees it end, the socket says nothing', async () => {
    const [transport, heard] = await opened(cleartext.url);
    const streams = cleartext.sessions.at(-1)!;
    transport.destroy();
    await expect.poll(() => cleartext.open()).toBe(0);
    expect(streams.destroyed || streams.closed).toBe(true);
    expect(heard.errors).toEqual([]);
  });

  it('fails an attempt whose headers function throws, retryable, and sends no CONNECT', async () => {
    const requests = echo.requests.length;
    const heard = hear();
    open(echo.url, true, heard, {
      headers: () => {
        throw new Error('token service down');
      },
    });
    expect(await heard.failed).toMatchObject({ kind: 'invalid-options', retryable: true });
    expect(echo.requests.length).toBe(requests);
  });

  it('reports a refused connection as network', async () => {
    const heard = hear();
    const port = (await startEchoH2().then(async (server) => (await server.close(), server))).port;
    open(`ws://127.0.0.1:${port}/`, true, heard);
    expect(await heard.failed).toMatchObject({ kind: 'network' });
  });
});

describe('sessions', () => {
  it('carries many sockets to one origin on one session, which ends with its last socket', async () => {
    const before = echo.sessions.length;
    const pairs = await Promise.all(Array.from({ length: 50 }, () => opened(echo.url)));
    expect(echo.sessions.length).toBe(before + 1);
    for (const [transport] of pairs.slice(1)) transport.close(1000);
    await Promise.all(pairs.slice(1).map(([, heard]) => heard.closed));
    expect(echo.open()).toBe(1);
    pairs[0]![0].close(1000);
    await pairs[0]![1].closed;
    await expect.poll(() => echo.open()).toBe(0);
    expect(sessionCount()).toBe(0);
  });

  it('opens 1,000 sockets on one session, each with its own stream', async () => {
    const before = echo.sessions.length;
    const pairs = await Promise.all(Array.from({ length: 1000 }, () => opened(echo.url)));
    expect(echo.sessions.length).toBe(before + 1);
    expect(sessionCount()).toBe(1);
    pairs.forEach(([transport], index) => transport.send(`n${index}`));
    await expect.poll(() => pairs.every(([, heard]) => heard.messages.length === 1), { timeout: 10000 }).toBe(true);
    expect(pairs.map(([, heard]) => heard.messages[0])).toEqual(pairs.map((_, index) => `n${index}`));
    for (const [transport] of pairs) transport.close(1000);
    await Promise.all(pairs.map(([, heard]) => heard.closed));
    await expect.poll(() => echo.open()).toBe(0);
  });

  it('moves sockets off a session that got GOAWAY: each hears an error and a 1006, and the next opens on a new session', async () => {
    const [first, heardFirst] = await opened(echo.url);
    const [, heardSecond] = await opened(echo.url);
    const session = echo.sessions.length;
    first.send('goaway');
    expect(await heardFirst.closed).toEqual([1006, '', false]);
    expect(await heardSecond.closed).toEqual([1006, '', false]);
    expect(heardFirst.errors[0]).toMatchObject({ kind: 'network', retryable: true });
    expect(heardFirst.errors[0]!.message).toContain('GOAWAY NO_ERROR');
    const [third, heardThird] = await opened(echo.url);
    expect(echo.sessions.length).toBe(session + 1);
    third.close(1000);
    await heardThird.closed;
  });

  it('ends the sockets of a connection cut without GOAWAY as network, then 1006', async () => {
    const [first, heardFirst] = await opened(cleartext.url);
    const [, heardSecond] = await opened(cleartext.url);
    first.send('drop');
    expect(await heardFirst.closed).toEqual([1006, '', false]);
    expect(await heardSecond.closed).toEqual([1006, '', false]);
    expect(heardSecond.errors[0]).toMatchObject({ kind: 'network', retryable: true });
    expect(heardSecond.errors[0]!.message).not.toContain('GOAWAY');
  });

  it('fails an attempt whose CONNECT is still unanswered when GOAWAY comes, so it is retried on a new session', async () => {
    const [first, heardFirst] = await opened(echo.url);
    const pending = hear();
    open(`${echo.url}/silent`, true, pending);
    await expect.poll(() => echo.requests.at(-1)?.[':path']).toBe('/silent');
    first.send('goaway');
    expect(await pending.failed).toMatchObject({ kind: 'network', retryable: true, attempt: 1 });
    expect((await pending.failed).message).toContain('GOAWAY');
    await heardFirst.closed;
  });

  it('lets go of a pending attempt: destroy() before the session is ready leaves no session', async () => {
    const heard = hear();
    const transport = open(`${cleartext.url}/`, true, heard);
    transport.destroy();
    await expect.poll(() => sessionCount()).toBe(0);
    await expect.poll(() => cleartext.open()).toBe(0);
  });
});

describe('a server that refuses', () => {
  it('classifies a refused CONNECT by its status, as a refused upgrade', async () => {
    const heard = hear();
    open(`${echo.url}/status/503`, true, heard);
    const error = await heard.failed;
    expect(error).toMatchObject({ kind: 'server-error', status: 503, retryAfter: 1000, headers: { 'retry-after': '1' } });
    expect(error.message).toBe('server answered 503 to the extended CONNECT instead of 200');
    const unauthorized = hear();
    open(`${echo.url}/status/401`, true, unauthorized);
    expect(await unauthorized.failed).toMatchObject({ kind: 'unauthorized', status: 401, retryable: false });
  });

  it("names a reset CONNECT's code", async () => {
    const heard = hear();
    open(`${echo.url}/reset`, true, heard);
    const error = await heard.failed;
    expect(error).toMatchObject({ kind: 'network', retryable: true, cause: { code: 'REFUSED_STREAM' } });
    expect(error.message).toContain('RST_STREAM REFUSED_STREAM (7)');
    // RFC 9113 §7: the server asks for HTTP/1.1, which trying again over HTTP/2 does not change.
    const http1 = hear();
    open(`${echo.url}/reset?code=13`, true, http1);
    const required = await http1.failed;
    expect(required).toMatchObject({ kind: 'no-protocol-support', retryable: false });
    expect(required.message).toContain('RST_STREAM HTTP_1_1_REQUIRED (13)');
    const unknown = hear();
    open(`${echo.url}/reset?code=99`, true, unknown);
    expect((await unknown.failed).message).toContain('RST_STREAM 0x63 (99)');
  });

  it('the broken advertiser: 405 is classified, a reset named', async () => {
    const refused = hear();
    open(`wss://127.0.0.1:${broken.port}/ws`, true, refused);
    expect(await refused.failed).toMatchObject({ kind: 'no-protocol-support', status: 405 });
    const reset = hear();
    open(`wss://127.0.0.1:${broken.port}/reset`, true, reset);
    expect((await reset.failed).message).toContain('REFUSED_STREAM');
  });

  it("'auto' falls back to HTTP/1.1 where the CONNECT is refused or reset, and says so", async () => {
    // Another TLS identity (`family`) per case: each gets its own session and its own memory of the origin.
    for (const [path, family] of [['/ws', 4], ['/reset', 0]] as const) await greets(`wss://127.0.0.1:${broken.port}${path}`, 'auto', '1.1', 'version 1.1', { family });
  });

  it("'auto' remembers an origin whose CONNECT was not routed, and not one that answered 503", async () => {
    const options = { servername: 'localhost' };
    for (const path of ['/status/503', '/status/503', '/status/404', '/status/404']) {
      const heard = hear();
      open(`${echo.url}${path}`, 'auto', heard, options);
      // This server speaks no HTTP/1.1: the fallback fails, by TLS (no common protocol by ALPN).
      await heard.failed;
    }
    expect(echo.requests.filter((request) => String(request[':path']).startsWith('/status/')).slice(-3).map((request) => request[':path'])).toEqual(['/status/503', '/status/503', '/status/404']);
  });

  it("'auto' remembers an origin that reset the CONNECT: the next socket goes to HTTP/1.1 at once", async () => {
    // Its own TLS options, so its own memory of the origin.
    const options = { servername: 'localhost', family: 4 };
    const before = echo.requests.length;
    for (let i = 0; i < 2; i++) {
      const heard = hear();
      open(`${echo.url}/reset`, 'auto', heard, options);
      await heard.failed;
    }
    expect(echo.requests.slice(before).map((request) => request[':path'])).toEqual(['/reset']);
  });

  it("'auto' uses HTTP/1.1 where SETTINGS do not advertise RFC 8441; true fails", async () => {
    const [transport, heard] = await opened(`wss://127.0.0.1:${noRfc8441.port}/ws`, 'auto');
    expect(httpOf(transport)).toBe('1.1');
    transport.close(1000);
    await heard.closed;
    const strict = hear();
    open(`wss://127.0.0.1:${noRfc8441.port}/ws`, true, strict);
    const error = await strict.failed;
    expect(error).toMatchObject({ kind: 'no-protocol-support' });
    expect(error.message).toContain('SETTINGS');
  });

  it("'auto' uses HTTP/1.1 where TLS offers no h2 by ALPN, and on ws: URLs; true fails", async () => {
    const [transport, heard] = await opened(http1OnlyUrl, 'auto');
    expect(httpOf(transport)).toBe('1.1');
    expect(transport.ready).toBe(true);
    transport.hearPings!();
    transport.ping!();
    await expect.poll(() => heard.pongs).toEqual([undefined]);
    transport.send('through ws');
    await expect.poll(() => heard.messages).toEqual(['through ws']);
    expect(transport.bufferedAmount).toBe(0);
    transport.close(1000);
    await heard.closed;
    const strict = hear();
    open(`${http1OnlyUrl}/`, true, strict, { family: 4 });
    const error = await strict.failed;
    expect(error).toMatchObject({ kind: 'no-protocol-support' });
    expect(error.message).toContain('ALPN');
    const [plain, heardPlain] = await opened(`ws://127.0.0.1:${backend.port}/`, 'auto');
    expect(httpOf(plain)).toBe('1.1');
    plain.destroy();
    expect(heardPlain.errors).toEqual([]);
  });

  it("'auto' fails the attempt when the HTTP/1.1 fallback's constructor throws, rather than throwing from an event", async () => {
    const heard = hear();
    openH2Transport({ url: `${echo.url}/status/404`, protocols: [], binaryType: 'arraybuffer', attempt: 2, nodeOptions: { ca: certificates.ca, family: 6 } }, heard.events, 'auto', () => {
      throw new TypeError('no WebSocket here');
    });
    const error = await heard.failed;
    expect(error).toMatchObject({ kind: 'invalid-options', attempt: 2 });
    expect(error.message).toContain('no WebSocket here');
  });

  it("'auto' uses HTTP/2 where it works", async () => {
    await greets(`wss://127.0.0.1:${works.port}/ws`, 'auto', '2', 'version 2');
  });
});

describe('real servers', () => {
  it.each([
    ['HAProxy over TLS (ALPN h2)', () => `wss://127.0.0.1:${haproxy.port}/ws`, 'version 2.0'],
    ['HAProxy in cleartext (proto h2, prior knowledge)', () => `ws://127.0.0.1:${haproxy.cleartextPort}/ws`, 'version 2.0'],
    ['Apache httpd (H2WebSockets)', () => `wss://127.0.0.1:${apache.port}/ws`, 'version HTTP/2.0'],
    ['hypercorn (ASGI)', () => `wss://127.0.0.1:${hypercorn.port}/ws`, 'version 2'],
  ])('%s: opens over HTTP/2, echoes, pings and closes cleanly', async (_name, url, greeting) => {
    const [transport, heard] = await opened(url());
    expect(httpOf(transport)).toBe('2');
    // Sent at once, not after the greeting: Apache's H2WebSockets was seen (about one run in four, the
    // stream open and its windows wide) to hold the backend's first message until the client sent.
    transport.send('é'.repeat(40000));
    transport.send(new Uint8Array(200000).fill(9));
    await expect.poll(() => heard.messages.length, { timeout: 10000 }).toBe(3);
    expect(heard.messages[0]).toBe(greeting);
    expect(heard.messages[1]).toBe('é'.repeat(40000));
    expect((heard.messages[2] as ArrayBuffer).byteLength).toBe(200000);
    transport.ping!();
    await expect.poll(() => heard.pongs.length).toBe(1);
    transport.close(1000, 'done');
    expect(await heard.closed).toEqual([1000, 'done', true]);
  });

  it("HAProxy: 'auto' chooses HTTP/2 by ALPN", async () => {
    await greets(`wss://127.0.0.1:${haproxy.port}/ws`, 'auto', '2', 'version 2.0');
  });

  it("HAProxy: past the server's 100 concurrent streams, sockets open on a second session", async () => {
    const pairs = await Promise.all(Array.from({ length: 150 }, () => opened(`wss://127.0.0.1:${haproxy.port}/ws`)));
    expect(sessionCount()).toBe(2);
    for (const [transport] of pairs) transport.close(1000);
    await Promise.all(pairs.map(([, heard]) => heard.closed));
    await expect.poll(() => sessionCount()).toBe(0);
  });
});

describe('through SteadySocket, with nodeOptions.http2', () => {
  const sockets: SteadySocket[] = [];
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
  });
  const client = (url: string, options: SteadySocketOptions = {}, http2: true | 'auto' = true): SteadySocket => {
    const socket = new SteadySocket(url, { ...options, nodeOptions: { ca: certificates.ca, http2, ...options.nodeOptions } });
    sockets.push(socket);
    return socket;
  };

  it('opens, sends what was queued while connecting, pings for heartbeats and closes with its code', async () => {
    const socket = client(echo.url, { heartbeat: { interval: 50, timeout: 1000 } });
    socket.send('queued');
    expect(await next(socket, 'message')).toBe('queued');
    const beat = await next<{ rtt: number }>(socket, 'heartbeat');
    expect(beat.rtt).toBeGreaterThanOrEqual(0);
    const closes = echo.closes.length;
    await socket.close(4321, 'finished');
    expect(echo.closes.slice(closes)).toEqual([4321]);
  });

  it('a server-driven heartbeat counts the server\'s ping frames as signs of life', async () => {
    const socket = client(echo.url, { heartbeat: { mode: 'server', timeout: 300 } });
    await socket.connected();
    const timer = setInterval(() => socket.send('ping'), 50);
    try {
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(socket.state).toBe('open');
      expect(socket.stats().failures).toEqual({});
    } finally {
      clearInterval(timer);
    }
  });

  it("reconnects after the server's close, and onto a new session after GOAWAY", async () => {
    const socket = client(echo.url, { reconnect: { initialDelay: 10, maxDelay: 20 } });
    await socket.connected();
    const sessions = echo.sessions.length;
    socket.send('goaway');
    const closed = await next<{ code: number; willReconnect: boolean }>(socket, 'close');
    expect(closed).toMatchObject({ code: 1006, willReconnect: true });
    await next(socket, 'open');
    expect(echo.sessions.length).toBe(sessions + 1);
    socket.send('close 1012 restarting');
    expect(await next(socket, 'close')).toMatchObject({ code: 1012, reason: 'restarting', wasClean: true, willReconnect: true });
    await next(socket, 'open');
    socket.send('still here');
    expect(await next(socket, 'message')).toBe('still here');
  });

  it('waits out Retry-After of a refused CONNECT, and stops at a 401', async () => {
    const socket = client(`${echo.url}/status/503`, { reconnect: { initialDelay: 10, maxDelay: 5000 } });
    const reconnecting = await next<{ delay: number; error: { kind: string; retryAfter: number } }>(socket, 'reconnecting');
    expect(reconnecting.error).toMatchObject({ kind: 'server-error', retryAfter: 1000 });
    expect(reconnecting.delay).toBeGreaterThanOrEqual(1000);
    const refused = client(`${echo.url}/status/401`);
    const error = await next<{ kind: string; status: number }>(refused, 'error');
    expect(error).toMatchObject({ kind: 'unauthorized', status: 401 });
    await expect.poll(() => refused.state).toBe('closed');
  });

  it('sends the headers a function returns for each attempt', async () => {
    let calls = 0;
    const socket = client(echo.url, { nodeOptions: { headers: async () => ({ authorization: `Bearer t${++calls}` }) } });
    await socket.connected();
    expect(echo.requests.at(-1)).toMatchObject({ authorization: 'Bearer t1' });
  });

  it("tells the open diagnostics channel which HTTP carried it, 'auto' included", async () => {
    const seen: { http: string; status: number }[] = [];
    const listener = (message: unknown): void => void seen.push(message as { http: string; status: number });
    subscribe('steadysocket:open', listener);
    try {
      await client(`wss://127.0.0.1:${works.port}/ws`, {}, 'auto').connected();
      await client(`wss://127.0.0.1:${noRfc8441.port}/ws`, {}, 'auto').connected();
    } finally {
      unsubscribe('steadysocket:open', listener);
    }
    expect(seen.map(({ http, status }) => [http, status])).toEqual([
      ['2', 200],
      ['1.1', 101],
    ]);
  });

  it("says on the open event and in its log record which HTTP carried it, 'auto' included; without http2, nothing", async () => {
    const records: { event: string; http?: string }[] = [];
    const logger = (record: { event: string; http?: string }): void => void records.push(record);
    const opened = async (socket: SteadySocket): Promise<unknown> => (await next<{ http?: string }>(socket, 'open')).http;
    expect(await opened(client(`wss://127.0.0.1:${works.port}/ws`, { logger, logLevel: 'info' }, 'auto'))).toBe('2');
    expect(await opened(client(`wss://127.0.0.1:${noRfc8441.port}/ws`, { logger, logLevel: 'info' }, 'auto'))).toBe('1.1');
    const plain = new SteadySocket(`wss://127.0.0.1:${noRfc8441.port}/ws`, { logger, logLevel: 'info', nodeOptions: { ca: certificates.ca } });
    sockets.push(plain);
    expect(await opened(plain)).toBeUndefined();
    expect(records.filter((record) => record.event === 'open').map((record) => record.http)).toEqual(['2', '1.1', undefined]);
  });

  it('refuses a bad nodeOptions.http2, naming it', async () => {
    const socket = new SteadySocket(echo.url, { nodeOptions: { http2: 'yes' as never } });
    sockets.push(socket);
    const error = await next<{ kind: string; message: string }>(socket, 'error');
    expect(error).toMatchObject({ kind: 'invalid-options' });
    expect(error.message).toContain('nodeOptions.http2');
  });

  it('lets a Node process exit by itself after close()', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/h2-exit.mjs', import.meta.url));
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [fixture, `wss://127.0.0.1:${works.port}/ws`, certificates.caFile], { timeout: 15000 }, (error, out, err) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout: out, stderr: err }),
      );
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { greetings: string[]; states: string[]; resources: string[] };
    expect(report.greetings).toEqual(['version 2', 'version 2', 'version 2']);
    expect(report.states).toEqual(['closed', 'closed', 'closed']);
    expect(report.resources.filter((name) => name === 'Timeout')).toEqual([]);
  });
});
