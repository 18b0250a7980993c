import { expect, test, type Browser } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { startHandshakeServer, TRUTH, type HandshakeServer } from '../test/helpers/handshake-server';
// @ts-expect-error: plain JavaScript module shared with the benchmarks.
import { firefoxContext } from './launch.mjs';
import { pageFile, startPageServer } from './helpers';

// Browser diagnosis over every failing route of the byte-exact fault server, from a same-origin page,
// a cross-origin page, and a cross-origin page the server allows by CORS. Each outcome is the true
// kind (exact), `unknown` listing it (honest) or anything else (wrong, which fails the test). Where
// the README's evidence table promises the kind (an HTTP answer the page can read), it must be exact.
type Mode = 'same-origin' | 'cross-origin' | 'cross-origin with CORS';
const MODES: Mode[] = ['same-origin', 'cross-origin', 'cross-origin with CORS'];
// HTTP answers a page can read same-origin or with CORS: the evidence table promises their kind.
const READABLE = ['200-html', '301-redirect', '302-redirect', '302-absolute-ws', '307-redirect', '400', '404', '405', '401', '401-basic', '401-bare', '403', '407', '429', '500', '503'];
// The hang last: Firefox lets one WebSocket per host be connecting at a time (RFC 6455 §4.1), so
// every route behind it would wait out its connectTimeout. That queue also spends part of each
// socket's connectTimeout before its handshake starts, and the probes get only what is left of it: on
// a loaded run 5 s left Firefox's same-origin probes too little, so the sockets get 10 s.
const ROUTES = [...Object.keys(TRUTH).filter((route) => route !== 'hang'), 'hang'];

let pages: Awaited<ReturnType<typeof startPageServer>>;
const servers: Partial<Record<Mode, HandshakeServer>> = {};
test.beforeAll(async () => {
  pages = await startPageServer();
  servers['same-origin'] = await startHandshakeServer({ serve: pageFile });
  servers['cross-origin'] = await startHandshakeServer();
  servers['cross-origin with CORS'] = await startHandshakeServer({ cors: true });
});
test.afterAll(async () => {
  await Promise.all([pages.close(), ...Object.values(servers).map((server) => server.close())]);
});

type Outcome = { kind: string; candidates?: string[]; ms?: number };

/** One route in a fresh context (Chromium slows a page's connections after repeated failures). */
async function diagnose(browser: Browser, browserName: string, mode: Mode, route: string): Promise<Outcome> {
  const server = servers[mode]!;
  const context = await browser.newContext(browserName === 'firefox' ? (firefoxContext as object) : {});
  try {
    const page = await context.newPage();
    await page.goto(`${mode === 'same-origin' ? `http://127.0.0.1:${server.port}` : pages.origin}/umd.html`);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    return await page.evaluate(
      ([url, offered]) =>
        new Promise<Outcome>((resolve) => {
          const lib = (window as unknown as { steadysocket: typeof import('../src/index') }).steadysocket;
          const socket = new lib.SteadySocket(url!, { protocols: offered ?? [], connectTimeout: 10000, reconnect: false });
          socket.on('error', (error) => resolve({ kind: error.kind, candidates: error.candidates }));
          socket.on('open', () => (resolve({ kind: 'opened' }), void socket.close()));
        }),
      [server.url(route), TRUTH[route]!.protocols] as const,
    );
  } finally {
    await context.close();
  }
}

for (const mode of MODES) {
  test(`every failing route, ${mode}: the true kind or an honest unknown, exact where promised`, async ({ browser, browserName }) => {
    test.setTimeout(180000);
    const counts = { exact: 0, honest: 0, wrong: 0, opened: 0 };
    const lines: string[] = [];
    // Six contexts at a time, each route in a context of its own so that the browsers' per-page slowing
    // of failed connections does not carry over. A pool rather than batches: the routes that wait out
    // connectTimeout (a hang, Chromium's unsettled fetches) do not hold up the quick ones.
    const outcomes: Outcome[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let index = next++; index < ROUTES.length; index = next++) {
        const started = Date.now();
        outcomes[index] = await diagnose(browser, browserName, mode, ROUTES[index]!);
        outcomes[index]!.ms = Date.now() - started;
      }
    };
    await Promise.all(Array.from({ length: 6 }, lane));
    for (const [index, route] of ROUTES.entries()) {
      const truth = TRUTH[route]!.kind;
      const outcome = outcomes[index]!;
      const verdict =
        outcome.kind === truth ? 'exact' : outcome.kind === 'unknown' && outcome.candidates?.includes(truth) ? 'honest' : outcome.kind === 'opened' ? 'opened' : 'wrong';
      counts[verdict]++;
      lines.push(`${route.padEnd(24)} ${truth.padEnd(21)} ${verdict.padEnd(7)} ${String(outcome.ms).padStart(5)} ms  ${outcome.kind}${outcome.candidates ? ` [${outcome.candidates.join(', ')}]` : ''}`);
      expect.soft(verdict, `${route}: ${JSON.stringify(outcome)}`).not.toBe('wrong');
      // Chromium's fetch refuses a 407 from a server that is not a proxy, and never settles on a Basic
      // challenge: no status to read there.
      if (mode !== 'cross-origin' && READABLE.includes(route) && !(['407', '401-basic'].includes(route) && browserName === 'chromium')) expect.soft(verdict, `${route} promised exact: ${JSON.stringify(outcome)}`).toBe('exact');
      // Firefox opens when the server sends a subprotocol nobody asked for: undetectable (README).
      if (verdict === 'opened') expect.soft(`${browserName} ${route}`).toBe('firefox protocol-unrequested');
    }
    const summary = `${browserName}, ${mode}: ${counts.exact} exact, ${counts.honest} honest unknown, ${counts.wrong} wrong${counts.opened ? `, ${counts.opened} opened (undetectable)` : ''}`;
    console.log(`\n${summary}\n${lines.join('\n')}`);
    if (process.env.DIAGNOSIS_MATRIX) writeFileSync(`${process.env.DIAGNOSIS_MATRIX}-${browserName}-${mode.replace(/ /g, '-')}.txt`, `${summary}\n${lines.join('\n')}\n`);
  });
}
