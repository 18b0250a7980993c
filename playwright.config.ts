import { existsSync } from 'node:fs';
import { chromium, firefox } from '@playwright/test';
import { defineConfig, type LaunchOptions } from '@playwright/test';

// Debian's browsers where they are installed (CI, these machines), Playwright's own elsewhere.
// Both are kept off the network: nothing may reach beyond 127.0.0.1 (see shared/browsers.md).
const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const DEBIAN_FIREFOX = '/usr/bin/firefox-esr';

function ownBrowser(type: typeof chromium): string | undefined {
  try {
    const path = type.executablePath();
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

function pick(name: string, debian: string, type: typeof chromium, apt: string): string | undefined {
  if (existsSync(debian)) return debian;
  if (ownBrowser(type)) return undefined;
  throw new Error(
    `No ${name} to test with. Install Debian's with \`apt-get install ${apt}\` (as .ci/run does), ` +
      `or Playwright's with \`npx playwright install ${name.toLowerCase()}\`.`,
  );
}

const chromiumPath = pick('Chromium', DEBIAN_CHROMIUM, chromium, 'chromium');
const firefoxPath = pick('Firefox', DEBIAN_FIREFOX, firefox, 'firefox-esr');

const chromiumLaunch: LaunchOptions = {
  executablePath: chromiumPath,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  ],
};

const firefoxLaunch: LaunchOptions = {
  ...(firefoxPath ? { channel: 'moz-firefox', executablePath: firefoxPath } : {}),
  firefoxUserPrefs: {
    'services.settings.server': 'data:,#remote-settings-dummy/v1',
    'messaging-system.rsexperimentloader.enabled': false,
    'app.normandy.enabled': false,
    'network.captive-portal-service.enabled': false,
    'network.trr.mode': 5,
    'network.prefetch-next': false,
    'network.dns.disablePrefetch': true,
    'extensions.blocklist.enabled': false,
    'browser.region.update.enabled': false,
    'browser.region.network.url': '',
    'toolkit.telemetry.server': 'data:,',
    'security.OCSP.enabled': 0,
    'security.remote_settings.crlite_filters.enabled': false,
    'security.remote_settings.intermediates.enabled': false,
    'browser.topsites.contile.enabled': false,
    'identity.fxaccounts.enabled': false,
    'media.gmp-manager.url': '',
  },
};

export default defineConfig({
  testDir: 'e2e',
  timeout: 60000,
  expect: { timeout: 15000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  projects: [
    { name: 'chromium', use: { browserName: 'chromium', launchOptions: chromiumLaunch } },
    {
      name: 'firefox',
      use: {
        browserName: 'firefox',
        launchOptions: firefoxLaunch,
        // Firefox over WebDriver BiDi lacks these emulation commands.
        contextOptions: { colorScheme: null, reducedMotion: null, forcedColors: null, contrast: null } as never,
      },
    },
  ],
});
