import { readFileSync } from 'node:fs';
import { CAUSE_EXIT_CODES, EXIT_CODES, formatReport, probe, type DoctorCause, type DoctorOptions } from './doctor';
import { parse, USAGE, UsageError } from './doctor/args';
import { parseProxy, proxyAgent } from './doctor/proxy';
import { isSteadySocketError, type ErrorKind } from './errors';
import { SteadySocket } from './index';

// `steadysocket doctor <url>`: a thin printer over `probe()`, and with --watch a one-command monitor.

/**
 * Keeps a SteadySocket open and prints one line per event until SIGINT or SIGTERM, or until the socket
 * gives up (a refusal it does not retry); then the stats. Resolves with the exit code of the last
 * failure seen, else `checked` (the check's).
 */
function watch(url: string, options: DoctorOptions, interval: number, json: boolean, checked: number): Promise<number> {
  const headers = Object.fromEntries(options.headers as [string, string][]);
  const secure = /^(wss|https):/i.test(url);
  let failure: number | undefined;
  // What the proxy did, heard from the agent just before the client's error, which cannot say it.
  let proxyFailure: DoctorCause | undefined;
  const socket = new SteadySocket(url, {
    protocols: options.protocols,
    connectTimeout: options.timeout,
    heartbeat: { interval, timeout: Math.min(options.timeout ?? 10000, Math.max(interval, 1000)) },
    nodeOptions: {
      headers,
      origin: options.origin,
      rejectUnauthorized: !options.insecure,
      ca: options.ca as Buffer | undefined,
      agent: options.proxy ? proxyAgent(parseProxy(options.proxy), secure, (cause) => (proxyFailure = cause)) : undefined,
    },
  });
  const print = (event: string, fields: Record<string, unknown>): void => {
    const time = new Date().toISOString().slice(11, 23);
    const line = json
      ? JSON.stringify({ time: new Date().toISOString(), event, ...fields })
      : `${time} ${event}${Object.entries(fields)
          .filter(([, value]) => value !== undefined)
          .map(([key, value]) => ` ${key}=${typeof value === 'string' && /\s/.test(value) ? JSON.stringify(value) : String(value)}${key === 'rtt' || key === 'delay' ? 'ms' : ''}`)
          .join('')}`;
    process.stdout.write(line + '\n');
  };
  socket.on('connecting', ({ attempt }) => print('connecting', { attempt }));
  socket.on('open', ({ protocol }) => print('open', { protocol: protocol || undefined }));
  // ms, as numbers: the text adds the unit.
  socket.on('heartbeat', ({ rtt }) => print('heartbeat', { rtt }));
  socket.on('error', (error) => {
    const cause = proxyFailure;
    proxyFailure = undefined;
    failure = cause ? CAUSE_EXIT_CODES[cause] : (EXIT_CODES[error.kind] ?? EXIT_CODES.handshake!);
    print('error', { kind: error.kind, cause, status: error.status, message: error.message });
  });
  socket.on('close', ({ code, reason, wasClean }) => print('close', { code, reason: reason || undefined, clean: wasClean }));
  socket.on('reconnecting', ({ attempt, delay }) => print('reconnecting', { attempt, delay }));
  return new Promise((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const code = failure ?? checked;
      const stats = socket.stats();
      if (json) process.stdout.write(JSON.stringify({ event: 'summary', stats, exitCode: code }) + '\n');
      else {
        const rtt = stats.rtt ? `${stats.rtt.min}/${Math.round(stats.rtt.avg * 10) / 10}/${stats.rtt.max} ms` : 'none';
        const failures = Object.entries(stats.failures).map(([kind, count]) => `${kind}×${count}`).join(', ') || 'none';
        process.stdout.write(
          `\nsummary: ${stats.connects} connects, ${stats.reconnects} reconnects, up ${(stats.uptime / 1000).toFixed(1)} s, down ${(stats.downtime / 1000).toFixed(1)} s\n` +
            `  rtt min/avg/max ${rtt}; heartbeats ${stats.heartbeats.sent} sent, ${stats.heartbeats.missed} missed\n` +
            `  messages in ${stats.messagesIn}, out ${stats.messagesOut}; failures ${failures}\n` +
            `  exit code ${code}\n`,
        );
      }
      // The summary is the last line: the closing handshake that follows is not news.
      socket.removeAllListeners();
      void socket.close().then(() => done(code));
    };
    // A socket that gave up (a refusal it does not retry) is closed for good: nothing more will come.
    socket.on('state', (...args: unknown[]) => {
      const state = typeof args[0] === 'string' ? args[0] : (args[0] as { state?: string } | undefined)?.state;
      if (state !== 'closed') return;
      print('closed', {});
      stop();
    });
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

const version = (): string => (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export async function main(argv: string[]): Promise<number> {
  // Known before the arguments are understood: a usage error is JSON too, for a script that reads stdout.
  const json = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : undefined).includes('--json');
  const usage = (kind: ErrorKind, message: string): number => {
    if (json) process.stdout.write(JSON.stringify({ verdict: { ok: false, kind, message, exitCode: 2 } }, null, 2) + '\n');
    process.stderr.write(`steadysocket: ${message}\n${json ? '' : `\n${USAGE}`}`);
    return 2;
  };
  let args;
  try {
    args = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return usage(error.kind, error.message);
  }
  if (args === 'help') return process.stdout.write(USAGE), 0;
  if (args === 'version') return process.stdout.write(json ? JSON.stringify({ version: version() }) + '\n' : `${version()}\n`), 0;
  let report;
  try {
    report = await probe(args.url, args.options);
  } catch (error) {
    if (!isSteadySocketError(error)) throw error;
    const code = EXIT_CODES[error.kind] ?? 2;
    if (code === 2) return usage(error.kind, error.message);
    process.stderr.write(`steadysocket: ${error.message}\n`);
    return code;
  }
  process.stdout.write(args.json ? JSON.stringify(report, null, args.watch ? undefined : 2) + '\n' : formatReport(report, { color: args.color }));
  if (args.watch) {
    if (!args.json) process.stdout.write('\nwatching (Ctrl+C stops)\n');
    return watch(args.url, args.options, args.interval, args.json, report.verdict.exitCode);
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
