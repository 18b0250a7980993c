import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAUSE_EXIT_CODES, EXIT_CODES } from '../../src/doctor';
import { startHandshakeServer, type HandshakeServer } from '../helpers/handshake-server';
import { closedPort, startServer, type EchoServer } from '../helpers/servers';
import { startSquid, type Squid } from '../helpers/squid';

// `steadysocket doctor` as a user runs it: the package packed and installed (offline, its
// dependencies from this checkout), the command spawned from node_modules/.bin.

const root = fileURLToPath(new URL('../..', import.meta.url));
let folder: string;
let bin: string;
let echo: EchoServer;
let faults: HandshakeServer;
let squid: Squid;
const seen: IncomingHttpHeaders[] = [];
const version = (JSON.parse(readFileSync(join(fileURLToPath(new URL('../..', import.meta.url)), 'package.json'), 'utf8')) as { version: string }).version;

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'steadysocket-cli-'));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', folder], { cwd: root, encoding: 'utf8' }).trim().split('\n').at(-1)!;
  const from = (name: string): string => `file:${join(root, 'node_modules', name)}`;
  writeFileSync(
    join(folder, 'package.json'),
    JSON.stringify({ private: true, dependencies: { steadysocket: `file:./${tarball}`, ws: from('ws'), eventemitter3: from('eventemitter3'), 'isomorphic-ws': from('isomorphic-ws') } }),
  );
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent'], { cwd: folder });
  bin = join(folder, 'node_modules', '.bin', 'steadysocket');
  echo = await startServer({ handleProtocols: (protocols) => (protocols.has('chat.v1') ? 'chat.v1' : false) });
  echo.wss.on('headers', (_headers, request) => seen.push(request.headers));
  faults = await startHandshakeServer();
  squid = await startSquid();
}, 60000);

afterAll(async () => {
  await Promise.all([echo?.close(), faults?.close(), squid?.close()]);
  if (folder) rmSync(folder, { recursive: true, force: true });
});

function run(
  args: string[],
  { until, signal, env = {} }: { until?: RegExp; signal?: NodeJS.Signals; env?: Record<string, string> } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // No proxy from this machine's environment: the tests set their own.
    const none = Object.fromEntries(['NO_COLOR', 'FORCE_COLOR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'].map((name) => [name, undefined]));
    const child = spawn(bin, args, { cwd: folder, env: { ...process.env, ...none, ...env } });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (until && signal && !signalled && until.test(stdout)) signalled = child.kill(signal);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('steadysocket doctor', () => {
  it('prints every step in order and exits 0 when everything passed', async () => {
    const { code, stdout } = await run(['doctor', echo.url + '/room?token=s3cret']);
    expect(code).toBe(0);
    const order = ['1. DNS', 'TCP connect', 'Request, as sent', 'Response, as received', 'Checks', 'Verdict'].map((title) => stdout.indexOf(title));
    expect(order.every((index, position) => index > (position ? order[position - 1]! : -1))).toBe(true);
    expect(stdout).toContain('> GET /room?token=*** HTTP/1.1');
    expect(stdout).toContain('< HTTP/1.1 101 Switching Protocols');
    expect(stdout).toMatch(/PASS ping +pong in [\d.]+ ms/);
    expect(stdout).toContain('OK: the WebSocket opened');
    expect(stdout).not.toContain('s3cret');
    // Not a terminal: no colours.
    expect(stdout).not.toContain('\x1b[');
  });

  it('passes --protocol, --header and --origin to the server', async () => {
    seen.length = 0;
    const { code, stdout } = await run(['doctor', echo.url, '-p', 'chat.v2', '--protocol', 'chat.v1', '-H', 'X-Trace: abc', '--origin', 'https://app.example']);
    expect(code).toBe(0);
    expect(seen[0]).toMatchObject({ 'sec-websocket-protocol': 'chat.v2, chat.v1', 'x-trace': 'abc', origin: 'https://app.example' });
    expect(stdout).toMatch(/PASS protocol +chat\.v1/);
  });

  it('--json prints the report object', async () => {
    const { code, stdout } = await run(['doctor', faults.url('101-accept-echo-key'), '--json']);
    const report = JSON.parse(stdout) as { verdict: { ok: boolean; kind: string; exitCode: number }; checks: { name: string; ok: boolean }[]; steps: unknown[] };
    expect(code).toBe(14);
    expect(report.verdict).toMatchObject({ ok: false, kind: 'bad-upgrade-header', exitCode: 14 });
    expect(report.checks.find((check) => !check.ok)!.name).toBe('accept');
    expect(report.steps.length).toBe(4);
  });

  it.each([
    ['101-no-upgrade', 14, /FAIL upgrade +expected websocket, got \(absent\)/],
    ['401', 17, /unauthorized: server answered 401/],
    ['429', 18, /rate-limited/],
    ['503', 19, /server-error/],
    ['200-html', 13, /body \(14\): <h1>hello<\/h1>/],
  ])('%s: exit code %i', async (route, exitCode, output) => {
    const { code, stdout } = await run(['doctor', faults.url(route)]);
    expect(code).toBe(exitCode);
    expect(stdout).toMatch(output);
    expect(stdout).toContain(`exit code ${exitCode}`);
  });

  it('a refused port exits 10, a hang 11 after --timeout', async () => {
    expect((await run(['doctor', `ws://127.0.0.1:${await closedPort()}/`])).code).toBe(10);
    expect((await run(['doctor', faults.url('hang'), '--timeout', '300'])).code).toBe(11);
  });

  it.each([
    [[], /a command is missing/],
    [['doctor'], /the URL is missing/],
    [['fix', 'ws://127.0.0.1/'], /unknown command: fix/],
    [['doctor', 'ws://127.0.0.1/', '--timeout', 'soon'], /--timeout must be a number/],
    [['doctor', 'ws://127.0.0.1/', '-H', 'no colon'], /--header must be 'Name: value'/],
    [['doctor', 'ws://127.0.0.1/', '--ca', '/nonexistent.pem'], /--ca: cannot read \/nonexistent\.pem \(ENOENT\)/],
    [['doctor', 'ws://127.0.0.1/', '--bogus'], /^steadysocket: unknown option --bogus \(steadysocket --help lists them\)\n/],
    [['doctor', 'ws://127.0.0.1/', '-x'], /^steadysocket: unknown option -x /],
    [['doctor', 'ws://127.0.0.1/', '--timeout', '-5'], /^steadysocket: --timeout must be a number of ms from 1 to 2147483647, got -5\n/],
    [['doctor', 'ws://127.0.0.1/', '--timeout'], /^steadysocket: --timeout needs a value: --timeout <ms>\n/],
    [['doctor', 'ws://127.0.0.1/', '--timeout', '3000000000'], /^steadysocket: --timeout must be a number of ms from 1 to 2147483647, got 3000000000\n/],
    [['doctor', 'ws://127.0.0.1/', '--interval=3000000000', '--watch'], /--interval must be a number of ms from 1 to 2147483647/],
    [['doctor', 'ws://127.0.0.1/', '--json=yes'], /--json takes no value/],
    [['doctor', 'ws://127.0.0.1/', '--ca', fileURLToPath(new URL('../fixtures/self-signed.key', import.meta.url))], /--ca: .*self-signed\.key holds no PEM certificate/],
    [['doctor', 'ws://127.0.0.1/', '--proxy', 'socks5://127.0.0.1:1080'], /--proxy: proxy: only http:\/\/ proxies are supported, got socks5:\/\//],
    [['doctor', 'ftp://127.0.0.1/'], /unsupported scheme ftp:/],
    [['doctor', 'ws://127.0.0.1/', '--upgrade', 'h2c', '--watch'], /--watch needs --upgrade websocket/],
  ])('bad usage %j: exit code 2 and what is wrong', async (args, message) => {
    const { code, stderr, stdout } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/ERR_PARSE_ARGS|ambiguous|TimeoutOverflowWarning/);
    expect(stdout).toBe('');
  });

  it.each([
    [['doctor', 'ws://127.0.0.1/', '--json', '--timeout', 'soon'], 'invalid-options', /--timeout must be a number/],
    [['doctor', '--json'], 'invalid-options', /the URL is missing/],
    [['--json', 'doctor', 'ftp://127.0.0.1/'], 'invalid-url', /unsupported scheme ftp:/],
  ])('bad usage with --json %j: a JSON verdict on stdout, exit code 2', async (args, kind, message) => {
    const { code, stdout, stderr } = await run(args);
    expect(code).toBe(2);
    const { verdict } = JSON.parse(stdout) as { verdict: { ok: boolean; kind: string; message: string; exitCode: number } };
    expect(verdict).toMatchObject({ ok: false, kind, exitCode: 2 });
    expect(verdict.message).toMatch(message);
    expect(stderr).toMatch(message);
  });

  it('--version and -V print the version', async () => {
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await run([flag]);
      expect(code).toBe(0);
      expect(stdout).toBe(`${version}\n`);
    }
    expect(JSON.parse((await run(['--version', '--json'])).stdout)).toEqual({ version });
  });

  it("--help lists every exit code the doctor gives, and examples", async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    const listed = [...stdout.matchAll(/^ {2,3}(\d{1,2}) {2}\S/gm)].map((match) => Number(match[1]));
    expect(listed).toEqual([...new Set([0, 1, 2, ...Object.values(EXIT_CODES), ...Object.values(CAUSE_EXIT_CODES)])].sort((a, b) => a - b));
    expect(stdout).toMatch(/\nExamples:\n {2}steadysocket doctor wss:\/\//);
    expect(stdout).toMatch(/-V, --version/);
  });

  it('--http2 checks a ws: URL over HTTP/2 by prior knowledge too, --json carries it as h2; --http1 skips it; both at once is bad usage', async () => {
    const both = await run(['doctor', echo.url, '--http2', '--json']);
    expect(both.code).toBe(0);
    const report = JSON.parse(both.stdout) as { h2?: { via: string; result: string }; verdict: { ok: boolean; message: string } };
    // ws speaks no HTTP/2: browsers and clients use HTTP/1.1, which is fine.
    expect(report.h2).toMatchObject({ via: 'prior-knowledge', result: 'no-h2' });
    expect(report.verdict.message).toContain('no HTTP/2 here');
    const text = await run(['doctor', echo.url, '--http2']);
    expect(text.stdout).toContain('WebSocket over HTTP/2 (RFC 8441), a second connection by prior knowledge:');
    expect(text.stdout).toMatch(/HTTP\/2: the server's SETTINGS \(prior knowledge\) .*✗/);
    const skipped = await run(['doctor', echo.url.replace('ws:', 'http:'), '--http1', '--json']);
    expect(JSON.parse(skipped.stdout).h2).toBeUndefined();
    const usage = await run(['doctor', echo.url, '--http1', '--http2']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--http1 and --http2 exclude each other');
  });

  it("-H replaces the default Host and User-Agent, as curl's does", async () => {
    seen.length = 0;
    const { code, stdout } = await run(['doctor', echo.url, '-H', 'Host: chat.example.test', '-H', 'User-Agent: mine/1']);
    expect(code).toBe(0);
    expect(seen[0]).toMatchObject({ host: 'chat.example.test', 'user-agent': 'mine/1' });
    expect(stdout.match(/> Host:/g)).toHaveLength(1);
    expect(stdout).not.toContain('steadysocket-doctor');
  });

  describe('through an HTTP proxy (squid)', () => {
    // The tunnels squid opened to the echo server; squid logs each when it closes, so they are waited for.
    const tunnel = (): RegExp => new RegExp(`TCP_TUNNEL/200 \\d+ CONNECT 127\\.0\\.0\\.1:${echo.port} `);
    const tunnels = async (count = 0): Promise<number> => (await squid.logged(tunnel(), count)).length;

    it('HTTP_PROXY with credentials: the CONNECT shown, the credentials never, exit 0', async () => {
      const before = await tunnels();
      const { code, stdout } = await run(['doctor', echo.url], { env: { HTTP_PROXY: `http://${squid.user}:${squid.password}@127.0.0.1:${squid.auth}` } });
      expect(code).toBe(0);
      expect(stdout).toContain(`3. CONNECT through the proxy http://***@127.0.0.1:${squid.auth}`);
      expect(stdout).toContain('   > Proxy-Authorization: ***\n');
      expect(stdout).not.toContain(squid.password);
      expect(await tunnels(before + 1)).toBe(before + 1);
    });

    it('NO_PROXY, and --proxy "", go direct; HTTPS_PROXY is for wss: only', async () => {
      const before = await tunnels();
      const proxy = `http://127.0.0.1:${squid.open}`;
      for (const [args, env] of [
        [[], { HTTP_PROXY: proxy, NO_PROXY: 'localhost,127.0.0.1' }],
        [['--proxy', ''], { http_proxy: proxy }],
        [[], { HTTPS_PROXY: proxy }],
      ] as const) {
        const { code, stdout } = await run(['doctor', echo.url, ...args], { env });
        expect(code).toBe(0);
        expect(stdout).not.toContain('CONNECT');
      }
      expect(await tunnels()).toBe(before);
    });

    it.each([
      ['denied', 32, /proxy-denied: the proxy answered CONNECT with 403 Forbidden/],
      ['auth', 31, /< Proxy-Authenticate: Basic realm="steadysocket-test"\n[^]*proxy-auth-required: /],
    ] as const)('--proxy to the %s port: exit code %i', async (name, exitCode, output) => {
      const { code, stdout } = await run(['doctor', echo.url, '--proxy', `127.0.0.1:${squid[name]}`]);
      expect(code).toBe(exitCode);
      expect(stdout).toMatch(output);
    });

    it('no proxy listening: exit code 30; a proxy URL the environment gets wrong: exit code 2, naming the variable', async () => {
      expect((await run(['doctor', echo.url, '--proxy', `http://127.0.0.1:${await closedPort()}`])).code).toBe(30);
      const bad = await run(['doctor', echo.url.replace('ws:', 'wss:')], { env: { HTTPS_PROXY: 'socks5://user:s3cret@127.0.0.1:1080' } });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^steadysocket: HTTPS_PROXY: proxy: only http:\/\/ proxies are supported/);
      expect(bad.stderr).not.toContain('s3cret');
    });

    it("--watch through a proxy that wants credentials: the proxy's refusal named, and its exit code", async () => {
      const { code, stdout } = await run(['doctor', echo.url, '--watch', '--proxy', `http://127.0.0.1:${squid.auth}`]);
      expect(code).toBe(31);
      expect(stdout).toMatch(/\d{3} error kind=unauthorized cause=proxy-auth-required status=407 /);
      expect(stdout).toMatch(/\d{3} closed\n\nsummary: /);
    });

    it('--watch keeps its SteadySocket open through the same proxy', async () => {
      const before = await tunnels();
      const { code, stdout } = await run(['doctor', echo.url, '--watch', '--interval', '100', '--proxy', `http://${squid.user}:${squid.password}@127.0.0.1:${squid.auth}`], {
        until: /heartbeat rtt=/,
        signal: 'SIGINT',
      });
      expect(code).toBe(0);
      expect(stdout).toMatch(/\d{3} open\n/);
      // One tunnel for the check, one for the watch.
      expect(await tunnels(before + 2)).toBe(before + 2);
    });
  });

  it('FORCE_COLOR=0 turns colours off', async () => {
    const { stdout } = await run(['doctor', echo.url], { env: { FORCE_COLOR: '0' } });
    expect(stdout).toContain('PASS');
    expect(stdout).not.toContain('\x1b[');
  });

  it('colours when FORCE_COLOR asks, never with --no-color', async () => {
    const coloured = await run(['doctor', echo.url], { env: { FORCE_COLOR: '1' } });
    expect(coloured.stdout).toContain('\x1b[32mPASS\x1b[0m');
    const plain = await run(['doctor', echo.url, '--no-color'], { env: { FORCE_COLOR: '1' } });
    expect(plain.stdout).not.toContain('\x1b[');
    expect(plain.stdout).toContain('PASS');
  });

  it('the package exports probe() and formatReport() from steadysocket/doctor, in ESM and CommonJS', () => {
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e', "import('steadysocket/doctor').then((m) => console.log(Object.keys(m).sort().join(',')))"], { cwd: folder, encoding: 'utf8' });
    expect(esm.trim()).toBe('CAUSE_EXIT_CODES,EXIT_CODES,formatReport,probe,proxyFromEnv');
    const cjs = execFileSync(process.execPath, ['-e', "console.log(typeof require('steadysocket/doctor').probe)"], { cwd: folder, encoding: 'utf8' });
    expect(cjs.trim()).toBe('function');
  });

  it('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: steadysocket doctor <url>/);
  });

  it('--watch against a page that is no WebSocket: the error, closed, the summary, and the exit code of the failure', async () => {
    const { code, stdout } = await run(['doctor', faults.url('200-html'), '--watch']);
    expect(code).toBe(13);
    expect(stdout).toMatch(/\d{3} error kind=no-protocol-support status=200 /);
    expect(stdout).toMatch(/\d{3} closed\n\nsummary: 0 connects/);
    expect(stdout).toMatch(/failures no-protocol-support×1\n {2}exit code 13\n$/);
  });

  it('--watch against a closed port: Ctrl+C gives the summary and the exit code of the last failure', async () => {
    const { code, stdout } = await run(['doctor', `ws://127.0.0.1:${await closedPort()}/`, '--watch', '--json'], { until: /"event":"reconnecting"/, signal: 'SIGINT' });
    expect(code).toBe(10);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { event?: string; delay?: unknown; exitCode?: number });
    expect(lines.find((line) => line.event === 'reconnecting')!.delay).toEqual(expect.any(Number));
    expect(lines.at(-1)).toMatchObject({ event: 'summary', exitCode: 10 });
  });

  it('--watch prints a line per event until Ctrl+C, then the stats, and exits 0', async () => {
    const { code, stdout } = await run(['doctor', echo.url, '--watch', '--interval', '100'], { until: /heartbeat rtt=.*\n(.|\n)*heartbeat rtt=/, signal: 'SIGINT' });
    expect(code).toBe(0);
    expect(stdout).toContain('watching (Ctrl+C stops)');
    expect(stdout).toMatch(/\d\d:\d\d:\d\d\.\d{3} connecting attempt=1\n/);
    expect(stdout).toMatch(/\d{3} open\n/);
    expect(stdout.trim().split('\n').slice(-2).join('\n')).toMatch(/messages in \d+, out \d+; failures none\n {2}exit code 0$/);
    expect(stdout).toMatch(/\d{3} heartbeat rtt=[\d.]+ms\n/);
    expect(stdout).toMatch(/summary: 1 connects, 0 reconnects/);
    expect(stdout).toMatch(/heartbeats [2-9]\d* sent, 0 missed/);
  });

  it('--watch --json prints one JSON object per line, the summary last', async () => {
    const { code, stdout } = await run(['doctor', echo.url, '--watch', '--json', '--interval', '100'], { until: /"event":"heartbeat"/, signal: 'SIGTERM' });
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { event?: string; verdict?: unknown; rtt?: unknown; stats?: { connects: number } });
    expect(lines[0]!.verdict).toMatchObject({ ok: true });
    // ms as a number, as everywhere in the JSON.
    expect(lines.find((line) => line.event === 'heartbeat')!.rtt).toEqual(expect.any(Number));
    expect(lines.at(-1)).toMatchObject({ event: 'summary', stats: { connects: 1 }, exitCode: 0 });
  });
});
