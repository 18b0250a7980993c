import type { DoctorReport, StepName } from './report';

const COLORS = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

/** The human form of a report: every section in the order of the exchange, each with its time. */
export function formatReport(report: DoctorReport, { color = false }: { color?: boolean } = {}): string {
  const paint = (name: keyof typeof COLORS, text: string): string => (color ? `\x1b[${COLORS[name]}m${text}\x1b[0m` : text);
  const mark = (ok: boolean): string => (ok ? paint('green', 'PASS') : paint('red', 'FAIL'));
  const out: string[] = [paint('bold', `steadysocket doctor ${report.url}`) + paint('dim', ` (Upgrade: ${report.upgrade})`), ''];
  let number = 0;
  const section = (title: string, name?: StepName, extra = ''): void => {
    const step = name && report.steps.find((item) => item.name === name);
    const time = step ? paint('dim', `${step.ms} ms`) : '';
    out.push(`${++number}. ${paint('bold', title)}${time ? '  ' + time : ''}${step ? `  ${step.ok ? '' : paint('red', '✗ ')}${step.detail}` : ''}${extra}`);
  };
  const indent = (text: string, prefix: string): void => {
    for (const line of text.replace(/\r\n\r\n$/, '').split('\r\n')) out.push(`   ${paint('dim', prefix)}${line}`);
  };

  const proxy = report.proxy;
  const has = (name: StepName): boolean => report.steps.some((step) => step.name === name);
  // A name that did not resolve has its step too: the failure is there.
  if (has('dns')) section(proxy ? "DNS, the proxy's name" : 'DNS', 'dns');
  if (has('tcp')) section(proxy ? 'TCP connect to the proxy' : 'TCP connect', 'tcp');
  if (proxy && has('proxy')) {
    section(`CONNECT through the proxy ${proxy.url}`, 'proxy');
    if (proxy.request) indent(proxy.request.head, '> ');
    if (proxy.response) indent(proxy.response.head, '< ');
    // Before the server says anything, bytes that are not HTTP are the proxy's.
    const body = proxy.response?.body ?? (has('response') ? undefined : report.raw);
    if (body) out.push(`   ${paint('dim', `${proxy.response ? 'body' : 'bytes'} (${body.bytes}${body.bytes === 512 ? ', cut at 512' : ''}):`)} ${body.text ?? body.hex}`);
  }
  if (has('tls')) {
    section('TLS', 'tls');
    const tls = report.tls;
    if (tls) {
      out.push(`   ALPN ${tls.alpn || 'none'}; subject ${tls.subject ?? '?'}; issuer ${tls.issuer ?? '?'}`);
      if (tls.validTo) out.push(`   valid to ${tls.validTo.slice(0, 10)} (${tls.daysLeft} days left)`);
      out.push(`   verification: ${tls.verified ? paint('green', 'ok') : paint('red', tls.reason ?? 'failed')}`);
    }
  }
  if (report.request) {
    section('Request, as sent', 'request');
    indent(report.request.head, '> ');
  }
  if (report.response || has('response') || (report.raw && !proxy)) {
    section('Response, as received', 'response', report.response ? paint('dim', ` (first byte after ${report.response.ttfb} ms)`) : '');
    if (report.response) indent(report.response.head, '< ');
    const body = report.response?.body ?? report.raw;
    if (body) out.push(`   ${paint('dim', `${report.raw ? 'bytes' : 'body'} (${body.bytes}${body.bytes === 512 ? ', cut at 512' : ''}):`)} ${body.text ?? body.hex}`);
  }
  if (report.checks.length) {
    section('Checks');
    for (const check of report.checks) {
      const line = check.ok ? check.got : `expected ${check.expected}, got ${check.got}`;
      out.push(`   ${mark(check.ok)} ${check.name.padEnd(10)} ${line}${check.note ? paint('yellow', ` (${check.note})`) : ''}`);
    }
  }
  if (report.after) out.push(`   after the 101 (${report.after.bytes} bytes): ${report.after.hex}${report.after.text ? `  ${JSON.stringify(report.after.text)}` : ''}`);
  const h2c = report.h2c;
  if (h2c) {
    section('h2c upgrade', 'h2c', `  ${paint('dim', `(${h2c.result})`)}`);
    if (h2c.frame) out.push(`   first frame: ${h2c.frame}`);
    for (const setting of h2c.settings ?? []) out.push(`   ${setting.name} = ${setting.value}`);
    if (h2c.priorKnowledge) section('HTTP/2 with prior knowledge', 'prior-knowledge');
  }
  const h2 = report.h2;
  if (h2) {
    out.push('', paint('dim', `   WebSocket over HTTP/2 (RFC 8441), ${h2.via === 'alpn' ? 'a second connection with ALPN h2' : 'a second connection by prior knowledge'}:`));
    if (has('h2-tls')) {
      section('HTTP/2: TLS with ALPN h2', 'h2-tls');
      if (h2.accepts) out.push(`   the server accepts by ALPN: ${h2.accepts === 'both' ? 'h2 and http/1.1' : h2.accepts === 'none' ? 'neither h2 nor http/1.1' : `${h2.accepts} only`}`);
    }
    if (has('h2-settings')) {
      section(`HTTP/2: the server's SETTINGS${h2.via === 'prior-knowledge' ? ' (prior knowledge)' : ''}`, 'h2-settings');
      for (const setting of h2.settings ?? []) {
        const rfc8441 = setting.id === 8 ? paint(setting.value === 1 ? 'green' : 'yellow', setting.value === 1 ? '  (RFC 8441: WebSockets over HTTP/2 allowed)' : '  (RFC 8441 off)') : '';
        out.push(`   ${setting.name} = ${setting.value}${rfc8441}`);
      }
      if (h2.settings && !h2.enableConnectProtocol && h2.accepts !== 'h2') out.push(paint('yellow', '   no ENABLE_CONNECT_PROTOCOL = 1: browsers open WebSockets over HTTP/1.1'));
    }
    if (h2.request) {
      section('HTTP/2: extended CONNECT, as sent, and the answer', 'h2-connect');
      indent(h2.request.head, '> ');
      if (h2.response) indent(h2.response.head, '< ');
      if (h2.response?.body) out.push(`   ${paint('dim', `body (${h2.response.body.bytes}${h2.response.body.bytes === 512 ? ', cut at 512' : ''}):`)} ${h2.response.body.text ?? h2.response.body.hex}`);
      if (h2.reset) out.push(`   ${paint('red', `< RST_STREAM ${h2.reset.name} (${h2.reset.code})`)}`);
      if (h2.goaway) out.push(`   ${paint(h2.goaway.code ? 'red' : 'dim', `< GOAWAY ${h2.goaway.name} (${h2.goaway.code})`)}`);
    }
    if (h2.checks.length) {
      section('HTTP/2: checks');
      for (const check of h2.checks) {
        const line = check.ok ? check.got : `expected ${check.expected}, got ${check.got}`;
        out.push(`   ${mark(check.ok)} ${check.name.padEnd(10)} ${line}`);
      }
    }
    out.push(`   ${paint('dim', `h2: ${h2.result}:`)} ${h2.detail}`);
  }
  const { verdict } = report;
  section('Verdict');
  out.push(`   ${verdict.ok ? paint('green', 'OK') : paint('red', verdict.cause ?? verdict.kind ?? 'failed')}: ${verdict.message}`);
  if (verdict.cause && verdict.kind) out.push(paint('dim', `   the client reports it as ${verdict.kind}`));
  if (verdict.hint) out.push(`   hint: ${verdict.hint}`);
  if (verdict.fix) out.push(`   fix:  ${verdict.fix}`);
  out.push(paint('dim', `   exit code ${verdict.exitCode}`));
  return out.join('\n') + '\n';
}
