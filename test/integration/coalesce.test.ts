import { afterEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Socket } from 'node:net';
import { SteadySocket } from 'steadysocket';
import { startServer } from '../helpers/servers';
import { next, until } from '../helpers/wait';
import { WhatwgWebSocket } from '../helpers/whatwg';

// Node: frames sent within one tick are written to TCP together (cork until the next tick).
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

/** A `ws` socket that counts the writes its TCP socket makes. */
function counting(): { WebSocket: typeof WebSocket; writes: () => number; tcp: () => Socket | undefined } {
  let writes = 0;
  let tcp: Socket | undefined;
  class Counting extends WebSocket {
    constructor(url: string, protocols?: string | string[], options?: WebSocket.ClientOptions) {
      super(url, protocols, options);
      this.once('open', () => {
        tcp = (this as unknown as { _socket: Socket })._socket;
        const target = tcp as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
        for (const method of ['_write', '_writev'] as const) {
          const original = target[method]!.bind(tcp);
          target[method] = (...args: unknown[]) => {
            writes++;
            return original(...args);
          };
        }
      });
    }
  }
  return { WebSocket: Counting as unknown as typeof WebSocket, writes: () => writes, tcp: () => tcp };
}

async function open(WebSocketClass: typeof WebSocket) {
  const server = await startServer({ perMessageDeflate: false });
  const socket = new SteadySocket(server.url, { WebSocket: WebSocketClass as never, heartbeat: false });
  cleanup.push(() => server.close(), () => socket.close());
  await socket.connected();
  return { server, socket };
}

it('writes a burst sent within one tick to TCP in one write, in order', async () => {
  const probe = counting();
  const { server, socket } = await open(probe.WebSocket);
  const before = probe.writes();
  const sent = Array.from({ length: 500 }, (_, i) => `m${i}`);
  for (const message of sent) socket.send(message);
  await until(() => server.received.length === sent.length);
  expect(probe.writes() - before).toBe(1);
  expect(server.received).toEqual(sent);
});

it('adds no latency beyond the tick: the socket is uncorked right after it', async () => {
  const probe = counting();
  const { socket } = await open(probe.WebSocket);
  socket.send('alone');
  expect(probe.tcp()!.writableCorked).toBe(1);
  await new Promise((resolve) => process.nextTick(resolve));
  expect(probe.tcp()!.writableCorked).toBe(0);
  expect(await next(socket, 'message')).toBe('alone');
});

it('keeps order across ticks and message types', async () => {
  const { server, socket } = await open(WebSocket);
  const expected: string[] = [];
  for (let tick = 0; tick < 20; tick++) {
    for (let i = 0; i < 10; i++) {
      expected.push(`t${tick}-${i}`);
      socket.send(`t${tick}-${i}`);
      socket.send(new Uint8Array([tick, i]));
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  await until(() => server.received.length === expected.length);
  expect(server.received).toEqual(expected);
});

it('sends strings as UTF-8 text frames, whatever their characters', async () => {
  const { server, socket } = await open(WebSocket);
  const texts = ['', 'plain', 'héllo wörld', '日本語', 'emoji 😀', 'x'.repeat(70000)];
  const echoed: unknown[] = [];
  socket.on('message', (data) => echoed.push(data));
  for (const text of texts) socket.send(text);
  await until(() => echoed.length === texts.length);
  expect(server.received).toEqual(texts);
  expect(echoed).toEqual(texts);
});

it('falls back to plain sends when the socket cannot cork (a WHATWG WebSocket)', async () => {
  const server = await startServer();
  cleanup.push(() => server.close());
  const socket = new SteadySocket(server.url, { WebSocket: WhatwgWebSocket as never, heartbeat: false });
  cleanup.push(() => socket.close());
  await socket.connected();
  for (let i = 0; i < 50; i++) socket.send(`w${i}`);
  await until(() => server.received.length === 50);
  expect(server.received).toEqual(Array.from({ length: 50 }, (_, i) => `w${i}`));
});
