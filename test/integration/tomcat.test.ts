import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SteadySocket, type SteadySocketError } from 'steadysocket';
import { probe } from '../../src/doctor';
import { startTomcat, type Tomcat } from '../helpers/tomcat';
import { next, until } from '../helpers/wait';

// The client and the doctor against Tomcat 10's Jakarta WebSocket, the container Spring's WebSocket
// support runs on, with endpoints that behave like a Spring app's (test/helpers/tomcat.ts).
let tomcat: Tomcat;
beforeAll(async () => {
  tomcat = await startTomcat();
}, 60000);
afterAll(async () => {
  await tomcat?.close();
});

const sockets: SteadySocket[] = [];
function client(path: string, options: ConstructorParameters<typeof SteadySocket>[1] = {}): SteadySocket {
  const socket = new SteadySocket(tomcat.url(path), { reconnect: false, ...options });
  sockets.push(socket);
  return socket;
}
afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.close()));
});

describe('the client against Tomcat', () => {
  it('echoes on /chat with the subprotocol Tomcat chose', async () => {
    const socket = client('/chat', { protocols: ['chat.v2'] });
    await socket.connected();
    expect(socket.protocol).toBe('chat.v2');
    socket.send('hello, Tomcat');
    expect(await next(socket, 'message')).toBe('hello, Tomcat');
  });

  it('names a refused subprotocol subprotocol-mismatch', async () => {
    const error = await next<SteadySocketError>(client('/chat', { protocols: ['chat.v9'] }), 'error');
    expect(error).toMatchObject({ kind: 'subprotocol-mismatch', retryable: false });
  });

  it('names the 403 of an Origin check unauthorized, with its status', async () => {
    const error = await next<SteadySocketError>(client('/guarded', { nodeOptions: { origin: 'https://evil.example' } }), 'error');
    expect(error).toMatchObject({ kind: 'unauthorized', status: 403, retryable: false });
    // The same endpoint opens for a client that sends no Origin, as Spring's check allows.
    await client('/guarded').connected();
  });

  it.each([
    ['/nothing', 404],
    ['/', 200],
  ])('names %s (%i) no-protocol-support', async (path, status) => {
    const error = await next<SteadySocketError>(client(path), 'error');
    expect(error).toMatchObject({ kind: 'no-protocol-support', status });
  });

  it("reconnects after Tomcat's idle timeout (1001), and not after a 1008", async () => {
    const idle = client('/idle', { reconnect: { initialDelay: 10 }, heartbeat: false });
    await idle.connected();
    const closed = await next<{ code: number; reason: string; willReconnect: boolean }>(idle, 'close', 10000);
    expect(closed).toMatchObject({ code: 1001, willReconnect: true });
    expect(closed.reason).toMatch(/idle timeout expired/);
    await next(idle, 'open');

    const policy = client('/policy', { reconnect: { initialDelay: 10 } });
    const ended = await next<{ code: number; reason: string; willReconnect: boolean }>(policy, 'close');
    expect(ended).toEqual({ code: 1008, reason: 'not allowed in this room', wasClean: true, willReconnect: false });
    await until(() => policy.state === 'closed');
  });
});

describe('the doctor against Tomcat', () => {
  it('passes /chat', async () => {
    const report = await probe(`http://127.0.0.1:${tomcat.port}/chat`, { protocols: ['chat.v1'], timeout: 5000 });
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
  });

  it("names Spring's allowed origins for the 403 of an Origin check", async () => {
    const report = await probe(tomcat.url('/guarded'), { origin: 'https://evil.example', timeout: 5000 });
    expect(report.verdict).toMatchObject({ ok: false, kind: 'unauthorized', exitCode: 17 });
    expect(report.verdict.fix).toMatch(/setAllowedOrigins/);
    expect(report.verdict.hint).toMatch(/Origin/);
  });

  it('names the missing handler for a 404 from Tomcat, and the SockJS path for a SockJS greeting', async () => {
    const missing = await probe(tomcat.url('/nothing'), { timeout: 5000 });
    expect(missing.verdict).toMatchObject({ kind: 'no-protocol-support', exitCode: 13 });
    expect(missing.verdict.fix).toMatch(/registerWebSocketHandlers.*@EnableWebSocket.*@ServerEndpoint\("\/nothing"\)/);
    const sockjs = await probe(tomcat.url('/sockjs-chat'), { timeout: 5000 });
    expect(sockjs.verdict).toMatchObject({ kind: 'no-protocol-support', exitCode: 13 });
    expect(sockjs.verdict.fix).toContain('/sockjs-chat/websocket');
    expect((await probe(tomcat.url('/sockjs-chat/websocket'), { timeout: 5000 })).verdict.ok).toBe(true);
  });

  it("names a proxy that rewrote Upgrade from Spring's 400", async () => {
    // As a proxy that rewrites the header would: the request reaches the app with another Upgrade.
    const report = await probe(tomcat.url('/spring/chat'), { headers: { Upgrade: 'WebSocket2' }, timeout: 5000 });
    expect(report.response?.status).toBe(400);
    expect(report.verdict.fix).toMatch(/rewrote or dropped it/);
  });

  it('says "if this is Spring" where the server is not identified: a page without a Server header', async () => {
    const page = await probe(tomcat.url('/'), { timeout: 5000 });
    expect(page.verdict).toMatchObject({ kind: 'no-protocol-support', exitCode: 13 });
    expect(page.verdict.fix).toMatch(/If this is Spring or Tomcat/);
  });
});
