// WebSocket over HTTP/2 (RFC 8441) against HTTP/1.1, both over TLS to the same HAProxy in front of the
// bench server (bench/server.mjs, its own process): time and memory to open 1,000 sockets from one
// Node process, one socket's send and receive throughput, and echo latency. Each measurement runs in a
// fresh child process (with --expose-gc), HTTP/1.1 and HTTP/2 alternately.
//   node bench/http2.mjs            (needs dist/: npm run build; HAProxy: apt-get install haproxy)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SteadySocket } from '../dist/steadysocket.mjs';
import { here, startServer } from './lib.mjs';

const SOCKETS = 1000;
const SEND = { count: 4000, size: 16384 };
const FLOOD = { count: 200000, size: 100 };
const ECHOES = 2000;

/** The options of a socket over `http` ('1.1' or '2'), trusting the bench's CA. */
const optionsFor = (http, ca) => ({
  nodeOptions: { ca, perMessageDeflate: false, http2: http === '2' },
  reconnect: false,
  heartbeat: false,
  connectTimeout: 60000,
});

async function child(task, http, url, caFile) {
  const ca = readFileSync(caFile, 'utf8');
  const options = optionsFor(http, ca);
  const open = async (path) => {
    const socket = new SteadySocket(url + path, options);
    await socket.connected();
    return socket;
  };
  const settle = () => (globalThis.gc(), globalThis.gc(), process.memoryUsage());
  if (task === 'open') {
    // One socket first, so that both pay the module loading and TLS setup before the clock starts.
    const warm = await open('/idle');
    const before = settle();
    const started = performance.now();
    const sockets = await Promise.all(Array.from({ length: SOCKETS }, () => open('/idle')));
    const ms = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = settle();
    const per = (field) => Math.round((after[field] - before[field]) / SOCKETS);
    report({ ms: Math.round(ms), heap: per('heapUsed'), external: per('external'), rss: per('rss') });
    for (const socket of [warm, ...sockets]) socket.close();
    return;
  }
  if (task === 'send') {
    const socket = await open(`/sink?count=${SEND.count}`);
    const payload = new Uint8Array(SEND.size).fill(97);
    const done = new Promise((resolve) => socket.once('message', resolve));
    const started = performance.now();
    for (let index = 0; index < SEND.count; index++) socket.send(payload);
    await done;
    report({ mbps: (SEND.count * SEND.size) / 1e6 / ((performance.now() - started) / 1000) });
    socket.close();
    return;
  }
  if (task === 'receive') {
    const socket = await open(`/flood?count=${FLOOD.count}&size=${FLOOD.size}`);
    let seen = 0;
    const done = new Promise((resolve) => socket.on('message', () => ++seen === FLOOD.count && resolve()));
    const started = performance.now();
    const cpu = process.cpuUsage();
    socket.send('go');
    await done;
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    report({ mbps: (FLOOD.count * FLOOD.size) / 1e6 / (ms / 1000), cpu: (used.user + used.system) / 1000 / ms });
    socket.close();
    return;
  }
  // Latency: one small message at a time, answered before the next goes.
  const socket = await open('/echo');
  const times = [];
  for (let index = 0; index < ECHOES; index++) {
    const started = performance.now();
    const answer = new Promise((resolve) => socket.once('message', resolve));
    socket.send('ping ' + index);
    await answer;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  report({ p50: times[Math.floor(times.length / 2)], p99: times[Math.floor(times.length * 0.99)] });
  socket.close();
}

function report(result) {
  process.stdout.write(JSON.stringify(result) + '\n');
}

const freePort = () =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

async function haproxy(backend, dir) {
  const port = await freePort();
  const openssl = (...args) => execFileSync('/usr/bin/openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=bench CA');
  openssl('req', ...ec, '-keyout', 'key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'cert.pem', '-days', '1', '-extfile', 'ext.cnf');
  writeFileSync(join(dir, 'bundle.pem'), readFileSync(join(dir, 'cert.pem'), 'utf8') + readFileSync(join(dir, 'key.pem'), 'utf8'));
  // A thousand streams on one connection, and HAProxy's receive window per stream raised from the
  // 65,535 bytes of RFC 9113 so that one socket's uploads are not held to a window per round trip.
  writeFileSync(
    join(dir, 'haproxy.cfg'),
    `global
  maxconn 4000
  tune.h2.max-concurrent-streams ${SOCKETS + 10}
  tune.h2.initial-window-size 4194304${process.env.HAPROXY_EXTRA ? "\n  " + process.env.HAPROXY_EXTRA : ""}
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout tunnel 120s
frontend tls
  bind 127.0.0.1:${port} ssl crt ${join(dir, 'bundle.pem')} alpn h2,http/1.1
  maxconn 4000
  default_backend ws
backend ws
  server ws 127.0.0.1:${backend} maxconn 4000
`,
  );
  const proxy = spawn('/usr/sbin/haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let tries = 0; tries < 100; tries++) {
    const up = await new Promise((resolve) => {
      const socket = createServer();
      socket.once('error', () => resolve(true));
      socket.listen(port, '127.0.0.1', () => socket.close(() => resolve(false)));
    });
    if (up) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url: `wss://127.0.0.1:${port}`, caFile: join(dir, 'ca.pem'), stop: () => new Promise((done) => (proxy.once('exit', done), proxy.kill('SIGKILL'))) };
}

function measure(task, http, url, caFile) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', here('./http2.mjs'), 'child', task, http, url, caFile], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`${task} over HTTP/${http} exited with ${code}`))));
  });
}

/** The table, for `npm run bench http2` and bench/RESULTS.md. */
export async function run() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-h2-'));
  const server = await startServer();
  const proxy = await haproxy(server.port, dir);
  const results = {};
  try {
    for (const task of process.env.TASKS?.split(',') ?? ['open', 'send', 'receive', 'echo']) {
      for (const http of ['1.1', '2']) results[`${task} ${http}`] = await measure(task, http, proxy.url, proxy.caFile);
    }
  } finally {
    await proxy.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const row = (name, one, two, unit, better) => {
    const ratio = two / one;
    return `| ${name} | ${one.toFixed(unit === 'ms' ? 1 : 0)} ${unit} | ${two.toFixed(unit === 'ms' ? 1 : 0)} ${unit} | ${better(ratio)} |`;
  };
  if (process.env.TASKS) return { title: 'WebSocket over HTTP/2', summary: results, text: JSON.stringify(results, null, 2) };
  const [open1, open2] = [results['open 1.1'], results['open 2']];
  const memory = (result) => result.heap + result.external;
  const ratio = (one, two) => two / one;
  const text = [
    `HTTP/2 (RFC 8441, \`nodeOptions.http2\`) against HTTP/1.1, both over TLS through one HAProxy ${execFileSync('/usr/sbin/haproxy', ['-v']).toString().split(' ')[2]} (\`alpn h2,http/1.1\`) in front of the bench server; each measurement in a fresh Node process, one run. Goals: ${SOCKETS} sockets open at least 3 × faster and hold at most half the memory per idle socket; one socket sends and receives at least 0.8 × HTTP/1.1's rate.`,
    '',
    '| | HTTP/1.1 | HTTP/2 | HTTP/2 against HTTP/1.1 |',
    '|---|---:|---:|---:|',
    row(`open ${SOCKETS} sockets`, open1.ms, open2.ms, 'ms', (r) => `${(1 / r).toFixed(1)} × faster`),
    row('heap + external per idle socket', memory(open1), memory(open2), 'B', (r) => `${r.toFixed(2)} ×`),
    row('RSS per idle socket', open1.rss, open2.rss, 'B', (r) => `${r.toFixed(2)} ×`),
    row(`send, ${SEND.count} × ${SEND.size} B`, results['send 1.1'].mbps, results['send 2'].mbps, 'MB/s', (r) => `${r.toFixed(2)} ×`),
    row(`receive, ${FLOOD.count} × ${FLOOD.size} B`, results['receive 1.1'].mbps, results['receive 2'].mbps, 'MB/s', (r) => `${r.toFixed(2)} ×`),
    row('echo latency p50', results['echo 1.1'].p50, results['echo 2'].p50, 'ms', (r) => `${r.toFixed(2)} ×`),
    row('echo latency p99', results['echo 1.1'].p99, results['echo 2'].p99, 'ms', (r) => `${r.toFixed(2)} ×`),
  ];
  return {
    title: 'WebSocket over HTTP/2',
    summary: { open: 1 / ratio(open1.ms, open2.ms), rss: ratio(open1.rss, open2.rss), send: ratio(results['send 1.1'].mbps, results['send 2'].mbps), receive: ratio(results['receive 1.1'].mbps, results['receive 2'].mbps) },
    text: text.join('\n'),
  };
}

if (process.argv[2] === 'child') await child(...process.argv.slice(3));
else if (import.meta.url === `file://${process.argv[1]}`) console.log((await run()).text);
