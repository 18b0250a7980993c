import { connect as http2Connect } from 'node:http2';
import type { H2cReport, StepName } from './report';
import { since, type Head, type Wire } from './wire';

// RFC 9113 §3.1 (RFC 7540 §3.2): the HTTP/1.1 → HTTP/2 cleartext upgrade. Node's http2 has no client
// for it, and answering only part of the new connection would desynchronise HPACK, so the probe stops
// at what proves the upgrade: the 101, then the server's connection preface (a SETTINGS frame).

/** HTTP2-Settings: SETTINGS_MAX_CONCURRENT_STREAMS 100, SETTINGS_INITIAL_WINDOW_SIZE 65535, base64url. */
export const H2C_SETTINGS = Buffer.from([0, 3, 0, 0, 0, 100, 0, 4, 0, 0, 0xff, 0xff]).toString('base64url');
const PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
// GOAWAY, stream 0, last stream 0, NO_ERROR: the client leaves politely.
const GOAWAY = Buffer.from([0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

const FRAME_TYPES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'];
export const SETTING_NAMES: Record<number, string> = {
  1: 'HEADER_TABLE_SIZE',
  2: 'ENABLE_PUSH',
  3: 'MAX_CONCURRENT_STREAMS',
  4: 'INITIAL_WINDOW_SIZE',
  5: 'MAX_FRAME_SIZE',
  6: 'MAX_HEADER_LIST_SIZE',
  8: 'ENABLE_CONNECT_PROTOCOL',
  9: 'NO_RFC7540_PRIORITIES',
};

type Step = (name: StepName, ok: boolean, start: number, detail: string) => void;

interface FrameHeader {
  length: number;
  type: number;
  flags: number;
  stream: number;
}

const frameHeader = (bytes: Buffer): FrameHeader => ({ length: bytes.readUIntBE(0, 3), type: bytes[3]!, flags: bytes[4]!, stream: bytes.readUInt32BE(5) & 0x7fffffff });
const describe = ({ length, type, flags, stream }: FrameHeader): string => `${FRAME_TYPES[type] ?? `type 0x${type.toString(16)}`} length ${length} flags 0x${flags.toString(16)} stream ${stream}`;

/** Whether bytes open with what can be an HTTP/2 frame header: a known type, a stream id with its reserved bit clear. */
export const looksLikeFrame = (bytes: Buffer): boolean => bytes.length >= 9 && bytes[3]! < FRAME_TYPES.length && bytes[5]! < 0x80 && bytes.readUIntBE(0, 3) <= 16384;

export async function probeH2c(
  wire: Wire,
  answer: { head: Head; upgraded: boolean } | { bytes: Buffer },
  url: URL,
  timeout: number,
  step: Step,
  direct = true,
): Promise<H2cReport> {
  const report = await upgrade(wire, answer, timeout, step);
  // Through a proxy, a connection of node:http2's own would go around it: no prior knowledge then.
  if (url.protocol === 'http:' && direct) report.priorKnowledge = await priorKnowledge(url, timeout, step);
  return report;
}

async function upgrade(wire: Wire, answer: { head: Head; upgraded: boolean } | { bytes: Buffer }, timeout: number, step: Step): Promise<H2cReport> {
  const start = performance.now();
  if ('bytes' in answer) {
    const frame = describe(frameHeader(answer.bytes));
    const h2 = looksLikeFrame(answer.bytes);
    step('h2c', false, start, h2 ? `HTTP/2 frames instead of an HTTP/1.1 answer: ${frame}` : 'not HTTP/1.1 nor HTTP/2');
    return h2
      ? { result: 'prior-knowledge-only', detail: 'HTTP/2 frames instead of an HTTP/1.1 status line', frame }
      : { result: 'not-http', detail: 'neither an HTTP/1.1 status line nor an HTTP/2 frame' };
  }
  const { head, upgraded } = answer;
  if (head.status !== 101) {
    step('h2c', false, start, `answered ${head.status} over HTTP/1.1`);
    return { result: 'ignored', detail: `an HTTP/1.1 ${head.status} answer: the upgrade was ignored` };
  }
  if (!upgraded) {
    step('h2c', false, start, 'a 101 without Upgrade: h2c');
    return { result: 'broken-upgrade', detail: 'a 101 that does not switch to h2c' };
  }
  // The client's preface, then the server's must be a SETTINGS frame on stream 0.
  wire.write(PREFACE);
  const deadline = start + timeout;
  const headerBytes = await wire.read((buffer) => (buffer.length >= 9 ? 9 : undefined), deadline);
  if (!headerBytes) {
    step('h2c', false, start, 'no frame after the 101');
    return { result: 'broken-upgrade', detail: 'no HTTP/2 frame after the 101' };
  }
  const first = frameHeader(headerBytes);
  const frame = describe(first);
  const valid = first.type === 4 && first.stream === 0 && first.length % 6 === 0 && !(first.flags & 1);
  const payload = valid ? await wire.read((buffer) => (buffer.length >= first.length ? first.length : undefined), deadline) : undefined;
  if (!valid || !payload) {
    step('h2c', false, start, `not a server preface: ${frame}`);
    return { result: 'broken-upgrade', detail: `the first frame after the 101 is not a valid SETTINGS: ${frame}`, frame, settings: [] };
  }
  const settings = [];
  for (let offset = 0; offset < payload.length; offset += 6) {
    const id = payload.readUInt16BE(offset);
    settings.push({ id, name: SETTING_NAMES[id] ?? `0x${id.toString(16)}`, value: payload.readUInt32BE(offset + 2) });
  }
  wire.write(GOAWAY);
  step('h2c', true, start, `SETTINGS with ${settings.length} setting${settings.length === 1 ? '' : 's'}`);
  return { result: 'supported', detail: 'a 101 to h2c and a valid server preface', frame, settings };
}

/** Asks the same origin with HTTP/2 prior knowledge, as `node:http2` does (cleartext). */
function priorKnowledge(url: URL, timeout: number, step: Step): Promise<H2cReport['priorKnowledge']> {
  const start = performance.now();
  return new Promise((done) => {
    const session = http2Connect(url.origin);
    let finished = false;
    const finish = (result: { ok: boolean; status?: number; error?: string }): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      session.destroy();
      step('prior-knowledge', result.ok, start, result.ok ? `HTTP/2 answered ${result.status}` : `no HTTP/2: ${result.error}`);
      done({ ...result, ms: since(start) });
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'no answer in time' }), timeout);
    session.on('error', (error: Error & { code?: string }) => finish({ ok: false, error: error.code ?? error.message }));
    const request = session.request({ ':path': url.pathname + url.search });
    request.on('response', (headers) => finish({ ok: true, status: Number(headers[':status']) }));
    request.on('error', (error: Error & { code?: string }) => finish({ ok: false, error: error.code ?? error.message }));
    request.end();
  });
}
