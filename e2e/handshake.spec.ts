import { expect, test } from '@playwright/test';
import { closedPort, listenLocal } from '../test/helpers/servers';
import { openPage, startPageServer, waitFor, events } from './helpers';
import { startRealisticServer, startUpgradeDroppingProxy, type RealisticServer } from './realistic-server';

// What each browser reports for realistic failing servers, same-origin and cross-origin: the kind the
// README's evidence table promises, and never a wrong one (`unknown` must list the true kind).

type Mode = 'same-origin' | 'cross-origin' | 'cross-origin with CORS';
interface Case {
  name: string;
  truth: string;
  /** The exact kind promised per mode; undefined: `unknown` whose candidates include the truth. */
  promised: Partial<Record<Mode, string>>;
  path: string;
  protocols?: string[];
  status?: number;
  retryAfter?: number;
}

const CASES: Case[] = [
  { name: '401 from auth middleware', truth: 'unauthorized', path: '/ws/401', status: 401, promised: { 'same-origin': 'unauthorized', 'cross-origin with CORS': 'unauthorized' } },
  { name: '403 from auth middleware', truth: 'unauthorized', path: '/ws/403', status: 403, promised: { 'same-origin': 'unauthorized', 'cross-origin with CORS': 'unauthorized' } },
  { name: '429 with Retry-After', truth: 'rate-limited', path: '/ws/429', status: 429, retryAfter: 2000, promised: { 'same-origin': 'rate-limited', 'cross-origin with CORS': 'rate-limited' } },
  { name: '503 with Retry-After', truth: 'server-error', path: '/ws/503', status: 503, retryAfter: 2000, promised: { 'same-origin': 'server-error', 'cross-origin with CORS': 'server-error' } },
  { name: 'no WebSocket at that URL (404)', truth: 'no-protocol-support', path: '/nows', status: 404, promised: { 'same-origin': 'no-protocol-support', 'cross-origin with CORS': 'no-protocol-support' } },
  { name: 'a plain web page (200)', truth: 'no-protocol-support', path: '/site', status: 200, promised: { 'same-origin': 'no-protocol-support', 'cross-origin with CORS': 'no-protocol-support' } },
  {
    name: 'server requires another subprotocol',
    truth: 'subprotocol-mismatch',
    path: '/ws/proto',
    protocols: ['chat.v2'],
    promised: { 'same-origin': 'subprotocol-mismatch', 'cross-origin': 'subprotocol-mismatch', 'cross-origin with CORS': 'subprotocol-mismatch' },
  },
];

const MODES: Mode[] = ['same-origin', 'cross-origin', 'cross-origin with CORS'];
let pages: Awaited<ReturnType<typeof startPageServer>>;
let plain: RealisticServer;
let withCors: RealisticServer;
let proxy: RealisticServer;
const table: string[] = [];

test.beforeAll(async () => {
  pages = await startPageServer();
  plain = await startRealisticServer();
  withCors = await startRealisticServer({ cors: true });
  proxy = await startUpgradeDroppingProxy(Number(new URL(plain.origin).port));
});
test.afterAll(async ({ browserName }) => {
  console.log(`\nhandshake diagnosis in ${browserName}: case × mode → kind\n${table.join('\n')}`);
  await Promise.all([pages.close(), plain.close(), withCors.close(), proxy.close()]);
});

interface Reported {
  kind: string;
  status?: number;
  retryAfter?: number;
  candidates?: string[];
  text: string;
}

async function diagnoseIn(page: import('@playwright/test').Page, pageOrigin: string, url: string, protocols?: string[]): Promise<Reported> {
  await openPage(page, pageOrigin, 'umd');
  await page.evaluate(([u, p]) => (window as unknown as { make(url: string, options: object): boolean }).make(u as string, { reconnect: false, connectTimeout: 8000, protocols: p }), [url, protocols] as const);
  await waitFor(page, 'error', 1, 20000);
  return (await events(page)).find((e) => e.name === 'error') as unknown as Reported;
}

function record(name: string, mode: string, reported: Reported): void {
  const detail = reported.kind === 'unknown' ? ` [${reported.candidates?.join(', ')}]` : reported.status ? ` ${reported.status}` : '';
  table.push(`  ${name.padEnd(38)} ${mode.padEnd(24)} ${reported.kind}${detail}`);
}

for (const item of CASES) {
  for (const mode of MODES) {
    test(`${item.name}, ${mode}`, async ({ page }) => {
      const server = mode === 'cross-origin with CORS' ? withCors : plain;
      const pageOrigin = mode === 'same-origin' ? server.origin : pages.origin;
      const reported = await diagnoseIn(page, pageOrigin, server.ws(item.path), item.protocols);
      record(item.name, mode, reported);
      const promised = item.promised[mode];
      if (promised) {
        expect(reported.kind).toBe(promised);
        if (item.status && reported.kind !== 'subprotocol-mismatch') expect(reported.status).toBe(item.status);
        if (item.retryAfter) expect(reported.retryAfter).toBe(item.retryAfter);
      } else {
        expect(reported.kind).toBe('unknown');
        expect(reported.candidates).toContain(item.truth);
      }
      expect(reported.text).toContain(`[${reported.kind}`);
    });
  }
}

test('a proxy that drops the Upgrade header, same-origin through the proxy', async ({ page }) => {
  const reported = await diagnoseIn(page, proxy.origin, proxy.ws('/ws/echo'));
  record('proxy drops Upgrade', 'same-origin', reported);
  // The probe sees the 426 a healthy WebSocket server gives a plain GET: upgrade refused, cause hidden.
  expect(reported.kind).toBe('unknown');
  expect(reported.candidates).toContain('bad-upgrade-header');
  expect(reported.candidates).not.toContain('network');
});

test('a refused connection', async ({ page }) => {
  const reported = await diagnoseIn(page, pages.origin, `ws://127.0.0.1:${await closedPort()}/ws`);
  record('connection refused', 'cross-origin', reported);
  expect(reported.kind).toBe('unknown');
  expect(reported.candidates).toContain('network');
});

test('a server that never answers: our own connectTimeout says timeout', async ({ page }) => {
  const { startSilentServer } = await import('../test/helpers/servers');
  const silent = await startSilentServer();
  try {
    await openPage(page, pages.origin, 'umd');
    await page.evaluate((u) => (window as unknown as { make(url: string, options: object): boolean }).make(u, { reconnect: false, connectTimeout: 1000 }), silent.url);
    await waitFor(page, 'error', 1, 10000);
    const reported = (await events(page)).find((e) => e.name === 'error') as unknown as Reported;
    record('server never answers', 'cross-origin', reported);
    expect(reported.kind).toBe('timeout');
  } finally {
    await silent.close();
  }
});

test('an untrusted certificate: tls in Firefox (close 1015), a tls candidate in Chromium', async ({ page, browserName }) => {
  const { readFileSync } = await import('node:fs');
  const { createServer } = await import('node:https');
  const { WebSocketServer } = await import('ws');
  const https = createServer({
    key: readFileSync(new URL('../test/fixtures/self-signed.key', import.meta.url)),
    cert: readFileSync(new URL('../test/fixtures/self-signed.crt', import.meta.url)),
  });
  const wss = new WebSocketServer({ server: https });
  const port = await listenLocal(https);
  try {
    const reported = await diagnoseIn(page, pages.origin, `wss://127.0.0.1:${port}/`);
    record('untrusted certificate', 'cross-origin', reported);
    if (browserName === 'firefox') expect(reported.kind).toBe('tls');
    else {
      expect(reported.kind).toBe('unknown');
      expect(reported.candidates).toContain('tls');
    }
  } finally {
    wss.close();
    https.closeAllConnections();
    await new Promise<void>((resolve) => https.close(() => resolve()));
  }
});
