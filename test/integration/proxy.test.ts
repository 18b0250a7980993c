import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { SteadySocket, type SteadySocketError, type SteadySocketOptions } from 'steadysocket';
import { formatReport, probe } from '../../src/doctor';
import { parseProxy, proxyAgent } from '../../src/doctor/proxy';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { closedPort, listenLocal, startServer, startSilentServer, type EchoServer } from '../helpers/servers';
import { startSquid, type Squid } from '../helpers/squid';
import { next } from '../helpers/wait';

// Through a real HTTP proxy, as on a corporate network: Debian's squid, open, denying (403) and asking
// for Basic credentials (407). The doctor shows the CONNECT and names each refusal; the Node client
// goes through the same proxy by the documented route, an agent in nodeOptions.

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

let squid: Squid;
let echo: EchoServer;
let secure: HttpsServer;
let securePort: number;
// Not proxies at all: one hangs up on CONNECT, one answers with an SSH banner.
let hangUp: NetServer;
let banner: NetServer;
const misfits: Record<'hangUp' | 'banner', number> = { hangUp: 0, banner: 0 };
let silent: Awaited<ReturnType<typeof startSilentServer>>;
const proxy = (port: number, credentials = ''): string => `http://${credentials}127.0.0.1:${port}`;

beforeAll(async () => {
  [squid, echo] = await Promise.all([startSquid(), startServer()]);
  secure = createHttpsServer({ key: fixture('self-signed.key'), cert: fixture('self-signed.crt') });
  new WebSocketServer({ server: secure }).on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
  securePort = await listenLocal(secure);
  hangUp = createNetServer((socket) => socket.on('error', () => {}).once('data', () => socket.destroy()));
  // Read, so the client's end is seen and close() does not wait for ever.
  banner = createNetServer((socket) => socket.on('error', () => {}).resume().end('SSH-2.0-OpenSSH_9.2\r\n'));
  [misfits.hangUp, misfits.banner] = await Promise.all([listenLocal(hangUp), listenLocal(banner)]);
  silent = await startSilentServer();
}, 30000);

afterAll(async () => {
  await Promise.all([
    silent?.close(),
    ...[hangUp, banner].map((server) => server && new Promise<void>((resolve) => server.close(() => resolve()))),
    squid?.close(),
    echo?.close(),
    secure && new Promise<void>((resolve) => (secure.closeAllConnections(), secure.close(() => resolve())))]);
});

describe('the doctor through squid', () => {
  it('shows the CONNECT and its 200, then the handshake through the tunnel', async () => {
    const report = await probe(`${echo.url}/chat?token=s3cret`, { proxy: proxy(squid.open) });
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.steps.map((step) => step.name)).toEqual(['dns', 'tcp', 'proxy', 'request', 'response', 'ping', 'close']);
    expect(report.steps[1]!.detail).toBe(`connected to the proxy at 127.0.0.1:${squid.open}`);
    expect(report.proxy!.request!.head).toBe(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\nHost: 127.0.0.1:${echo.port}\r\nUser-Agent: steadysocket-doctor\r\n\r\n`);
    expect(report.proxy!.response).toMatchObject({ status: 200 });
    expect(report.request!.head).toMatch(/^GET \/chat\?token=\*\*\* HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\n/);
    // It went through squid: squid logged the tunnel.
    await squid.logged(new RegExp(`CONNECT 127\\.0\\.0\\.1:${echo.port} `));
    const text = formatReport(report);
    expect(text).toMatch(/1\. DNS, the proxy's name .*\n2\. TCP connect to the proxy .*\n3\. CONNECT through the proxy http:\/\/127\.0\.0\.1:\d+ {2}[\d.]+ ms {2}CONNECT 127\.0\.0\.1:\d+: 200 Connection established\n {3}> CONNECT 127\.0\.0\.1:\d+ HTTP\/1\.1\n/);
    expect(text).toContain('   < HTTP/1.1 200 Connection established\n4. Request, as sent');
    expect(text).not.toContain('s3cret');
  });

  it('wss: TLS runs through the tunnel with the server, whose certificate is checked', async () => {
    const report = await probe(`wss://127.0.0.1:${securePort}/`, { proxy: proxy(squid.open), ca: fixture('self-signed.crt') });
    expect(report.verdict).toMatchObject({ ok: true });
    expect(report.steps.map((step) => step.name)).toEqual(['dns', 'tcp', 'proxy', 'tls', 'request', 'response', 'ping', 'close']);
    expect(report.tls).toMatchObject({ verified: true, subject: 'CN=127.0.0.1' });
    const untrusted = await probe(`wss://127.0.0.1:${securePort}/`, { proxy: proxy(squid.open) });
    expect(untrusted.verdict).toMatchObject({ kind: 'tls', exitCode: 12 });
    expect(untrusted.verdict.cause).toBeUndefined();
  });

  it('--upgrade h2c through the proxy: the upgrade is asked through the tunnel, and no prior knowledge goes around it', async () => {
    const report = await probe(`http://127.0.0.1:${echo.port}/`, { upgrade: 'h2c', proxy: proxy(squid.open) });
    expect(report.steps.map((step) => step.name)).toEqual(['dns', 'tcp', 'proxy', 'request', 'response', 'h2c']);
    expect(report.h2c).toMatchObject({ result: 'ignored' });
    expect(report.h2c!.priorKnowledge).toBeUndefined();
  });

  it('a 403 from the proxy: proxy-denied, exit code 32, the proxy named rather than the server', async () => {
    const report = await probe(echo.url, { proxy: proxy(squid.denied) });
    expect(report.verdict).toMatchObject({ ok: false, kind: 'unauthorized', cause: 'proxy-denied', exitCode: 32, message: 'the proxy answered CONNECT with 403 Forbidden' });
    expect(report.verdict.fix).toMatch(/refused to open a tunnel/);
    expect(report.verdict.hint).not.toMatch(/token|cookie/i);
    expect(report.proxy!.response!.head).toContain('X-Squid-Error: ERR_ACCESS_DENIED');
    expect(report.request).toBeUndefined();
    expect(formatReport(report)).toMatch(/proxy-denied: the proxy answered CONNECT with 403 Forbidden\n {3}the client reports it as unauthorized\n/);
  });

  it('a 407: proxy-auth-required with Proxy-Authenticate, exit code 31; the credentials in the proxy URL open it and are never shown', async () => {
    const challenged = await probe(echo.url, { proxy: proxy(squid.auth) });
    expect(challenged.verdict).toMatchObject({ kind: 'unauthorized', cause: 'proxy-auth-required', exitCode: 31 });
    expect(challenged.verdict.message).toContain('(Proxy-Authenticate: Basic realm="steadysocket-test")');
    expect(challenged.proxy!.response!.head).toContain('Proxy-Authenticate: Basic realm="steadysocket-test"');
    expect(challenged.verdict.fix).toMatch(/put them in the proxy URL/);

    const allowed = await probe(`${echo.url}/`, { proxy: proxy(squid.auth, `${squid.user}:${squid.password}@`) });
    expect(allowed.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(allowed.proxy!.url).toBe(`http://***@127.0.0.1:${squid.auth}`);
    expect(allowed.proxy!.request!.head).toContain('Proxy-Authorization: ***\r\n');
    const text = JSON.stringify(allowed) + formatReport(allowed);
    for (const secret of [squid.password, squid.user, Buffer.from(`${squid.user}:${squid.password}`).toString('base64')]) expect(text).not.toContain(secret);
    await squid.logged(new RegExp(`CONNECT 127\\.0\\.0\\.1:${echo.port} ${squid.user} `));

    const wrong = await probe(echo.url, { proxy: proxy(squid.auth, `${squid.user}:wrong@`) });
    expect(wrong.verdict).toMatchObject({ cause: 'proxy-auth-required', exitCode: 31 });
    expect(wrong.verdict.fix).toMatch(/refused the credentials sent/);
  });

  it('the proxy cannot reach the server: its 503, proxy-failed, exit code 33', async () => {
    const port = await closedPort();
    const report = await probe(`ws://127.0.0.1:${port}/`, { proxy: proxy(squid.open) });
    expect(report.proxy!.response!.status).toBe(503);
    expect(report.verdict).toMatchObject({ kind: 'server-error', cause: 'proxy-failed', exitCode: 33 });
    expect(report.verdict.fix).toMatch(/could not reach the server/);
  });

  it('something at the proxy port that hangs up, speaks no HTTP, or stays silent: proxy-failed, exit code 33', async () => {
    const hung = await probe(echo.url, { proxy: `127.0.0.1:${misfits.hangUp}` });
    expect(hung.verdict).toMatchObject({ cause: 'proxy-failed', exitCode: 33 });
    expect(hung.steps.at(-1)).toMatchObject({ name: 'proxy', ok: false });
    const ssh = await probe(echo.url, { proxy: `127.0.0.1:${misfits.banner}` });
    expect(ssh.verdict).toMatchObject({ kind: 'no-protocol-support', cause: 'proxy-failed', exitCode: 33, message: 'the proxy answered CONNECT with something that is not HTTP' });
    expect(ssh.raw).toEqual({ bytes: 21, text: 'SSH-2.0-OpenSSH_9.2\r\n' });
    expect(formatReport(ssh)).toMatch(/ {3}bytes \(21\): SSH-2\.0-OpenSSH_9\.2\r\n\n4\. Verdict\n/);
    const quiet = await probe(echo.url, { proxy: `127.0.0.1:${silent.port}`, timeout: 300 });
    expect(quiet.verdict).toMatchObject({ kind: 'timeout', cause: 'proxy-failed', exitCode: 33, message: 'the proxy did not answer CONNECT within 300 ms' });
    expect(quiet.steps.at(-1)).toMatchObject({ name: 'proxy', ok: false, detail: 'no answer in time' });
  });

  it('no proxy at that port: proxy-unreachable, exit code 30, and nothing tried past it', async () => {
    const port = await closedPort();
    const report = await probe(echo.url, { proxy: `127.0.0.1:${port}` });
    expect(report.verdict).toMatchObject({ kind: 'network', cause: 'proxy-unreachable', exitCode: 30, message: `no connection to the proxy at 127.0.0.1:${port}: ECONNREFUSED` });
    expect(report.steps.map((step) => step.name)).toEqual(['dns', 'tcp']);
    const unnamed = await probe(echo.url, { proxy: 'http://proxy.invalid:3128' });
    expect(unnamed.verdict).toMatchObject({ cause: 'proxy-unreachable', exitCode: 30, message: "the proxy's name proxy.invalid did not resolve: ENOTFOUND" });
  });
});

describe('the Node client through squid', () => {
  const open = async (url: string, options: SteadySocketOptions): Promise<string> => {
    const socket = new SteadySocket(url, options);
    try {
      await next(socket, 'open');
      socket.send('through the tunnel');
      return String(await next<string>(socket, 'message'));
    } finally {
      await socket.close();
    }
  };
  const refused = async (url: string, options: SteadySocketOptions): Promise<SteadySocketError> => {
    const socket = new SteadySocket(url, options);
    try {
      return await next<SteadySocketError>(socket, 'error');
    } finally {
      await socket.close();
    }
  };

  it('opens through the proxy with https-proxy-agent as nodeOptions.agent, with and without credentials', async () => {
    // Tunnels to the echo server without credentials: the doctor's above (logged), then this one.
    const tunnel = new RegExp(`TCP_TUNNEL/200 \\d+ CONNECT 127\\.0\\.0\\.1:${echo.port} - `);
    const before = (await squid.logged(tunnel, 0)).length;
    expect(await open(echo.url, { nodeOptions: { agent: new HttpsProxyAgent(proxy(squid.open)) } })).toBe('through the tunnel');
    await squid.logged(tunnel, before + 1);
    const credentials = `${squid.user}:${squid.password}@`;
    expect(await open(`wss://127.0.0.1:${securePort}/`, { nodeOptions: { agent: new HttpsProxyAgent(proxy(squid.auth, credentials)), ca: fixture('self-signed.crt') } })).toBe(
      'through the tunnel',
    );
    await squid.logged(new RegExp(`TCP_TUNNEL/200 \\d+ CONNECT 127\\.0\\.0\\.1:${securePort} ${squid.user} `));
  });

  it("the proxy's 407 and 403 reach the client as unauthorized, with the status", async () => {
    const challenged = await refused(echo.url, { nodeOptions: { agent: new HttpsProxyAgent(proxy(squid.auth)) } });
    expect(challenged).toMatchObject({ kind: 'unauthorized', status: 407 });
    expect(challenged.headers?.['proxy-authenticate']).toBe('Basic realm="steadysocket-test"');
    expect(await refused(echo.url, { nodeOptions: { agent: new HttpsProxyAgent(proxy(squid.denied)) } })).toMatchObject({ kind: 'unauthorized', status: 403 });
  });

  it("the doctor's own agent (what --watch uses) tunnels ws: and wss:, and reports a refusal by its status", async () => {
    expect(await open(echo.url, { nodeOptions: { agent: proxyAgent(parseProxy(proxy(squid.auth, `${squid.user}:${squid.password}@`)), false) } })).toBe('through the tunnel');
    expect(await open(`wss://127.0.0.1:${securePort}/`, { nodeOptions: { agent: proxyAgent(parseProxy(proxy(squid.open)), true), ca: fixture('self-signed.crt') } })).toBe('through the tunnel');
    expect(await refused(echo.url, { nodeOptions: { agent: proxyAgent(parseProxy(proxy(squid.auth)), false) } })).toMatchObject({ kind: 'unauthorized', status: 407 });
    expect(await refused(echo.url, { nodeOptions: { agent: proxyAgent(parseProxy(`127.0.0.1:${await closedPort()}`), false) } })).toMatchObject({ kind: 'network' });
  });
});
