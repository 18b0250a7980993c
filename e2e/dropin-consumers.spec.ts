import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { Duplex } from 'node:stream';
import { expect, test, type Page } from '@playwright/test';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { listenLocal } from '../test/helpers/servers';
import { YWebsocketServer } from '../test/helpers/y-websocket-server';
import { sharedBundle } from './bundle';

// Libraries that reconnect themselves, from npm, in a page bundled as a user's app is
// (e2e/pages/consumers-app.mjs), each with `SteadyWebSocket.configure()` as its WebSocket: graphql-ws
// against a graphql-ws server in this process, y-websocket against the y-websocket server from npm in
// a process of its own. Each server is stopped and started again on its port while the page runs.

// graphql-ws loads graphql through Node (CommonJS); the schema must come from the same copy.
const { buildSchema } = createRequire(import.meta.url)('graphql') as typeof import('graphql');
const schema = buildSchema('type Query { hello: String } type Subscription { ticks: Int }');
const roots = {
  hello: () => 'world',
  ticks: async function* () {
    for (let i = 1; ; i++) {
      yield { ticks: i };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  },
};

/** A graphql-ws server on its own port, which can be stopped and started again on it. */
class GraphqlServer {
  port = 0;
  #stop?: () => Promise<void>;

  async start(): Promise<void> {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    const server = useServer({ schema, roots: { query: roots, subscription: roots } }, wss);
    await new Promise<void>((resolve) => http.listen(this.port, '127.0.0.1', resolve));
    this.port = (http.address() as { port: number }).port;
    this.#stop = async () => {
      await server.dispose();
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => http.close(resolve));
    };
  }

  /** Stops it, once: a test that failed with the server down leaves nothing for afterAll to do. */
  async stop(): Promise<void> {
    const stop = this.#stop;
    this.#stop = undefined;
    await stop?.();
  }
}

let code: string;
let site: Server;
let origin: string;
const graphql = new GraphqlServer();
const yjs = new YWebsocketServer();

test.beforeAll(async () => {
  [code] = await Promise.all([
    sharedBundle('e2e/pages/consumers-app.mjs', [
      'dist/steadysocket.browser.mjs',
      'node_modules/graphql-ws/package.json',
      'node_modules/y-websocket/package.json',
      'node_modules/yjs/package.json',
    ]),
    graphql.start(),
    yjs.start(),
  ]);
  // The page, and every other path refused with 401, the upgrade and the probe's GET alike:
  // same-origin, so the browser's failed handshake can be diagnosed.
  site = createServer((request, response) => {
    if (request.url === '/app.js') return void response.writeHead(200, { 'content-type': 'text/javascript' }).end(code);
    if (request.url === '/') return void response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/app.js"></script>');
    response.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="graphql"' }).end();
  });
  site.on('upgrade', (_request: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => {});
    socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm="graphql"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  origin = `http://127.0.0.1:${await listenLocal(site)}`;
});

test.afterAll(async () => {
  await Promise.all([graphql.stop(), yjs.stop()]);
  site.closeAllConnections();
  await new Promise((closed) => site.close(closed));
});

let pageErrors: string[];
// The browser's own reports of a failed connection (Firefox makes them page errors) are expected.
const NETWORK = /can’t establish a connection|Cross-Origin Request Blocked|was interrupted while the page was loading|WebSocket connection to .* failed|Failed to load resource/;
test.beforeEach(async ({ page }) => {
  pageErrors = [];
  const note = (text: string): void => void (NETWORK.test(text) || pageErrors.push(text));
  page.on('pageerror', (error) => note(String(error)));
  page.on('console', (message) => message.type() === 'error' && note(message.text()));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => (window as unknown as { consumers?: { ready?: boolean } }).consumers?.ready === true);
});

test.afterEach(() => {
  expect(pageErrors).toEqual([]);
});

interface Consumers {
  faces: number;
  states(): number[];
  graphql: { ticks: number[]; errors: string[]; closes: number[]; failure?: string };
  refusal: { errors: string[]; closes: string[]; failure?: string };
  y: { errors: string[] };
  subscribe(url: string): void;
  query(url: string): void;
  dispose(): Promise<void>;
  yjs(url: string, room: string): void;
  insert(which: number, index: number, text: string): void;
  texts(): string[];
  synced(): boolean[];
  connected(): boolean[];
  destroy(): void;
}
/**
 * What the page's error events say of an attempt on a port where nothing listens, on another origin
 * than the page's: a browser shows a refused connection and a refused upgrade alike, and the probe
 * may not read the other origin, so the kind is `unknown` with `network` among its candidates.
 * Only the errors seen while the server is down are held to it: the attempt under way when it comes
 * back may end otherwise (Firefox delays connections to a host that failed, past connectTimeout).
 */
const refused = (why: string): boolean => why.startsWith('unknown ') && why.split(' ').includes('network');

/** Runs `call` on the page's `window.consumers` and returns what it gives. */
const inPage = <T>(page: Page, call: (consumers: Consumers) => T): Promise<T> =>
  page.evaluate(`(${call.toString()})(window.consumers)`) as Promise<T>;

test('graphql-ws streams a subscription, resubscribes through a new face after the server stopped and started again', async ({ page }) => {
  await page.evaluate((url) => (window as unknown as { consumers: Consumers }).consumers.subscribe(url), `ws://127.0.0.1:${graphql.port}/graphql`);
  await expect.poll(() => inPage(page, (c) => c.graphql.ticks.length)).toBeGreaterThanOrEqual(3);
  expect(await inPage(page, (c) => c.faces)).toBe(1);

  await graphql.stop();
  const before = await inPage(page, (c) => c.graphql.ticks.length);
  // graphql-ws sees the drop as a close, and its attempts while the server is down fail with why.
  await expect.poll(() => inPage(page, (c) => c.graphql.closes.length)).toBeGreaterThanOrEqual(2);
  const whileDown = await inPage(page, (c) => c.graphql.errors.slice());
  await graphql.start();
  // A new face, and the stream starts over from 1.
  await expect.poll(async () => (await inPage(page, (c) => c.graphql.ticks)).slice(before)).toEqual(expect.arrayContaining([1, 2, 3]));
  const seen = await inPage(page, (c) => ({ ...c.graphql, faces: c.faces }));
  expect(seen.faces).toBeGreaterThan(2);
  // The real codes: the server going away (1001, graphql-ws's dispose), then each refused attempt's 1006.
  expect(seen.closes[0]).toBe(1001);
  expect(seen.closes.slice(1, 2)).toEqual([1006]);
  expect(whileDown.length).toBeGreaterThan(0);
  expect(whileDown.filter((why) => !refused(why))).toEqual([]);
  expect(seen.failure).toBeUndefined();
  // One face open, the others closed for good: none reconnects under graphql-ws.
  expect((await inPage(page, (c) => c.states())).sort()).toEqual([1, ...Array(seen.faces - 1).fill(3)]);
  await inPage(page, (c) => c.dispose());
  await expect.poll(() => inPage(page, (c) => c.states().every((state) => state === 3))).toBe(true);
});

test('graphql-ws gets a 401 on the upgrade as an error event saying unauthorized, then the 1006 close it expects', async ({ page }) => {
  await page.evaluate((url) => (window as unknown as { consumers: Consumers }).consumers.query(url), `${origin.replace('http', 'ws')}/graphql`);
  await expect.poll(() => inPage(page, (c) => c.refusal.closes)).toEqual(['1006 false']);
  const seen = await inPage(page, (c) => c.refusal);
  expect(seen.errors).toEqual(['ErrorEvent unauthorized 401']);
  expect(seen.failure).toBe('unauthorized 401');
  expect(await inPage(page, (c) => c.faces)).toBe(1);
});

test('y-websocket: two documents converge, and again after the server was killed and started while both were edited', async ({ page, browserName }) => {
  await page.evaluate(([url, room]) => (window as unknown as { consumers: Consumers }).consumers.yjs(url!, room!), [yjs.url(), `room-${browserName}-${Date.now()}`]);
  await expect.poll(() => inPage(page, (c) => c.synced())).toEqual([true, true]);
  await inPage(page, (c) => c.insert(0, 0, 'a'));
  await expect.poll(() => inPage(page, (c) => c.texts())).toEqual(['a', 'a']);
  await inPage(page, (c) => c.insert(1, 1, 'b'));
  await expect.poll(() => inPage(page, (c) => c.texts())).toEqual(['ab', 'ab']);
  expect(await inPage(page, (c) => c.faces)).toBe(2);

  await yjs.stop();
  await expect.poll(() => inPage(page, (c) => c.connected())).toEqual([false, false]);
  // Edits while the server is down; its copy of the document went with its process.
  await inPage(page, (c) => (c.insert(0, 2, 'c'), c.insert(1, 0, 'd')));
  await expect.poll(() => inPage(page, (c) => c.y.errors.length)).toBeGreaterThanOrEqual(2);
  const whileDown = await inPage(page, (c) => c.y.errors.slice());
  await yjs.start();
  await expect.poll(() => inPage(page, (c) => c.synced())).toEqual([true, true]);
  await expect.poll(() => inPage(page, (c) => c.texts().map((text) => [...text].sort().join('')))).toEqual(['abcd', 'abcd']);
  const [left, right] = await inPage(page, (c) => c.texts());
  expect(left).toBe(right);
  expect(whileDown.filter((why) => !refused(why))).toEqual([]);
  const seen = await inPage(page, (c) => ({ faces: c.faces }));
  expect(seen.faces).toBeGreaterThan(4);
  // Two faces open, the others closed for good: none reconnects under y-websocket.
  expect((await inPage(page, (c) => c.states())).sort()).toEqual([1, 1, ...Array(seen.faces - 2).fill(3)]);
  await inPage(page, (c) => c.destroy());
  await expect.poll(() => inPage(page, (c) => c.states().every((state) => state === 3))).toBe(true);
});
