import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { EXIT_CODES, formatReport, probe, type DoctorOptions } from './doctor';
import { isSteadySocketError } from './errors';
import { SteadySocket } from './index';

// `steadysocket doctor <url>`: a thin printer over `probe()`, and with --watch a one-command monitor.

const USAGE = `Usage: steadysocket doctor <url> [options]

Shows the opening handshake step by step (DNS, TCP, TLS, request, response, checks) and names the cause
of a failure. The exit code says which (0: everything passed).

Options:
  -p, --protocol <name>   offer a subprotocol (repeatable)
  -H, --header <line>     add a request header, 'Name: value' (repeatable)
      --origin <origin>   send an Origin header
      --timeout <ms>      how long each step may wait (default 10000)
      --insecure          go on after a certificate that fails verification
      --ca <file>         trust the certificate authorities in this PEM file
      --upgrade <token>   the Upgrade to ask for: websocket (default), h2c, or any token
      --json              print the report as JSON
      --watch             then keep a SteadySocket open and print its events until Ctrl+C
      --interval <ms>     heartbeat interval for --watch (default 5000)
      --no-color          no colours, even on a terminal
  -h, --help              this text
`;

class UsageError extends Error {}

function parse(argv: string[]): { url: string; options: DoctorOptions; json: boolean; watch: boolean; color: boolean; interval: number } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        protocol: { type: 'string', short: 'p', multiple: true },
        header: { type: 'string', short: 'H', multiple: true },
        origin: { type: 'string' },
        timeout: { type: 'string' },
        insecure: { type: 'boolean' },
        ca: { type: 'string' },
        upgrade: { type: 'string' },
        json: { type: 'boolean' },
        watch: { type: 'boolean' },
        interval: { type: 'string' },
        'no-color': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError('');
  const [command, url, ...rest] = positionals;
  if (command !== 'doctor') throw new UsageError(command ? `unknown command: ${command}` : 'a command is missing');
  if (!url) throw new UsageError('the URL is missing');
  if (rest.length) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  const number = (name: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 1) throw new UsageError(`--${name} must be a number of ms >= 1, got ${text}`);
    return value;
  };
  const headers = (values.header ?? []).map((line): [string, string] => {
    const colon = line.indexOf(':');
    if (colon < 1) throw new UsageError(`--header must be 'Name: value', got ${JSON.stringify(line)}`);
    return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
  });
  let ca: Buffer | undefined;
  if (values.ca) {
    try {
      ca = readFileSync(values.ca);
    } catch (error) {
      throw new UsageError(`--ca: cannot read ${values.ca} (${(error as Error & { code?: string }).code ?? (error as Error).message})`);
    }
  }
  const upgrade = values.upgrade ?? 'websocket';
  if (values.watch && upgrade.toLowerCase() !== 'websocket') throw new UsageError('--watch needs --upgrade websocket');
  return {
    url,
    options: { protocols: values.protocol, headers, origin: values.origin, timeout: number('timeout', values.timeout, 10000), insecure: values.insecure, ca, upgrade },
    json: !!values.json,
    watch: !!values.watch,
    // Colours on a terminal, or when FORCE_COLOR asks (a pager, CI logs); NO_COLOR and --no-color win.
    color: !values['no-color'] && !process.env.NO_COLOR && (!!process.stdout.isTTY || !!process.env.FORCE_COLOR),
    interval: number('interval', values.interval, 5000),
  };
}

/** Keeps a SteadySocket open and prints one line per event; on SIGINT or SIGTERM, the stats, then exits. */
function watch(url: string, options: DoctorOptions, interval: number, json: boolean): Promise<number> {
  const headers = Object.fromEntries(options.headers as [string, string][]);
  const socket = new SteadySocket(url, {
    protocols: options.protocols,
    connectTimeout: options.timeout,
    heartbeat: { interval, timeout: Math.min(options.timeout ?? 10000, Math.max(interval, 1000)) },
    nodeOptions: { headers, origin: options.origin, rejectUnauthorized: !options.insecure, ca: options.ca as Buffer | undefined },
  });
  const print = (event: string, fields: Record<string, unknown>): void => {
    const time = new Date().toISOString().slice(11, 23);
    const line = json
      ? JSON.stringify({ time: new Date().toISOString(), event, ...fields })
      : `${time} ${event}${Object.entries(fields)
          .filter(([, value]) => value !== undefined)
          .map(([key, value]) => ` ${key}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : String(value)}`)
          .join('')}`;
    process.stdout.write(line + '\n');
  };
  socket.on('connecting', ({ attempt }) => print('connecting', { attempt }));
  socket.on('open', ({ protocol }) => print('open', { protocol: protocol || undefined }));
  socket.on('state', (state) => state === 'closed' && print('closed', {}));
  socket.on('heartbeat', ({ rtt }) => print('heartbeat', { rtt: `${rtt}ms` }));
  socket.on('error', (error) => print('error', { kind: error.kind, status: error.status, message: error.message }));
  socket.on('close', ({ code, reason, wasClean }) => print('close', { code, reason: reason || undefined, clean: wasClean }));
  socket.on('reconnecting', ({ attempt, delay }) => print('reconnecting', { attempt, delay: `${delay}ms` }));
  return new Promise((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const stats = socket.stats();
      if (json) process.stdout.write(JSON.stringify({ event: 'summary', stats }) + '\n');
      else {
        const rtt = stats.rtt ? `${stats.rtt.min}/${Math.round(stats.rtt.avg * 10) / 10}/${stats.rtt.max} ms` : 'none';
        const failures = Object.entries(stats.failures).map(([kind, count]) => `${kind}×${count}`).join(', ') || 'none';
        process.stdout.write(
          `\nsummary: ${stats.connects} connects, ${stats.reconnects} reconnects, up ${(stats.uptime / 1000).toFixed(1)} s, down ${(stats.downtime / 1000).toFixed(1)} s\n` +
            `  rtt min/avg/max ${rtt}; heartbeats ${stats.heartbeats.sent} sent, ${stats.heartbeats.missed} missed\n` +
            `  messages in ${stats.messagesIn}, out ${stats.messagesOut}; failures ${failures}\n`,
        );
      }
      // The summary is the last line: the closing handshake that follows is not news.
      socket.removeAllListeners();
      void socket.close().then(() => done(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (!error.message) return process.stdout.write(USAGE), 0;
    process.stderr.write(`steadysocket: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  let report;
  try {
    report = await probe(args.url, args.options);
  } catch (error) {
    if (!isSteadySocketError(error)) throw error;
    process.stderr.write(`steadysocket: ${error.message}\n`);
    return EXIT_CODES[error.kind] ?? 2;
  }
  process.stdout.write(args.json ? JSON.stringify(report, null, args.watch ? undefined : 2) + '\n' : formatReport(report, { color: args.color }));
  if (args.watch) {
    if (!args.json) process.stdout.write('\nwatching (Ctrl+C stops)\n');
    return watch(args.url, args.options, args.interval, args.json);
  }
  return report.verdict.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`steadysocket: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
