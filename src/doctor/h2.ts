import { randomBytes } from 'node:crypto';
import { connect as http2Connect, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type Settings } from 'node:http2';
import { Duplex } from 'node:stream';
import { maskProtocols, redactUrl } from '../url';
import { clientFrame, closeOf, closePayload, nextFrame, OPCODE } from './frames';
import { SETTING_NAMES } from './h2c';
import { masked, redactHead } from './redact';
import type { DoctorBytes, H2Report, H2Setting, StepName } from './report';
import { connectTcp, show, since, startTls, Wire } from './wire';

// RFC 8441: a WebSocket over HTTP/2 is an extended CONNECT (`:method: CONNECT`, `:protocol: websocket`)
// answered with 200, allowed only where the server's SETTINGS carry ENABLE_CONNECT_PROTOCOL = 1 (§3).
// There are no Upgrade, Connection nor Sec-WebSocket-Key/Accept (§5); the frames are RFC 6455's,
// masked as ever, carried in DATA frames; END_STREAM ends it after the close (§5.1 of RFC 9113 for the
// stream's states). This runs on a connection of its own, through node:http2's public client.

/** RFC 9113 §7's error codes, by number. */
const ERROR_NAMES = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED',
];

/** An HTTP/2 error code's name (RFC 9113 §7), or its number in hex when unknown. */
export const errorName = (code: number): string => ERROR_NAMES[code] ?? `0x${code.toString(16)}`;

// RFC 9113 §8.2.2: connection-specific fields are malformed in HTTP/2 (node:http2 refuses them); Host is
// `:authority` (§8.3.1).
const CONNECTION_SPECIFIC = /^(connection|upgrade|keep-alive|proxy-connection|transfer-encoding)$/i;

type Step = (name: StepName, ok: boolean, start: number, detail: string) => void;

/** What the HTTP/2 probe needs of the HTTP/1.1 one. */
export interface H2Input {
  url: URL;
  /** The name TLS verifies (SNI), without IPv6 brackets. */
  host: string;
  /** The address connected to, as the HTTP/1.1 probe used it. */
  address: string;
  port: number;
  secure: boolean;
  ca?: string | Buffer | (string | Buffer)[];
  insecure: boolean;
  timeout: number;
  protocols: string[];
  origin?: string;
  headers: [string, string][];
  step: Step;
}

/** The extended CONNECT's fields, pseudo-headers first (RFC 9113 §8.3), then what a browser sends. */
export function connectFields({ url, protocols, origin, headers, secure }: Pick<H2Input, 'url' | 'protocols' | 'origin' | 'headers' | 'secure'>): { fields: [string, string][]; dropped: string[] } {
  const fields: [string, string][] = [
    [':method', 'CONNECT'],
    [':protocol', 'websocket'],
    [':scheme', secure ? 'https' : 'http'],
    [':path', url.pathname + url.search],
    [':authority', url.host],
    ['sec-websocket-version', '13'],
  ];
  if (protocols.length) fields.push(['sec-websocket-protocol', protocols.join(', ')]);
  fields.push(['sec-websocket-extensions', 'permessage-deflate; client_max_window_bits']);
  if (origin) fields.push(['origin', origin]);
  if (url.username || url.password) fields.push(['authorization', `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`]);
  fields.push(['user-agent', 'steadysocket-doctor']);
  // As over HTTP/1.1: a user's field replaces the default of the same name, an empty one removes it.
  const defaults = new Set(fields.map(([name]) => name));
  const dropped: string[] = [];
  for (const [given, value] of headers) {
    const name = given.toLowerCase() === 'host' ? ':authority' : given.toLowerCase();
    if (CONNECTION_SPECIFIC.test(name)) {
      dropped.push(given);
      continue;
    }
    const at = defaults.has(name) ? fields.findIndex(([field]) => field === name) : -1;
    if (at < 0) {
      if (value) fields.push([name, value]);
      continue;
    }
    defaults.delete(name);
    if (value || name.startsWith(':')) fields[at] = [name, value || fields[at]![1]];
    else fields.splice(at, 1);
  }
  return { fields, dropped };
}

/** The fields as the report shows them: `:path` and `:authority`'s secrets and every secret value masked. */
function shownFields(fields: [string, string][]): [string, string][] {
  return masked(fields.map(([name, value]): [string, string] => [name, name === ':path' ? redactUrl(value) : name === 'sec-websocket-protocol' ? maskProtocols(value.split(/\s*,\s*/)).join(', ') : value]));
}

const headerList = (headers: IncomingHttpHeaders): [string, string][] =>
  Object.entries(headers).flatMap(([name, value]): [string, string][] => (value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : String(value)]]));

/**
 * Passes a connection's bytes to node:http2 unchanged, and hands the first SETTINGS frame the server
 * sends (RFC 9113 §3.4: its preface) to `onSettings`: node:http2 shows settings merged with their
 * defaults, not what the server sent.
 */
function tap(socket: Duplex, onSettings: (payload: Buffer) => void): Duplex {
  let seen: Buffer | undefined = Buffer.alloc(0);
  const duplex = new Duplex({
    read: () => void socket.resume(),
    write: (chunk: Buffer, _encoding, callback) => void socket.write(chunk, callback),
    final: (callback) => (socket.end(), callback()),
    destroy: (error, callback) => (socket.destroy(), callback(error)),
  });
  socket.on('data', (chunk: Buffer) => {
    if (seen) {
      seen = Buffer.concat([seen, chunk]);
      while (seen && seen.length >= 9) {
        const length = seen.readUIntBE(0, 3);
        if (seen.length < 9 + length) break;
        const [type, flags, stream] = [seen[3]!, seen[4]!, seen.readUInt32BE(5) & 0x7fffffff];
        if (type === 4 && !(flags & 1) && stream === 0) {
          onSettings(seen.subarray(9, 9 + length));
          seen = undefined;
        } else seen = seen.subarray(9 + length);
      }
    }
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on('end', () => duplex.push(null));
  socket.on('error', (error) => duplex.destroy(error));
  return duplex;
}

const parseSettings = (payload: Buffer): H2Setting[] => {
  const settings: H2Setting[] = [];
  for (let offset = 0; offset + 6 <= payload.length; offset += 6) {
    const id = payload.readUInt16BE(offset);
    settings.push({ id, name: SETTING_NAMES[id] ?? `0x${id.toString(16)}`, value: payload.readUInt32BE(offset + 2) });
  }
  return settings;
};

/** Resolves with the first of `events` on `emitter`, or undefined at the deadline. */
function first<T>(deadline: number, wire: (settle: (value: T) => void) => void): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - performance.now()));
    wire((value) => (clearTimeout(timer), resolve(value)));
  });
}

/** Connects with HTTP/2 (ALPN h2 over TLS, or prior knowledge), reads the SETTINGS, and tries RFC 8441's WebSocket. */
export async function probeH2(input: H2Input): Promise<H2Report> {
  const { secure, timeout, step } = input;
  const report: H2Report = { via: secure ? 'alpn' : 'prior-knowledge', result: 'failed', detail: '', checks: [] };
  const end = (result: H2Report['result'], detail: string): H2Report => Object.assign(report, { result, detail });
  let start = performance.now();
  const tcp = await connectTcp(input.address, input.port, start + timeout);
  const firstStep: StepName = secure ? 'h2-tls' : 'h2-settings';
  if (!tcp || tcp instanceof Error) {
    report.error = tcp ? (tcp.code ?? tcp.message) : 'no connection in time';
    step(firstStep, false, start, report.error);
    return end('failed', `no second connection for HTTP/2: ${report.error}`);
  }
  // Small frames both ways (a CONNECT, then a ping): without it Nagle's algorithm holds them for ~40 ms.
  tcp.setNoDelay(true);
  let socket: Duplex = tcp;
  if (secure) {
    const { tls, facts, error } = await startTls(tcp, input.host, { ca: input.ca, alpn: ['h2'] }, start + timeout);
    if (!tls || !facts) {
      tcp.destroy();
      report.error = error ? (error.code ?? error.message) : 'no TLS handshake in time';
      step('h2-tls', false, start, report.error);
      // OpenSSL's answer when the server offers none of the protocols asked for (RFC 7301 §3.2).
      if (error?.code === 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL') {
        report.checks.push({ name: 'alpn', ok: false, expected: 'h2', got: 'refused (no_application_protocol alert)' });
        return end('no-h2', 'the server refused ALPN h2: it does not speak HTTP/2 over TLS here');
      }
      return end('failed', `the TLS handshake with ALPN h2 failed: ${report.error}`);
    }
    report.tls = facts;
    const h2 = facts.alpn === 'h2';
    report.checks.push({ name: 'alpn', ok: h2, expected: 'h2', got: facts.alpn || 'none: the server does no ALPN' });
    step('h2-tls', h2, start, `ALPN ${facts.alpn || 'none'}, ${facts.version}, ${facts.cipher}`);
    if (!h2) {
      tls.destroy();
      return end('no-h2', `the server did not choose h2 by ALPN (${facts.alpn || 'no ALPN'}): no HTTP/2 over TLS here`);
    }
    if (!facts.verified && !input.insecure) {
      tls.destroy();
      return end('failed', `certificate verification failed: ${facts.reason}`);
    }
    socket = tls;
  }

  // The connection preface both ways, then the server's SETTINGS.
  start = performance.now();
  let wireSettings: Buffer | undefined;
  const session: ClientHttp2Session = http2Connect(input.url.origin.replace(/^ws/, 'http'), {
    createConnection: () => tap(socket, (payload) => (wireSettings = payload)),
    settings: { enablePush: false },
  });
  let sessionError: (Error & { code?: string }) | undefined;
  session.on('error', (error: Error & { code?: string }) => (sessionError ??= error));
  let sessionClosed = false;
  session.once('close', () => (sessionClosed = true));
  session.on('goaway', (code: number) => (report.goaway = { code, name: errorName(code) }));
  try {
    const remote = await first<Settings | undefined>(start + timeout, (settle) => {
      session.once('remoteSettings', settle);
      session.once('close', () => settle(undefined));
    });
    if (!remote) {
      report.error = sessionError ? (sessionError.code ?? sessionError.message) : session.closed || session.destroyed ? 'the connection closed' : 'no SETTINGS in time';
      step('h2-settings', false, start, report.error);
      // By prior knowledge, a server that does not speak HTTP/2 answers the preface with HTTP/1.1 or closes.
      return secure ? end('failed', `HTTP/2 was agreed by ALPN, but the connection failed before the server's SETTINGS: ${report.error}`) : end('no-h2', `no HTTP/2 by prior knowledge: ${report.error}`);
    }
    report.settings = wireSettings ? parseSettings(wireSettings) : undefined;
    const advertised = report.settings ? report.settings.some(({ id, value }) => id === 8 && value === 1) : remote.enableConnectProtocol === true;
    report.enableConnectProtocol = advertised;
    const count = report.settings?.length ?? 0;
    step('h2-settings', true, start, `SETTINGS with ${count} setting${count === 1 ? '' : 's'}; ENABLE_CONNECT_PROTOCOL ${advertised ? '= 1' : 'not set'}`);
    if (!advertised) return end('not-advertised', 'HTTP/2 without SETTINGS_ENABLE_CONNECT_PROTOCOL: no WebSocket over HTTP/2 here');
    return await extendedConnect(session);
  } finally {
    session.destroy();
  }

  async function extendedConnect(session: ClientHttp2Session): Promise<H2Report> {
    const { fields, dropped } = connectFields(input);
    const shown = shownFields(fields);
    report.request = { headers: shown, head: redactHead(shown) };
    start = performance.now();
    let stream: ClientHttp2Stream;
    try {
      // node:http2 sends :protocol whatever the server advertised: the check above is ours (RFC 8441 §4).
      stream = session.request(Object.fromEntries(fields), { endStream: false });
    } catch (error) {
      report.error = (error as Error & { code?: string }).code ?? (error as Error).message;
      step('h2-connect', false, start, report.error);
      return end('failed', `node:http2 refused to send the CONNECT: ${report.error}`);
    }
    stream.on('error', () => {});
    const answer = await first<IncomingHttpHeaders | 'closed'>(start + timeout, (settle) => {
      stream.once('response', settle);
      stream.once('close', () => settle('closed'));
    });
    const ignored = dropped.length ? ` (left out, not allowed in HTTP/2: ${dropped.join(', ')})` : '';
    if (answer === undefined || answer === 'closed') {
      // A connection that drops closes its streams with a code of node:http2's own (CANCEL): no reset was
      // sent. The session's error, which says why it dropped, comes after the streams' close.
      const code = answer === 'closed' && !session.destroyed ? stream.rstCode : undefined;
      if (answer === 'closed' && session.destroyed && !sessionClosed) await first(start + timeout, (settle) => session.once('close', () => settle(true)));
      if (code !== undefined && !report.goaway) report.reset = { code, name: errorName(code) };
      const why = report.reset
        ? `RST_STREAM ${report.reset.name} (${report.reset.code})`
        : report.goaway
          ? `GOAWAY ${report.goaway.name} (${report.goaway.code})`
          : answer === 'closed'
            ? `the connection closed${sessionError ? `: ${sessionError.code ?? sessionError.message}` : ''}`
            : `no answer within ${timeout} ms`;
      step('h2-connect', false, start, why + ignored);
      if (answer === undefined) stream.close();
      return end('connect-reset', `the server advertises RFC 8441 and the extended CONNECT got ${why} instead of 200`);
    }
    const status = Number(answer[':status']);
    const headers = masked(headerList(answer));
    report.response = { status, headers, head: redactHead(headers) };
    step('h2-connect', status === 200, start, `:status ${status}${ignored}`);
    report.checks.push({ name: 'status', ok: status === 200, expected: '200 (RFC 8441 §5)', got: String(status) });
    if (status !== 200) {
      report.response.body = await body(stream, start + timeout);
      stream.close();
      return end('connect-refused', `the server advertises RFC 8441 and answered the extended CONNECT with ${status}`);
    }
    const chosen = answer['sec-websocket-protocol'];
    const { protocols } = input;
    report.checks.push({
      name: 'protocol',
      ok: protocols.length ? chosen !== undefined && protocols.includes(chosen) : chosen === undefined,
      expected: protocols.length ? `one of ${maskProtocols(protocols).join(', ')}` : '(absent: none offered)',
      got: chosen === undefined ? '(absent)' : maskProtocols([chosen])[0]!,
    });
    const extensions = answer['sec-websocket-extensions'];
    report.checks.push({
      name: 'extensions',
      ok: (extensions ? extensions.split(',').map((item) => item.split(';')[0]!.trim()) : []).every((name) => name === 'permessage-deflate'),
      expected: 'none, or permessage-deflate (offered)',
      got: extensions ?? '(absent)',
    });
    const bad = report.checks.find((line) => !line.ok);
    if (bad) {
      stream.close();
      return end('websocket-broken', `the extended CONNECT was answered 200 and fails the ${bad.name} check: expected ${bad.expected}, got ${bad.got}`);
    }
    return frames(stream);
  }

  /** A masked ping and its pong, then a close and its answer, over the stream (RFC 6455 §5.5). */
  async function frames(stream: ClientHttp2Stream): Promise<H2Report> {
    const wire = new Wire(stream);
    const payload = randomBytes(8);
    start = performance.now();
    wire.write(clientFrame(OPCODE.ping, payload));
    const pong = await nextFrame(wire, start + timeout, (frame) => frame.opcode === OPCODE.close || (frame.opcode === OPCODE.pong && frame.payload.equals(payload)));
    if (pong?.opcode !== OPCODE.pong) {
      // node:http2 ends the readable side on a RST_STREAM before it sets rstCode, on the stream's close;
      // after an END_STREAM the stream closes once ours is sent too.
      if (!pong && wire.ended && !stream.closed) {
        stream.end();
        await first(start + timeout, (settle) => stream.once('close', () => settle(true)));
      }
      const reset = stream.rstCode && !session.destroyed ? stream.rstCode : undefined;
      const got = pong ? `a close frame (${closeOf(pong).code ?? 'no code'})` : reset ? `RST_STREAM ${errorName(reset)}` : wire.ended ? 'the stream ended' : 'nothing in time';
      report.checks.push({ name: 'ping', ok: false, expected: 'a pong with the same payload', got });
      step('h2-ping', false, start, got);
      if (pong) report.close = closeOf(pong);
      wire.destroy();
      return end('websocket-broken', `the extended CONNECT was answered 200, then the ping got ${got}`);
    }
    report.rtt = since(start);
    report.checks.push({ name: 'ping', ok: true, expected: 'a pong with the same payload', got: `pong in ${report.rtt} ms` });
    step('h2-ping', true, start, `pong in ${report.rtt} ms`);
    start = performance.now();
    wire.write(clientFrame(OPCODE.close, closePayload(1000)));
    const closing = await nextFrame(wire, start + timeout, (frame) => frame.opcode === OPCODE.close);
    // The WebSocket is closed: END_STREAM ends the stream (RFC 8441 §5.1 maps TCP's FIN to it).
    stream.end();
    report.close = closing ? closeOf(closing) : undefined;
    const code = report.close?.code;
    const got = closing ? `${code ?? 'no code'}${report.close!.reason ? ' ' + report.close!.reason : ''}` : 'no close frame';
    report.checks.push({ name: 'close', ok: code === 1000, expected: '1000', got });
    step('h2-close', code === 1000, start, got);
    if (code !== 1000) return end('websocket-broken', `the extended CONNECT was answered 200, then the closing handshake got ${got}`);
    return end('works', 'the extended CONNECT was answered 200; the WebSocket over HTTP/2 answered a ping and closed cleanly');
  }
}

/** The first 512 bytes of a refusal's body: until the stream ends, or a pause. */
async function body(stream: ClientHttp2Stream, deadline: number): Promise<DoctorBytes | undefined> {
  const wire = new Wire(stream);
  await wire.read((buffer) => (buffer.length >= 512 ? 512 : undefined), Math.min(deadline, performance.now() + 500));
  const bytes = wire.buffer.subarray(0, 512);
  return bytes.length ? show(bytes) : undefined;
}
