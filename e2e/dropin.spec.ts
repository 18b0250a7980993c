import { expect, test } from '@playwright/test';
import { startServer, type EchoServer } from '../test/helpers/servers';
import { startHandshakeServer, type HandshakeServer } from '../test/helpers/handshake-server';
import { openPage, pageFile, startPageServer, LOADERS } from './helpers';

// SteadyWebSocket in real browsers, from both builds, against one real `ws` server per file.
let pages: Awaited<ReturnType<typeof startPageServer>>;
let echo: EchoServer;
// Serves the pages too: a same-origin page's probe reads the 401.
let handshake: HandshakeServer;
test.beforeAll(async () => {
  pages = await startPageServer();
  echo = await startServer();
  handshake = await startHandshakeServer({ serve: pageFile });
});
test.afterAll(async () => {
  await echo.close();
  await handshake.close();
  await pages.close();
});

for (const loader of LOADERS) {
  test(`has the constants and handler attributes as the browser's WebSocket defines them (${loader})`, async ({ page }) => {
    await openPage(page, pages.origin, loader);
    const shapes = await page.evaluate(() => {
      const { SteadyWebSocket } = (window as unknown as { steadysocket: { SteadyWebSocket: typeof WebSocket } }).steadysocket;
      // Each property as a descriptor without its functions (getters differ by identity only).
      const shape = (target: object, name: string): unknown => {
        const found = Object.getOwnPropertyDescriptor(target, name);
        return found && { ...found, get: typeof found.get, set: typeof found.set };
      };
      const names = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED', 'onopen', 'onmessage', 'onerror', 'onclose'];
      const of = (Class: typeof WebSocket): unknown => names.map((name) => [name, shape(Class, name), shape(Class.prototype, name)]);
      return { native: of(WebSocket), face: of(SteadyWebSocket) };
    });
    expect(shapes.face).toEqual(shapes.native);
  });

  test(`is a WebSocket for onmessage code, across a drop, with real events (${loader})`, async ({ page }) => {
    await openPage(page, pages.origin, loader);
    const result = await page.evaluate(async (url) => {
      const { SteadyWebSocket } = (window as unknown as { steadysocket: { SteadyWebSocket: typeof import('steadysocket').SteadyWebSocket } }).steadysocket;
      const ws = new SteadyWebSocket(url, undefined, { reconnect: { initialDelay: 50 } });
      const seen: string[] = [];
      const classes: string[] = [];
      ws.addEventListener('message', () => seen.push('listener'));
      ws.onmessage = (event) => {
        seen.push(`message ${String(event.data instanceof Blob ? 'blob' : event.data)}`);
        classes.push(event.constructor.name);
      };
      ws.onclose = (event) => {
        seen.push(`close ${event.code} ${ws.readyState}`);
        classes.push(event.constructor.name);
      };
      const opens = () => new Promise<void>((resolve) => ws.addEventListener('open', () => resolve(), { once: true }));
      await opens();
      ws.send('hi');
      ws.send(new Uint8Array([1]));
      await new Promise((resolve) => ws.addEventListener('message', () => ws.addEventListener('message', resolve, { once: true }), { once: true }));
      (window as unknown as { face: unknown }).face = ws;
      return { seen, classes, constants: [ws.OPEN, SteadyWebSocket.CLOSED, ws.readyState, ws.binaryType] };
    }, echo.url);
    expect(result.seen).toEqual(['listener', 'message hi', 'listener', 'message blob']);
    expect(result.classes).toEqual(['MessageEvent', 'MessageEvent']);
    expect(result.constants).toEqual([1, 3, 1, 'blob']);
    // The server drops the connection: one close with the real code, CONNECTING while waiting, then open.
    const reopened = page.evaluate(() => {
      const ws = (window as unknown as { face: EventTarget & { readyState: number } }).face;
      return new Promise<number>((resolve) => ws.addEventListener('open', () => resolve(ws.readyState), { once: true }));
    });
    echo.clients.at(-1)!.close(1012, 'restart');
    expect(await reopened).toBe(1);
    const after = await page.evaluate(() => {
      const ws = (window as unknown as { face: { close(): void; onclose: unknown } }).face;
      return new Promise<string[]>((resolve) => {
        const log: string[] = [];
        (ws as unknown as EventTarget).addEventListener('close', (event) => {
          const close = event as CloseEvent;
          log.push(`${close.constructor.name} ${close.code} ${close.wasClean}`);
          resolve(log);
        });
        ws.close();
      });
    });
    expect(after).toEqual(['CloseEvent 1000 true']);
  });

  test(`says why a handshake failed in the error event, then closes with 1006 (${loader})`, async ({ page }) => {
    await openPage(page, `http://127.0.0.1:${handshake.port}`, loader);
    const result = await page.evaluate(async (url) => {
      const { SteadyWebSocket } = (window as unknown as { steadysocket: { SteadyWebSocket: typeof import('steadysocket').SteadyWebSocket } }).steadysocket;
      const Face = SteadyWebSocket.configure({ connectTimeout: 5000 });
      const ws = new Face(url);
      const seen: string[] = [];
      ws.onerror = (event) => seen.push(`${event.constructor.name} ${event.error.kind}`);
      await new Promise<void>((resolve) => (ws.onclose = (event) => (seen.push(`close ${event.code} ${event.wasClean} ${ws.readyState}`), resolve())));
      return seen;
    }, handshake.url('401'));
    expect(result).toEqual(['ErrorEvent unauthorized', 'close 1006 false 3']);
  });
}
