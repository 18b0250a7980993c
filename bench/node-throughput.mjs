// Node: send, receive and echo round trip. Each contender measures in a process of its own (no JIT,
// heap or GC state carried from another contender), the contenders take turns in rotated order over
// ROUNDS rounds, and each ratio to raw ws is taken within its round. Medians, with the spread of the
// rounds (the 25th to 75th percentile); a ratio whose spread reaches past the budget's line is flagged,
// since then one run can fall on either side of it.
import { spawn } from 'node:child_process';
import { CONTENDERS, here, median, percentile, rotated, startServer, fmt } from './lib.mjs';

const SEND = 200_000;
const RECEIVE = 1_000_000;
const ECHOES = 10_000;
const ROUNDS = Number(process.env.ROUNDS || 9);
/** What the budgets (test/size.test.ts and the README) read: steadysocket at least this × raw ws. */
const BUDGETS = { send: 2, receive: 0.97 };
const message = 'x'.repeat(32);

async function sendRate(open, url) {
  const socket = await open(`${url}/sink?count=${SEND}`);
  const done = new Promise((resolve) => socket.onMessage(resolve));
  const start = performance.now();
  for (let i = 0; i < SEND; i++) socket.send(message);
  await done;
  const rate = SEND / ((performance.now() - start) / 1000);
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
  const start = performance.now();
  socket._socket.write(frames);
  await done;
  const rate = SEND / ((performance.now() - start) / 1000);
  socket.terminate();
  return rate;
}

async function receiveRate(open, url) {
  const socket = await open(`${url}/flood?count=${RECEIVE}&size=32`);
  let seen = 0;
  let finish;
  const done = new Promise((resolve) => (finish = resolve));
  socket.onMessage(() => ++seen === RECEIVE && finish());
  const start = performance.now();
  socket.send('go');
  await done;
  const rate = RECEIVE / ((performance.now() - start) / 1000);
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
  if (name === 'ceiling') return { send: await serverCeiling(url) };
  const open = CONTENDERS[name];
  return { send: await sendRate(open, url), receive: await receiveRate(open, url), ...(await echoLatency(open, url)) };
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

const quartiles = (values) => [percentile(values, 25), percentile(values, 75)];

export async function run() {
  const server = await startServer();
  const names = Object.keys(CONTENDERS);
  const results = Object.fromEntries(names.map((name) => [name, { send: [], receive: [], sendRatio: [], receiveRatio: [], p50: [], p99: [] }]));
  const ceiling = { send: [], ratio: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const perRound = {};
    for (const name of rotated([...names, 'ceiling'], round)) perRound[name] = await child(name, server.url);
    ceiling.send.push(perRound.ceiling.send);
    ceiling.ratio.push(perRound.ceiling.send / perRound['raw ws'].send);
    for (const name of names) {
      const r = perRound[name];
      const base = perRound['raw ws'];
      for (const key of ['send', 'receive', 'p50', 'p99']) results[name][key].push(r[key]);
      results[name].sendRatio.push(r.send / base.send);
      results[name].receiveRatio.push(r.receive / base.receive);
    }
    process.stderr.write(`node throughput: round ${round + 1}/${ROUNDS} done\n`);
  }
  await server.stop();
  const flags = [];
  /** "4.71 (4.2-5.0)", and a flag when the budget's line falls inside the spread. */
  const ratio = (name, key) => {
    const values = results[name][`${key}Ratio`];
    const [low, high] = quartiles(values);
    const within = name.startsWith('steadysocket') && low <= BUDGETS[key] && BUDGETS[key] <= high;
    if (within) flags.push(`${name}, ${key}: the rounds span ${low.toFixed(2)}-${high.toFixed(2)} × raw ws, across the budget's ${BUDGETS[key]} ×; one run can land on either side.`);
    return `${median(values).toFixed(2)} | ${low.toFixed(2)}-${high.toFixed(2)}${within ? ' ⚠' : ''}`;
  };
  const spread = (values, digits = 0) => quartiles(values).map((v) => fmt(v, digits)).join('-');
  const rows = names.map((name) => {
    const r = results[name];
    return `| ${name} | ${fmt(median(r.send))} | ${spread(r.send)} | ${ratio(name, 'send')} | ${fmt(median(r.receive))} | ${spread(r.receive)} | ${ratio(name, 'receive')} | ${fmt(median(r.p50))} | ${fmt(median(r.p99))} |`;
  });
  const margins = names
    .filter((name) => name.startsWith('steadysocket'))
    .map((name) => `${name}: send ${(median(results[name].sendRatio) - BUDGETS.send).toFixed(2)}, receive ${(median(results[name].receiveRatio) - BUDGETS.receive).toFixed(2)}`);
  return {
    title: 'Node: send, receive, echo',
    summary: Object.fromEntries(names.map((name) => [name, { send: median(results[name].sendRatio), receive: median(results[name].receiveRatio), sendSpread: quartiles(results[name].sendRatio), receiveSpread: quartiles(results[name].receiveRatio) }])),
    text: [
      `${fmt(SEND)} × 32-byte messages sent in one loop (until the server has them all); ${fmt(RECEIVE)} × 32-byte messages written by the server as pre-built frames, counted in the message handler; ${fmt(ECHOES)} sequential echoes. Each contender measures in a Node process of its own, against one server process; ${ROUNDS} rounds, the contenders in rotated order. Medians, and the spread of the rounds (25th-75th percentile); ratios are to raw \`ws\` in the same round. Budgets: steadysocket sends at least ${BUDGETS.send} × and receives at least ${BUDGETS.receive} × raw ws; ⚠ marks a ratio whose spread reaches across its budget's line.`,
      '',
      '| contender | send msg/s | spread | × raw | spread | receive msg/s | spread | × raw | spread | echo p50 µs | echo p99 µs |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      `The margins over the budgets (median × raw minus the budget): ${margins.join('; ')}.${flags.length ? ` ${flags.join(' ')}` : ' Every spread stays on one side of its budget.'}`,
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
