import { expect, test, type Page } from '@playwright/test';
import { demoPerTest, say, trouble } from './demo-helpers';

// The demo chat's plain page: code written for WebSocket, run on SteadyWebSocket (the default) or,
// with ?socket=native, on the browser's WebSocket, through the outages the main demo goes through.
const demo = demoPerTest();

async function open(page: Page, name: string, socket?: 'steady' | 'native'): Promise<void> {
  await page.goto(`${demo().url}plain.html?name=${name}${socket ? `&socket=${socket}` : ''}`);
  await expect(page.getByTestId('state')).toHaveText('OPEN');
}


// Newest first, as the page lists them.
const events = (page: Page) => page.getByTestId('events').textContent();
const said = () => demo().messages.map((m) => m.text);
const shown = (page: Page) => page.locator('#messages li:not(.pending) span');

test('runs the same code on SteadyWebSocket by default and on WebSocket with ?socket=native', async ({ context }) => {
  const ada = await context.newPage();
  const bob = await context.newPage();
  await open(ada, 'ada');
  await open(bob, 'bob', 'native');
  await expect(ada.getByTestId('class')).toHaveText('SteadyWebSocket');
  await expect(bob.getByTestId('class')).toHaveText('WebSocket');
  const classes = (page: Page) =>
    page.evaluate(() => {
      const { ws, steadysocket } = window as unknown as { ws: unknown; steadysocket: { SteadyWebSocket: new () => unknown } };
      return { steady: ws instanceof steadysocket.SteadyWebSocket, native: ws instanceof WebSocket };
    });
  expect(await classes(ada)).toEqual({ steady: true, native: false });
  expect(await classes(bob)).toEqual({ steady: false, native: true });
  await expect(ada.getByTestId('people')).toHaveText('ada, bob');
  await say(ada, 'hello bob');
  await say(bob, 'hello ada');
  for (const page of [ada, bob]) await expect(shown(page)).toHaveText(['hello bob', 'hello ada']);
});

test('"Drop all connections": SteadyWebSocket shows the real close code and opens again; WebSocket stays closed', async ({ context }) => {
  const ada = await context.newPage();
  const bob = await context.newPage();
  await open(ada, 'ada');
  await open(bob, 'bob', 'native');
  await ada.click('[data-trouble=drop]');
  await expect.poll(() => events(bob)).toContain('close 1006 (not clean), readyState CLOSED');
  await expect.poll(() => events(ada)).toMatch(/open, readyState OPEN[\s\S]*close 1006 \(not clean\), readyState CONNECTING[\s\S]*open, readyState OPEN/);
  await expect(ada.getByTestId('state')).toHaveText('OPEN');
  // Messages flow again on SteadyWebSocket; the WebSocket drops what it is given once closed.
  await say(bob, 'bob after the drop');
  await say(ada, 'ada after the drop');
  await expect(shown(ada)).toHaveText(['ada after the drop']);
  expect(said()).toEqual(['ada after the drop']);
  await expect(bob.getByTestId('state')).toHaveText('CLOSED');
  await expect(bob.locator('#messages li.pending span')).toHaveText(['bob after the drop']);
  await expect(shown(bob)).toHaveCount(0);
});

test('"Stop answering heartbeats": the error says heartbeat-timeout, then the page opens again', async ({ page }) => {
  await open(page, 'ada');
  // Longer than the page's heartbeat interval + timeout (4 s + 2 s), so a ping surely goes unanswered.
  expect(await trouble(page, 'mute', 8000)).toBe(204);
  await expect.poll(() => events(page), { timeout: 15000 }).toMatch(/close 1006 \(not clean\), readyState CONNECTING[\s\S]*error heartbeat-timeout/);
  await expect.poll(() => events(page), { timeout: 20000 }).toMatch(/open, readyState OPEN[\s\S]*heartbeat-timeout/);
  await expect(page.getByTestId('state')).toHaveText('OPEN');
  await say(page, 'still here');
  await expect(shown(page)).toHaveText(['still here']);
});

test('"Refuse connections": send() queues while CONNECTING (bufferedAmount) and the queue goes out on open', async ({ page }) => {
  await open(page, 'ada');
  expect(await trouble(page, 'refuse', 3000)).toBe(204);
  await expect(page.getByTestId('state')).toHaveText('CONNECTING');
  for (let i = 1; i <= 3; i++) await say(page, `queued ${i}`);
  await expect(page.getByTestId('buffered')).toHaveText(/bufferedAmount [1-9]\d* B/);
  await expect(page.locator('#messages li.pending')).toHaveCount(3);
  // A browser cannot see why a socket was cut; the error event still has a kind to switch on.
  await expect.poll(() => events(page)).toMatch(/error [a-z-]+: /);
  await expect(page.getByTestId('state')).toHaveText('OPEN', { timeout: 20000 });
  await expect(shown(page)).toHaveText(['queued 1', 'queued 2', 'queued 3']);
  expect(said()).toEqual(['queued 1', 'queued 2', 'queued 3']);
  await expect(page.getByTestId('buffered')).toHaveText('');
});

test('"503 + Retry-After": the error says server-error 503, then the page opens again', async ({ page }) => {
  await open(page, 'ada');
  expect(await trouble(page, 'busy', 2000)).toBe(204);
  await expect.poll(() => events(page)).toContain('error server-error 503');
  await expect(page.getByTestId('state')).toHaveText('OPEN', { timeout: 20000 });
  await expect.poll(() => events(page)).toMatch(/open, readyState OPEN[\s\S]*error server-error 503/);
});

test('two pages chat through a server restart and lose nothing; a WebSocket page stays closed', async ({ context }) => {
  const ada = await context.newPage();
  const bob = await context.newPage();
  const cid = await context.newPage();
  await open(ada, 'ada');
  await open(bob, 'bob');
  await open(cid, 'cid', 'native');
  for (let i = 1; i <= 3; i++) await say(ada, `ada before ${i}`);
  await expect(shown(bob)).toHaveText(['ada before 1', 'ada before 2', 'ada before 3']);
  await trouble(bob, 'restart');
  await expect(ada.getByTestId('state')).not.toHaveText('OPEN');
  // Said while the server is down: kept by each page and sent after the reconnect.
  for (let i = 1; i <= 3; i++) await say(ada, `ada during ${i}`);
  for (let i = 1; i <= 3; i++) await say(bob, `bob during ${i}`);
  await say(cid, 'cid during 1');
  await expect(ada.getByTestId('state')).toHaveText('OPEN', { timeout: 20000 });
  await expect(bob.getByTestId('state')).toHaveText('OPEN', { timeout: 20000 });
  for (let i = 1; i <= 3; i++) await say(bob, `bob after ${i}`);
  const expected = ['ada before 1', 'ada before 2', 'ada before 3', 'ada during 1', 'ada during 2', 'ada during 3', 'bob during 1', 'bob during 2', 'bob during 3', 'bob after 1', 'bob after 2', 'bob after 3'];
  await expect.poll(() => demo().messages.length, { timeout: 15000 }).toBe(expected.length);
  const order = said();
  expect([...order].sort()).toEqual([...expected].sort());
  expect(order.filter((t) => t.startsWith('ada'))).toEqual(expected.filter((t) => t.startsWith('ada')));
  expect(order.filter((t) => t.startsWith('bob'))).toEqual(expected.filter((t) => t.startsWith('bob')));
  for (const page of [ada, bob]) await expect(shown(page)).toHaveText(order, { timeout: 15000 });
  // The control: the same page on WebSocket saw the same close and never came back.
  await expect(cid.getByTestId('state')).toHaveText('CLOSED');
  await expect.poll(() => events(cid)).toContain('close 1006 (not clean), readyState CLOSED');
  await expect(shown(cid)).toHaveText(['ada before 1', 'ada before 2', 'ada before 3']);
});
