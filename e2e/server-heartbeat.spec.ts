import { expect, test } from '@playwright/test';
import { startFlaskSocketIo, type FreezableServer } from '../test/helpers/real-servers';
import { startServer } from '../test/helpers/servers';
import { openPage, startPageServer } from './helpers';

// A heartbeat the server drives, in a page: Flask-SocketIO (Engine.IO pings "2", the page answers
// "3"), frozen with SIGSTOP while the page is connected, then thawed.
let pages: Awaited<ReturnType<typeof startPageServer>>;
let flask: FreezableServer;
test.beforeAll(async () => {
  // Its ping interval and timeout are short for a short test, yet long enough that a loaded machine
  // (two browsers and the servers on two cores) answers in time.
  [pages, flask] = await Promise.all([startPageServer(), startFlaskSocketIo(500, 1000)]);
});
test.afterAll(async () => {
  await Promise.all([pages?.close(), flask?.close()]);
});

type Seen = { open: number; errors: string[]; messages: string[]; closes: number[]; sent: number };

test('Flask-SocketIO: pings answered, a frozen server noticed, and back when it thaws', async ({ page }) => {
  test.setTimeout(30000);
  await openPage(page, pages.origin, 'umd');
  await page.evaluate((url) => {
    const lib = (window as unknown as { steadysocket: typeof import('../src/index') }).steadysocket;
    const seen: Seen = { open: 0, errors: [], messages: [], closes: [], sent: 0 };
    const socket = new lib.SteadySocket(url, {
      heartbeat: { mode: 'server', timeout: 500 + 1000 + 500, answer: (data) => (data === '2' ? '3' : undefined) },
      connectTimeout: 1000,
      reconnect: { initialDelay: 50, maxDelay: 300 },
    });
    socket.on('open', () => seen.open++);
    socket.on('error', (error) => seen.errors.push(error.kind));
    socket.on('message', (data) => seen.messages.push(String(data)));
    socket.on('close', ({ code }) => seen.closes.push(code));
    Object.assign(window, { seen, socket });
  }, `ws://127.0.0.1:${flask.port}/socket.io/?EIO=4&transport=websocket`);
  const seen = (): Promise<Seen & { sent: number }> =>
    page.evaluate(() => {
      const { seen, socket } = window as unknown as { seen: Seen; socket: { stats(): { heartbeats: { sent: number } } } };
      return { ...seen, sent: socket.stats().heartbeats.sent };
    });
  await expect.poll(async () => (await seen()).open).toBe(1);
  // Over four ping intervals (500 ms each), at least three pings are answered and none reaches
  // message listeners.
  await page.waitForTimeout(2200);
  let now = await seen();
  expect(now.closes).toEqual([]);
  expect(now.errors).toEqual([]);
  expect(now.sent).toBeGreaterThanOrEqual(3);
  expect(now.messages.length).toBe(1);
  expect(now.messages[0]).toMatch(/^0\{"sid":/);

  flask.freeze();
  try {
    await expect.poll(async () => (await seen()).errors, { timeout: 6000 }).toContain('heartbeat-timeout');
  } finally {
    flask.thaw();
  }
  await expect.poll(async () => (await seen()).open, { timeout: 10000 }).toBe(2);
  now = await seen();
  expect(now.errors[0]).toBe('heartbeat-timeout');
  await page.evaluate(() => (window as unknown as { socket: { close(): Promise<void> } }).socket.close());
});

test('an answer function that throws ends the connection, though a page may not send 1011', async ({ page }) => {
  const server = await startServer();
  const closed = new Promise<number>((resolve) =>
    server.wss.on('connection', (socket) => {
      socket.send('2');
      socket.on('close', (code) => resolve(code));
    }),
  );
  try {
    await openPage(page, pages.origin, 'umd');
    const kind = await page.evaluate(
      (url) =>
        new Promise<string>((resolve) => {
          const lib = (window as unknown as { steadysocket: typeof import('../src/index') }).steadysocket;
          const socket = new lib.SteadySocket(url, {
            heartbeat: {
              mode: 'server',
              timeout: 5000,
              answer: () => {
                throw new Error('broken');
              },
            },
            reconnect: false,
          });
          socket.on('error', (error) => resolve(error.kind));
        }),
      server.url,
    );
    expect(kind).toBe('invalid-options');
    // Closed without a code (1005) rather than left open: browsers refuse close(1011).
    expect(await closed).toBe(1005);
  } finally {
    await server.close();
  }
});
