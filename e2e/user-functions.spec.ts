import { expect, test } from '@playwright/test';
import { startServer, type EchoServer } from '../test/helpers/servers';
import { LOADERS, openPage, runInPage, startPageServer } from './helpers';

// What a page's own code and a server's verdicts do to the socket in real browsers: user functions
// that throw end where the README says (never an uncaught error), 3000 and 3003 are final, timers a
// browser cannot take are refused, and a password holding `/` is never quoted.
let pages: Awaited<ReturnType<typeof startPageServer>>;
let echo: EchoServer;
let verdicts: EchoServer;
const closeCodes: number[] = [];
test.beforeAll(async () => {
  pages = await startPageServer();
  echo = await startServer();
  echo.wss.on('connection', (socket) => socket.on('close', (code) => closeCodes.push(code)));
  verdicts = await startServer();
  // The path says how to close: /3000, /3003, /3008.
  verdicts.wss.on('connection', (socket, request) => socket.close(Number(request.url!.slice(1)), 'verdict'));
});
test.afterAll(async () => {
  await Promise.all([pages.close(), echo.close(), verdicts.close()]);
});

for (const loader of LOADERS) {
  test.describe(`loaded by ${loader}`, () => {
    test.beforeEach(async ({ page }) => {
      const uncaught: string[] = [];
      page.on('pageerror', (error) => uncaught.push(String(error)));
      (page as unknown as { uncaught: string[] }).uncaught = uncaught;
      await openPage(page, pages.origin, loader);
    });
    test.afterEach(async ({ page }) => {
      expect((page as unknown as { uncaught: string[] }).uncaught).toEqual([]);
    });

    test('a throwing isPong ends the connection with invalid-options, no uncaught error', async ({ page }) => {
      const before = closeCodes.length;
      const seen = await runInPage<{ kind: string; message: string; state: string }>(
        page,
        `const socket = new lib.SteadySocket(arg, { reconnect: false, heartbeat: { interval: 30, timeout: 1000, message: 'ping', isPong() { throw new TypeError('no'); } } });
         return new Promise((resolve) => socket.on('error', (error) => setTimeout(() => resolve({ kind: error.kind, message: error.message, state: socket.state }), 50)));`,
        echo.url,
      );
      expect(seen).toEqual({ kind: 'invalid-options', message: 'heartbeat.isPong failed: threw TypeError', state: 'closed' });
      // A page may not send 1011: the browser closes without a code (1005).
      await expect.poll(() => closeCodes.length).toBe(before + 1);
    });

    test('a throwing protocols function is invalid-protocols, retried', async ({ page }) => {
      const seen = await runInPage<{ kind: string; retryable: boolean; protocol: string }>(
        page,
        `let calls = 0;
         const socket = new lib.SteadySocket(arg, { reconnect: { initialDelay: 10 }, protocols: () => { if (++calls === 1) throw new Error('token service down'); return []; } });
         const first = new Promise((resolve) => socket.once('error', resolve));
         const error = await first;
         await socket.connected();
         await socket.close();
         return { kind: error.kind, retryable: error.retryable, protocol: socket.protocol };`,
        echo.url,
      );
      expect(seen).toEqual({ kind: 'invalid-protocols', retryable: true, protocol: '' });
    });

    test('3000 and 3003 are final, 3008 is reconnected', async ({ page }) => {
      const seen = await runInPage<string[]>(
        page,
        `const out = [];
         for (const code of [3000, 3003, 3008]) {
           const socket = new lib.SteadySocket(arg + '/' + code, { reconnect: { initialDelay: 10 } });
           const next = await new Promise((resolve) => socket.once('close', (event) => resolve(event)));
           out.push(code + ':' + next.code + ':' + next.willReconnect);
           await socket.close();
         }
         return out;`,
        verdicts.url,
      );
      expect(seen).toEqual(['3000:3000:false', '3003:3003:false', '3008:3008:true']);
    });

    test('autoConnect: false waits for connect(), queuing what is sent before it', async ({ page }) => {
      const before = echo.wss.clients.size;
      const seen = await runInPage<{ states: string[]; echoed: string }>(
        page,
        `const socket = new lib.SteadySocket(arg, { autoConnect: false, heartbeat: false });
         const states = [socket.state];
         socket.send('queued before connect()');
         await new Promise((resolve) => setTimeout(resolve, 100));
         states.push(socket.state);
         const echoed = new Promise((resolve) => socket.once('message', resolve));
         socket.connect();
         states.push(socket.state);
         await socket.connected();
         const result = { states, echoed: await echoed };
         await socket.close();
         return result;`,
        echo.url,
      );
      expect(seen).toEqual({ states: ['closed', 'closed', 'connecting'], echoed: 'queued before connect()' });
      // Nothing connected before connect(): the server saw one connection, now closed again.
      await expect.poll(() => echo.wss.clients.size).toBe(before);
    });

    test('the url function gets a signal that close() aborts while it waits', async ({ page }) => {
      const seen = await runInPage<boolean[]>(
        page,
        `let signal;
         const socket = new lib.SteadySocket((given) => { signal = given; return new Promise(() => {}); });
         while (!signal) await new Promise((resolve) => setTimeout(resolve, 5));
         const before = signal.aborted;
         await socket.close();
         return [before, signal.aborted, signal instanceof AbortSignal];`,
        null,
      );
      expect(seen).toEqual([false, true, true]);
    });

    test('refuses timers a browser turns into 1 ms, and never quotes a password holding / ? or #', async ({ page }) => {
      const seen = await runInPage<string[]>(
        page,
        `const out = [];
         for (const options of [{ connectTimeout: 3e9 }, { heartbeat: { interval: 3e9 } }, { reconnect: { initialDelay: 3e9, maxDelay: 4e9 } }]) {
           try { new lib.SteadySocket('ws://127.0.0.1:1/', options); out.push('accepted'); } catch (error) { out.push(error.kind + ' ' + error.message); }
         }
         for (const url of ['ws://alice:se/cretPW@127.0.0.1:1/', 'ws://alice:se?cretPW@127.0.0.1:1/', 'ws://alice:se#cretPW@127.0.0.1:1/']) {
           try { new lib.SteadySocket(url); out.push('accepted'); } catch (error) { out.push(String(error)); }
         }
         return out;`,
        null,
      );
      expect(seen.slice(0, 3)).toEqual([
        'invalid-options options.connectTimeout must be a number >= 1 and <= 2147483647, got 3000000000',
        'invalid-options options.heartbeat.interval must be a number >= 1 and <= 2147483647, got 3000000000',
        'invalid-options options.reconnect.initialDelay must be a number >= 0 and <= 2147483647, got 3000000000',
      ]);
      expect(seen.slice(3)).toHaveLength(3);
      for (const line of seen.slice(3)) {
        expect(line).toContain('invalid-url');
        expect(line).not.toMatch(/cret/);
      }
    });
  });
}
