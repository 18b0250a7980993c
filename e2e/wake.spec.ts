import { expect, test } from '@playwright/test';
import { startServer, type EchoServer } from '../test/helpers/servers';
import { openPage, startPageServer } from './helpers';

// Sleep and wake in a page, with Playwright's clock: `fastForward` is the lid closed for an hour and
// opened again (due timers fire once, late). The socket checks its link at once instead of waiting
// (its heartbeat interval, two hours, is longer than the sleep)
// for the next heartbeat an interval away; without a heartbeat it reconnects.
let pages: Awaited<ReturnType<typeof startPageServer>>;
let server: EchoServer;
let pings = 0;
let connections = 0;
test.beforeAll(async () => {
  pages = await startPageServer();
  server = await startServer();
  server.wss.on('connection', (socket) => {
    connections++;
    socket.on('message', (data) => data.toString() === 'ping' && (pings++, socket.send('pong')));
  });
});
test.afterAll(async () => {
  await Promise.all([pages.close(), server.close()]);
});

test('a woken page pings at once, or reconnects where it cannot ping', async ({ page }) => {
  await page.clock.install();
  await openPage(page, pages.origin, 'umd');
  await page.evaluate((url) => {
    const lib = (window as unknown as { steadysocket: typeof import('../src/index') }).steadysocket;
    const beats: number[] = [];
    const pinging = new lib.SteadySocket(url, { heartbeat: { interval: 7_200_000, timeout: 5000, message: 'ping', isPong: (data) => data === 'pong' } });
    pinging.on('heartbeat', ({ rtt }) => beats.push(rtt));
    // No heartbeat message: in a page this socket cannot check its link.
    const silent = new lib.SteadySocket(url);
    const states: string[] = [];
    silent.on('state', (state) => states.push(state));
    Object.assign(window, { pinging, silent, beats, states });
  }, server.url);
  await expect.poll(() => connections).toBe(2);
  await expect.poll(() => page.evaluate(() => (window as unknown as { pinging: { state: string }; silent: { state: string } }).pinging.state)).toBe('open');
  pings = 0;
  await page.clock.fastForward('01:00:00');
  await expect.poll(() => pings, { timeout: 5000 }).toBe(1);
  await expect.poll(() => page.evaluate(() => (window as unknown as { beats: number[] }).beats.length)).toBe(1);
  await expect.poll(() => connections, { timeout: 5000 }).toBe(3);
  await expect.poll(() => page.evaluate(() => (window as unknown as { states: string[] }).states)).toEqual(['open', 'reconnecting', 'connecting', 'open']);
  await page.evaluate(() => {
    const { pinging, silent } = window as unknown as { pinging: { close(): Promise<void> }; silent: { close(): Promise<void> } };
    return Promise.all([pinging.close(), silent.close()]);
  });
});
