import { createServer } from 'node:http';
import { chromium, expect, test, type Page } from '@playwright/test';
import { startServer, type EchoServer } from '../test/helpers/servers';
// @ts-expect-error: plain JavaScript module shared with the benchmarks.
import { chromiumLaunch } from './launch.mjs';
import { listenLocal } from '../test/helpers/servers';
import { openPage, pageFile } from './helpers';

// The back/forward cache. Measured here: Chromium caches a page with an open WebSocket (Playwright
// turns the cache off by default, so this test launches its own Chromium with it on), cuts the
// socket while cached and reports a 1006 after the restore; Firefox does not cache such a page at
// all. With `bfcache` on (the default) the socket closes (1000, 'page hidden': a page may not send
// 1001) on `pagehide`, waits quietly, and reconnects at once on `pageshow`, keeping what was queued.
// The pages are served `no-cache` rather than the other tests' `no-store`, which keeps Chromium from
// caching a page at all.
let pages: { origin: string; close(): Promise<void> };
let server: EchoServer;
const closes: [number, string][] = [];
let connections = 0;
test.beforeAll(async () => {
  const http = createServer((request, response) => {
    void pageFile(new URL(request.url!, 'http://x').pathname).then((found) =>
      found ? response.writeHead(200, { 'content-type': found.type, 'cache-control': 'no-cache' }).end(found.body) : response.writeHead(404).end(),
    );
  });
  pages = { origin: `http://127.0.0.1:${await listenLocal(http)}`, close: () => new Promise((resolve) => http.close(() => resolve())) };
  server = await startServer();
  server.wss.on('connection', (socket) => {
    connections++;
    socket.on('close', (code, reason) => closes.push([code, reason.toString()]));
  });
});
test.afterAll(async () => {
  await Promise.all([pages.close(), server.close()]);
});

type Seen = { states: string[]; errors: string[]; restored: boolean };

async function start(page: Page): Promise<void> {
  await openPage(page, pages.origin, 'umd');
  await page.evaluate((url) => {
    const lib = (window as unknown as { steadysocket: typeof import('../src/index') }).steadysocket;
    const seen: Seen = { states: [], errors: [], restored: false };
    const socket = new lib.SteadySocket(url);
    socket.on('state', (state) => seen.states.push(state));
    socket.on('error', (error) => seen.errors.push(error.kind));
    // After the socket's own listener (added at its first attempt): what is sent now is queued.
    void socket.connected().then(() => addEventListener('pagehide', (event) => event.persisted && socket.send('sent while hiding')));
    addEventListener('pageshow', (event) => (seen.restored ||= event.persisted));
    Object.assign(window, { seen, socket });
  }, server.url);
  await expect.poll(() => page.evaluate(() => (window as unknown as { socket: { state: string } }).socket.state)).toBe('open');
}

const seen = (page: Page): Promise<Seen> => page.evaluate(() => (window as unknown as { seen: Seen }).seen);

async function expectBack(page: Page, before: number, closed: number): Promise<void> {
  await expect.poll(() => connections).toBe(before + 1);
  await expect.poll(async () => (await seen(page)).states).toEqual(['open', 'reconnecting', 'connecting', 'open']);
  await expect.poll(() => closes.length).toBe(closed + 1);
  expect(closes.at(-1)).toEqual([1000, 'page hidden']);
  expect(server.received).toContain('sent while hiding');
  expect((await seen(page)).errors).toEqual([]);
}

test('closed for the cache, back at once with the queue (Chromium: its real cache; Firefox: no cache, the events driven)', async ({ page, browserName }) => {
  if (browserName === 'chromium') {
    const browser = await chromium.launch({ ...chromiumLaunch(), ignoreDefaultArgs: ['--disable-back-forward-cache'] });
    try {
      const cached = await browser.newPage();
      await start(cached);
      const before = connections;
      const closed = closes.length;
      await cached.goto(`${pages.origin}/esm.html`);
      await cached.evaluate(() => history.back());
      await expect.poll(async () => (await seen(cached).catch(() => undefined))?.restored).toBe(true);
      await expectBack(cached, before, closed);
      await cached.evaluate(() => (window as unknown as { socket: { close(): Promise<void> } }).socket.close());
    } finally {
      await browser.close();
    }
    return;
  }
  await start(page);
  await page.evaluate(() => Object.assign(window, { marker: 1 }));
  await page.goto(`${pages.origin}/esm.html`);
  await page.evaluate(() => history.back());
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  // A fresh page: nothing of the previous one survived, so Firefox did not cache it.
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBeUndefined();
  await start(page);
  const before = connections;
  await expect.poll(() => closes.length).toBe(1);
  const closed = closes.length;
  await page.evaluate(() => dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })));
  await expect.poll(async () => (await seen(page)).states).toEqual(['open', 'reconnecting']);
  await page.evaluate(() => dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true })));
  await expectBack(page, before, closed);
  await page.evaluate(() => (window as unknown as { socket: { close(): Promise<void> } }).socket.close());
});

test('each return from the cache starts a first attempt, and no attempt is due while the page is away', async ({ page }) => {
  await openPage(page, pages.origin, 'umd');
  const attempts = await page.evaluate(async (url) => {
    const lib = (window as unknown as { steadysocket: typeof import('../src/index') }).steadysocket;
    const socket = new lib.SteadySocket(url, { reconnect: { maxAttempts: 3 } });
    const numbers: number[] = [];
    const away: (number | undefined)[] = [];
    socket.on('connecting', ({ attempt }) => numbers.push(attempt));
    await socket.connected();
    for (let round = 0; round < 4; round++) {
      dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
      away.push(socket.stats().nextAttemptIn);
      dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
      await socket.connected();
    }
    const last = socket.attempt;
    await socket.close();
    return { numbers, away, last };
  }, server.url);
  // Before the fix: 1, 2, 3, 4, 5 (maxAttempts 3 would give up on the first failure after a return).
  expect(attempts.numbers).toEqual([1, 1, 1, 1, 1]);
  expect(attempts.away).toEqual([undefined, undefined, undefined, undefined]);
  expect(attempts.last).toBeLessThanOrEqual(1);
});
