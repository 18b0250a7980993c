import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTlsServer } from 'node:tls';
import type { Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { SteadySocket, type SteadySocketError, type SteadySocketOptions } from 'steadysocket';
import { startHandshakeServer, type HandshakeServer } from '../helpers/handshake-server';
import { closedPort, startServer } from '../helpers/servers';
import { startUpgradeDroppingProxy } from '../helpers/upgrade-dropping-proxy';
import { next } from '../helpers/wait';

// Every way a handshake can fail, through real sockets, each with its exact kind.
let faults: HandshakeServer;
const table: [string, string][] = [];
const cleanup: (() => Promise<unknown> | void)[] = [];
beforeAll(async () => {
  faults = await startHandshakeServer();
});
afterAll(async () => {
  await faults.close();
  console.log(`\nhandshake route × node (ws) → kind\n${table.map(([route, kind]) => `  ${route.padEnd(28)} ${kind}`).join('\n')}`);
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** The first error of a single attempt to `url`. */
async function firstError(url: string, options: SteadySocketOptions = {}): Promise<SteadySocketError> {
  const socket = new SteadySocket(url, { reconnect: false, connectTimeout: 1000, ...options });
  cleanup.push(() => socket.close());
  return next<SteadySocketError>(socket, 'error');
}

interface Expectation {
  kind: string;
  status?: number;
  header?: string;
  retryAfter?: number;
  headers?: Record<string, string>;
  protocols?: string[];
}

const ROUTES: [string, Expectation][] = [
  ['200-html', { kind: 'no-protocol-support', status: 200, headers: { 'content-type': 'text/html' } }],
  ['301-redirect', { kind: 'no-protocol-support', status: 301, headers: { location: '/s/ok?token=***' } }],
  ['302-redirect', { kind: 'no-protocol-support', status: 302, headers: { location: '/s/ok' } }],
  ['302-absolute-ws', { kind: 'no-protocol-support', status: 302 }],
  ['307-redirect', { kind: 'no-protocol-support', status: 307, headers: { location: '/s/ok' } }],
  ['400', { kind: 'no-protocol-support', status: 400 }],
  ['404', { kind: 'no-protocol-support', status: 404 }],
  ['405', { kind: 'no-protocol-support', status: 405 }],
  ['426', { kind: 'bad-upgrade-header', status: 426, headers: { upgrade: 'websocket', 'sec-websocket-version': '13' } }],
  ['426-bare', { kind: 'bad-upgrade-header', status: 426 }],
  ['401-basic', { kind: 'unauthorized', status: 401, headers: { 'www-authenticate': 'Basic realm="ws"' } }],
  ['401-bare', { kind: 'unauthorized', status: 401 }],
  ['401', { kind: 'unauthorized', status: 401, headers: { 'www-authenticate': 'Bearer realm="chat"' } }],
  ['403', { kind: 'unauthorized', status: 403 }],
  ['407', { kind: 'unauthorized', status: 407 }],
  ['429', { kind: 'rate-limited', status: 429, retryAfter: 2000 }],
  ['500', { kind: 'server-error', status: 500 }],
  ['503', { kind: 'server-error', status: 503, retryAfter: 2000 }],
  ['101-no-upgrade', { kind: 'bad-upgrade-header', status: 101, header: 'upgrade' }],
  ['101-no-connection', { kind: 'bad-upgrade-header', status: 101, header: 'connection' }],
  ['101-upgrade-h2c', { kind: 'bad-upgrade-header', status: 101, header: 'upgrade', headers: { upgrade: 'h2c' } }],
  ['101-accept-sample-key', { kind: 'bad-upgrade-header', status: 101, header: 'sec-websocket-accept', headers: { 'sec-websocket-accept': 'dGhlIHNhbXBsZSBub25jZQ==' } }],
  ['101-accept-echo-key', { kind: 'bad-upgrade-header', status: 101, header: 'sec-websocket-accept' }],
  ['101-accept-rfc-example', { kind: 'bad-upgrade-header', status: 101, header: 'sec-websocket-accept' }],
  ['101-accept-missing', { kind: 'bad-upgrade-header', status: 101, header: 'sec-websocket-accept' }],
  ['protocol-missing', { kind: 'subprotocol-mismatch', status: 101, header: 'sec-websocket-protocol', protocols: ['chat.v2'] }],
  ['protocol-wrong', { kind: 'subprotocol-mismatch', status: 101, header: 'sec-websocket-protocol', protocols: ['chat.v2'] }],
  ['protocol-unrequested', { kind: 'subprotocol-mismatch', status: 101, header: 'sec-websocket-protocol' }],
  ['extension-unknown', { kind: 'extension-mismatch', status: 101, header: 'sec-websocket-extensions' }],
  ['garbage', { kind: 'no-protocol-support' }],
  ['ssh-banner', { kind: 'no-protocol-support' }],
  ['garbage-then-fin', { kind: 'no-protocol-support' }],
  ['hang', { kind: 'timeout' }],
  ['fin-after-request', { kind: 'network' }],
  ['rst-after-request', { kind: 'network' }],
];

const RETRYABLE = ['rate-limited', 'server-error', 'timeout', 'network'];

describe('handshake fault routes in Node', () => {
  it.each(ROUTES)('%s gives %o', async (route, expected) => {
    const error = await firstError(faults.url(route) + '?token=s3cret', { protocols: expected.protocols });
    table.push([route, `${error.kind}${error.status ? ' ' + error.status : ''}${error.header ? ' (' + error.header + ')' : ''}`]);
    expect(error.kind).toBe(expected.kind);
    expect(error.retryable).toBe(RETRYABLE.includes(expected.kind));
    expect(error.status).toBe(expected.status);
    if (expected.header) expect(error.header).toBe(expected.header);
    if (expected.retryAfter) expect(error.retryAfter).toBe(expected.retryAfter);
    if (expected.headers) expect(error.headers).toMatchObject(expected.headers);
    expect(error.headers?.['set-cookie']).toBeUndefined();
    expect(error.hint).toMatch(/\w/);
    const line = String(error);
    expect(line).not.toContain('\n');
    expect(line).toContain(`[${error.kind}`);
    if (expected.status) expect(line).toContain(String(expected.status));
    expect(line).not.toContain('s3cret');
  });

  it('gives network for a refused connection', async () => {
    const error = await firstError(`ws://127.0.0.1:${await closedPort()}/`);
    table.push(['refused', error.kind]);
    expect(error.kind).toBe('network');
  });
});

describe('TLS', () => {
  const key = readFileSync(new URL('../fixtures/self-signed.key', import.meta.url));
  const cert = readFileSync(new URL('../fixtures/self-signed.crt', import.meta.url));

  async function tlsEchoServer(): Promise<number> {
    const https = (await import('node:https')).createServer({ key, cert });
    const wss = new WebSocketServer({ server: https });
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(data.toString())));
    await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => (wss.close(), https.closeAllConnections(), https.close(() => resolve()))));
    return (https.address() as AddressInfo).port;
  }

  it('refuses a self-signed certificate by default with kind tls', async () => {
    const port = await tlsEchoServer();
    const error = await firstError(`wss://127.0.0.1:${port}/`);
    table.push(['wss-self-signed', error.kind]);
    expect(error.kind).toBe('tls');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('SELF_SIGNED');
  });

  it('connects to a self-signed server when given its certificate as CA', async () => {
    const port = await tlsEchoServer();
    const socket = new SteadySocket(`wss://127.0.0.1:${port}/`, { nodeOptions: { ca: cert } });
    cleanup.push(() => socket.close());
    await socket.connected();
    socket.send('secure');
    expect(await next(socket, 'message')).toBe('secure');
  });

  it('connects only with an explicit opt-out of verification', async () => {
    const port = await tlsEchoServer();
    const socket = new SteadySocket(`wss://127.0.0.1:${port}/`, { nodeOptions: { rejectUnauthorized: false } });
    cleanup.push(() => socket.close());
    await socket.connected();
  });

  it('calls wss: to a plain port a tls failure', async () => {
    const { port } = await startServer();
    const error = await firstError(`wss://127.0.0.1:${port}/`);
    table.push(['wss-to-plain-port', error.kind]);
    expect(error.kind).toBe('tls');
  });

  it('calls ws: to a TLS port a network failure (the server hangs up)', async () => {
    const server = createTlsServer({ key, cert }, (socket) => socket.on('error', () => {}));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const error = await firstError(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    table.push(['ws-to-tls-port', error.kind]);
    expect(['network', 'no-protocol-support']).toContain(error.kind);
  });
});

describe('realistic servers', () => {
  /** A server whose upgrade handler refuses with `status` (and headers) before upgrading. */
  async function rejectingServer(status: number, headers: Record<string, string> = {}): Promise<string> {
    const http = createHttpServer();
    http.on('upgrade', (_request: IncomingMessage, socket: Socket) => {
      const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      socket.end(`HTTP/1.1 ${status} Refused\r\n${lines}Content-Length: 0\r\nConnection: close\r\n\r\n`);
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => http.close(() => resolve())));
    return `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws`;
  }

  it.each<[number, string, Record<string, string>]>([
    [401, 'unauthorized', {}],
    [403, 'unauthorized', {}],
    [429, 'rate-limited', { 'Retry-After': '2' }],
    [503, 'server-error', { 'Retry-After': '2' }],
  ])('a ws server refusing with %i gives %s', async (status, kind, headers) => {
    const error = await firstError(await rejectingServer(status, headers));
    table.push([`ws-server-${status}`, error.kind]);
    expect(error).toMatchObject({ kind, status });
    if (headers['Retry-After']) expect(error.retryAfter).toBe(2000);
  });

  it('a plain HTTP server without WebSocket gives no-protocol-support', async () => {
    const http = createHttpServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<p>site</p>'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => (http.closeAllConnections(), http.close(() => resolve()))));
    const error = await firstError(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/`);
    table.push(['plain-http-server', `${error.kind} ${error.status ?? ''}`]);
    expect(error.kind).toBe('no-protocol-support');
  });

  it('a ws server that requires another subprotocol gives subprotocol-mismatch', async () => {
    const { url } = await startServer({ handleProtocols: (offered) => (offered.has('chat.v3') ? 'chat.v3' : false) });
    const error = await firstError(url, { protocols: ['chat.v2'] });
    table.push(['ws-server-requires-protocol', error.kind]);
    expect(error).toMatchObject({ kind: 'subprotocol-mismatch', retryable: false });
  });

  it('a proxy that drops the Upgrade header gives bad-upgrade-header (426 from the ws server)', async () => {
    const backend = await startServer();
    const proxy = await startUpgradeDroppingProxy(backend.port);
    cleanup.push(() => backend.close(), () => proxy.close());
    const error = await firstError(proxy.ws('/'));
    table.push(['proxy-drops-upgrade', `${error.kind} ${error.status}`]);
    expect(error).toMatchObject({ kind: 'bad-upgrade-header', status: 426 });
  });
});

describe('retry behaviour', () => {
  it.each(['404', '401', '101-accept-echo-key', 'extension-unknown'])('stops after one attempt on %s and rejects connected()', async (route) => {
    const before = faults.hits.get(route) ?? 0;
    const socket = new SteadySocket(faults.url(route), { reconnect: { initialDelay: 10 } });
    cleanup.push(() => socket.close());
    const error = (await socket.connected().catch((e: unknown) => e)) as SteadySocketError;
    expect(error.retryable).toBe(false);
    expect(socket.state).toBe('closed');
    expect((faults.hits.get(route) ?? 0) - before).toBe(1);
  });

  it.each(['429', '503'])('waits at least Retry-After (2 s) before the next attempt after %s', async (route) => {
    const socket = new SteadySocket(faults.url(route), { reconnect: { initialDelay: 10, maxDelay: 10000 } });
    cleanup.push(() => socket.close());
    const times: number[] = [];
    socket.on('connecting', () => times.push(Date.now()));
    const { delay } = await next<{ delay: number }>(socket, 'reconnecting');
    expect(delay).toBeGreaterThanOrEqual(2000);
    await next(socket, 'connecting', 5000);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(2000);
  });

  it('spreads clients that all got Retry-After over one initialDelay past it, instead of bringing them back at once', async () => {
    const sockets = Array.from({ length: 20 }, () => new SteadySocket(faults.url('503'), { reconnect: { initialDelay: 1000, maxDelay: 10000 } }));
    cleanup.push(() => Promise.all(sockets.map((socket) => socket.close())));
    const delays = await Promise.all(sockets.map((socket) => next<{ delay: number }>(socket, 'reconnecting').then(({ delay }) => delay)));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(2000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(3000);
    // 20 uniform phases: the chance that they all fall within 300 ms of each other is below 10^-8.
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(300);
    const none = new SteadySocket(faults.url('503'), { reconnect: { initialDelay: 1000, maxDelay: 10000, jitter: 'none' } });
    cleanup.push(() => none.close());
    expect((await next<{ delay: number }>(none, 'reconnecting')).delay).toBe(2000);
  });

  it('clamps Retry-After to maxDelay, then spreads by up to one initialDelay past it', async () => {
    const socket = new SteadySocket(faults.url('429'), { reconnect: { initialDelay: 10, maxDelay: 500 } });
    cleanup.push(() => socket.close());
    const { delay } = await next<{ delay: number }>(socket, 'reconnecting');
    expect(delay).toBeGreaterThanOrEqual(500);
    expect(delay).toBeLessThanOrEqual(510);
  });
});

describe('redaction', () => {
  it('never shows a query token or credentials in errors, hints or events, for any failure', async () => {
    const seen: string[] = [];
    const secret = 'TOKEN-s3cret-42';
    for (const [route, expected] of ROUTES) {
      const socket = new SteadySocket(`ws://user:${secret}@127.0.0.1:${faults.port}/s/${route}?token=${secret}`, {
        reconnect: { maxAttempts: 2, initialDelay: 5, maxDelay: 5 },
        connectTimeout: 300,
        protocols: expected.protocols,
        nodeOptions: { headers: { authorization: `Bearer ${secret}` } },
      });
      for (const name of ['connecting', 'open', 'close', 'reconnecting', 'error', 'state', 'message'] as const) {
        socket.on(name, (...args: unknown[]) => seen.push(JSON.stringify(args, (_k, v) => (v instanceof Error ? { ...v, message: v.message, text: String(v) } : v))));
      }
      await socket.connected().catch(() => {});
      seen.push(socket.url);
      await socket.close();
    }
    expect(seen.length).toBeGreaterThan(ROUTES.length * 3);
    for (const line of seen) expect(line).not.toContain(secret);
  });
});
