// Node: send, receive and echo round trip. Each contender measures in a process of its own (no JIT,
// heap or GC state carried from another contender), the contenders take turns in rotated order over
// ROUNDS rounds, and each ratio to raw ws is taken within its round. Medians, with the spread of the
// rounds (the 25th to 75th percentile); a ratio whose spread is wider than its margin over the budget
// is flagged, since then one run can fall on either side of the budget's line. The drop-in face runs
// beside them for its own row (no Node budget reads it).
import { spawn } from 'node:child_process';
import { CONTENDERS, DROPIN, here, judge, median, percentile, quartiles, rotated, startServer, fmt, unsureNote } from './lib.mjs';

const SEND = 200_000;
const RECEIVE = 1_000_000;
const ECHOES = 10_000;
const ROUNDS = Number(process.env.ROUNDS || 9);
// Floods per process, of which the fastest counts: other processes on the machine can only slow a
// flood down (and the first one also pays for compiling), so the fastest is the one nearest to the
// contender's own cost.
const REPEATS = Number(process.env.REPEATS || 3);
/** What the budgets (test/size.test.ts and the README) read: steadysocket at least this × raw ws. */
const BUDGETS = { send: 2, receive: 0.97 };
const message = 'x'.repeat(32);

/**
 * Runs one flood of `count` messages and returns its rates: per second of wall time, and per second of
 * this process's CPU time (user and system). The second does not count time spent waiting for a core
 * that another process holds, so it moves far less with the machine's load; it does count the CPU
 * work a contender saves (a syscall per frame, or one per burst).
 */
async function rates(count, flood) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await flood();
  const wall = (performance.now() - start) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  return { wall: count / wall, cpu: count / ((user + system) / 1e6) };
}

async function sendRate(open, url) {
  const socket = await open(`${url}/sink?count=${SEND}`);
  const done = new Promise((resolve) => socket.onMessage(resolve));
  const rate = await rates(SEND, () => {
    for (let i = 0; i < SEND; i++) socket.send(message);
    return done;
  });
  socket.close();
  return rate;
}

/**
 * What the server can take at all: the same messages as pre-built masked frames (RFC 6455 §5.3, a zero
 * mask) in one write, from a client that does no work per message. No client can send faster than
 * this, so it bounds every send ratio above.
 */
async function serverCeiling(url) {
  const { raw: socket } = await CONTENDERS['raw ws'](`${url}/sink?count=${SEND}`);
  const frame = Buffer.concat([Buffer.from([0x81, 0x80 | message.length, 0, 0, 0, 0]), Buffer.from(message)]);
  const frames = Buffer.concat(Array(SEND).fill(frame));
  const done = new Promise((resolve) => socket.once('message', resolve));
  const rate = await rates(SEND, () => {
    socket._socket.write(frames);
    return done;
  });
  socket.terminate();
  return rate.wall;
}

async function receiveRate(open, url) {
  const socket = await open(`${url}/flood?count=${RECEIVE}&size=32`);
  let seen = 0;
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  socket.onMessage(() => ++seen === RECEIVE && finish());
  const rate = await rates(RECEIVE, () => {
    socket.send('go');
    return done;
  });
  socket.close();
  return rate;
}

async function echoLatency(open, url) {
  const socket = await open(`${url}/echo`);
  const times = [];
  let resolveOne;
  socket.onMessage(() => resolveOne());
  for (let i = 0; i < ECHOES; i++) {
    const start = performance.now();
    await new Promise((resolve) => {
      resolveOne = resolve;
      socket.send(message);
    });
    times.push((performance.now() - start) * 1000);
  }
  socket.close();
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** One contender's measurements, in this process: run as `node node-throughput.mjs <name> <url>`. */
async function measure(name, url) {
  if (name === 'ceiling') {
    let fastest = 0;
    for (let i = 0; i < REPEATS; i++) fastest = Math.max(fastest, await serverCeiling(url));
    return { send: fastest };
  }
  const open = name === DROPIN.name ? DROPIN.open : CONTENDERS[name];
  const best = async (rate) => {
    const fastest = { wall: 0, cpu: 0 };
    for (let i = 0; i < REPEATS; i++) {
      const { wall, cpu } = await rate(open, url);
      fastest.wall = Math.max(fastest.wall, wall);
      fastest.cpu = Math.max(fastest.cpu, cpu);
    }
    return fastest;
  };
  const send = await best(sendRate);
  const receive = await best(receiveRate);
  return { send: send.wall, receive: receive.wall, sendCpu: send.cpu, receiveCpu: receive.cpu, ...(await echoLatency(open, url)) };
}

/** Runs `measure` for one contender in a fresh Node process. */
function child(name, url) {
  return new Promise((resolve, reject) => {
    const process_ = spawn(process.execPath, [here('./node-throughput.mjs'), name, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    process_.stdout.on('data', (chunk) => (out += chunk));
    process_.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`node-throughput child for ${name} exited with ${code}`))));
  });
}

export async function run() {
  const server = await startServer();
  const names = [...Object.keys(CONTENDERS), DROPIN.name];
  const results = Object.fromEntries(names.map((name) => [name, { send: [], receive: [], sendCpu: [], receiveCpu: [], sendRatio: [], receiveRatio: [], sendCpuRatio: [], receiveCpuRatio: [], p50: [], p99: [] }]));
  const ceiling = { send: [], ratio: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const perRound = {};
    for (const name of rotated([...names, 'ceiling'], round)) perRound[name] = await child(name, server.url);
    ceiling.send.push(perRound.ceiling.send);
    ceiling.ratio.push(perRound.ceiling.send / perRound['raw ws'].send);
    for (const name of names) {
      const r = perRound[name];
      const base = perRound['raw ws'];
      for (const key of ['send', 'receive', 'sendCpu', 'receiveCpu', 'p50', 'p99']) results[name][key].push(r[key]);
      for (const key of ['send', 'receive', 'sendCpu', 'receiveCpu']) results[name][`${key}Ratio`].push(r[key] / base[key]);
    }
    process.stderr.write(`node throughput: round ${round + 1}/${ROUNDS} done\n`);
  }
  await server.stop();
  const flags = [];
  // The budgets read steadysocket itself, with and without a logger, on both clocks.
  const budgeted = (name) => name === 'steadysocket' || name === 'steadysocket, logger';
  const KEYS = { send: 'send', receive: 'receive', sendCpu: 'send', receiveCpu: 'receive' };
  const judged = Object.fromEntries(names.filter(budgeted).map((name) => [name, Object.fromEntries(Object.entries(KEYS).map(([key, budget]) => [key, judge(results[name][`${key}Ratio`], BUDGETS[budget])]))]));
  for (const name of Object.keys(judged)) {
    for (const [key, label] of [['send', 'send'], ['receive', 'receive'], ['sendCpu', 'send per CPU second'], ['receiveCpu', 'receive per CPU second']]) {
      if (judged[name][key].unsure) flags.push(unsureNote(`${name}, ${label} × raw ws`, judged[name][key]));
    }
  }
  /** "4.71 | 4.20-5.00": the median ratio and the spread of the rounds. */
  const ratio = (name, key) => {
    const [low, high] = quartiles(results[name][`${key}Ratio`]);
    return `${median(results[name][`${key}Ratio`]).toFixed(2)} | ${low.toFixed(2)}-${high.toFixed(2)}`;
  };
  const verdict = (name, key) => (budgeted(name) ? `≥ ${BUDGETS[KEYS[key]]} ×: ${judged[name][key].verdict}` : '');
  const spread = (values, digits = 0) => quartiles(values).map((v) => fmt(v, digits)).join('-');
  const rows = names.map((name) => {
    const r = results[name];
    return `| ${name} | ${fmt(median(r.send))} | ${spread(r.send)} | ${ratio(name, 'send')} | ${fmt(median(r.receive))} | ${spread(r.receive)} | ${ratio(name, 'receive')} | ${fmt(median(r.p50))} | ${fmt(median(r.p99))} | ${verdict(name, 'send')} | ${verdict(name, 'receive')} |`;
  });
  const cpuRows = names.map((name) => {
    const r = results[name];
    return `| ${name} | ${fmt(median(r.sendCpu))} | ${ratio(name, 'sendCpu')} | ${verdict(name, 'sendCpu')} | ${fmt(median(r.receiveCpu))} | ${ratio(name, 'receiveCpu')} | ${verdict(name, 'receiveCpu')} |`;
  });
  const margins = Object.keys(judged).map((name) => `${name}: send ${judged[name].send.margin.toFixed(2)}, receive ${judged[name].receive.margin.toFixed(2)}; per CPU second, send ${judged[name].sendCpu.margin.toFixed(2)}, receive ${judged[name].receiveCpu.margin.toFixed(2)}`);
  const summarise = (name) => Object.fromEntries(Object.keys(KEYS).flatMap((key) => [[key, median(results[name][`${key}Ratio`])], [`${key}Spread`, quartiles(results[name][`${key}Ratio`])]]));
  return {
    title: 'Node: send, receive, echo',
    summary: { ...Object.fromEntries(names.map((name) => [name, summarise(name)])), budgets: judged },
    text: [
      `${fmt(SEND)} × 32-byte messages sent in one loop (until the server has them all); ${fmt(RECEIVE)} × 32-byte messages written by the server as pre-built frames, counted in the message handler; ${fmt(ECHOES)} sequential echoes. Each contender measures in a Node process of its own, against one server process, and keeps the fastest of ${REPEATS} floods each way (other load can only slow a flood); ${ROUNDS} rounds, the contenders in rotated order. Medians, and the spread of the rounds (25th-75th percentile); ratios are to raw \`ws\` in the same round. The drop-in face (\`SteadyWebSocket\` over a steadysocket, its listener set by \`onmessage\`) has a row of its own. Budgets: steadysocket sends at least ${BUDGETS.send} × and receives at least ${BUDGETS.receive} × raw ws; ⚠ marks a ratio whose spread is wider than its margin over the budget.`,
      '',
      '| contender | send msg/s | spread | × raw | spread | receive msg/s | spread | × raw | spread | echo p50 µs | echo p99 µs | send budget | receive budget |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
      ...rows,
      '',
      `The same floods per second of the client process's CPU time (user and system), which leaves out the time it waited for a core another process held: what a contender costs, nearly whatever the load. Medians, spreads and ratios as above.`,
      '',
      '| contender | send msg per CPU s | × raw | spread | send budget | receive msg per CPU s | × raw | spread | receive budget |',
      '|---|---:|---:|---:|---|---:|---:|---:|---|',
      ...cpuRows,
      '',
      `The margins over the budgets (median × raw minus the budget): ${margins.join('. ')}.${flags.length ? ` ${flags.join(' ')}` : ' Every spread is narrower than its margin.'}`,
      '',
      `The server's own ceiling, ${fmt(median(ceiling.send))} msg/s (${median(ceiling.ratio).toFixed(2)} × raw ws): the same ${fmt(SEND)} messages as pre-built frames in one write, from a client that does no work per message. No client's send rate can pass it.`,
    ].join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[3]) {
    process.stdout.write(JSON.stringify(await measure(process.argv[2], process.argv[3])));
    // Contenders that reconnect may hold timers: the measurement is out, so end here.
    process.exit(0);
  } else console.log((await run()).text);
}
