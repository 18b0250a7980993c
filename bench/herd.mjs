// The thundering herd: 500 clients of one contender, the server killed and back after 1 s. The new
// server logs every connection; we report the peak per 100 ms and the time until all 500 are back.
import { CONTENDERS, SOCKET_IO, sleep, startServer, fmt } from './lib.mjs';

const CLIENTS = 500;
const DOWN = 1000;
const SETTLE = 6000;

// socket.io-client fits this test (it reconnects on its own), with its own defaults.
const HERD = {
  ...Object.fromEntries(Object.keys(CONTENDERS).filter((n) => n !== 'raw ws').map((n) => [n, { open: CONTENDERS[n], script: './server.mjs', path: '/log' }])),
  'socket.io-client': { ...SOCKET_IO, path: '' },
};

async function herd(name) {
  const { open, script, path } = HERD[name];
  let server = await startServer(0, () => {}, script);
  const port = server.port;
  const sockets = await Promise.all(Array.from({ length: CLIENTS }, () => open(`ws://127.0.0.1:${port}${path}`)));
  // A herd is made of long-lived connections: past every contender's "stable connection" reset.
  await sleep(SETTLE);
  await server.stop();
  await sleep(DOWN);
  const connects = [];
  server = await startServer(port, (line) => line.startsWith('connect') && connects.push(Number(line.split(' ')[1])), script);
  const back = Date.now();
  const deadline = back + 30000;
  while (connects.length < CLIENTS && Date.now() < deadline) await sleep(50);
  const buckets = new Map();
  for (const t of connects) buckets.set(Math.floor((t - back) / 100), (buckets.get(Math.floor((t - back) / 100)) ?? 0) + 1);
  const result = { peak: Math.max(0, ...buckets.values()), allBack: connects.length >= CLIENTS ? Math.max(...connects) - back : Infinity, count: connects.length };
  for (const socket of sockets) socket.close();
  await server.stop();
  return result;
}

export async function run() {
  const names = Object.keys(HERD);
  const results = {};
  for (const name of names) {
    results[name] = await herd(name);
    process.stderr.write(`herd: ${name} done\n`);
  }
  return {
    title: 'Herd: 500 clients, server down for 1 s',
    summary: results,
    text: [
      `${CLIENTS} clients with default options, connected for ${SETTLE / 1000} s; then the server process is killed, and a new one listens on the same port ${DOWN} ms later. Connections seen by the new server per 100 ms, and the time from its start until all ${CLIENTS} are back. socket.io-client talks to a socket.io server (its own protocol, WebSocket transport only).`,
      '',
      '| contender | peak per 100 ms | all back after |',
      '|---|---:|---:|',
      ...names.map((n) => `| ${n} | ${results[n].peak} | ${Number.isFinite(results[n].allBack) ? fmt(results[n].allBack) + ' ms' : `not within 30 s (${results[n].count})`} |`),
    ].join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await run()).text);
