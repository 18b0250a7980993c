import { expect, test, type Page } from '@playwright/test';
import { rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import WebSocket from 'ws';
import { probe } from '../src/doctor';
import { makeCertificates, startBackend, startHaproxy, startNodeH2, type Backend, type NodeH2Server, type TestCertificates } from '../test/helpers/http2-servers';
import type { RealServer } from '../test/helpers/real-servers';
import { pageFile, startPageServer } from './helpers';

// WebSocket over HTTP/2 (RFC 8441) in real browsers: through HAProxy (TLS, ALPN h2,http/1.1) it works
// over HTTP/2; against a server that advertises SETTINGS_ENABLE_CONNECT_PROTOCOL but answers the
// extended CONNECT with 405 (Node's http2 with a 'request' listener, nodejs/node#36977) the page fails
// while Node's ws over HTTP/1.1 and the doctor's HTTP/1.1 check succeed, and the doctor names the cause.
// The backend's first message says which HTTP version carried the WebSocket to HAProxy or to Node.

let certificates: TestCertificates;
let backend: Backend;
let haproxy: RealServer;
let broken: NodeH2Server;
const measured: string[] = [];

/** The test pages, from the backend behind HAProxy and from the broken advertiser alike. */
function pages(request: IncomingMessage, response: ServerResponse): void {
  void pageFile(new URL(request.url ?? '/', 'http://x').pathname).then((found) =>
    found ? response.writeHead(200, { 'content-type': found.type, 'cache-control': 'no-store' }).end(found.body) : response.writeHead(404).end('not found'),
  );
}

test.beforeAll(async () => {
  certificates = makeCertificates();
  backend = await startBackend(pages);
  haproxy = await startHaproxy(backend.port, certificates);
  broken = await startNodeH2('refuses', certificates, pages);
});
test.afterAll(async ({ browserName, browser }) => {
  console.log(`\nWebSocket over HTTP/2 in ${browserName} ${browser.version()}:\n${measured.join('\n')}`);
  await Promise.all([haproxy?.close(), backend?.close(), broken?.close()]);
  if (certificates) rmSync(certificates.dir, { recursive: true, force: true });
});
// The test CA is not in the browsers' stores: certificate errors are ignored in the context.
test.use({ ignoreHTTPSErrors: true });

interface Opened {
  ok: boolean;
  first?: string;
  echo?: string;
  why?: string;
}

async function openFrom(page: Page, pageOrigin: string, url: string): Promise<Opened> {
  await page.goto(`${pageOrigin}/http2.html`);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  return page.evaluate((target) => (window as unknown as { openSocket(url: string): Promise<Opened> }).openSocket(target), url);
}

/** Node's ws, which speaks HTTP/1.1 only: its first message says the version the server saw. */
function nodeOpens(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { ca: certificates.ca });
    socket.once('message', (data) => (socket.close(), resolve(String(data))));
    socket.once('error', reject);
  });
}

test('a page opens a WebSocket through HAProxy over HTTP/2 (RFC 8441), and it works', async ({ page }) => {
  const origin = `https://127.0.0.1:${haproxy.port}`;
  const opened = await openFrom(page, origin, `wss://127.0.0.1:${haproxy.port}/ws`);
  // HAProxy turned the extended CONNECT into an HTTP/1.1 upgrade and told the backend it came over 2.0.
  expect(opened).toEqual({ ok: true, first: 'version 2.0', echo: 'ping from the page' });
  measured.push(`  page from the same origin (an HTTP/2 connection held), through HAProxy: ${opened.first}`);
  // The doctor agrees: both checks pass against the same URL.
  const report = await probe(`wss://127.0.0.1:${haproxy.port}/ws`, { ca: certificates.ca, timeout: 5000 });
  expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
  expect(report.h2).toMatchObject({ result: 'works', accepts: 'both', enableConnectProtocol: true });
});

test('against a server that advertises RFC 8441 but answers the CONNECT with 405, the page fails while Node over HTTP/1.1 and the doctor open, and the doctor names the cause', async ({ page }) => {
  const url = `wss://127.0.0.1:${broken.port}/ws`;
  const arrivals = broken.arrivals.length;
  const opened = await openFrom(page, `https://127.0.0.1:${broken.port}`, url);
  expect(opened.ok).toBe(false);
  // The browser did not fall back to HTTP/1.1: nothing arrived.
  expect(broken.arrivals.length).toBe(arrivals);
  measured.push(`  page from the broken advertiser's origin: ${opened.ok ? 'opened' : `failed (${opened.why})`}`);
  expect(await nodeOpens(url)).toBe('version 1.1');
  const report = await probe(url, { ca: certificates.ca, timeout: 5000 });
  // The HTTP/1.1 handshake passed all its checks; HTTP/2 names what the browser met.
  expect(report.response?.status).toBe(101);
  expect(report.checks.every((check) => check.ok)).toBe(true);
  expect(report.h2).toMatchObject({ result: 'connect-refused', enableConnectProtocol: true, response: { status: 405 } });
  expect(report.verdict).toMatchObject({ ok: false, cause: 'h2-connect-refused', exitCode: 40 });
  expect(report.verdict.message).toContain('answered the extended CONNECT with 405: browsers that use it fail where HTTP/1.1 clients work');
});

test('from a page of another origin (no HTTP/2 connection held yet): Firefox still uses RFC 8441, Chromium opens over HTTP/1.1', async ({ browserName, browser }) => {
  const plain = await startPageServer();
  // A context of its own: no connection to either server is held.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  try {
    const page = await context.newPage();
    const throughHaproxy = await openFrom(page, plain.origin, `wss://127.0.0.1:${haproxy.port}/ws`);
    const toBroken = await openFrom(page, plain.origin, `wss://127.0.0.1:${broken.port}/ws`);
    measured.push(`  page from another origin, through HAProxy: ${throughHaproxy.first ?? throughHaproxy.why}; to the broken advertiser: ${toBroken.ok ? `opened (${toBroken.first})` : 'failed'}`);
    if (browserName === 'firefox') {
      expect(throughHaproxy.first).toBe('version 2.0');
      expect(toBroken.ok).toBe(false);
    } else {
      expect(throughHaproxy.first).toBe('version 1.1');
      expect(toBroken).toMatchObject({ ok: true, first: 'version 1.1' });
    }
  } finally {
    await context.close();
    await plain.close();
  }
});
