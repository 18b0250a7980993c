import { readFileSync } from 'node:fs';
import type { DoctorOptions } from './report';
import type { ErrorKind } from '../errors';
import { MAX_TIMEOUT } from './check';
import { parseProxy, proxyFromEnv } from './proxy';

// The `steadysocket` command's arguments: its usage text, one table of options, and a parser that
// says what is wrong in the command's own words.

export const USAGE = `Usage: steadysocket doctor <url> [options]
       steadysocket --version

Shows the opening handshake step by step (DNS, TCP, the proxy's CONNECT, TLS, request, response,
checks) and names the cause of a failure. The exit code says which (0: everything passed).

Options:
  -p, --protocol <name>   offer a subprotocol (repeatable)
  -H, --header <line>     'Name: value': add a request header, or replace a default one (Host,
                          User-Agent, ...) as curl does; 'Name:' removes a default one (repeatable)
      --origin <origin>   send an Origin header
      --timeout <ms>      how long each step may wait (default 10000, at most ${MAX_TIMEOUT})
      --insecure          go on after a certificate that fails verification
      --ca <file>         trust the certificate authorities in this PEM file
      --upgrade <token>   the Upgrade to ask for: websocket (default), h2c, or any token
      --proxy <url>       tunnel through this HTTP proxy, http://[user:password@]host:port ('' for
                          none). Default: HTTPS_PROXY for wss:, HTTP_PROXY for ws: (lower case
                          first), unless NO_PROXY lists the host
      --http2             also check WebSocket over HTTP/2 (RFC 8441) for ws:/http: URLs, by
                          prior knowledge (for wss:/https: it is checked by default, ALPN h2)
      --http1             HTTP/1.1 only: skip the HTTP/2 check
      --json              print the report as JSON
      --watch             then keep a SteadySocket open and print its events until Ctrl+C, or
                          until it gives up; then a summary
      --interval <ms>     heartbeat interval for --watch (default 5000)
      --no-color          no colours, even on a terminal (NO_COLOR and FORCE_COLOR=0 too)
  -V, --version           print the version
  -h, --help              this text

Exit codes:
   0  everything passed
   1  the doctor itself failed (a bug: please report it)
   2  bad usage (invalid-url, invalid-options, invalid-protocols)
  10  network: DNS failed, refused, reset, or closed without an answer
  11  timeout: a step got no answer within --timeout
  12  tls: the TLS handshake failed or the certificate did not verify
  13  no-protocol-support: no WebSocket there (a page, 3xx, 400, 404, not HTTP/1.1)
  14  bad-upgrade-header: 426, or a 101 with a wrong Upgrade, Connection or Sec-WebSocket-Accept
  15  subprotocol-mismatch
  16  extension-mismatch
  17  unauthorized: 401, 403 (407 from the server itself)
  18  rate-limited: 429
  19  server-error: 5xx
  20  protocol-error: the close was not answered with 1000
  21  heartbeat-timeout: the ping got no pong
  22  handshake: any other failure before the answer
  23  headers-too-large: 431, the request head was too big (the client says no-protocol-support)
  30  proxy-unreachable: no connection to the proxy
  31  proxy-auth-required: the proxy answered 407 (no or wrong credentials)
  32  proxy-denied: the proxy answered 403
  33  proxy-failed: any other answer to CONNECT (502: the proxy cannot reach the server)
  40  h2-connect-refused: HTTP/1.1 works, but the server advertises RFC 8441 and answers
      the extended CONNECT with another status than 200: browsers fail
  41  h2-connect-reset: the same, but the CONNECT is reset (RST_STREAM), goes away or
      gets no answer
  42  h2-websocket-broken: the CONNECT is answered 200, but the WebSocket over it fails
  43  h2-only-no-websocket: HTTP/2 alone without RFC 8441: no browser can open a WebSocket
  44  h2-only: HTTP/2 alone; RFC 8441 works, HTTP/1.1 clients cannot connect
  With --watch: the code of the last failure seen while watching, else the check's.

Examples:
  steadysocket doctor wss://chat.example.com/ws -p chat.v2 -H 'Authorization: Bearer ...'
  steadysocket doctor ws://127.0.0.1:8080/ --watch --interval 1000
  HTTPS_PROXY=http://user:password@proxy.example:3128 steadysocket doctor wss://chat.example.com/ws
`;

export class UsageError extends Error {
  constructor(
    message: string,
    readonly kind: ErrorKind = 'invalid-options',
  ) {
    super(message);
  }
}

// One table for every option: `value` names the argument of those that take one.
const OPTIONS: Record<string, { short?: string; value?: string; multiple?: true }> = {
  protocol: { short: 'p', value: 'name', multiple: true },
  header: { short: 'H', value: "'Name: value'", multiple: true },
  origin: { value: 'origin' },
  timeout: { value: 'ms' },
  insecure: {},
  ca: { value: 'file' },
  upgrade: { value: 'token' },
  proxy: { value: 'url' },
  http2: {},
  http1: {},
  json: {},
  watch: {},
  interval: { value: 'ms' },
  'no-color': {},
  version: { short: 'V' },
  help: { short: 'h' },
};
const SHORT = Object.fromEntries(Object.entries(OPTIONS).flatMap(([name, { short }]) => (short ? [[short, name]] : [])));

/**
 * The command line in the command's own words. An option's value is the next argument whatever it
 * looks like (`--timeout -5` is a bad timeout, not a missing one), or follows `=` (`--timeout=5`).
 */
function read(argv: string[]): { values: Record<string, string[] | true>; positionals: string[] } {
  const values: Record<string, string[] | true> = {};
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--') {
      positionals.push(...argv.slice(index + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    const equals = long ? arg.indexOf('=') : -1;
    const name = long ? arg.slice(2, equals < 0 ? undefined : equals) : SHORT[arg[1]!];
    const spec = name === undefined ? undefined : OPTIONS[name];
    if (!name || !spec) throw new UsageError(`unknown option ${long ? arg.slice(0, equals < 0 ? undefined : equals) : arg.slice(0, 2)} (steadysocket --help lists them)`);
    const inline = long ? (equals < 0 ? undefined : arg.slice(equals + 1)) : arg.length > 2 ? arg.slice(2) : undefined;
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      values[name] = true;
      continue;
    }
    const value = inline ?? argv[++index];
    if (value === undefined) throw new UsageError(`--${name} needs a value: --${name} <${spec.value}>`);
    const list = values[name];
    if (spec.multiple && Array.isArray(list)) list.push(value);
    else if (list) throw new UsageError(`--${name} is given twice`);
    else values[name] = [value];
  }
  return { values, positionals };
}

export interface Args {
  url: string;
  options: DoctorOptions;
  json: boolean;
  watch: boolean;
  color: boolean;
  interval: number;
}

export function parse(argv: string[]): Args | 'help' | 'version' {
  const { values, positionals } = read(argv);
  const one = (name: string): string | undefined => (Array.isArray(values[name]) ? (values[name])[0] : undefined);
  if (values.help) return 'help';
  if (values.version) return 'version';
  const [command, url, ...rest] = positionals;
  if (command !== 'doctor') throw new UsageError(command ? `unknown command: ${command}` : 'a command is missing');
  if (!url) throw new UsageError('the URL is missing');
  if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  const number = (name: string, fallback: number): number => {
    const text = one(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!text.trim() || !Number.isFinite(value) || value < 1 || value > MAX_TIMEOUT) throw new UsageError(`--${name} must be a number of ms from 1 to ${MAX_TIMEOUT}, got ${text}`);
    return value;
  };
  const headers = ((values.header as string[] | undefined) ?? []).map((line): [string, string] => {
    const colon = line.indexOf(':');
    if (colon < 1) throw new UsageError(`--header must be 'Name: value', got ${JSON.stringify(line)}`);
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
  });
  const caFile = one('ca');
  let ca: Buffer | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile);
    } catch (error) {
      throw new UsageError(`--ca: cannot read ${caFile} (${(error as Error & { code?: string }).code ?? (error as Error).message})`);
    }
    // Node would ignore it without a word, and verify against its own list instead.
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--ca: ${caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  const upgrade = one('upgrade') ?? 'websocket';
  if (values.watch && upgrade.toLowerCase() !== 'websocket') throw new UsageError('--watch needs --upgrade websocket');
  const proxy = proxyOption(url, one('proxy'));
  if (values.http1 && values.http2) throw new UsageError('--http1 and --http2 exclude each other');
  // Colours on a terminal, or when FORCE_COLOR asks (a pager, CI logs); NO_COLOR, --no-color and
  // FORCE_COLOR=0 turn them off. FORCE_COLOR's values as Node reads them.
  const force = process.env.FORCE_COLOR;
  return {
    url,
    options: { protocols: values.protocol as string[] | undefined, headers, origin: one('origin'), timeout: number('timeout', 10000), insecure: !!values.insecure, ca, upgrade, proxy, http2: values.http2 ? true : values.http1 ? false : 'auto' },
    json: !!values.json,
    watch: !!values.watch,
    color: !values['no-color'] && !process.env.NO_COLOR && (force === undefined ? !!process.stdout.isTTY : ['', '1', '2', '3', 'true'].includes(force)),
    interval: number('interval', 5000),
  };
}

/** --proxy, else the environment's proxy for this URL; '' is none. Checked here, to name where it came from. */
function proxyOption(url: string, given: string | undefined): string | undefined {
  let proxy = given;
  let source = '--proxy';
  if (proxy === undefined) {
    try {
      proxy = proxyFromEnv(new URL(url).href);
    } catch {
      // A URL that does not parse: probe() says so.
    }
    source = /^(wss|https):/i.test(url) ? 'HTTPS_PROXY' : 'HTTP_PROXY';
  }
  if (!proxy) return undefined;
  try {
    parseProxy(proxy);
  } catch (error) {
    throw new UsageError(`${source}: ${(error as Error).message}`);
  }
  return proxy;
}
