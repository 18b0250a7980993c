// Heap per idle open connection: each contender in a fresh child process (run with --expose-gc)
// opens 2,000 connections to the bench server, waits, collects garbage, and reports the heap growth
// per connection. steadysocket runs with its default heartbeats on.
import { spawn } from 'node:child_process';
import { CONTENDERS, SOCKET_IO, here, median, startServer, fmt } from './lib.mjs';

const CONNECTIONS = 2000;
const ROUNDS = Number(process.env.ROUNDS || 3);

async function child(name, url) {
  const open = name === 'socket.io-client' ? SOCKET_IO.open : (base) => CONTENDERS[name](`${base}/idle`);
  const heap = () => {
    globalThis.gc();
    globalThis.gc();
    return process.memoryUsage().heapUsed;
  };
  const before = heap();
  const sockets = [];
  for (let i = 0; i < CONNECTIONS; i += 100) {
    sockets.push(...(await Promise.all(Array.from({ length: 100 }, () => open(url)))));
  }
  // Long enough for every heartbeat timer to be armed at least once.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const after = heap();
  process.stdout.write(JSON.stringify({ perConnection: (after - before) / CONNECTIONS }) + '\n');
  process.exit(0);
}

function measure(name, url) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', here('./memory.mjs'), 'child', name, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk) => (out += chunk));
    proc.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out).perConnection) : reject(new Error(`${name} exited ${code}`))));
  });
}

export async function run() {
  const server = await startServer();
  const ioServer = await startServer(0, () => {}, SOCKET_IO.script);
  const names = [...Object.keys(CONTENDERS), 'socket.io-client'];
  const results = Object.fromEntries(names.map((n) => [n, []]));
  const deltas = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const perRound = {};
    for (const name of names) perRound[name] = await measure(name, name === 'socket.io-client' ? ioServer.url : server.url);
    for (const name of names) {
      results[name].push(perRound[name]);
      deltas[name].push(perRound[name] - perRound['raw ws']);
    }
    process.stderr.write(`memory: round ${round + 1}/${ROUNDS} done\n`);
  }
  await server.stop();
  await ioServer.stop();
  return {
    title: 'Node: heap per idle connection',
    summary: Object.fromEntries(names.map((n) => [n, median(deltas[n])])),
    text: [
      `Heap growth per open idle connection over ${fmt(CONNECTIONS)} connections, after garbage collection, each contender in a fresh process; median of ${ROUNDS} rounds. steadysocket has its default heartbeat (protocol pings every 25 s) on; reconnecting-websocket and partysocket have none; socket.io-client, against a socket.io server, answers the server's pings and times out without them.`,
      '',
      '| contender | bytes per connection | vs raw ws |',
      '|---|---:|---:|',
      ...names.map((n) => `| ${n} | ${fmt(median(results[n]))} | ${n === 'raw ws' ? '' : (median(deltas[n]) >= 0 ? '+' : '') + fmt(median(deltas[n]) / 1024, 2) + ' KiB'} |`),
    ].join('\n'),
  };
}

if (process.argv[2] === 'child') await child(process.argv[3], process.argv[4]);
else if (import.meta.url === `file://${process.argv[1]}`) console.log((await run()).text);
