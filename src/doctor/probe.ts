import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { classifyNodeError, responseError } from '../classify';
import type { ErrorKind } from '../errors';
import { redactUrl } from '../url';
import { advise, CAUSE_EXIT_CODES, EXIT_CODES, hintFor, serverOf, type Detail } from './advice';
import { check, type Checked } from './check';
import { pingAndClose, upgradeChecks } from './checks';
import { combine } from './combine';
import { probeH2 } from './h2';
import { looksLikeFrame, probeH2c, H2C_SETTINGS } from './h2c';
import { connectHead, connectLines, refusalCause, type Proxy } from './proxy';
import { masked, redactHead } from './redact';
import type { DoctorOptions, DoctorReport, StepName } from './report';
import { connectTcp, header, headLength, hex, parseHead, readBody, resolve, show, since, startTls, Wire, type Head } from './wire';

/**
 * Runs one opening handshake by hand and reports every step: DNS, TCP, TLS, the request as sent, the
 * answer as received, the RFC 6455 checks of a 101, a ping and a close; or, for `upgrade: 'h2c'`, the
 * HTTP/2 cleartext upgrade and prior knowledge. Then, for `wss:` (or with `http2: true`), the same
 * WebSocket over HTTP/2 (RFC 8441) on a connection of its own, in `report.h2`. The verdict's kind is the
 * one the client reports; how the two checks make one verdict is `combine()`'s.
 */
export async function probe(target: string, options: DoctorOptions = {}): Promise<DoctorReport> {
  const checked = check(target, options);
  const report = await http1(checked, options);
  const { url, http2, proxy, upgrade } = checked;
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  // Through a proxy, node:http2's own connection would go around it; another Upgrade token is no WebSocket.
  if (http2 === false || (http2 === 'auto' && !secure) || proxy || upgrade.toLowerCase() !== 'websocket') return report;
  const reached = report.steps.some((step) => step.name === 'tcp' && step.ok);
  const tlsStep = report.steps.find((step) => step.name === 'tls');
  // Nothing is sent over a certificate that failed verification; other TLS failures may be ALPN's.
  const tlsRefusedAlpn = !!tlsStep && !tlsStep.ok && /NO_APPLICATION_PROTOCOL/.test(tlsStep.detail);
  if (!reached || (secure && !tlsRefusedAlpn && !(report.tls && (report.tls.verified || options.insecure)))) return report;
  report.h2 = await probeH2({
    url,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    address: report.dns!.used,
    port: Number(url.port) || (secure ? 443 : 80),
    secure,
    ca: options.ca,
    insecure: !!options.insecure,
    timeout: checked.timeout,
    protocols: checked.protocols,
    origin: options.origin,
    headers: checked.headers,
    step: (name, ok, start, detail) => void report.steps.push({ name, ok, ms: since(start), detail }),
  });
  // Refused HTTP/1.1 itself: by ALPN over TLS; in cleartext by answering with HTTP/2 frames, or by
  // closing without a word (HAProxy's `proto h2`), which combine() believes only if HTTP/2 answered.
  const silent = /HTTP\/2 with prior knowledge only|closed the connection without answering/.test(report.verdict.message);
  return combine(report, tlsRefusedAlpn || (!secure && !report.response && !report.verdict.ok && silent));
}

/** The HTTP/1.1 handshake (or another Upgrade token's), step by step. */
async function http1(checked: Checked, options: DoctorOptions): Promise<DoctorReport> {
  const { url, headers, timeout, upgrade, protocols, proxy } = checked;
  const mode = upgrade.toLowerCase() === 'websocket' ? 'websocket' : upgrade.toLowerCase() === 'h2c' ? 'h2c' : 'other';
  const report: DoctorReport = { url: redactUrl(url.href), upgrade, steps: [], checks: [], verdict: { ok: false, message: '', exitCode: 1 } };
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  const port = Number(url.port) || (secure ? 443 : 80);
  // The server's name without IPv6 brackets: what TLS verifies and names (SNI).
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const step = (name: StepName, ok: boolean, start: number, detail: string): void => void report.steps.push({ name, ok, ms: since(start), detail });
  const fail = (kind: ErrorKind, message: string, detail: Detail = {}): DoctorReport => {
    const full: Detail = { insecure: !!options.insecure, ...detail };
    // The client's hints speak of WebSocket; another upgrade gets the advice alone, unless a proxy failed.
    const hint = mode === 'websocket' || detail.cause ? hintFor(kind, full) : undefined;
    const exitCode = detail.cause ? CAUSE_EXIT_CODES[detail.cause] : (EXIT_CODES[kind] ?? 1);
    report.verdict = { ok: false, kind, cause: detail.cause, message, hint, fix: advise(kind, full) || undefined, exitCode };
    return report;
  };
  const failed = (error: Error & { code?: string }, detail: Detail = {}): DoctorReport =>
    fail(classifyNodeError(error, 0, false).kind, error.code ? `${error.code}: ${error.message}` : error.message, detail);

  // 1. DNS: the server's name, or the proxy's (the proxy resolves the server's name itself).
  const dial = proxy ? { name: proxy.host, port: proxy.port } : { name: host, port };
  const toProxy: Detail = proxy ? { cause: 'proxy-unreachable' } : {};
  if (proxy) report.proxy = { url: proxy.shown };
  let start = performance.now();
  try {
    report.dns = await resolve(dial.name);
    step('dns', true, start, report.dns.addresses.map(({ address }) => address).join(', ') + ` (using ${report.dns.used})`);
  } catch (error) {
    step('dns', false, start, String((error as Error & { code?: string }).code ?? error));
    const code = (error as Error & { code?: string }).code;
    return proxy ? fail(classifyNodeError(error as Error, 0, false).kind, `the proxy's name ${proxy.host} did not resolve: ${code ?? String(error)}`, toProxy) : failed(error as Error);
  }

  // 2. TCP
  start = performance.now();
  const where = `${proxy ? 'the proxy at ' : ''}${report.dns.used}:${dial.port}`;
  const tcp = await connectTcp(report.dns.used, dial.port, start + timeout);
  if (!tcp) return step('tcp', false, start, 'no connection in time'), fail('timeout', `no TCP connection to ${where} within ${timeout} ms`, { step: 'tcp', ...toProxy });
  if (tcp instanceof Error) {
    step('tcp', false, start, tcp.code ?? tcp.message);
    return proxy ? fail(classifyNodeError(tcp, 0, false).kind, `no connection to ${where}: ${tcp.code ?? tcp.message}`, { step: 'tcp', ...toProxy }) : failed(tcp, { step: 'tcp' });
  }
  step('tcp', true, start, `connected to ${where}`);

  // 2b. The tunnel through the proxy.
  if (proxy) {
    const refused = await tunnel(tcp, proxy);
    if (refused) return refused;
  }

  // 3. TLS
  let socket = tcp;
  if (secure) {
    start = performance.now();
    const { tls, facts, error } = await startTls(tcp, host, { ca: options.ca, alpn: ['http/1.1'] }, start + timeout);
    if (!tls || !facts) {
      tcp.destroy();
      step('tls', false, start, error ? (error.code ?? error.message) : 'no TLS handshake in time');
      return error ? failed(error, { step: 'tls' }) : fail('timeout', `no TLS handshake within ${timeout} ms`, { step: 'tls' });
    }
    report.tls = facts;
    step('tls', facts.verified, start, `${facts.version}, ${facts.cipher}${facts.verified ? ', certificate verified' : `, certificate NOT verified: ${facts.reason}`}`);
    if (!facts.verified && !options.insecure) {
      tls.destroy();
      // Nothing is sent over a connection that failed verification: the request may carry credentials.
      return fail('tls', `certificate verification failed: ${facts.reason}`);
    }
    socket = tls;
  }
  const wire = new Wire(socket);
  try {
    return await exchange(wire);
  } finally {
    wire.destroy();
  }

  /** CONNECT host:port, and the proxy's answer: undefined when the tunnel is open, the report otherwise. */
  async function tunnel(socket: Socket, proxy: Proxy): Promise<DoctorReport | undefined> {
    const authority = `${url.hostname}:${port}`;
    const lines = connectLines(authority, proxy);
    const wire = new Wire(socket);
    start = performance.now();
    wire.write(connectHead(authority, lines));
    report.proxy!.request = { head: redactHead(lines, `CONNECT ${authority} HTTP/1.1`) };
    const notHttp = (buffer: Buffer): boolean => buffer.length >= 5 && !buffer.subarray(0, 5).equals(Buffer.from('HTTP/'));
    const got = await wire.read((buffer) => (notHttp(buffer) ? buffer.length : (headLength(buffer) ?? (buffer.length > 65536 ? buffer.length : undefined))), start + timeout);
    const head = got && parseHead(got.toString('latin1'));
    const gone: Detail = { cause: 'proxy-failed', step: 'proxy' };
    if (!head) {
      // Bytes that are no HTTP head (a banner, TLS, a head cut short), else nothing at all.
      const bytes = got ?? wire.buffer;
      if (bytes.length) report.raw = show(bytes.subarray(0, 512));
      const why = bytes.length ? 'an answer that is not HTTP' : wire.error ? (wire.error.code ?? wire.error.message) : wire.ended ? 'the proxy closed the connection without answering' : 'no answer in time';
      step('proxy', false, start, why);
      wire.destroy();
      if (bytes.length) return fail('no-protocol-support', 'the proxy answered CONNECT with something that is not HTTP', gone);
      if (wire.error) return failed(wire.error, gone);
      return wire.ended ? fail('network', 'the proxy closed the connection without answering CONNECT', gone) : fail('timeout', `the proxy did not answer CONNECT within ${timeout} ms`, gone);
    }
    const statusLine = `HTTP/${head.httpVersion} ${head.status}${head.statusText ? ' ' + head.statusText : ''}`;
    report.proxy!.response = { ...head, headers: masked(head.headers), head: redactHead(head.headers, statusLine) };
    const open = head.status >= 200 && head.status < 300;
    step('proxy', open, start, `CONNECT ${authority}: ${head.status} ${head.statusText}`.trim());
    if (open) {
      // A proxy says nothing more before the server does; if it did, those bytes are the server's.
      const early = wire.release();
      if (early.length) socket.unshift(early);
      return undefined;
    }
    report.proxy!.response.body = await readBody(wire, head, start + timeout);
    wire.destroy();
    const error = responseError(head.status, Object.fromEntries(head.headers.map(([name, value]) => [name.toLowerCase(), value])), 0);
    const cause = refusalCause(head.status);
    const challenge = head.status === 407 ? header(head.headers, 'proxy-authenticate') : undefined;
    return fail(error.kind, `the proxy answered CONNECT with ${head.status}${head.statusText ? ' ' + head.statusText : ''}${challenge ? ` (Proxy-Authenticate: ${challenge})` : ''}`, {
      cause,
      status: head.status,
      proxyCredentials: !!proxy.authorization,
    });
  }

  async function exchange(wire: Wire): Promise<DoctorReport> {
    // 4. The request
    const lines: [string, string][] = [['Host', url.host]];
    if (mode === 'websocket') {
      lines.push(['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Key', randomBytes(16).toString('base64')], ['Sec-WebSocket-Version', '13']);
      if (protocols.length) lines.push(['Sec-WebSocket-Protocol', protocols.join(', ')]);
      lines.push(['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits']);
    } else if (mode === 'h2c') lines.push(['Connection', 'Upgrade, HTTP2-Settings'], ['Upgrade', 'h2c'], ['HTTP2-Settings', H2C_SETTINGS]);
    else lines.push(['Connection', 'Upgrade'], ['Upgrade', upgrade]);
    if (options.origin) lines.push(['Origin', options.origin]);
    if (url.username || url.password) {
      const user = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      lines.push(['Authorization', `Basic ${Buffer.from(user).toString('base64')}`]);
    }
    lines.push(['User-Agent', 'steadysocket-doctor']);
    // A user's header replaces the default of the same name where it stands, and an empty one removes
    // it, as curl's -H does: two Host lines are a 400 (RFC 9112 §3.2). Other names are added as given.
    const defaults = new Set(lines.map(([name]) => name.toLowerCase()));
    for (const [name, value] of headers) {
      const lower = name.toLowerCase();
      const at = defaults.has(lower) ? lines.findIndex(([line]) => line.toLowerCase() === lower) : -1;
      if (at < 0) {
        if (value) lines.push([name, value]);
        continue;
      }
      defaults.delete(lower);
      if (value) lines[at] = [name, value];
      else lines.splice(at, 1);
    }
    const key = header(lines, 'sec-websocket-key') ?? '';
    const requestTarget = url.pathname + url.search;
    start = performance.now();
    wire.write(`GET ${requestTarget} HTTP/1.1\r\n${lines.map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n`);
    report.request = { head: redactHead(lines, `GET ${redactUrl(requestTarget)} HTTP/1.1`) };
    step('request', true, start, `GET ${redactUrl(requestTarget)} with Upgrade: ${upgrade}`);

    // 5. The answer: an HTTP/1.1 head, or bytes that are not HTTP (an HTTP/2 frame, a banner, TLS).
    const sent = performance.now();
    const notHttp = (buffer: Buffer): boolean => buffer.length >= 5 ? !buffer.subarray(0, 5).equals(Buffer.from('HTTP/')) : !'HTTP/'.startsWith(buffer.toString('latin1'));
    const got = await wire.read((buffer) => (notHttp(buffer) ? (buffer.length >= 9 || wire.ended ? buffer.length : undefined) : headLength(buffer) ?? (buffer.length > 65536 ? buffer.length : undefined)), sent + timeout);
    if (!got || !got.length) {
      if (wire.buffer.length) report.raw = show(wire.buffer.subarray(0, 512));
      step('response', false, sent, wire.error ? (wire.error.code ?? wire.error.message) : wire.ended ? 'the server closed the connection without an answer' : 'no answer in time');
      if (wire.error) return failed(wire.error, { step: 'response' });
      if (wire.ended) return fail(wire.buffer.length ? 'no-protocol-support' : 'network', wire.buffer.length ? 'the server sent a partial answer and closed' : 'the server closed the connection without answering');
      return fail('timeout', `no answer within ${timeout} ms`, { step: 'response' });
    }
    if (notHttp(got)) {
      report.raw = show(got.subarray(0, 512));
      step('response', false, sent, `${got.length} bytes that are not HTTP/1.1`);
      if (mode === 'h2c') {
        report.h2c = await probeH2c(wire, { bytes: got }, url, timeout, step, !proxy);
        return h2cVerdict();
      }
      const tlsRecord = got[0] === 0x15 || got[0] === 0x16;
      return fail(
        'no-protocol-support',
        tlsRecord
          ? 'the server answered with TLS: use wss: (or https:) for this port'
          : looksLikeFrame(got)
            ? 'the server speaks HTTP/2 with prior knowledge only (it answered with HTTP/2 frames), and WebSocket needs HTTP/1.1 here'
            : 'the server does not speak HTTP/1.1 here',
      );
    }
    const head = parseHead(got.toString('latin1'));
    if (!head) {
      report.raw = show(got.subarray(0, 512));
      step('response', false, sent, 'a malformed HTTP head');
      return fail('no-protocol-support', 'the server sent a malformed HTTP response head');
    }
    // A redirect's target may carry a token in its query, as the URL may.
    const shown = head.headers.map(([name, value]): [string, string] => [name, /^location$/i.test(name) ? redactUrl(value) : value]);
    const shownHead = redactHead(shown, `HTTP/${head.httpVersion} ${head.status}${head.statusText ? ' ' + head.statusText : ''}`);
    report.response = { ...head, head: shownHead, ttfb: Math.round((wire.firstByteAt! - sent) * 10) / 10 };
    report.response.headers = masked(shown);
    step('response', head.status === 101, sent, `${head.status} ${head.statusText}`.trim());

    if (head.status !== 101) {
      report.response.body = await readBody(wire, head, sent + timeout);
      report.checks.push({ name: 'status', ok: false, expected: '101 Switching Protocols', got: `${head.status} ${head.statusText}`.trim() });
      if (mode === 'h2c') {
        report.h2c = await probeH2c(wire, { head, upgraded: report.checks.every((line) => line.ok || line.name === 'status') }, url, timeout, step, !proxy);
        return h2cVerdict();
      }
      const error = responseError(head.status, Object.fromEntries(head.headers.map(([name, value]) => [name.toLowerCase(), value])), 0);
      // RFC 6585 §5: the request head was too big, which says nothing about WebSocket support.
      if (head.status === 431) return fail(error.kind, 'the server answered 431: the request headers are too large', { status: 431, cause: 'headers-too-large' });
      const server = serverOf(head.headers, report.response.body?.text);
      return fail(error.kind, error.message, { status: head.status, location: error.headers?.location, server, path: url.pathname });
    }
    report.checks.push({ name: 'status', ok: true, expected: '101 Switching Protocols', got: `101 ${head.statusText}`.trim() });
    const upgradeGot = header(head.headers, 'upgrade');
    const connection = header(head.headers, 'connection');
    report.checks.push(
      { name: 'upgrade', ok: upgradeGot?.toLowerCase() === upgrade.toLowerCase(), expected: upgrade, got: upgradeGot ?? '(absent)' },
      { name: 'connection', ok: !!connection?.split(',').some((token) => token.trim().toLowerCase() === 'upgrade'), expected: 'contains Upgrade', got: connection ?? '(absent)' },
    );
    if (mode === 'h2c') {
      report.h2c = await probeH2c(wire, { head, upgraded: report.checks.every((line) => line.ok || line.name === 'status') }, url, timeout, step, !proxy);
      return h2cVerdict();
    }
    if (mode === 'other') {
      const after = await wire.read((buffer) => (buffer.length >= 64 ? 64 : undefined), performance.now() + Math.min(timeout, 300));
      const bytes = after ?? wire.buffer.subarray(0, 64);
      // In hex always: a protocol's first bytes are often binary, and exact is what helps.
      if (bytes.length) report.after = { ...show(bytes), hex: hex(bytes) };
      const bad = report.checks.find((line) => !line.ok);
      return bad ? fail('bad-upgrade-header', `the 101 fails the ${bad.name} check`, { check: bad.name }) : ok(`the server switched to ${upgrade}`);
    }
    return websocketChecks(wire, head, key);
  }

  async function websocketChecks(wire: Wire, head: Head, key: string): Promise<DoctorReport> {
    const { checks, echoed } = upgradeChecks(head, key, protocols);
    report.checks.push(...checks);
    const bad = report.checks.find((line) => !line.ok);
    if (bad) {
      const kind: ErrorKind = bad.name === 'protocol' ? 'subprotocol-mismatch' : bad.name === 'extensions' ? 'extension-mismatch' : 'bad-upgrade-header';
      return fail(kind, `the 101 fails the ${bad.name} check: expected ${bad.expected}, got ${bad.got}`, { check: bad.name, echoed });
    }

    // 6. A ping and a clean close over the open connection.
    const failedCheck = await pingAndClose(wire, timeout, report, step);
    const got = report.checks.at(-1)!.got;
    if (failedCheck === 'ping') return fail('heartbeat-timeout', `the connection opened, but the ping got ${got}`, { check: 'ping' });
    if (failedCheck === 'close') return fail('protocol-error', `the closing handshake got ${got}`, { check: 'close' });
    return ok('the WebSocket opened, answered a ping and closed cleanly');
  }

  function ok(message: string): DoctorReport {
    report.verdict = { ok: true, message, exitCode: 0 };
    return report;
  }

  function h2cVerdict(): DoctorReport {
    const h2c = report.h2c!;
    if (h2c.settings) report.checks.push({ name: 'settings', ok: h2c.result === 'supported', expected: 'a SETTINGS frame on stream 0, length a multiple of 6', got: h2c.frame ?? '(none)' });
    switch (h2c.result) {
      case 'supported':
        return ok('the server upgraded to HTTP/2 (h2c) and sent its SETTINGS');
      case 'prior-knowledge-only':
        return fail('no-protocol-support', 'the server speaks HTTP/2 with prior knowledge only: it answered the HTTP/1.1 request with HTTP/2 frames', { check: 'h2c:prior-knowledge-only' });
      case 'ignored':
        return fail('no-protocol-support', `the server ignores Upgrade: h2c (it answered ${report.response?.status} over HTTP/1.1)`, { check: 'h2c:ignored' });
      case 'not-http':
        return fail('no-protocol-support', 'the server does not speak HTTP here');
      default:
        return fail('bad-upgrade-header', `a broken h2c upgrade: ${h2c.detail}`, { check: 'h2c:broken-upgrade' });
    }
  }
}
