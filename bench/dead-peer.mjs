// Dead peer: the time from blackholing the link (a proxy that silently drops everything, both ways)
// to steadysocket noticing, against the promise of heartbeat interval + timeout.
import { connect, createServer } from 'node:net';
import { SteadySocket } from '../dist/steadysocket.mjs';
import { median, sleep, startServer, fmt } from './lib.mjs';

const INTERVAL = 1000;
const TIMEOUT = 500;
const RUNS = Number(process.env.RUNS || 10);

async function proxyTo(port) {
  const state = { dark: false };
  const server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    client.on('data', (chunk) => state.dark || upstream.write(chunk));
    upstream.on('data', (chunk) => state.dark || client.write(chunk));
    for (const s of [client, upstream]) s.on('error', () => {}), s.on('close', () => (client.destroy(), upstream.destroy()));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `ws://127.0.0.1:${server.address().port}`, state, close: () => server.close() };
}

export async function run() {
  const backend = await startServer();
  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const proxy = await proxyTo(backend.port);
    const socket = new SteadySocket(`${proxy.url}/idle`, { heartbeat: { interval: INTERVAL, timeout: TIMEOUT }, reconnect: false });
    await socket.connected();
    // Blackhole at a random phase of the heartbeat cycle.
    await sleep(Math.random() * INTERVAL);
    const noticed = new Promise((resolve) => socket.on('error', (error) => error.kind === 'heartbeat-timeout' && resolve(performance.now())));
    const cut = performance.now();
    proxy.state.dark = true;
    times.push((await noticed) - cut);
    await socket.close();
    proxy.close();
  }
  await backend.stop();
  const worst = Math.max(...times);
  return {
    title: 'Dead peer',
    summary: { worst, promise: INTERVAL + TIMEOUT },
    text: [
      `Heartbeat interval ${INTERVAL} ms, timeout ${TIMEOUT} ms; the link is blackholed at a random moment of the heartbeat cycle, ${RUNS} runs. Promise: noticed within interval + timeout = ${INTERVAL + TIMEOUT} ms after the peer's last sign of life.`,
      '',
      '| median | worst | promise |',
      '|---:|---:|---:|',
      `| ${fmt(median(times))} ms | ${fmt(worst)} ms | ${INTERVAL + TIMEOUT} ms |`,
    ].join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await run()).text);
