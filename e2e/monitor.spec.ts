import { expect, test } from '@playwright/test';
import { closedPort, startServer, type EchoServer } from '../test/helpers/servers';
import { LOADERS, openPage, startPageServer, waitFor } from './helpers';

// Log records and stats() in real browsers, loaded both ways, against a real `ws` server.
let pages: Awaited<ReturnType<typeof startPageServer>>;
let echo: EchoServer;
test.beforeAll(async () => {
  pages = await startPageServer();
  // Echoes: the application ping comes back as its own answer, so the heartbeat measures round trips.
  echo = await startServer();
});
test.afterAll(async () => {
  await echo.close();
  await pages.close();
});
test.afterEach(async ({ page }) => {
  await page.evaluate(() => (window as unknown as { socket?: { close(): Promise<void> } }).socket?.close()).catch(() => {});
});

interface Record {
  event: string;
  level: string;
  socket: string;
  message: string;
  [field: string]: unknown;
}

const make = (page: import('@playwright/test').Page, url: string, options: object = {}) =>
  page.evaluate(([u, o]) => (window as unknown as { make(url: string, options: object): boolean }).make(u as string, o as object), [url, options] as const);
const records = (page: import('@playwright/test').Page): Promise<Record[]> => page.evaluate(() => (window as unknown as { records: Record[] }).records);
const stats = (page: import('@playwright/test').Page) => page.evaluate(() => (window as unknown as { socket: { stats(): any } }).socket.stats());

for (const loader of LOADERS) {
  test.describe(`loaded by ${loader === 'umd' ? 'a script tag (UMD)' : 'a module script (ESM)'}`, () => {
    test.beforeEach(async ({ page }) => {
      await openPage(page, pages.origin, loader);
    });

    test('logs records and counts stats through a real socket', async ({ page }) => {
      await make(page, `${echo.url}/?token=secret1`, {
        logger: 'records',
        logLevel: 'debug',
        heartbeat: { interval: 50, timeout: 2000, message: 'ping', pong: 'ping' },
        reconnect: { initialDelay: 20 },
      });
      await waitFor(page, 'open');
      await waitFor(page, 'heartbeat');
      await page.evaluate(() => {
        const socket = (window as unknown as { socket: { send(d: unknown): void } }).socket;
        socket.send('héllo');
        socket.send(new Uint8Array(10));
      });
      await waitFor(page, 'message', 2);
      const snapshot = await stats(page);
      expect(snapshot).toMatchObject({ state: 'open', connects: 1, messagesOut: 2, messagesIn: 2, failures: {}, queued: { messages: 0, bytes: 0 } });
      // Text is counted in UTF-16 code units in browsers: 'héllo' is 5.
      expect(snapshot.bytesOut).toBe(15);
      expect(snapshot.bytesIn).toBe(15);
      expect(snapshot.heartbeats.sent).toBeGreaterThanOrEqual(1);
      expect(snapshot.rtt.min).toBeGreaterThanOrEqual(0);
      // Pongs are the heartbeat's, not messages.
      expect(snapshot.messagesIn).toBe(2);

      for (const client of echo.wss.clients) client.terminate();
      await waitFor(page, 'open', 2);
      const after = await stats(page);
      expect(after).toMatchObject({ connects: 2, reconnects: 1, closes: { 1006: 1 }, lastClose: { code: 1006, wasClean: false } });
      expect(after.downtime).toBeGreaterThan(0);

      const logged = await records(page);
      const id = await page.evaluate(() => (window as unknown as { socket: { id: string } }).socket.id);
      expect(logged.every((record) => record.socket === id)).toBe(true);
      const names = logged.map((record) => record.event);
      expect(names.slice(0, 2)).toEqual(['connecting', 'open']);
      expect(names).toEqual(expect.arrayContaining(['heartbeat', 'close', 'reconnecting']));
      expect(logged.find((record) => record.event === 'open')).toMatchObject({ level: 'info', url: `${echo.url}/?token=***` });
      expect(JSON.stringify(logged)).not.toContain('secret1');
    });

    test('logs a failed handshake as one warn record, and offline and online', async ({ page, context }) => {
      await make(page, `ws://127.0.0.1:${await closedPort()}/?token=secret2`, { logger: 'records', logLevel: 'info', reconnect: { initialDelay: 60000, maxDelay: 60000 } });
      await waitFor(page, 'error');
      await context.setOffline(true);
      await page.waitForFunction(() => (window as unknown as { records: Record[] }).records.some((r) => r.event === 'offline'));
      await context.setOffline(false);
      await page.waitForFunction(() => (window as unknown as { records: Record[] }).records.some((r) => r.event === 'online'));
      const logged = await records(page);
      const errors = logged.filter((record) => record.event === 'error');
      expect(errors[0]).toMatchObject({ level: 'warn', kind: expect.any(String), attempt: 1 });
      expect(errors[0]!.message).toMatch(/^error kind=/);
      expect(JSON.stringify(logged)).not.toContain('secret2');
      // `online` may start the waiting attempt at once (and fail again): the counts follow the records.
      // Read together, so no failure lands between the two.
      const [all, failures] = await page.evaluate(() => {
        const w = window as unknown as { records: Record[]; socket: { stats(): { failures: object } } };
        return [w.records.slice(), w.socket.stats().failures] as const;
      });
      const kind = errors[0]!.kind as string;
      expect((failures as { [kind: string]: number })[kind]).toBe(all.filter((record) => record.event === 'error' && record.kind === kind).length);
    });

    test('says once on the console that a socket gave up when nobody listens for errors', async ({ page }) => {
      const warnings: string[] = [];
      page.on('console', (message) => message.type() === 'warning' && message.text().includes('steadysocket') && warnings.push(message.text()));
      await page.evaluate((url) => {
        const lib = (window as unknown as { steadysocket: { SteadySocket: new (url: string, options: object) => { state: string } } }).steadysocket;
        (window as unknown as { quiet: unknown }).quiet = new lib.SteadySocket(url, { reconnect: { maxAttempts: 2, initialDelay: 10 } });
      }, `ws://127.0.0.1:${await closedPort()}/?key=secret3`);
      await page.waitForFunction(() => (window as unknown as { quiet: { state: string } }).quiet.state === 'closed');
      await expect.poll(() => warnings.length).toBe(1);
      expect(warnings[0]).toMatch(/gave up: SteadySocketError \[max-attempts\]/);
      expect(warnings[0]).not.toContain('secret3');
    });
  });
}
