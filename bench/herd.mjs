// The thundering herd: 500 clients of one contender, the server killed and back after 1 s or 10 s.
// The new server logs every connection; we report the peak per 100 ms and the time until all 500 are
// back, each the median of ROUNDS rounds (the contenders take turns within a round).
import { CONTENDERS, SOCKET_IO, sleep, startServer, fmt, median } from './lib.mjs';

const CLIENTS = 500;
const OUTAGES = [1000, 10000];
const ROUNDS = Number(process.env.ROUNDS || 3);
const SETTLE = 6000;

// socket.io-client fits this test (it reconnects on its own), with its own defaults.
const HERD = {
  ...Object.fromEntries(Object.keys(CONTENDERS).filter((n) => n !== 'raw ws').map((n) => [n, { open: CONTENDERS[n], script: './server.mjs', path: '/log' }])),
  'socket.io-client': { ...SOCKET_IO, path: '' },
};

async function herd(name, down) {
  const { open, script, path } = HERD[name];
  let server = await startServer(0, () => {}, script);
  const port = server.port;
  const sockets = await Promise.all(Array.from({ length: CLIENTS }, () => open(`ws://127.0.0.1:${port}${path}`)));
  // A herd is made of long-lived connections: past every contender's "stable connection" reset.
  await sleep(SETTLE);
  await server.stop();
  await sleep(down);
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
  const rounds = Object.fromEntries(OUTAGES.map((down) => [down, Object.fromEntries(names.map((name) => [name, []]))]));
  for (const down of OUTAGES) {
    for (let round = 1; round <= ROUNDS; round++) {
      for (const name of names) {
        rounds[down][name].push(await herd(name, down));
        process.stderr.write(`herd: ${down} ms outage, round ${round}, ${name} done\n`);
      }
    }
  }
  const summary = {};
  const tables = OUTAGES.flatMap((down) => {
    summary[down] = Object.fromEntries(
      names.map((name) => {
        const runs = rounds[down][name];
        return [name, { peak: median(runs.map((r) => r.peak)), allBack: median(runs.map((r) => r.allBack)), runs }];
      }),
    );
    return [
      '',
      `Server down for ${fmt(down)} ms:`,
      '',
      '| contender | peak per 100 ms | all back after | rounds (peak / all back) |',
      '|---|---:|---:|---|',
      ...names.map((n) => {
        const { peak, allBack, runs } = summary[down][n];
        const back = (ms) => (Number.isFinite(ms) ? `${fmt(ms)} ms` : 'not within 30 s');
        return `| ${n} | ${peak} | ${back(allBack)} | ${runs.map((r) => `${r.peak} / ${back(r.allBack)}`).join(', ')} |`;
      }),
    ];
  });
  return {
    title: 'Herd: 500 clients, server down for 1 s and for 10 s',
    summary,
    text: [
      `${CLIENTS} clients with default options, connected for ${SETTLE / 1000} s; then the server process is killed, and a new one listens on the same port after the outage. Connections seen by the new server per 100 ms (the peak), and the time from its start until all ${CLIENTS} are back; the median of ${ROUNDS} rounds, in which the contenders take turns. socket.io-client talks to a socket.io server (its own protocol, WebSocket transport only). \`npm run bench herd-model\` simulates the same schedules.`,
      ...tables,
    ].join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await run()).text);
