// How to launch the two browsers on these machines, shared by the Playwright config and the browser
// benchmarks. Debian's builds where installed, Playwright's own otherwise; both kept off the network
// (nothing may reach beyond 127.0.0.1).
import { existsSync } from 'node:fs';

export const DEBIAN_CHROMIUM = '/usr/bin/chromium';
export const DEBIAN_FIREFOX = '/usr/bin/firefox-esr';

export const chromiumLaunch = () => ({
  executablePath: existsSync(DEBIAN_CHROMIUM) ? DEBIAN_CHROMIUM : undefined,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  ],
});

export const firefoxLaunch = () => ({
  ...(existsSync(DEBIAN_FIREFOX) ? { channel: 'moz-firefox', executablePath: DEBIAN_FIREFOX } : {}),
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
});

/** Firefox over WebDriver BiDi lacks these emulation commands. */
export const firefoxContext = { colorScheme: null, reducedMotion: null, forcedColors: null, contrast: null };
