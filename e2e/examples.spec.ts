import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
// @ts-expect-error: plain JavaScript, as users copy it; typed below.
import { start as startExampleServer } from '../examples/server.mjs';

// examples/page.html as a user has it: served by examples/server.mjs, loading the library from
// unpkg by script tag. The page is not rewritten: the browser's request for the unpkg URL is answered
// by Playwright with this repository's build (page.route), so the page runs dist/ and nothing leaves
// the machine. Any other request off 127.0.0.1 is aborted, which the page would show as an error.

interface ExampleServer {
  origin: string;
  close(): Promise<void>;
}
const startExample = startExampleServer as (port: number) => Promise<ExampleServer>;

const UNPKG = 'https://unpkg.com/steadysocket/dist/steadysocket.umd.min.js';
const build = fileURLToPath(new URL('../dist/steadysocket.umd.min.js', import.meta.url));

let server: ExampleServer;
let pageErrors: string[];
test.beforeEach(async ({ page }) => {
  server = await startExample(0);
  pageErrors = [];
  // Uncaught errors of the page's script (Firefox also reports a failed WebSocket here).
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  // The route registered last is tried first.
  await page.route(/^https?:\/\/(?!127\.0\.0\.1[:/])/, (route) => route.abort());
  await page.route(UNPKG, (route) => route.fulfill({ path: build, contentType: 'text/javascript' }));
});
test.afterEach(async () => {
  await server.close();
});

test('page.html echoes what is typed and shows the heartbeat round trip', async ({ page }) => {
  // The page's heartbeat runs every 20 s: a fake clock brings the first one forward.
  await page.clock.install();
  await page.goto(`${server.origin}/`);
  await expect(page.locator('#state')).toHaveText('open');
  await page.locator('#text').fill('hello from the page');
  await page.locator('#text').press('Enter');
  await expect(page.locator('#messages li')).toHaveText(['hello from the page']);

  await page.clock.runFor(20000);
  await expect(page.locator('#rtt')).toHaveText(/^\d+ ms$/);
  // The heartbeat's "pong" is the page's isPong: not shown as a message.
  await expect(page.locator('#messages li')).toHaveText(['hello from the page']);
  await expect(page.locator('#errors li')).toHaveCount(0);
  await expect(page.locator('#state')).toHaveText('open');
  expect(pageErrors).toEqual([]);
});

test('page.html shows why the connection failed: a refused token is unauthorized, 401', async ({ page }) => {
  // A token service that hands out a token the WebSocket server does not know.
  await page.route(`${server.origin}/token`, (route) => route.fulfill({ json: { token: 'revoked' } }));
  await page.goto(`${server.origin}/`);
  await expect(page.locator('#errors li')).toHaveText([/^unauthorized 401: \S.+/]);
  // A 401 is not retried: the socket ends.
  await expect(page.locator('#state')).toHaveText('closed');
});
