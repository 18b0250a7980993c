import { test, type Page } from '@playwright/test';
// @ts-expect-error: the demo server is plain JavaScript.
import { startDemo as start } from '../demo/server.mjs';

// What both demo specs do with the demo: start its server, type into a page, press its trouble buttons.

/** The demo server, as its specs use it. */
export interface Demo {
  url: string;
  messages: { id: number; name: string; text: string }[];
  close(): Promise<void>;
}

const startDemo = (): Promise<Demo> => start() as Promise<Demo>;

/** A demo server of its own for every test of the spec that calls this; the getter returns the current one. */
export function demoPerTest(): () => Demo {
  let demo: Demo;
  test.beforeEach(async () => {
    demo = await startDemo();
  });
  test.afterEach(async ({ context }) => {
    await context.close();
    await demo.close().catch(() => {});
  });
  return () => demo;
}

/** Types `text` into the page's message box and sends it. */
export async function say(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

/** Asks the server for an outage (`drop`, `refuse`, ...), as the page's buttons do; returns the status. */
export const trouble = (page: Page, what: string, ms?: number): Promise<number> =>
  page.evaluate(([w, m]) => fetch(`/trouble/${w}${m ? `?ms=${m}` : ''}`, { method: 'POST' }).then((r) => r.status), [what, ms] as const);
