import { expect, test, type Page } from '@playwright/test';
import { demoPerTest, say, trouble } from './demo-helpers';

// The demo chat as a person uses it: the page loads the UMD bundle by script tag.
const demo = demoPerTest();

async function join(page: Page, name: string): Promise<void> {
  await page.goto(demo().url);
  await page.fill('#name', name);
  await page.click('#join-form button');
  await expect(page.getByTestId('state')).toHaveText('open');
}


const timeline = (page: Page) => page.getByTestId('timeline').textContent();

test('shows who is online and delivers messages between two pages', async ({ context }) => {
  const ada = await context.newPage();
  const bob = await context.newPage();
  await join(ada, 'ada');
  await join(bob, 'bob');
  await expect(ada.getByTestId('people')).toHaveText('adabob');
  await say(ada, 'hello bob');
  await expect(bob.getByTestId('messages')).toContainText('hello bob');
  await expect(ada.locator('#messages li.pending')).toHaveCount(0);
  await expect(ada.getByTestId('rtt')).toContainText('rtt', { timeout: 10000 });
});

test('"Drop all connections": the page reconnects', async ({ page }) => {
  await join(page, 'ada');
  await page.click('[data-trouble=drop]');
  await expect.poll(() => timeline(page)).toContain('closed: 1006, will reconnect');
  await expect(page.getByTestId('state')).toHaveText('open');
  await expect.poll(() => timeline(page)).toMatch(/open after attempt \d/);
});

test('"Stop answering heartbeats": the page notices the dead peer and comes back', async ({ page }) => {
  await join(page, 'ada');
  // Longer than the page's heartbeat interval + timeout (4 s + 2 s), so a ping surely goes unanswered.
  expect(await trouble(page, 'mute', 8000)).toBe(204);
  await expect.poll(() => timeline(page), { timeout: 15000 }).toContain('heartbeat-timeout');
  await expect.poll(() => timeline(page), { timeout: 20000 }).toMatch(/open after attempt \d[\s\S]*heartbeat-timeout/);
  await expect(page.getByTestId('state')).toHaveText('open');
});

test('"Refuse connections": the page keeps trying with backoff, then comes back', async ({ page }) => {
  await join(page, 'ada');
  expect(await trouble(page, 'refuse', 2000)).toBe(204);
  await expect(page.getByTestId('state')).toHaveText(/connecting|reconnecting/);
  await expect.poll(() => timeline(page)).toMatch(/attempt \d in \d+ ms/);
  await expect(page.getByTestId('state')).toHaveText('open', { timeout: 20000 });
});

test('"503 + Retry-After": the page says server-error 503 and waits as told', async ({ page }) => {
  await join(page, 'ada');
  expect(await trouble(page, 'busy', 2000)).toBe(204);
  await expect.poll(() => timeline(page)).toContain('server-error 503');
  const text = (await timeline(page))!;
  const wait = Number(/attempt \d+ in (\d+) ms/.exec(text)![1]);
  expect(wait).toBeGreaterThanOrEqual(1000);
  await expect(page.getByTestId('state')).toHaveText('open', { timeout: 20000 });
});

test('"Restart the server": the page comes back on the same port', async ({ page }) => {
  await join(page, 'ada');
  await page.click('[data-trouble=restart]');
  await expect(page.getByTestId('state')).toHaveText(/reconnecting|connecting/);
  await expect(page.getByTestId('state')).toHaveText('open', { timeout: 20000 });
});

test('two pages chat through a server restart and lose nothing', async ({ context }) => {
  const ada = await context.newPage();
  const bob = await context.newPage();
  await join(ada, 'ada');
  await join(bob, 'bob');
  for (let i = 1; i <= 3; i++) await say(ada, `ada before ${i}`);
  await expect(bob.getByTestId('messages')).toContainText('ada before 3');
  await trouble(bob, 'restart');
  await expect(ada.getByTestId('state')).not.toHaveText('open');
  // Said while the server is down: kept by each page and sent after the reconnect.
  for (let i = 1; i <= 3; i++) await say(ada, `ada during ${i}`);
  for (let i = 1; i <= 3; i++) await say(bob, `bob during ${i}`);
  await expect(ada.getByTestId('state')).toHaveText('open', { timeout: 20000 });
  await expect(bob.getByTestId('state')).toHaveText('open', { timeout: 20000 });
  for (let i = 1; i <= 3; i++) await say(bob, `bob after ${i}`);
  const expected = ['ada before 1', 'ada before 2', 'ada before 3', 'ada during 1', 'ada during 2', 'ada during 3', 'bob during 1', 'bob during 2', 'bob during 3', 'bob after 1', 'bob after 2', 'bob after 3'];
  await expect.poll(() => demo().messages.length, { timeout: 15000 }).toBe(expected.length);
  // The server's order is the truth; both pages must show exactly it, each message once.
  const order = demo().messages.map((m) => m.text);
  expect([...order].sort()).toEqual([...expected].sort());
  expect(order.filter((t) => t.startsWith('ada'))).toEqual(expected.filter((t) => t.startsWith('ada')));
  expect(order.filter((t) => t.startsWith('bob'))).toEqual(expected.filter((t) => t.startsWith('bob')));
  for (const page of [ada, bob]) {
    await expect(page.locator('#messages li:not(.pending) span')).toHaveText(order, { timeout: 15000 });
  }
});

test('the monitor panel draws stats(), the RTT and the states, and shows the log records', async ({ page }) => {
  await join(page, 'ada');
  const stat = (name: string) => page.locator(`#stats dd[data-stat="${name}"]`);
  await expect(stat('connects')).toHaveText('1');
  // A heartbeat answered (every 4 s): the RTT shows and the chart has a point.
  await expect(stat('rtt')).toContainText('ms', { timeout: 10000 });
  await page.click('[data-trouble=drop]');
  await expect(stat('connects')).toHaveText('2', { timeout: 15000 });
  await expect(stat('reconnects')).not.toHaveText('0');
  await expect(stat('messages')).toContainText(' in, ');
  // The strip holds the colours of at least two states; the chart is not blank.
  const colours = await page.evaluate(() => {
    const seen = (id: string) => {
      const canvas = document.getElementById(id) as HTMLCanvasElement;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      const found = new Set<string>();
      for (let i = 0; i < data.length; i += 4) if (data[i + 3]) found.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
      return found.size;
    };
    return { states: seen('states'), rtt: seen('rtt') };
  });
  expect(colours.states).toBeGreaterThanOrEqual(2);
  expect(colours.rtt).toBeGreaterThanOrEqual(1);
  // Level-coloured records: the drop is a warn `close`, the reconnect an info `open`.
  await expect(page.locator('#records li.warn', { hasText: 'close code=1006' }).first()).toBeVisible();
  await expect(page.locator('#records li.info', { hasText: 'open attempt=' }).first()).toBeVisible();
  await expect(page.locator('#records')).not.toContainText('token');
});
