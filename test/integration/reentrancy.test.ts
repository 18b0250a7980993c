import { createServer, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { SteadySocket, type SteadySocketOptions } from 'steadysocket';
import { acceptFor } from '../helpers/handshake-server';
import { listenLocal, startServer, type EchoServer } from '../helpers/servers';
import { next, sleep, until } from '../helpers/wait';

// Issue 15 through real sockets: the items that a fake socket cannot prove alone.
let server: EchoServer;
const sockets: SteadySocket[] = [];
beforeAll(async () => {
  server = await startServer();
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((socket) => socket.close()));
});
afterAll(async () => {
  await server.close();
});

/**
 * Opens, sends a close frame (1000) at once, and keeps its half of TCP open: the client has answered
 * and ended its half, but its socket stays CLOSING (up to ws's own 30 s) until the server goes.
 */
async function startClosingServer(): Promise<{ url: string; close(): void }> {
  const held: Socket[] = [];
  const tcp = createServer({ allowHalfOpen: true }, (socket) => {
    held.push(socket);
    socket.on('error', () => {});
    socket.once('data', (head) => {
      const key = /sec-websocket-key:\s*(\S+)/i.exec(head.toString('latin1'))?.[1] ?? '';
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`);
      socket.write(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
    });
  });
  const port = await listenLocal(tcp);
  return {
    url: `ws://127.0.0.1:${port}/`,
    close: () => {
      for (const socket of held) socket.destroy();
      tcp.close();
    },
  };
}
const client = (url: string | (() => string), options: SteadySocketOptions = {}): SteadySocket => {
  const socket = new SteadySocket(url, { reconnect: { initialDelay: 20, maxDelay: 50 }, ...options });
  sockets.push(socket);
  return socket;
};
const closeOf = (index: number): Promise<[number, string]> =>
  new Promise((resolve) => server.clients[index]!.once('close', (code: number, reason: Buffer) => resolve([code, reason.toString()])));

it('reconnect() closes the old connection with 1000 "reconnect", as the close event says', async () => {
  const socket = client(server.url);
  await socket.connected();
  const index = server.clients.length - 1;
  const seenByServer = closeOf(index);
  const closed = next<{ code: number; reason: string }>(socket, 'close');
  const reopened = next(socket, 'open');
  socket.reconnect();
  expect(await closed).toMatchObject({ code: 1000, reason: 'reconnect', willReconnect: true });
  expect(await seenByServer).toEqual([1000, 'reconnect']);
  await reopened;
});

it('keeps a message sent while the peer closes (its close frame came, TCP still up) and sends it on the next connection', async () => {
  const closing = await startClosingServer();
  let calls = 0;
  const socket = client(() => (++calls === 1 ? closing.url : server.url));
  await socket.connected();
  // The close frame has arrived; the TCP connection stays until its close handshake times out.
  await sleep(100);
  expect(socket.state).toBe('open');
  const before = server.received.length;
  socket.send('sent while the peer closes');
  expect(socket.bufferedAmount).toBeGreaterThan(0);
  // The server goes away: the client reconnects elsewhere, and the message goes first.
  const reopened = next(socket, 'open', 10000);
  closing.close();
  await reopened;
  await until(() => server.received.length > before, 5000, 'the kept message');
  expect(server.received.slice(before)).toEqual(['sent while the peer closes']);
});

it('sends what was queued before anything a state listener sends on open', async () => {
  const socket = client(server.url);
  socket.send('queued 1');
  socket.send('queued 2');
  socket.on('state', (state) => state === 'open' && socket.send('from the state listener'));
  const before = server.received.length;
  await socket.connected();
  await until(() => server.received.length >= before + 3, 5000, 'three messages');
  expect(server.received.slice(before)).toEqual(['queued 1', 'queued 2', 'from the state listener']);
});

it('counts a lone surrogate as the 3 bytes it goes out as (U+FFFD)', async () => {
  const socket = client(server.url, { buffer: { maxBytes: 3 } });
  socket.send('\ud800');
  expect(() => socket.send('x')).toThrow(expect.objectContaining({ kind: 'buffer-full' }));
  const before = server.received.length;
  await socket.connected();
  await until(() => server.received.length > before, 5000, 'the message');
  expect(Buffer.byteLength(server.received[before]!)).toBe(3);
  expect(server.received[before]).toBe('\ufffd');
});

it('refuses a close reason over 123 bytes at the call, and the connection stays open', async () => {
  const socket = client(server.url);
  await socket.connected();
  expect(() => socket.close(1000, 'x'.repeat(124))).toThrow(expect.objectContaining({ name: 'SteadySocketError', kind: 'invalid-data' }));
  expect(socket.state).toBe('open');
  socket.send('still open');
  expect(await next(socket, 'message')).toBe('still open');
});
