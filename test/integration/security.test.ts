import { inspect } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { SteadySocket, type SteadySocketError, type SteadySocketOptions } from 'steadysocket';
import { closedPort, startServer, startSilentServer } from '../helpers/servers';
import { next, sleep } from '../helpers/wait';

// A token in the URL (query and credentials) and in the headers must never come back out: not in
// `url`, not in any error (message, hint, fields, String()), not in any event, for any kind.
const SECRET = 'tok-9f8e7d6c5b4a';
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

const seen: string[] = [];
const serialize = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) =>
    inner instanceof Error ? { ...inner, message: inner.message, text: String(inner), stack: inner.stack, cause: (inner as { cause?: unknown }).cause } : inner,
  );

function watched(base: string, options: SteadySocketOptions): SteadySocket {
  const url = base.replace('://', `://user:${SECRET}@`) + `/path?token=${SECRET}&room=1`;
  const socket = new SteadySocket(url, { ...options, nodeOptions: { ...options.nodeOptions, headers: { authorization: `Bearer ${SECRET}` } } });
  for (const name of ['connecting', 'open', 'close', 'reconnecting', 'error', 'state', 'heartbeat'] as const) {
    socket.on(name, (...args: unknown[]) => seen.push(`${name} ${serialize(args)}`));
  }
  cleanup.push(async () => {
    seen.push(socket.url);
    await socket.close();
  });
  return socket;
}

function thrown(action: () => unknown): void {
  try {
    action();
  } catch (error) {
    seen.push(`thrown ${serialize(error)}`);
  }
}

it('never reveals a token, for every kind of error', async () => {
  const kinds = new Set<string>();
  const track = (socket: SteadySocket) => socket.on('error', (error) => kinds.add(error.kind));

  // network, then max-attempts
  track(watched(`ws://127.0.0.1:${await closedPort()}`, { reconnect: { maxAttempts: 2, initialDelay: 5 } }));
  // timeout
  const silent = await startSilentServer();
  cleanup.push(() => silent.close());
  track(watched(silent.url, { connectTimeout: 200, reconnect: false }));
  // heartbeat-timeout
  const mute = await startServer({ autoPong: false });
  cleanup.push(() => mute.close());
  const dead = watched(mute.url, { heartbeat: { interval: 50, timeout: 50 }, reconnect: false });
  track(dead);
  // protocol-error
  const big = await startServer();
  cleanup.push(() => big.close());
  const small = watched(big.url, { nodeOptions: { maxPayload: 10 }, reconnect: false });
  track(small);
  await small.connected();
  big.clients[0]!.send('more than ten bytes');
  // closed, not-open, buffer-full, invalid-data
  const plain = await startServer();
  cleanup.push(() => plain.close());
  const closing = watched(plain.url, { buffer: { maxMessages: 1 } });
  thrown(() => closing.send('one'));
  thrown(() => closing.send('two'));
  thrown(() => closing.send(42 as never));
  const ended = closing.connected();
  await closing.close();
  await ended.catch((error: unknown) => seen.push(`rejected ${serialize(error)}`));
  thrown(() => closing.send('after'));
  thrown(() => new SteadySocket(`ftp://user:${SECRET}@example.com/?token=${SECRET}`));
  thrown(() => new SteadySocket(`ws://user:${SECRET}@example.com/#?token=${SECRET}`));

  await next(dead, 'state', 2000).catch(() => {});
  await sleep(500);
  expect([...kinds].sort()).toEqual(['heartbeat-timeout', 'max-attempts', 'network', 'protocol-error', 'timeout']);
  expect(seen.filter((line) => line.startsWith('thrown')).length).toBe(5);
  expect(seen.some((line) => line.startsWith('rejected') && line.includes('"kind":"closed"'))).toBe(true);
  expect(seen.length).toBeGreaterThan(30);
  for (const line of seen) expect(line).not.toContain(SECRET);
});

// A bare query is often the token itself.
it('never reveals a token given as a bare query (?<token>)', async () => {
  const refused = `ws://127.0.0.1:${await closedPort()}/ws?${SECRET}`;
  const socket = new SteadySocket(refused, { reconnect: { maxAttempts: 2, initialDelay: 5 } });
  const lines: string[] = [];
  for (const name of ['connecting', 'close', 'reconnecting', 'error', 'state'] as const) socket.on(name, (...args: unknown[]) => lines.push(`${name} ${serialize(args)}`));
  await socket.connected().catch((error: unknown) => lines.push(`rejected ${serialize(error)}`));
  lines.push(socket.url);
  try {
    new SteadySocket(`ftp://example.com/?${SECRET}`);
  } catch (error) {
    lines.push(`thrown ${serialize(error)}`);
  }
  expect(socket.url).toMatch(/\/ws\?\*\*\*$/);
  expect(lines.some((line) => line.startsWith('thrown'))).toBe(true);
  expect(lines.length).toBeGreaterThan(5);
  for (const line of lines) expect(line).not.toContain(SECRET);
});

it('never reveals a token offered as a subprotocol, when the server echoes the offered list', async () => {
  const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
  const { acceptFor } = await import('../helpers/handshake-server');
  const { createServer } = await import('node:http');
  // A server that echoes every offered subprotocol: `ws` refuses the answer (subprotocol-mismatch).
  const echoing = createServer();
  echoing.on('upgrade', (request, socket) => {
    const key = String(request.headers['sec-websocket-key']);
    socket.end(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\nSec-WebSocket-Protocol: ${String(request.headers['sec-websocket-protocol'])}\r\n\r\n`,
    );
  });
  await new Promise<void>((resolve) => echoing.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => echoing.close(resolve)));
  const lines: string[] = [];
  // The socket itself is left out: it is not serialisable.
  const channel = (message: unknown): number => lines.push(`channel ${serialize({ ...(message as object), socket: undefined })}`);
  for (const name of ['open', 'error', 'close']) subscribe(`steadysocket:${name}`, channel);
  cleanup.push(async () => {
    for (const name of ['open', 'error', 'close']) unsubscribe(`steadysocket:${name}`, channel);
  });
  const socket = new SteadySocket(`ws://127.0.0.1:${(echoing.address() as { port: number }).port}/`, {
    protocols: ['access_token', SECRET],
    reconnect: false,
    logger: (record) => lines.push(`record ${serialize(record)}`),
    logLevel: 'debug',
  });
  const error = await next<SteadySocketError>(socket, 'error');
  lines.push(`error ${serialize(error)}`, String(error), inspect(error, { depth: 5 }));
  await socket.close();
  expect(error.kind).toBe('subprotocol-mismatch');
  expect(error).toMatchObject({ header: 'sec-websocket-protocol', headers: { upgrade: 'websocket' } });
  expect(error.headers).not.toHaveProperty('sec-websocket-protocol');
  expect(lines.filter((line) => line.startsWith('channel')).length).toBeGreaterThanOrEqual(1);
  for (const line of lines) expect(line).not.toContain(SECRET);
});

it('never reveals a password holding /, ? or # from a url function, in errors, records or give-up', async () => {
  const port = await closedPort();
  const lines: string[] = [];
  for (const password of [`se/${SECRET}`, `se?${SECRET}`, `se#${SECRET}`]) {
    const socket = new SteadySocket(() => `ws://alice:${password}@127.0.0.1:${port}/`, {
      reconnect: { maxAttempts: 2, initialDelay: 5 },
      logger: (record) => lines.push(`record ${serialize(record)}`),
      logLevel: 'debug',
    });
    socket.on('error', (error) => lines.push(`error ${serialize(error)}`, String(error)));
    await socket.connected().catch((error: unknown) => lines.push(`rejected ${serialize(error)}`));
    lines.push(socket.url);
  }
  expect(lines.some((line) => line.includes('give-up'))).toBe(true);
  expect(lines.some((line) => line.includes('invalid-url'))).toBe(true);
  for (const line of lines) expect(line).not.toContain(SECRET);
});
