import { existsSync } from 'node:fs';
import { chromium, defineConfig, firefox, type LaunchOptions } from '@playwright/test';
// @ts-expect-error: plain JavaScript module shared with the benchmarks.
import { chromiumLaunch, firefoxLaunch, firefoxContext, DEBIAN_CHROMIUM, DEBIAN_FIREFOX } from './e2e/launch.mjs';

// Debian's browsers where they are installed (CI, these machines), Playwright's own elsewhere.

function ownBrowser(type: typeof chromium): string | undefined {
  try {
    const path = type.executablePath();
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

/** Fails the run, saying how to get one, when neither Debian's nor Playwright's browser is here. */
function requireBrowser(name: string, debian: string, type: typeof chromium, apt: string): void {
  if (existsSync(debian) || ownBrowser(type)) return;
  throw new Error(
    `No ${name} to test with. Install Debian's with \`apt-get install ${apt}\` (as .ci/run does), ` +
      `or Playwright's with \`npx playwright install ${name.toLowerCase()}\`.`,
  );
}

requireBrowser('Chromium', DEBIAN_CHROMIUM, chromium, 'chromium');
requireBrowser('Firefox', DEBIAN_FIREFOX, firefox, 'firefox-esr');

export default defineConfig({
  testDir: 'e2e',
  timeout: 60000,
  expect: { timeout: 15000 },
  fullyParallel: false,
  // Two files at a time (one per core): each starts its own servers on free ports, and most of a
  // browser test is waiting. It keeps `npm test` well under 15 minutes.
  workers: 2,
  retries: 0,
  reporter: [['list']],
  projects: [
    { name: 'chromium', use: { browserName: 'chromium', launchOptions: chromiumLaunch() as LaunchOptions } },
    {
      name: 'firefox',
      use: {
        browserName: 'firefox',
        launchOptions: firefoxLaunch() as LaunchOptions,
        contextOptions: firefoxContext as never,
      },
    },
  ],
});
