import { expect, test, type Page } from '@playwright/test';
import { FaultProxy } from '../test/helpers/fault-proxy';
import { startServer, type EchoServer } from '../test/helpers/servers';
import { count, events, openPage, startPageServer, waitFor } from './helpers';

// The faults a browser can be put through: a proxy between the page and a real `ws` server.
let pages: Awaited<ReturnType<typeof startPageServer>>;
let server: EchoServer;
let proxy: FaultProxy;
test.beforeAll(async () => {
  pages = await startPageServer();
});
test.afterAll(async () => {
  await pages.close();
});
test.beforeEach(async ({ page }) => {
  server = await startServer();
  server.wss.on('connection', (socket) => socket.on('message', (data) => data.toString() === 'ping' && socket.send('pong')));
  proxy = await new FaultProxy(server.port).start();
  await openPage(page, pages.origin, 'umd');
});
test.afterEach(async ({ page }) => {
  await page.evaluate(() => (window as unknown as { socket?: { close(): Promise<void> } }).socket?.close()).catch(() => {});
  await proxy.close();
  await server.close();
});

const make = (page: Page, options: object) =>
  page.evaluate(([u, o]) => (window as unknown as { make(url: string, options: object): boolean }).make(u as string, o as object), [proxy.url, options] as const);

test('a half-open link is noticed within interval + timeout, and the page reconnects when it is back', async ({ page }) => {
  await make(page, { heartbeat: { interval: 300, timeout: 300, message: 'ping', pong: 'pong' }, reconnect: { initialDelay: 100, maxDelay: 400 }, connectTimeout: 1000 });
  await waitFor(page, 'heartbeat');
  const cut = await page.evaluate(() => performance.now());
  proxy.blackhole('both');
  await waitFor(page, 'error');
  const error = (await events(page)).find((e) => e.name === 'error')!;
  expect(error.kind).toBe('heartbeat-timeout');
  expect(error.t - cut).toBeLessThan(300 + 300 + 300);
  proxy.pass();
  await waitFor(page, 'open', 2, 15000);
});

test('a RST mid-stream closes with 1006 and the page reconnects', async ({ page }) => {
  await make(page, { reconnect: { initialDelay: 50 } });
  await waitFor(page, 'open');
  proxy.reset();
  await waitFor(page, 'close');
  const closed = (await events(page)).find((e) => e.name === 'close')!;
  expect(closed.event).toMatchObject({ code: 1006, willReconnect: true });
  await waitFor(page, 'open', 2);
});

test('a handshake slower than connectTimeout is a timeout, and that attempt never opens later', async ({ page }) => {
  proxy.delay(1500);
  await make(page, { connectTimeout: 400, reconnect: false });
  await waitFor(page, 'error');
  expect((await events(page)).find((e) => e.name === 'error')!.kind).toBe('timeout');
  await page.waitForTimeout(2000);
  expect(await count(page, 'open')).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { socket: { state: string } }).socket.state)).toBe('closed');
});
