import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { instrumentedWebSocket } from '../helpers/instrumented';
import { SteadySocket, type SteadySocketError, type SteadySocketOptions } from 'steadysocket';
import { FaultProxy } from '../helpers/fault-proxy';
import { startServer, type EchoServer } from '../helpers/servers';
import { next, sleep, until } from '../helpers/wait';

// Faults injected between a real client and a real `ws` server by a TCP proxy.
const cleanup: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function setup(options: Parameters<typeof startServer>[0] = {}): Promise<{ server: EchoServer; proxy: FaultProxy }> {
  const server = await startServer(options);
  const proxy = await new FaultProxy(server.port).start();
  cleanup.push(() => server.close(), () => proxy.close());
  return { server, proxy };
}

function client(url: string, options: SteadySocketOptions): SteadySocket {
  const socket = new SteadySocket(url, options);
  cleanup.push(() => socket.close());
  return socket;
}

describe('a half-open link', () => {
  it('is detected by the heartbeat within interval + timeout, and the client reconnects once the link is back', async () => {
    const { proxy } = await setup();
    const socket = client(proxy.url, { heartbeat: { interval: 200, timeout: 200 }, reconnect: { initialDelay: 50, maxDelay: 200 }, connectTimeout: 300 });
    await socket.connected();
    await next(socket, 'heartbeat');
    const cut = Date.now();
    proxy.blackhole('both');
    const error = await next<SteadySocketError>(socket, 'error');
    const noticed = Date.now() - cut;
    expect(error.kind).toBe('heartbeat-timeout');
    expect(noticed).toBeLessThanOrEqual(200 + 200 + 150);
    // Attempts while the link is still dark time out; none opens.
    await next<SteadySocketError>(socket, 'error');
    expect(socket.state).not.toBe('open');
    proxy.pass();
    await next(socket, 'open', 5000);
  });

  it('is detected when only the answers are lost (one direction)', async () => {
    const { proxy } = await setup();
    const socket = client(proxy.url, { heartbeat: { interval: 100, timeout: 150 }, reconnect: { initialDelay: 50 } });
    await socket.connected();
    proxy.blackhole('down');
    expect((await next<SteadySocketError>(socket, 'error')).kind).toBe('heartbeat-timeout');
    proxy.pass();
    await next(socket, 'open');
  });
});

describe('cut connections', () => {
  for (const cut of ['reset', 'finish'] as const) {
    it(`reconnects after a ${cut === 'reset' ? 'RST' : 'FIN'} mid-stream, reporting close 1006`, async () => {
      const { proxy } = await setup();
      const socket = client(proxy.url, { reconnect: { initialDelay: 20 } });
      await socket.connected();
      socket.send('before');
      await next(socket, 'message');
      proxy[cut]();
      const closed = await next<{ code: number; wasClean: boolean; willReconnect: boolean }>(socket, 'close');
      expect(closed).toMatchObject({ code: 1006, wasClean: false, willReconnect: true });
      await next(socket, 'open');
      socket.send('after');
      expect(await next(socket, 'message')).toBe('after');
    });

    it(`classifies a ${cut === 'reset' ? 'RST' : 'FIN'} during the handshake as network and reconnects`, async () => {
      const { proxy } = await setup();
      proxy.delay(300);
      const socket = client(proxy.url, { reconnect: { initialDelay: 20 }, connectTimeout: 2000 });
      await until(() => proxy.open === 1);
      await sleep(50);
      proxy[cut]();
      const error = await next<SteadySocketError>(socket, 'error');
      expect(error.kind).toBe('network');
      proxy.pass();
      await next(socket, 'open');
    });
  }

  it('reconnects after a RST in the middle of a large message, and never delivers the partial message', async () => {
    const { server, proxy } = await setup();
    const socket = client(proxy.url, { reconnect: { initialDelay: 20 } });
    const messages: unknown[] = [];
    socket.on('message', (data) => messages.push(data));
    await socket.connected();
    proxy.throttle(1_000_000);
    server.clients[0]!.send(Buffer.alloc(4_000_000, 7));
    await sleep(400);
    proxy.reset();
    proxy.pass();
    await next(socket, 'open');
    expect(messages).toEqual([]);
  });
});

describe('a slow server', () => {
  it('times out a handshake slower than connectTimeout, destroys the stray socket, and it never opens later', async () => {
    const { server, proxy } = await setup();
    proxy.delay(600);
    const socket = client(proxy.url, { connectTimeout: 250, reconnect: false });
    const opened: unknown[] = [];
    socket.on('open', (event) => opened.push(event));
    const error = await next<SteadySocketError>(socket, 'error');
    expect(error.kind).toBe('timeout');
    await until(() => proxy.open === 0, 3000, 'stray socket gone');
    await sleep(900);
    expect(opened).toEqual([]);
    expect(socket.state).toBe('closed');
    expect([...server.wss.clients].filter((c) => c.readyState === WebSocket.OPEN)).toHaveLength(0);
  });
});

describe('a flapping link', () => {
  it('keeps backoff, one socket at a time, and the order of what it sends', async () => {
    const { server, proxy } = await setup();
    const sockets = instrumentedWebSocket();
    const initialDelay = 20;
    const maxDelay = 160;
    const socket = client(proxy.url, {
      WebSocket: sockets.WebSocket as never,
      reconnect: { initialDelay, maxDelay, resetAfter: 60000 },
      connectTimeout: 500,
    });
    const delays: { attempt: number; delay: number }[] = [];
    socket.on('reconnecting', (event) => delays.push(event));
    await socket.connected();
    const queued: number[] = [];
    let n = 0;
    const sender = setInterval(() => {
      for (let i = 0; i < 5; i++) {
        const id = ++n;
        if (socket.state !== 'open') queued.push(id);
        socket.send(String(id));
      }
    }, 10);
    const flapper = setInterval(() => (Math.random() < 0.5 ? proxy.reset() : proxy.finish()), 100);
    await sleep(3000);
    clearInterval(flapper);
    clearInterval(sender);
    await until(() => socket.state === 'open', 5000);
    socket.send('last');
    await until(() => server.received.includes('last'), 5000);
    const received = server.received.filter((m) => m !== 'last').map(Number);
    // Never twice, never out of order. Everything queued while down was handed to exactly one socket,
    // and arrived unless that socket died with it in flight.
    for (let i = 1; i < received.length; i++) expect(received[i]).toBeGreaterThan(received[i - 1]!);
    for (const id of queued) {
      const handed = sockets.handedTo.get(String(id)) ?? [];
      expect(handed, `queued message ${id}`).toHaveLength(1);
      if (!received.includes(id)) expect(sockets.died.has(handed[0]!), `queued message ${id} lost on a live socket`).toBe(true);
    }
    expect(queued.length).toBeGreaterThan(0);
    expect(sockets.maxOpen()).toBe(1);
    expect(delays.length).toBeGreaterThan(3);
    for (const { attempt, delay } of delays) expect(delay).toBeLessThanOrEqual(Math.min(maxDelay, initialDelay * 2 ** (attempt - 1)));
  });
});

describe('bad frames from the server', () => {
  it('closes on a message above maxPayload with a typed error, and reconnects', async () => {
    const { server } = await setup();
    const socket = client(server.url, { nodeOptions: { maxPayload: 1024 }, reconnect: { initialDelay: 20 } });
    await socket.connected();
    server.clients[0]!.send('x'.repeat(2048));
    const error = await next<SteadySocketError>(socket, 'error');
    expect(error).toMatchObject({ kind: 'protocol-error', retryable: true });
    expect(error.message).toContain('WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    await next(socket, 'open');
  });

  it('uses 16 MiB as the default maxPayload', async () => {
    const { server } = await setup();
    const socket = client(server.url, { reconnect: false });
    await socket.connected();
    server.clients[0]!.send(Buffer.alloc(16 * 1024 * 1024 + 1));
    const error = await next<SteadySocketError>(socket, 'error');
    expect(error.kind).toBe('protocol-error');
  });

  it.each([
    ['invalid UTF-8 in a text frame', Buffer.from([0x81, 0x02, 0xff, 0xfe]), 1007, 'WS_ERR_INVALID_UTF8'],
    ['a reserved opcode', Buffer.from([0x83, 0x00]), 1002, 'WS_ERR_INVALID_OPCODE'],
  ])('closes with the right code on %s, reports a typed error and reconnects', async (_name, frame, code, wsCode) => {
    const { server } = await setup();
    const socket = client(server.url, { reconnect: { initialDelay: 20 } });
    await socket.connected();
    const serverSide = server.clients[0]!;
    const closeFrame = new Promise<number>((resolve) => serverSide.once('close', (closeCode) => resolve(closeCode)));
    (serverSide as unknown as { _socket: import('node:net').Socket })._socket.write(frame);
    const error = await next<SteadySocketError>(socket, 'error');
    expect(error.kind).toBe('protocol-error');
    expect(error.message).toContain(wsCode);
    expect(await closeFrame).toBe(code);
    await next(socket, 'open');
  });
});
