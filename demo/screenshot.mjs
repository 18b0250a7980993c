// Regenerates docs/demo.png for the README: two people chatting, then trouble, in headless Chromium.
import { chromium } from '@playwright/test';
import { chromiumLaunch } from '../e2e/launch.mjs';
import { startDemo } from './server.mjs';

const demo = await startDemo();
const browser = await chromium.launch(chromiumLaunch());
const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
const ada = await context.newPage();
const bob = await context.newPage();
await ada.goto(`${demo.url}?name=ada`);
await bob.goto(`${demo.url}?name=bob`);
for (const [page, text] of [[ada, 'Hi Bob! Try the trouble buttons.'], [bob, 'Dropping every connection now…']]) {
  await page.waitForSelector('.pill.open');
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}
// A few heartbeats for the RTT chart, a drop and a 503 for the state strip and the records.
await ada.waitForTimeout(9000);
await ada.click('[data-trouble=drop]');
await ada.waitForFunction(() => document.querySelector('#stats dd[data-stat=connects]')?.textContent === '2');
await ada.waitForTimeout(5000);
await ada.click('[data-trouble=busy]');
await ada.waitForFunction(() => document.querySelector('#timeline').textContent.includes('server-error 503'));
await ada.waitForTimeout(2000);
await ada.screenshot({ path: 'docs/demo.png' });
await browser.close();
await demo.close();
console.log('wrote docs/demo.png');
