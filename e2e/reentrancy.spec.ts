import { expect, test } from '@playwright/test';
import fc from 'fast-check';
import { TRANSITIONS } from '../src/state';
import { startServer, type EchoServer } from '../test/helpers/servers';
import { count, events, openPage, waitFor } from './helpers';
import { startRealisticServer, type RealisticServer } from './realistic-server';

// Issue 15 in real browsers: the server's Retry-After holds against `online` and a tab coming back,
// every failed attempt is diagnosed, and listeners may call anything (a short run of the property
// that test/integration/reentrant-listeners.test.ts runs in Node).
let site: RealisticServer;
let echo: EchoServer;
test.beforeAll(async () => {
  site = await startRealisticServer();
  echo = await startServer();
});
test.afterAll(async () => {
  await site.close();
  await echo.close();
});
test.afterEach(async ({ page }) => {
  await page.evaluate(() => (window as unknown as { socket?: { close(): Promise<void> } }).socket?.close()).catch(() => {});
});

const wake = (page: import('@playwright/test').Page): Promise<void> =>
  page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { value: 'visible', configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
    window.dispatchEvent(new Event('online'));
  });

test('a tab coming back and `online` wait for the Retry-After the server asked for, then connect at once', async ({ page }) => {
  await openPage(page, site.origin, 'umd');
  // Same origin: the probe reads 503 and Retry-After: 2. The backoff alone would wait a minute.
  await page.evaluate((url) => (window as unknown as { make(url: string, options: object): boolean }).make(url, { reconnect: { initialDelay: 60000, maxDelay: 60000, jitter: 'none' } }), site.ws('/ws/503'));
  await waitFor(page, 'reconnecting');
  const reconnecting = (await events(page)).find((e) => e.name === 'reconnecting')!;
  expect(reconnecting.event).toMatchObject({ delay: 60000, error: 'server-error' });
  await wake(page);
  await page.waitForTimeout(700);
  expect(await count(page, 'connecting')).toBe(1);
  // Past the 2 s floor, a wake-up starts the attempt at once.
  const floor = reconnecting.t + 2000;
  await page.waitForFunction((at) => performance.now() > at + 50, floor);
  await wake(page);
  await waitFor(page, 'connecting', 2, 3000);
});

test('sockets that all got Retry-After come back spread over one initialDelay past it, not at once', async ({ page }) => {
  await openPage(page, site.origin, 'umd');
  const delays = await page.evaluate(async (url) => {
    const lib = (window as unknown as { steadysocket: typeof import('../src/index') }).steadysocket;
    const delays: unknown[] = [];
    // Eight, one after another: Firefox lets one socket per host connect at a time and delays each
    // further failed connection to one path longer (the query does not count; 3 s by the eighth,
    // 6 s by the eleventh), which would end more of them as timeouts.
    for (let i = 0; i < 8; i++) {
      const socket = new lib.SteadySocket(url, { reconnect: { initialDelay: 1000, maxDelay: 10000 } });
      delays.push(await new Promise((resolve) => socket.once('reconnecting', ({ delay, error }) => (resolve(error?.retryAfter ? delay : `${delay} ${error?.kind}`), void socket.close()))));
    }
    return delays as number[];
  }, site.ws('/ws/503'));
  // Same origin: each probe reads 503 and Retry-After: 2; the floor wins over the first wait (<= 1 s).
  expect(Math.min(...delays)).toBeGreaterThanOrEqual(2000);
  expect(Math.max(...delays)).toBeLessThanOrEqual(3000);
  // Without the spread all would wait exactly 2000 ms; 8 uniform phases within 100 ms of each other:
  // a chance below 10^-6.
  expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(100);
});

test('diagnoses every failed attempt: a 503 streak that turns into 401 stops', async ({ page }) => {
  await openPage(page, site.origin, 'umd');
  const kinds = await page.evaluate(
    ([first, then]) =>
      new Promise<string[]>((resolve) => {
        const lib = (window as unknown as { steadysocket: typeof import('../src/index') }).steadysocket;
        let calls = 0;
        const seen: string[] = [];
        const socket = new lib.SteadySocket(() => (calls++ ? then! : first!), { reconnect: { initialDelay: 10, maxDelay: 20 } });
        socket.on('error', (error) => seen.push(error.kind));
        socket.on('state', (state) => state === 'closed' && resolve(seen));
      }),
    [site.ws('/ws/503'), site.ws('/ws/401')],
  );
  expect(kinds).toEqual(['server-error', 'unauthorized']);
});

const EVENTS = ['connecting', 'open', 'close', 'reconnecting', 'error', 'state', 'message'] as const;
const action = fc.constantFrom('nothing', 'nothing', 'close', 'reconnect', 'send', 'connected');
const plans = fc.sample(fc.record(Object.fromEntries(EVENTS.map((event) => [event, fc.array(action, { minLength: 1, maxLength: 3 })])) as Record<string, fc.Arbitrary<string[]>>), { numRuns: 6, seed: 15 });
const scripts = fc.sample(fc.array(fc.constantFrom('send', 'send', 'close', 'reconnect', 'drop', 'wait', 'wait'), { minLength: 3, maxLength: 10 }), { numRuns: 6, seed: 16 });

test('listeners may call anything: nothing escapes, no illegal transition, no attempt after close()', async ({ page }) => {
  test.setTimeout(60000);
  await openPage(page, site.origin, 'umd');
  for (let i = 0; i < plans.length; i++) {
    const run = `run${i}`;
    await page.evaluate(([url, plan, id]) => (window as unknown as { reentrant(u: string, p: object, r: string): boolean }).reentrant(url as string, plan as object, id as string), [echo.url, plans[i]!, run] as const);
    for (const step of scripts[i]!) {
      if (step === 'drop') for (const client of echo.wss.clients) client.terminate();
      else if (step === 'wait') await page.waitForTimeout(30);
      else await page.evaluate((what) => (window as unknown as { step(what: string): void }).step(what), step);
    }
    const seen = await page.evaluate(() => (window as unknown as { finish(): Promise<{ escaped: string[]; thrown: string[]; transitions: [string, string][]; attemptsAfterClose: number; final: string }> }).finish());
    expect(seen.escaped, run).toEqual([]);
    expect(seen.thrown, run).toEqual([]);
    expect(seen.attemptsAfterClose, run).toBe(0);
    expect(seen.final, run).toBe('closed');
    for (const [from, to] of seen.transitions) expect(TRANSITIONS[from as keyof typeof TRANSITIONS], `${run}: ${from} -> ${to}`).toContain(to);
    const got = echo.received.filter((text) => text.startsWith(run + ':')).map((text) => Number(text.slice(run.length + 1)));
    for (let k = 1; k < got.length; k++) expect(got[k]!, `${run} order ${got.join(',')}`).toBeGreaterThan(got[k - 1]!);
  }
});
