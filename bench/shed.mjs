// A server that sheds load: 500 clients connected, then the server closes every connection with 1013
// Try Again Later (RFC 6455 §7.4.1, IANA registry) and keeps accepting. We report when the first
// client comes back (steadysocket waits at least 5 s after a 1013), the peak per 100 ms and the time
// until all 500 are back, each the median of ROUNDS rounds (the contenders take turns within a round).
import { CONTENDERS, sleep, startServer, fmt, median } from './lib.mjs';

const CLIENTS = 500;
const ROUNDS = Number(process.env.ROUNDS || 3);
const SETTLE = 6000;

const SHED = {
  steadysocket: CONTENDERS.steadysocket,
  // Every client waits exactly the floor: what steadysocket did before it spread clients past it.
  "steadysocket, jitter: 'none'": (url) => CONTENDERS.steadysocket(url, { reconnect: { jitter: 'none' } }),
  'reconnecting-websocket': CONTENDERS['reconnecting-websocket'],
  partysocket: CONTENDERS.partysocket,
};

async function shed(name) {
  const connects = [];
  const server = await startServer(0, (line) => line.startsWith('connect') && connects.push(Number(line.split(' ')[1])));
  const sockets = await Promise.all(Array.from({ length: CLIENTS }, () => SHED[name](`ws://127.0.0.1:${server.port}/log`)));
  await sleep(SETTLE);
  connects.length = 0;
  const at = Date.now();
  server.child.kill('SIGUSR2');
  const deadline = at + 30000;
  while (connects.length < CLIENTS && Date.now() < deadline) await sleep(50);
  const buckets = new Map();
  for (const t of connects) buckets.set(Math.floor((t - at) / 100), (buckets.get(Math.floor((t - at) / 100)) ?? 0) + 1);
  const result = {
    first: connects.length ? Math.min(...connects) - at : Infinity,
    peak: Math.max(0, ...buckets.values()),
    allBack: connects.length >= CLIENTS ? Math.max(...connects) - at : Infinity,
  };
  for (const socket of sockets) socket.close();
  await server.stop();
  return result;
}

export async function run() {
  const names = Object.keys(SHED);
  const rounds = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const name of names) {
      rounds[name].push(await shed(name));
      process.stderr.write(`shed: round ${round}, ${name} done\n`);
    }
  }
  const ms = (value) => (Number.isFinite(value) ? `${fmt(value)} ms` : 'not within 30 s');
  const summary = Object.fromEntries(
    names.map((name) => {
      const runs = rounds[name];
      return [name, { first: median(runs.map((r) => r.first)), peak: median(runs.map((r) => r.peak)), allBack: median(runs.map((r) => r.allBack)), runs }];
    }),
  );
  return {
    title: 'Shed: 500 clients told 1013 Try Again Later',
    summary,
    text: [
      `${CLIENTS} clients with default options, connected for ${SETTLE / 1000} s; then the server closes every connection with 1013 (try again later) and keeps accepting. The first client back, the connections per 100 ms at the peak and the time until all ${CLIENTS} are back, from the close; the median of ${ROUNDS} rounds, in which the contenders take turns.`,
      '',
      '| contender | first back after | peak per 100 ms | all back after | rounds (first / peak / all back) |',
      '|---|---:|---:|---:|---|',
      ...names.map((n) => {
        const { first, peak, allBack, runs } = summary[n];
        return `| ${n} | ${ms(first)} | ${peak} | ${ms(allBack)} | ${runs.map((r) => `${ms(r.first)} / ${r.peak} / ${ms(r.allBack)}`).join(', ')} |`;
      }),
    ].join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await run()).text);
