import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { expect, test, type Page } from '@playwright/test';
import { WebSocketServer, type WebSocket } from 'ws';
import { listenLocal } from '../test/helpers/servers';
import { sharedBundle } from './bundle';

// steadysocket/react in a page bundled as a user's app is: e2e/pages/react-app.mjs, with React and
// react-dom from node_modules (development mode: StrictMode mounts twice only there) and the hook
// from the built package by its name (`steadysocket/react`, through package.json "exports"). A real
// `ws` server counts its open connections at every step.

/** The app, bundled once for both browsers' workers. */
const sharedAppBundle = (): Promise<string> =>
  sharedBundle('e2e/pages/react-app.mjs', ['dist/react.mjs', 'dist/steadysocket.browser.mjs', 'node_modules/react/package.json', 'node_modules/react-dom/package.json']);

/** The WebSocket server: echoes, records what each path received, holds handshakes while `held`. */
class CountingServer {
  wss!: WebSocketServer;
  port = 0;
  /** Handshakes made, ever. */
  connections = 0;
  received: { path: string; data: string }[] = [];
  /** The subprotocols offered by each handshake being held. */
  waiting: string[] = [];
  #release: (() => void)[] = [];
  held = false;

  async start(): Promise<void> {
    this.wss = new WebSocketServer({
      host: '127.0.0.1',
      port: this.port,
      verifyClient: ({ req }, done) => {
        if (!this.held) return done(true);
        this.waiting.push(req.headers['sec-websocket-protocol'] ?? '');
        this.#release.push(() => done(true));
      },
    });
    await new Promise((ready) => this.wss.once('listening', ready));
    this.port = (this.wss.address() as { port: number }).port;
    this.wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
      this.connections++;
      socket.on('message', (data) => {
        this.received.push({ path: request.url!, data: data.toString() });
        socket.send(data.toString());
      });
    });
  }

  /** Open connections now. */
  open(): number {
    return this.wss.clients.size;
  }

  /** What `path` received. */
  at(path: string): string[] {
    return this.received.filter((entry) => entry.path === path).map((entry) => entry.data);
  }

  url(path: string): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  release(): void {
    this.held = false;
    this.waiting = [];
    for (const done of this.#release.splice(0)) done();
  }

  stop(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    return new Promise((closed) => this.wss.close(() => closed()));
  }
}

let code: string;
let site: Server;
let origin: string;
const server = new CountingServer();

test.beforeAll(async () => {
  code = await sharedAppBundle();
  await server.start();
  // The page, and an endpoint that refuses the upgrade (and the probe's GET) with 401, same-origin
  // so the browser's handshake can be diagnosed.
  site = createServer((request, response) => {
    if (request.url === '/app.js') return void response.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    if (request.url === '/') return void response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><div id="root"></div><script src="/app.js"></script>');
    response.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="chat"' }).end();
  });
  site.on('upgrade', (_request: IncomingMessage, socket: Socket) => {
    socket.on('error', () => {});
    socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="chat"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  origin = `http://127.0.0.1:${await listenLocal(site)}`;
});

test.afterAll(async () => {
  await server.stop();
  site.closeAllConnections();
  await new Promise((closed) => site.close(closed));
});

let pageErrors: string[];
const NETWORK = /can’t establish a connection|was interrupted while the page was loading|Cross-Origin Request Blocked|WebSocket connection to .* failed|Failed to load resource/;
test.beforeEach(async ({ page }) => {
  pageErrors = [];
  // React reports its warnings as console errors; the browser's own reports of a failed connection
  // (Firefox makes them page errors) are expected here.
  const note = (text: string): void => void (NETWORK.test(text) || pageErrors.push(text));
  page.on('pageerror', (error) => note(String(error)));
  page.on('console', (message) => message.type() === 'error' && note(message.text()));
  server.received = [];
  server.connections = 0;
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { app: { ready?: boolean } }).app?.ready === true);
});

test.afterEach(async ({ page }) => {
  await show(page, null);
  await expect.poll(() => server.open()).toBe(0);
  expect(pageErrors).toEqual([]);
});

interface App {
  received: string[];
  renders: number;
  show(props: { url: string; protocols?: string[] } | null): void;
  rerender(): void;
  send(data: string): void;
}
const show = (page: Page, props: { url: string; protocols?: string[] } | null) => page.evaluate((p) => (window as unknown as { app: App }).app.show(p), props);
const send = (page: Page, data: string) => page.evaluate((d) => (window as unknown as { app: App }).app.send(d), data);
const received = (page: Page) => page.evaluate(() => (window as unknown as { app: App }).app.received);
const renders = (page: Page) => page.evaluate(() => (window as unknown as { app: App }).app.renders);

test('one socket while mounted under StrictMode and none after unmount; the greeting sent on mount arrives once; messages and new equal options do not re-render or reconnect', async ({ page }) => {
  await show(page, { url: server.url('/a') });
  await expect(page.locator('#state')).toHaveText('open');
  await expect.poll(() => server.at('/a')).toEqual(['hello']);
  expect(server.open()).toBe(1);
  // StrictMode's first socket was closed before it started connecting.
  expect(server.connections).toBe(1);

  // Renders with a new, equal options object (and a new onMessage) keep the socket.
  const before = await renders(page);
  await page.evaluate(() => (window as unknown as { app: App }).app.rerender());
  await expect.poll(() => renders(page)).toBeGreaterThan(before);
  // Twenty echoes: onMessage sees them all, and the component does not render for them.
  const settled = await renders(page);
  await page.evaluate(() => {
    for (let i = 0; i < 20; i++) (window as unknown as { app: App }).app.send(`m${i}`);
  });
  await expect.poll(() => received(page)).toEqual(['hello', ...Array.from({ length: 20 }, (_, i) => `m${i}`)]);
  expect(await renders(page)).toBe(settled);
  expect(server.open()).toBe(1);
  expect(server.connections).toBe(1);

  await show(page, null);
  await expect(page.locator('#state')).toHaveText('unmounted');
  await expect.poll(() => server.open()).toBe(0);
  expect(server.connections).toBe(1);
});

test('a new URL closes the old socket and opens one; what was sent while it connected arrives there once; new options carry the queue over', async ({ page }) => {
  await show(page, { url: server.url('/a') });
  await expect(page.locator('#state')).toHaveText('open');
  await expect.poll(() => server.at('/a')).toEqual(['hello']);

  // The server holds the next handshakes, so what is sent now is queued.
  server.held = true;
  await show(page, { url: server.url('/b') });
  await expect(page.locator('#url')).toHaveText(server.url('/b'));
  await expect(page.locator('#state')).toHaveText('connecting');
  await expect.poll(() => server.open()).toBe(0);
  await send(page, 'during the URL change');

  // New options while still connecting: a new socket, which takes the queue over.
  await show(page, { url: server.url('/b'), protocols: ['chat.v2'] });
  await expect.poll(() => server.waiting).toContain('chat.v2');
  server.release();
  await expect(page.locator('#state')).toHaveText('open');
  await send(page, 'after');
  await expect.poll(() => server.at('/b')).toEqual(['during the URL change', 'after']);
  expect(server.at('/a')).toEqual(['hello']);
  // (Firefox may still finish the handshake of a socket closed while connecting, and drop it.)
  await expect.poll(() => server.open()).toBe(1);
  expect((await received(page)).filter((data) => data === 'during the URL change')).toHaveLength(1);
});

test('state and error follow an outage and its end; a 401 on the upgrade shows unauthorized, a bad URL invalid-url', async ({ page }) => {
  await show(page, { url: server.url('/a') });
  await expect(page.locator('#state')).toHaveText('open');
  await expect(page.locator('#error')).toHaveText('');

  await server.stop();
  await expect(page.locator('#state')).toHaveText(/^(reconnecting|connecting)$/);
  await expect(page.locator('#error')).not.toHaveText('');
  await server.start();
  await expect(page.locator('#state')).toHaveText('open');
  await expect(page.locator('#error')).toHaveText('');
  expect(server.open()).toBe(1);

  await show(page, { url: `${origin.replace('http', 'ws')}/ws` });
  await expect(page.locator('#error')).toHaveText('unauthorized 401');
  await expect(page.locator('#state')).toHaveText('closed');
  await expect.poll(() => server.open()).toBe(0);

  // A URL the client refuses is shown, not thrown from the effect.
  await show(page, { url: 'ftp://127.0.0.1/' });
  await expect(page.locator('#error')).toHaveText('invalid-url');
  await expect(page.locator('#state')).toHaveText('closed');
});
