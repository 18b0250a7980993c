import { responseError } from '../classify';
import type { ErrorKind } from '../errors';
import { advise, CAUSE_EXIT_CODES, hintFor, type DoctorCause } from './advice';
import type { DoctorReport, H2Report } from './report';

// One verdict from two checks. The HTTP/1.1 handshake decides first: it is what Node clients, curl and
// browsers without RFC 8441 use. When it passes, a WebSocket over HTTP/2 that the server advertises but
// does not carry fails the verdict with the HTTP/2 cause's exit code (browsers fail there). When the
// server refused HTTP/1.1 itself (by ALPN, or by answering with HTTP/2 frames), the HTTP/2 result says
// what browsers can still do. Any other HTTP/1.1 failure stands as it is.

const BROKEN: Partial<Record<H2Report['result'], DoctorCause>> = {
  'connect-refused': 'h2-connect-refused',
  'connect-reset': 'h2-connect-reset',
  'websocket-broken': 'h2-websocket-broken',
};

const CHECK_KINDS: Record<string, ErrorKind> = { protocol: 'subprotocol-mismatch', extensions: 'extension-mismatch', ping: 'heartbeat-timeout', close: 'protocol-error' };

/** The kind an HTTP/2 client would report for the same failure: a refusal by its status, as over HTTP/1.1. */
function kindOf(h2: H2Report): ErrorKind {
  if (h2.response && h2.response.status !== 200) return responseError(h2.response.status, {}, 0).kind;
  const failed = h2.checks.find((check) => !check.ok);
  return (failed && CHECK_KINDS[failed.name]) ?? 'network';
}

const SUMMARY: Record<H2Report['result'], string> = {
  works: 'the same WebSocket works over HTTP/2 (RFC 8441)',
  'not-advertised': 'HTTP/2 without RFC 8441, so browsers use HTTP/1.1 for WebSockets (fine)',
  'no-h2': 'no HTTP/2 here, so browsers use HTTP/1.1 (fine)',
  failed: 'no HTTP/2 connection',
  'connect-refused': '',
  'connect-reset': '',
  'websocket-broken': '',
};

/**
 * Folds `report.h2` into `report.verdict` (see above). `http1Refused`: the server would not speak
 * HTTP/1.1 at all (over TLS it refused ALPN http/1.1; in cleartext it answered with HTTP/2 frames, or
 * closed without a word while HTTP/2 by prior knowledge got its SETTINGS).
 */
export function combine(report: DoctorReport, http1Refused: boolean): DoctorReport {
  const h2 = report.h2!;
  if (h2.via === 'prior-knowledge') http1Refused &&= !!h2.settings;
  if (h2.via === 'alpn') {
    const both = [h2.tls?.alpn === 'h2', !http1Refused];
    h2.accepts = both[0] && both[1] ? 'both' : both[0] ? 'h2' : both[1] ? 'http/1.1' : 'none';
  }
  const verdict = report.verdict;
  const fail = (cause: DoctorCause, kind: ErrorKind, message: string): DoctorReport => {
    report.verdict = { ok: false, kind, cause, message, hint: hintFor(kind, { cause }), fix: advise(kind, { cause }) || undefined, exitCode: CAUSE_EXIT_CODES[cause] };
    return report;
  };
  // A connection that agreed on h2 and then failed breaks browsers as surely as a reset CONNECT.
  const broken = BROKEN[h2.result] ?? (h2.result === 'failed' && h2.tls?.alpn === 'h2' ? 'h2-connect-reset' : undefined);
  if (http1Refused) {
    const alone = h2.via === 'alpn' ? 'the server speaks HTTP/2 alone (it refused ALPN http/1.1)' : 'the server speaks HTTP/2 by prior knowledge alone';
    if (h2.result === 'works') {
      // Browsers speak HTTP/2 over TLS only: in cleartext no browser reaches this server at all.
      const browsers = h2.via === 'alpn' ? 'browsers open the WebSocket over it' : 'clients that speak it in cleartext open the WebSocket over it (browsers never do)';
      return fail('h2-only', verdict.kind ?? 'no-protocol-support', `${alone}: RFC 8441 works and ${browsers}, but HTTP/1.1 clients cannot connect`);
    }
    if (h2.result === 'not-advertised') return fail('h2-only-no-websocket', 'no-protocol-support', `${alone} and does not advertise RFC 8441: no browser can open a WebSocket here, nor can an HTTP/1.1 client`);
    if (broken) return fail(broken, kindOf(h2), `${alone}, and over HTTP/2 ${h2.detail}: no client can open a WebSocket here`);
    return report;
  }
  if (!verdict.ok) return report;
  if (broken) return fail(broken, kindOf(h2), `HTTP/1.1 works, but over HTTP/2 ${h2.detail}: browsers that use it fail where HTTP/1.1 clients work`);
  verdict.message += `; ${SUMMARY[h2.result]}${h2.result === 'failed' ? `: ${h2.detail}` : ''}`;
  return report;
}
