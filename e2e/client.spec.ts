import { expect, test } from '@playwright/test';
import { closedPort, startServer, type EchoServer } from '../test/helpers/servers';
import { count, events, LOADERS, openPage, startPageServer, waitFor } from './helpers';

// The library in real browsers, loaded both ways users load it, against a real `ws` server.
let pages: Awaited<ReturnType<typeof startPageServer>>;
const servers: EchoServer[] = [];
test.beforeAll(async () => {
  pages = await startPageServer();
});
test.afterAll(async () => {
  await pages.close();
});
test.afterEach(async ({ page }) => {
  await page.evaluate(() => (window as unknown as { socket?: { close(): Promise<void> } }).socket?.close()).catch(() => {});
  for (const server of servers.splice(0)) await server.close();
});

async function server(...args: Parameters<typeof startServer>): Promise<EchoServer> {
  const started = await startServer(...args);
  servers.push(started);
  return started;
}

/** Answers the application ping "ping" with "pong" unless muted. */
function answerPings(srv: EchoServer): { mute(): void } {
  let muted = false;
  srv.wss.on('connection', (socket) => socket.on('message', (data) => !muted && data.toString() === 'ping' && socket.send('pong')));
  return { mute: () => (muted = true) };
}

const make = (page: import('@playwright/test').Page, url: string, options: object = {}) =>
  page.evaluate(([u, o]) => (window as unknown as { make(url: string, options: object): boolean }).make(u as string, o as object), [url, options] as const);

for (const loader of LOADERS) {
  test.describe(`loaded by ${loader === 'umd' ? 'a script tag (UMD)' : 'a module script (ESM)'}`, () => {
    test.beforeEach(async ({ page }) => {
      await openPage(page, pages.origin, loader);
    });

    test('exposes the client and its error class', async ({ page }) => {
      const names = await page.evaluate(() => Object.keys((window as unknown as { steadysocket: object }).steadysocket).sort());
      expect(names).toEqual(expect.arrayContaining(['SteadySocket', 'SteadySocketError']));
    });

    test('echoes text and binary as ArrayBuffer', async ({ page }) => {
      const srv = await server();
      await make(page, srv.url);
      await waitFor(page, 'open');
      await page.evaluate(() => {
        const socket = (window as unknown as { socket: { send(d: unknown): void } }).socket;
        socket.send('hello');
        socket.send(new Uint8Array([1, 2, 255]));
      });
      await waitFor(page, 'message', 2);
      const messages = (await events(page)).filter((e) => e.name === 'message').map((e) => e.data);
      expect(messages).toEqual(['hello', { arraybuffer: [1, 2, 255] }]);
    });

    test('delivers binary as Blob with binaryType blob', async ({ page }) => {
      const srv = await server();
      await make(page, srv.url, { binaryType: 'blob' });
      await waitFor(page, 'open');
      await page.evaluate(() => (window as unknown as { socket: { send(d: unknown): void } }).socket.send(new Uint8Array([9, 8, 7])));
      await waitFor(page, 'message');
      const messages = (await events(page)).filter((e) => e.name === 'message').map((e) => e.data);
      expect(messages).toEqual([{ blob: 3 }]);
    });

    test('reconnects with backoff when the server drops every connection', async ({ page }) => {
      const srv = await server();
      srv.wss.on('connection', (socket) => setTimeout(() => socket.terminate(), 50));
      await make(page, srv.url, { reconnect: { initialDelay: 100, maxDelay: 400, resetAfter: 60000 } });
      await waitFor(page, 'open', 3);
      const reconnecting = (await events(page)).filter((e) => e.name === 'reconnecting').map((e) => e.event as { attempt: number; delay: number });
      expect(reconnecting.slice(0, 2).map((e) => e.attempt)).toEqual([2, 3]);
      expect(reconnecting[0]!.delay).toBeLessThanOrEqual(200);
      expect(reconnecting[1]!.delay).toBeLessThanOrEqual(400);
    });

    test('comes back when the server restarts on the same port', async ({ page }) => {
      const first = await startServer();
      await make(page, first.url, { reconnect: { initialDelay: 100, maxDelay: 300 } });
      await waitFor(page, 'open');
      await first.close();
      await waitFor(page, 'reconnecting');
      await server({}, first.port);
      await waitFor(page, 'open', 2, 20000);
      expect(await page.evaluate(() => (window as unknown as { socket: { state: string } }).socket.state)).toBe('open');
    });

    test('delivers messages sent while down, in order, after the reconnect', async ({ page }) => {
      const srv = await server();
      await make(page, srv.url, { reconnect: { initialDelay: 300, jitter: 'none' } });
      await waitFor(page, 'open');
      srv.clients[0]!.terminate();
      await waitFor(page, 'reconnecting');
      await page.evaluate(() => {
        const socket = (window as unknown as { socket: { send(d: unknown): void } }).socket;
        for (let i = 0; i < 20; i++) socket.send(`queued ${i}`);
      });
      await waitFor(page, 'open', 2);
      await expect.poll(() => srv.received.length).toBe(20);
      expect(srv.received).toEqual(Array.from({ length: 20 }, (_, i) => `queued ${i}`));
    });

    test('notices a server that stops answering application pings and reconnects', async ({ page }) => {
      const srv = await server();
      const pings = answerPings(srv);
      await make(page, srv.url, { heartbeat: { interval: 150, timeout: 300, message: 'ping', pong: 'pong' }, reconnect: { initialDelay: 50 } });
      await waitFor(page, 'heartbeat');
      pings.mute();
      await waitFor(page, 'error');
      const errors = (await events(page)).filter((e) => e.name === 'error').map((e) => e.kind);
      expect(errors[0]).toBe('heartbeat-timeout');
      await waitFor(page, 'open', 2);
    });

    test('close() stops every attempt', async ({ page }) => {
      const port = await closedPort();
      await make(page, `ws://127.0.0.1:${port}`, { reconnect: { initialDelay: 50, maxDelay: 100 }, diagnose: false });
      await waitFor(page, 'connecting', 2);
      await page.evaluate(() => (window as unknown as { socket: { close(): Promise<void> } }).socket.close());
      const attempts = await count(page, 'connecting');
      await page.waitForTimeout(500);
      expect(await count(page, 'connecting')).toBe(attempts);
      expect(await page.evaluate(() => (window as unknown as { socket: { state: string } }).socket.state)).toBe('closed');
    });

    test('staggers by default: one random phase per streak, later delays grown from it', async ({ page }) => {
      const port = await closedPort();
      await make(page, `ws://127.0.0.1:${port}`, { reconnect: { initialDelay: 40, factor: 2, maxAttempts: 5 }, diagnose: false });
      await waitFor(page, 'reconnecting', 4);
      const delays = (await events(page)).filter((e) => e.name === 'reconnecting').map((e) => (e.event as { delay: number }).delay);
      const [first, ...later] = delays.slice(0, 4) as [number, ...number[]];
      expect(first).toBeLessThanOrEqual(40);
      // 40 × (1 + phase) × 2^(n-2), where 40 × phase was the first delay (each rounded on its own).
      later.forEach((delay, n) => expect(Math.abs(delay - (40 + first) * 2 ** n)).toBeLessThanOrEqual(2 ** n));
    });

    test('waits while offline and reconnects at once when back online', async ({ page, context }) => {
      const srv = await server();
      await make(page, srv.url, { reconnect: { initialDelay: 30000, maxDelay: 30000, jitter: 'none' } });
      await waitFor(page, 'open');
      await context.setOffline(true);
      srv.clients[0]!.terminate();
      await waitFor(page, 'reconnecting');
      await page.waitForTimeout(300);
      expect(await count(page, 'connecting')).toBe(1);
      const before = Date.now();
      await context.setOffline(false);
      await waitFor(page, 'open', 2, 10000);
      // The backoff alone would have waited 30 s.
      expect(Date.now() - before).toBeLessThan(10000);
      expect(srv.clients).toHaveLength(2);
    });

    test('runs the announced wait while offline; an attempt due then waits for online', async ({ page, context }) => {
      const srv = await server();
      await make(page, srv.url, { reconnect: { initialDelay: 200, maxDelay: 200, jitter: 'none' } });
      await waitFor(page, 'open');
      await context.setOffline(true);
      srv.clients[0]!.terminate();
      await waitFor(page, 'reconnecting');
      const announced = (await events(page)).find((e) => e.name === 'reconnecting')!;
      expect(announced.event).toMatchObject({ delay: 200 });
      // Well past the announced 200 ms: the attempt fell due while offline and was not made.
      await page.waitForTimeout(800);
      expect(await count(page, 'connecting')).toBe(1);
      await context.setOffline(false);
      await waitFor(page, 'open', 2, 10000);
    });

    test('checks the connection at once when a hidden tab comes back, and replaces a dead one', async ({ page }) => {
      const srv = await server();
      const pings = answerPings(srv);
      await make(page, srv.url, { heartbeat: { interval: 60000, timeout: 300, message: 'ping', pong: 'pong' }, reconnect: { initialDelay: 50 } });
      await waitFor(page, 'open');
      pings.mute();
      await page.evaluate(() => {
        Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      });
      await waitFor(page, 'error', 1, 5000);
      expect((await events(page)).find((e) => e.name === 'error')!.kind).toBe('heartbeat-timeout');
      await waitFor(page, 'open', 2);
    });
  });
}

// The reconnect policy is the same code under both loaders: once, through the script tag.
test('waits the 1013 Try Again Later floor (5 s, here capped by maxDelay) instead of its backoff', async ({ page }) => {
  await openPage(page, pages.origin, 'umd');
  const srv = await server();
  const opened: number[] = [];
  srv.wss.on('connection', (socket) => opened.push(Date.now()) === 1 && socket.close(1013, 'Try Again Later'));
  // Without the 1013 it would wait 100 ms.
  await make(page, srv.url, { reconnect: { initialDelay: 100, maxDelay: 1200, jitter: 'none' } });
  await waitFor(page, 'open', 2, 10000);
  const reconnecting = (await events(page)).filter((e) => e.name === 'reconnecting').map((e) => e.event as { delay: number });
  expect(reconnecting.map((e) => e.delay)).toEqual([1200]);
  expect((await events(page)).filter((e) => e.name === 'close').map((e) => (e.event as { code: number }).code)).toEqual([1013]);
  expect(opened[1]! - opened[0]!).toBeGreaterThanOrEqual(1190);
});
