// Node: send, receive and echo round trip, every contender in the same run, rotated, several rounds;
// medians, and each contender's ratio to raw ws measured within the same round.
import { CONTENDERS, median, percentile, rotated, startServer, fmt } from './lib.mjs';

const SEND = 200_000;
const RECEIVE = 1_000_000;
const ECHOES = 10_000;
const ROUNDS = Number(process.env.ROUNDS || 5);
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

export async function run() {
  const server = await startServer();
  const names = Object.keys(CONTENDERS);
  const results = {};
  for (const name of names) results[name] = { send: [], receive: [], sendRatio: [], receiveRatio: [], p50: [], p99: [] };
  const ceiling = { send: [], ratio: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const perRound = {};
    for (const name of rotated(names, round)) {
      perRound[name] = {
        send: await sendRate(CONTENDERS[name], server.url),
        receive: await receiveRate(CONTENDERS[name], server.url),
        ...(await echoLatency(CONTENDERS[name], server.url)),
      };
    }
    const limit = await serverCeiling(server.url);
    ceiling.send.push(limit);
    ceiling.ratio.push(limit / perRound['raw ws'].send);
    for (const name of names) {
      const r = perRound[name];
      const base = perRound['raw ws'];
      Object.assign(results[name], {
        send: [...results[name].send, r.send],
        receive: [...results[name].receive, r.receive],
        sendRatio: [...results[name].sendRatio, r.send / base.send],
        receiveRatio: [...results[name].receiveRatio, r.receive / base.receive],
        p50: [...results[name].p50, r.p50],
        p99: [...results[name].p99, r.p99],
      });
    }
    process.stderr.write(`node throughput: round ${round + 1}/${ROUNDS} done\n`);
  }
  await server.stop();
  const rows = names.map((name) => {
    const r = results[name];
    return `| ${name} | ${fmt(median(r.send))} | ${median(r.sendRatio).toFixed(2)} | ${fmt(median(r.receive))} | ${median(r.receiveRatio).toFixed(2)} | ${fmt(median(r.p50))} | ${fmt(median(r.p99))} |`;
  });
  return {
    title: 'Node: send, receive, echo',
    summary: Object.fromEntries(names.map((name) => [name, { send: median(results[name].sendRatio), receive: median(results[name].receiveRatio) }])),
    text: [
      `${fmt(SEND)} × 32-byte messages sent in one loop (until the server has them all); ${fmt(RECEIVE)} × 32-byte messages written by the server as pre-built frames, counted in the message handler; ${fmt(ECHOES)} sequential echoes. Medians of ${ROUNDS} rounds in rotated order; ratios are to raw \`ws\` in the same round.`,
      '',
      '| contender | send msg/s | × raw | receive msg/s | × raw | echo p50 µs | echo p99 µs |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      `The server's own ceiling, ${fmt(median(ceiling.send))} msg/s (${median(ceiling.ratio).toFixed(2)} × raw ws): the same ${fmt(SEND)} messages as pre-built frames in one write, from a client that does no work per message. No client's send rate can pass it.`,
    ].join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await run()).text);
