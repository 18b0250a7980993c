import { rmSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { formatReport, probe, type DoctorReport } from '../src/doctor';
import { SteadySocketError } from '../src/errors';
import { makeCertificates, startApache, startBackend, startHaproxy, startHypercorn, startNodeH2, type Backend, type NodeH2Server, type TestCertificates } from './helpers/http2-servers';
import type { RealServer } from './helpers/real-servers';

// The doctor's HTTP/2 check (RFC 8441) against real servers, each started once: HAProxy (TLS with ALPN
// h2,http/1.1, and cleartext `proto h2`) and Apache httpd (H2WebSockets, mod_proxy_wstunnel) in front of
// a ws backend, hypercorn (Python's h2) with an ASGI echo, and Node's http2 working, advertising without
// carrying the CONNECT (the broken advertiser), without RFC 8441, and speaking h2 alone; an https server
// without HTTP/2. One test CA for all of them.

let certificates: TestCertificates;
let backend: Backend;
let haproxy: RealServer & { cleartextPort: number };
let apache: RealServer;
let hypercorn: RealServer;
let works: NodeH2Server;
let broken: NodeH2Server;
let noRfc8441: NodeH2Server;
let h2Only: NodeH2Server;
let http1Only: HttpsServer;
let http1OnlyPort: number;

beforeAll(async () => {
  certificates = makeCertificates();
  backend = await startBackend();
  [haproxy, apache, hypercorn, works, broken, noRfc8441, h2Only] = await Promise.all([
    startHaproxy(backend.port, certificates),
    startApache(backend.port, certificates),
    startHypercorn(certificates),
    startNodeH2('works', certificates),
    startNodeH2('refuses', certificates),
    startNodeH2('no-rfc8441', certificates),
    startNodeH2('h2-only', certificates),
  ]);
  http1Only = createHttpsServer({ key: certificates.key, cert: certificates.cert });
  new WebSocketServer({ server: http1Only });
  await new Promise<void>((resolve) => http1Only.listen(0, '127.0.0.1', resolve));
  http1OnlyPort = (http1Only.address() as AddressInfo).port;
}, 30000);

afterAll(async () => {
  http1Only?.closeAllConnections();
  await Promise.all([haproxy, apache, hypercorn, works, broken, noRfc8441, h2Only, backend].map((server) => server?.close()));
  await new Promise((resolve) => (http1Only ? http1Only.close(resolve) : resolve(undefined)));
  if (certificates) rmSync(certificates.dir, { recursive: true, force: true });
});

const check = (url: string, options: Parameters<typeof probe>[1] = {}): Promise<DoctorReport> => probe(url, { ca: certificates.ca, timeout: 5000, ...options });

describe('servers that carry WebSocket over HTTP/2', () => {
  it('HAProxy: both checks pass; ALPN accepts both, the SETTINGS advertise RFC 8441, the CONNECT as sent gets 200, a pong and a 1000', async () => {
    const before = backend.versions.length;
    const report = await check(`wss://127.0.0.1:${haproxy.port}/ws`, { protocols: [], origin: 'https://app.example' });
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.verdict.message).toContain('the same WebSocket works over HTTP/2 (RFC 8441)');
    const h2 = report.h2!;
    expect(h2).toMatchObject({ via: 'alpn', result: 'works', accepts: 'both', enableConnectProtocol: true, response: { status: 200 }, close: { code: 1000 } });
    expect(h2.tls).toMatchObject({ alpn: 'h2', verified: true });
    expect(h2.settings).toContainEqual({ id: 8, name: 'ENABLE_CONNECT_PROTOCOL', value: 1 });
    expect(h2.request!.headers.slice(0, 6)).toEqual([
      [':method', 'CONNECT'],
      [':protocol', 'websocket'],
      [':scheme', 'https'],
      [':path', '/ws'],
      [':authority', `127.0.0.1:${haproxy.port}`],
      ['sec-websocket-version', '13'],
    ]);
    expect(h2.request!.headers).toContainEqual(['origin', 'https://app.example']);
    expect(h2.request!.headers).toContainEqual(['sec-websocket-extensions', 'permessage-deflate; client_max_window_bits']);
    expect(h2.checks.map(({ name, ok }) => [name, ok])).toEqual([
      ['alpn', true],
      ['status', true],
      ['protocol', true],
      ['extensions', true],
      ['ping', true],
      ['close', true],
    ]);
    expect(h2.rtt).toBeGreaterThan(0);
    expect(report.steps.map((step) => step.name).filter((name) => name.startsWith('h2-'))).toEqual(['h2-tls', 'h2-settings', 'h2-connect', 'h2-ping', 'h2-close']);
    // HAProxy told the backend which version each WebSocket came over: 1.1 first, then 2.0.
    expect(backend.versions.slice(before)).toEqual(['1.1', '2.0']);
  });

  it('HAProxy in cleartext with proto h2: --http2 speaks it by prior knowledge; HTTP/1.1 is refused, so the cause is h2-only', async () => {
    const report = await check(`ws://127.0.0.1:${haproxy.cleartextPort}/ws`, { http2: true });
    expect(report.h2).toMatchObject({ via: 'prior-knowledge', result: 'works', enableConnectProtocol: true });
    expect(report.h2!.accepts).toBeUndefined();
    expect(report.h2!.request!.headers).toContainEqual([':scheme', 'http']);
    expect(report.verdict).toMatchObject({ ok: false, cause: 'h2-only', exitCode: 44 });
    expect(report.verdict.message).toContain('by prior knowledge alone');
    expect(report.verdict.message).toContain('browsers never do');
  });

  it('Apache httpd with H2WebSockets on and mod_proxy_wstunnel: works over HTTP/2 too', async () => {
    const report = await check(`wss://127.0.0.1:${apache.port}/ws`);
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.h2).toMatchObject({ result: 'works', accepts: 'both', enableConnectProtocol: true, close: { code: 1000 } });
  });

  it("hypercorn (Python's h2, an independent stack): works, its greeting skipped on the way to the pong", async () => {
    const report = await check(`wss://127.0.0.1:${hypercorn.port}/chat`);
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.h2).toMatchObject({ result: 'works', enableConnectProtocol: true, response: { status: 200 } });
    expect(report.h2!.response!.headers).toContainEqual(['server', 'hypercorn-h2']);
  });

  it("Node's http2 with enableConnectProtocol and a stream handler: works, and it saw an extended CONNECT", async () => {
    const before = works.arrivals.length;
    const report = await check(`wss://127.0.0.1:${works.port}/`);
    expect(report.verdict.ok).toBe(true);
    expect(report.h2!.result).toBe('works');
    expect(works.arrivals.slice(before)).toEqual(['http/1.1', 'h2']);
  });
});

describe('what breaks browsers while HTTP/1.1 clients work', () => {
  it('advertised, but the CONNECT answered 405: h2-connect-refused, exit 40, the body shown, and what to change', async () => {
    const report = await check(`wss://127.0.0.1:${broken.port}/ws`);
    expect(report.response?.status).toBe(101);
    expect(report.checks.every((line) => line.ok)).toBe(true);
    expect(report.h2).toMatchObject({ result: 'connect-refused', enableConnectProtocol: true, response: { status: 405 } });
    expect(report.h2!.checks).toContainEqual({ name: 'status', ok: false, expected: '200 (RFC 8441 §5)', got: '405' });
    expect(report.verdict).toMatchObject({ ok: false, cause: 'h2-connect-refused', kind: 'no-protocol-support', exitCode: 40 });
    expect(report.verdict.message).toBe(
      'HTTP/1.1 works, but over HTTP/2 the server advertises RFC 8441 and answered the extended CONNECT with 405: browsers that use it fail where HTTP/1.1 clients work',
    );
    expect(report.verdict.fix).toContain('or stop advertising it');
    expect(report.verdict.fix).toContain('nodejs/node#36977');
  });

  it('advertised, but the CONNECT reset: the RST_STREAM code by name, h2-connect-reset, exit 41', async () => {
    const report = await check(`wss://127.0.0.1:${broken.port}/reset`);
    expect(report.verdict.ok).toBe(false);
    expect(report.h2).toMatchObject({ result: 'connect-reset', reset: { code: 7, name: 'REFUSED_STREAM' } });
    expect(report.h2!.response).toBeUndefined();
    expect(report.verdict).toMatchObject({ cause: 'h2-connect-reset', kind: 'network', exitCode: 41 });
    expect(report.verdict.message).toContain('RST_STREAM REFUSED_STREAM (7)');
  });

  it('the CONNECT answered 200, then the stream ended before a pong: h2-websocket-broken, exit 42', async () => {
    const report = await check(`wss://127.0.0.1:${broken.port}/ended`);
    expect(report.h2).toMatchObject({ result: 'websocket-broken', response: { status: 200 } });
    expect(report.h2!.checks.at(-1)).toMatchObject({ name: 'ping', ok: false, got: 'the stream ended' });
    expect(report.verdict).toMatchObject({ cause: 'h2-websocket-broken', kind: 'heartbeat-timeout', exitCode: 42 });
  });

  it('h2 alone without RFC 8441: HTTP/1.1 refused by ALPN, so no browser can open a WebSocket: h2-only-no-websocket, exit 43', async () => {
    const report = await check(`wss://127.0.0.1:${h2Only.port}/ws`);
    expect(report.steps.find((step) => step.name === 'tls')).toMatchObject({ ok: false, detail: 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL' });
    expect(report.h2).toMatchObject({ result: 'not-advertised', accepts: 'h2', enableConnectProtocol: false });
    expect(report.verdict).toMatchObject({ ok: false, cause: 'h2-only-no-websocket', kind: 'no-protocol-support', exitCode: 43 });
    expect(report.verdict.message).toContain('refused ALPN http/1.1');
  });
});

describe('what is fine', () => {
  it('HTTP/2 without RFC 8441 (as nginx): browsers use HTTP/1.1, exit 0', async () => {
    const report = await check(`wss://127.0.0.1:${noRfc8441.port}/ws`);
    expect(report.h2).toMatchObject({ result: 'not-advertised', accepts: 'both', enableConnectProtocol: false });
    expect(report.h2!.request).toBeUndefined();
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.verdict.message).toContain('browsers use HTTP/1.1 for WebSockets (fine)');
  });

  it("no HTTP/2 at all (Node's https, which offers http/1.1 alone by ALPN and refuses h2 with an alert): exit 0", async () => {
    const report = await check(`wss://127.0.0.1:${http1OnlyPort}/`);
    expect(report.h2).toMatchObject({ result: 'no-h2', accepts: 'http/1.1' });
    expect(report.h2!.checks).toEqual([{ name: 'alpn', ok: false, expected: 'h2', got: 'refused (no_application_protocol alert)' }]);
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
    expect(report.verdict.message).toContain('no HTTP/2 here');
  });

  it('by prior knowledge to an HTTP/1.1 server: no-h2, exit 0', async () => {
    const report = await check(`ws://127.0.0.1:${backend.port}/`, { http2: true });
    expect(report.h2).toMatchObject({ via: 'prior-knowledge', result: 'no-h2' });
    expect(report.verdict).toMatchObject({ ok: true, exitCode: 0 });
  });
});

describe('when HTTP/2 is checked', () => {
  it('not for ws: unless asked, not with http2: false, not after a certificate that failed, not through a proxy', async () => {
    expect((await check(`ws://127.0.0.1:${backend.port}/`)).h2).toBeUndefined();
    expect((await check(`wss://127.0.0.1:${haproxy.port}/ws`, { http2: false })).h2).toBeUndefined();
    const untrusted = await probe(`wss://127.0.0.1:${haproxy.port}/ws`, { timeout: 5000 });
    expect(untrusted.verdict.kind).toBe('tls');
    expect(untrusted.h2).toBeUndefined();
    // The proxy's port is closed: what matters is that no HTTP/2 connection goes around it.
    const proxied = await check(`wss://127.0.0.1:${haproxy.port}/ws`, { proxy: 'http://127.0.0.1:1' });
    expect(proxied.h2).toBeUndefined();
  });

  it('with --insecure after a certificate that failed, as the HTTP/1.1 check goes on', async () => {
    const report = await probe(`wss://127.0.0.1:${haproxy.port}/ws`, { insecure: true, timeout: 5000 });
    expect(report.h2).toMatchObject({ result: 'works', tls: { verified: false } });
  });

  it('rejects an http2 option that is not true, false or auto', async () => {
    await expect(probe('wss://127.0.0.1:1/', { http2: 'yes' as never })).rejects.toThrow(SteadySocketError);
    await expect(probe('wss://127.0.0.1:1/', { http2: 'yes' as never })).rejects.toThrow("http2 must be true, false or 'auto', got \"yes\"");
  });
});

describe('the CONNECT as sent', () => {
  it('masks query values and credentials as the HTTP/1.1 request does, and token subprotocols', async () => {
    const report = await check(`wss://alice:s3cret@127.0.0.1:${hypercorn.port}/chat?token=abc123`, { protocols: ['chat', 'token.xyz789'], headers: { 'X-Api-Key': 'k-42' } });
    const text = JSON.stringify(report.h2) + formatReport(report);
    for (const secret of ['s3cret', 'abc123', 'xyz789', 'k-42', Buffer.from('alice:s3cret').toString('base64')]) expect(text).not.toContain(secret);
    expect(report.h2!.request!.headers).toContainEqual([':path', '/chat?token=***']);
    expect(report.h2!.request!.headers).toContainEqual(['authorization', '***']);
    expect(report.h2!.request!.headers).toContainEqual(['x-api-key', '***']);
  });

  it("a user's Host becomes :authority; connection-specific headers are left out (HTTP/2 forbids them) and said so", async () => {
    const report = await check(`wss://127.0.0.1:${works.port}/`, { headers: [['Host', `localhost:${works.port}`], ['Connection', 'keep-alive'], ['User-Agent', '']] });
    const fields = report.h2!.request!.headers;
    expect(fields).toContainEqual([':authority', `localhost:${works.port}`]);
    expect(fields.map(([name]) => name)).not.toContain('connection');
    expect(fields.map(([name]) => name)).not.toContain('user-agent');
    expect(report.steps.find((step) => step.name === 'h2-connect')!.detail).toContain('left out, not allowed in HTTP/2: Connection');
  });
});

describe('formatReport of the HTTP/2 check', () => {
  it('prints what ALPN accepts, the SETTINGS, the CONNECT both ways, the checks and the verdict with its exit code', async () => {
    const text = formatReport(await check(`wss://127.0.0.1:${broken.port}/ws`));
    for (const line of [
      'WebSocket over HTTP/2 (RFC 8441), a second connection with ALPN h2:',
      'the server accepts by ALPN: h2 and http/1.1',
      'ENABLE_CONNECT_PROTOCOL = 1  (RFC 8441: WebSockets over HTTP/2 allowed)',
      '   > :method: CONNECT',
      '   > :protocol: websocket',
      '   < :status: 405',
      'FAIL status     expected 200 (RFC 8441 §5), got 405',
      'h2-connect-refused: HTTP/1.1 works, but over HTTP/2',
      'exit code 40',
    ])
      expect(text).toContain(line);
    expect(text.indexOf('Checks')).toBeLessThan(text.indexOf('HTTP/2: TLS with ALPN h2'));
    expect(formatReport(await check(`wss://127.0.0.1:${broken.port}/reset`))).toContain('< RST_STREAM REFUSED_STREAM (7)');
    const fine = formatReport(await check(`wss://127.0.0.1:${noRfc8441.port}/ws`));
    expect(fine).toContain('no ENABLE_CONNECT_PROTOCOL = 1: browsers open WebSockets over HTTP/1.1');
  });
});
