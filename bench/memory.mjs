// Heap per idle open connection: each contender in a fresh child process (run with --expose-gc)
// opens 2,000 connections to the bench server, waits, collects garbage, and reports the heap growth
// per connection. steadysocket runs with its default heartbeats on, and so does the drop-in face over
// it. The contenders take turns in rotated order over ROUNDS rounds; each difference (to raw ws, and
// the face's to steadysocket) is taken within its round, and the budgets read the median difference
// with the spread of the rounds.
import { spawn } from 'node:child_process';
import { CONTENDERS, DROPIN, SOCKET_IO, here, judge, median, quartiles, rotated, startServer, fmt, unsureNote } from './lib.mjs';

const CONNECTIONS = 2000;
const ROUNDS = Number(process.env.ROUNDS || 5);
/** Bytes per idle connection: steadysocket at most raw ws + 1 KiB; the drop-in face at most 0.3 KiB over a steadysocket. */
const BUDGETS = { overRaw: 1024, faceOverSteadysocket: 0.3 * 1024 };

async function child(name, url) {
  const open = name === 'socket.io-client' ? SOCKET_IO.open : name === DROPIN.name ? (base) => DROPIN.open(`${base}/idle`) : (base) => CONTENDERS[name](`${base}/idle`);
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

const kib = (bytes) => `${bytes >= 0 ? '+' : ''}${fmt(bytes / 1024, 2)} KiB`;

export async function run() {
  const server = await startServer();
  const ioServer = await startServer(0, () => {}, SOCKET_IO.script);
  const names = [...Object.keys(CONTENDERS), DROPIN.name, 'socket.io-client'];
  const results = Object.fromEntries(names.map((n) => [n, []]));
  const deltas = Object.fromEntries(names.map((n) => [n, []]));
  const faceDeltas = [];
  for (let round = 0; round < ROUNDS; round++) {
    const perRound = {};
    for (const name of rotated(names, round)) perRound[name] = await measure(name, name === 'socket.io-client' ? ioServer.url : server.url);
    for (const name of names) {
      results[name].push(perRound[name]);
      deltas[name].push(perRound[name] - perRound['raw ws']);
    }
    faceDeltas.push(perRound[DROPIN.name] - perRound.steadysocket);
    process.stderr.write(`memory: round ${round + 1}/${ROUNDS} done\n`);
  }
  await server.stop();
  await ioServer.stop();
  const notes = [];
  const budget = (name) => {
    if (name.startsWith('steadysocket') && name !== DROPIN.name) {
      const judged = judge(deltas[name], BUDGETS.overRaw, 'at most');
      if (judged.unsure) notes.push(unsureNote(`${name}, over raw ws`, judged, kib));
      return `≤ raw ws + 1 KiB: ${judged.verdict}`;
    }
    if (name === DROPIN.name) {
      const judged = judge(faceDeltas, BUDGETS.faceOverSteadysocket, 'at most');
      if (judged.unsure) notes.push(unsureNote(`${name}, over steadysocket`, judged, kib));
      return `≤ steadysocket + 0.3 KiB: ${kib(judged.median)} (${kib(judged.low)} to ${kib(judged.high)}), ${judged.verdict}`;
    }
    return '';
  };
  const spread = (values, format) => quartiles(values).map(format).join(' to ');
  const rows = names.map((n) =>
    n === 'raw ws'
      ? `| ${n} | ${fmt(median(results[n]))} | ${spread(results[n], (v) => fmt(v))} |  |  |  |`
      : `| ${n} | ${fmt(median(results[n]))} | ${spread(results[n], (v) => fmt(v))} | ${kib(median(deltas[n]))} | ${spread(deltas[n], kib)} | ${budget(n)} |`,
  );
  return {
    title: 'Node: heap per idle connection',
    summary: { ...Object.fromEntries(names.map((n) => [n, median(deltas[n])])), faceOverSteadysocket: judge(faceDeltas, BUDGETS.faceOverSteadysocket, 'at most') },
    text: [
      `Heap growth per open idle connection over ${fmt(CONNECTIONS)} connections, after garbage collection, each contender in a fresh process; ${ROUNDS} rounds, the contenders in rotated order; medians, and the spread of the rounds (25th-75th percentile); differences are taken within a round. steadysocket has its default heartbeat (protocol pings every 25 s) on, and so has the drop-in face (\`SteadyWebSocket\` over a steadysocket; no listener on it, as none on the others); reconnecting-websocket and partysocket have none; socket.io-client, against a socket.io server, answers the server's pings and times out without them. ⚠ marks a budget whose spread is wider than its margin.`,
      '',
      '| contender | bytes per connection | spread | vs raw ws | spread | budget |',
      '|---|---:|---:|---:|---:|---|',
      ...rows,
      ...(notes.length ? ['', notes.join(' ')] : []),
    ].join('\n'),
  };
}

if (process.argv[2] === 'child') await child(process.argv[3], process.argv[4]);
else if (import.meta.url === `file://${process.argv[1]}`) console.log((await run()).text);
