import { createHash, randomBytes } from 'node:crypto';
import { maskProtocols } from '../url';
import { clientFrame, closeOf, closePayload, nextFrame, OPCODE } from './frames';
import type { DoctorCheck, DoctorReport, StepName } from './report';
import { header, since, type Head, type Wire } from './wire';

// The RFC 6455 checks of a 101 (§4.2.2, §4.1), then a ping and a clean close over the connection.

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Checks Sec-WebSocket-Accept against the key sent, and the subprotocol and extensions chosen. */
export function upgradeChecks(head: Head, key: string, protocols: string[]): { checks: DoctorCheck[]; echoed: boolean } {
  const expected = createHash('sha1').update(key + GUID).digest('base64');
  const accept = header(head.headers, 'sec-websocket-accept');
  const echoed = accept === key;
  const chosen = header(head.headers, 'sec-websocket-protocol');
  const extensions = header(head.headers, 'sec-websocket-extensions');
  const names = extensions ? extensions.split(',').map((item) => item.split(';')[0]!.trim()) : [];
  const checks: DoctorCheck[] = [
    {
      name: 'accept',
      ok: accept === expected,
      expected,
      got: accept ?? '(absent)',
      note: echoed ? 'the key itself was echoed' : accept === 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' ? "RFC 6455's example value, right only for its example key" : undefined,
    },
    {
      name: 'protocol',
      ok: protocols.length ? chosen !== undefined && protocols.includes(chosen) : chosen === undefined,
      expected: protocols.length ? `one of ${maskProtocols(protocols).join(', ')}` : '(absent: none offered)',
      got: chosen === undefined ? '(absent)' : maskProtocols([chosen])[0]!,
    },
    {
      name: 'extensions',
      ok: names.every((name) => name === 'permessage-deflate'),
      expected: 'none, or permessage-deflate (offered)',
      got: extensions ?? '(absent)',
    },
  ];
  return { checks, echoed };
}

/**
 * A masked ping with a random payload, its pong, then a close with 1000 and the server's answer, each
 * added to the report as a check and a step. Returns the check that failed, if one did.
 */
export async function pingAndClose(
  wire: Wire,
  timeout: number,
  report: DoctorReport,
  step: (name: StepName, ok: boolean, start: number, detail: string) => void,
): Promise<'ping' | 'close' | undefined> {
  const payload = randomBytes(8);
  let start = performance.now();
  wire.write(clientFrame(OPCODE.ping, payload));
  const pong = await nextFrame(wire, start + timeout, (frame) => frame.opcode === OPCODE.close || (frame.opcode === OPCODE.pong && frame.payload.equals(payload)));
  if (pong?.opcode === OPCODE.pong) {
    report.rtt = since(start);
    report.checks.push({ name: 'ping', ok: true, expected: 'a pong with the same payload', got: `pong in ${report.rtt} ms` });
    step('ping', true, start, `pong in ${report.rtt} ms`);
  } else {
    const got = pong ? `a close frame (${closeOf(pong).code ?? 'no code'})` : wire.ended ? 'the connection closed' : 'nothing in time';
    report.checks.push({ name: 'ping', ok: false, expected: 'a pong with the same payload', got });
    step('ping', false, start, got);
    if (pong) report.close = closeOf(pong);
    return 'ping';
  }
  start = performance.now();
  wire.write(clientFrame(OPCODE.close, closePayload(1000)));
  const closing = await nextFrame(wire, start + timeout, (frame) => frame.opcode === OPCODE.close);
  report.close = closing ? closeOf(closing) : undefined;
  const code = report.close?.code;
  const closeOk = code === 1000;
  const got = closing ? `${code ?? 'no code'}${report.close!.reason ? ' ' + report.close!.reason : ''}` : 'no close frame';
  report.checks.push({ name: 'close', ok: closeOk, expected: '1000', got });
  step('close', closeOk, start, got);
  return closeOk ? undefined : 'close';
}
