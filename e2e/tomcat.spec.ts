import { expect, test } from '@playwright/test';
import { startTomcat, type Tomcat } from '../test/helpers/tomcat';
import { LOADERS, openPage, runInPage, startPageServer } from './helpers';

// A page against Tomcat 10's Jakarta WebSocket (what Spring's WebSocket support runs on), cross
// origin as a page on another host would be: echo and subprotocols, Tomcat's idle timeout (1001)
// reconnected, a policy close (1008) final, and an Origin the server refuses.
let pages: Awaited<ReturnType<typeof startPageServer>>;
let tomcat: Tomcat;
test.beforeAll(async () => {
  pages = await startPageServer();
  // /guarded allows this page's origin, as setAllowedOrigins would; /admin allows another.
  tomcat = await startTomcat(pages.origin);
});
test.afterAll(async () => {
  await Promise.all([pages?.close(), tomcat?.close()]);
});

for (const loader of LOADERS) {
  test.describe(`loaded by ${loader}`, () => {
    test.beforeEach(async ({ page }) => {
      await openPage(page, pages.origin, loader);
    });

    test('echo with the subprotocol Tomcat chose, a refused one named, an allowed Origin opened', async ({ page }) => {
      const seen = await runInPage<{ protocol: string; echo: string; refused: string; guarded: string }>(
        page,
        `const chat = new lib.SteadySocket(arg + '/chat', { protocols: ['chat.v2'], reconnect: false });
         await chat.connected();
         const echo = new Promise((resolve) => chat.once('message', resolve));
         chat.send('hello, Tomcat');
         const result = { protocol: chat.protocol, echo: await echo };
         await chat.close();
         const wrong = new lib.SteadySocket(arg + '/chat', { protocols: ['chat.v9'], reconnect: false, connectTimeout: 5000 });
         result.refused = (await wrong.connected().catch((error) => error)).kind;
         const guarded = new lib.SteadySocket(arg + '/guarded', { reconnect: false });
         await guarded.connected();
         result.guarded = guarded.state;
         await guarded.close();
         return result;`,
        tomcat.url(''),
      );
      expect(seen).toEqual({ protocol: 'chat.v2', echo: 'hello, Tomcat', refused: 'subprotocol-mismatch', guarded: 'open' });
    });

    test("Tomcat's idle timeout (1001) reconnected, a policy close (1008) final", async ({ page }) => {
      const seen = await runInPage<{ idle: { code: number; willReconnect: boolean }; reopened: boolean; policy: { code: number; willReconnect: boolean } }>(
        page,
        `const idle = new lib.SteadySocket(arg + '/idle', { reconnect: { initialDelay: 10 } });
         await idle.connected();
         const closed = await new Promise((resolve) => idle.once('close', resolve));
         await new Promise((resolve) => idle.once('open', resolve));
         await idle.close();
         const policy = new lib.SteadySocket(arg + '/policy', { reconnect: { initialDelay: 10 } });
         const ended = await new Promise((resolve) => policy.once('close', resolve));
         await policy.close();
         return { idle: { code: closed.code, willReconnect: closed.willReconnect }, reopened: true, policy: { code: ended.code, willReconnect: ended.willReconnect } };`,
        tomcat.url(''),
      );
      expect(seen).toEqual({ idle: { code: 1001, willReconnect: true }, reopened: true, policy: { code: 1008, willReconnect: false } });
    });

    test('an Origin Tomcat refuses (403): the page cannot read the status across origins, and says so honestly', async ({ page }) => {
      const error = await runInPage<{ kind: string; candidates: string[] }>(
        page,
        `const admin = new lib.SteadySocket(arg + '/admin', { reconnect: false, connectTimeout: 5000 });
         const error = await admin.connected().catch((caught) => caught);
         return { kind: error.kind, candidates: error.candidates ?? [] };`,
        tomcat.url(''),
      );
      // The true kind is among the candidates: never a wrong kind.
      expect(error.kind === 'unauthorized' || (error.kind === 'unknown' && error.candidates.includes('unauthorized'))).toBe(true);
    });
  });
}
