// Browsers: page → server and server → page floods, the native WebSocket against steadysocket's UMD
// build, in Chromium and Firefox, alternating, several rounds; medians and ratios per round.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { chromium, firefox } from '@playwright/test';
import { chromiumLaunch, firefoxContext, firefoxLaunch } from '../e2e/launch.mjs';
import { here, median, rotated, startServer, fmt } from './lib.mjs';

const SEND = 100_000;
const RECEIVE = 300_000;
// Nine rounds: one round's send ratio in Chromium moves by up to 10 % either way (its own send
// pipeline, native or not), and five rounds' median still moved 0.88-1.11 between runs.
const ROUNDS = Number(process.env.ROUNDS || 9);

const page = `<!doctype html><meta charset="utf-8"><script src="/steadysocket.umd.min.js"></script><script>
window.open1 = (kind, url) => new Promise((resolve) => {
  if (kind === 'native') { const s = new WebSocket(url); s.binaryType = 'arraybuffer'; s.onopen = () => resolve({ send: (d) => s.send(d), on: (fn) => (s.onmessage = (e) => fn(e.data)), close: () => s.close() }); }
  else { const s = new steadysocket.SteadySocket(url, { heartbeat: false }); s.connected().then(() => resolve({ send: (d) => s.send(d), on: (fn) => s.on('message', fn), close: () => s.close() })); }
});
window.sendRate = async (kind, url, count) => {
  const s = await open1(kind, url + '/sink?count=' + count);
  const done = new Promise((r) => s.on(r));
  const m = 'x'.repeat(32);
  const t = performance.now();
  for (let i = 0; i < count; i++) s.send(m);
  await done;
  s.close();
  return count / ((performance.now() - t) / 1000);
};
window.receiveRate = async (kind, url, count) => {
  const s = await open1(kind, url + '/flood?size=32&count=' + count);
  let seen = 0, finish;
  const done = new Promise((r) => (finish = r));
  s.on(() => ++seen === count && finish());
  const t = performance.now();
  s.send('go');
  await done;
  s.close();
  return count / ((performance.now() - t) / 1000);
};
</script>`;

export async function run() {
  const ws = await startServer();
  const http = createServer((request, response) => {
    if (request.url === '/steadysocket.umd.min.js') return void response.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(here('../dist/steadysocket.umd.min.js')));
    response.writeHead(200, { 'content-type': 'text/html' }).end(page);
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${http.address().port}`;
  const rows = [];
  const summary = {};
  for (const [name, type, launch, context] of [
    ['Chromium', chromium, chromiumLaunch(), {}],
    ['Firefox', firefox, firefoxLaunch(), firefoxContext],
  ]) {
    const browser = await type.launch(launch);
    const tab = await (await browser.newContext(context)).newPage();
    await tab.goto(origin);
    const results = { native: { send: [], receive: [] }, steadysocket: { send: [], receive: [] } };
    const ratios = { send: [], receive: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const perRound = {};
      for (const kind of rotated(['native', 'steadysocket'], round)) {
        perRound[kind] = {
          send: await tab.evaluate(([k, u, n]) => window.sendRate(k, u, n), [kind, ws.url, SEND]),
          receive: await tab.evaluate(([k, u, n]) => window.receiveRate(k, u, n), [kind, ws.url, RECEIVE]),
        };
      }
      for (const kind of ['native', 'steadysocket']) for (const what of ['send', 'receive']) results[kind][what].push(perRound[kind][what]);
      for (const what of ['send', 'receive']) ratios[what].push(perRound.steadysocket[what] / perRound.native[what]);
    }
    await browser.close();
    summary[name] = { send: median(ratios.send), receive: median(ratios.receive) };
    rows.push(
      `| ${name} | ${fmt(median(results.native.send))} | ${fmt(median(results.steadysocket.send))} | ${median(ratios.send).toFixed(2)} | ${fmt(median(results.native.receive))} | ${fmt(median(results.steadysocket.receive))} | ${median(ratios.receive).toFixed(2)} |`,
    );
    process.stderr.write(`browsers: ${name} done\n`);
  }
  http.close();
  await ws.stop();
  return {
    title: 'Browsers: floods through the UMD build',
    summary,
    text: [
      `Page → server: ${fmt(SEND)} × 32-byte messages sent in one loop, until the server has them all. Server → page: ${fmt(RECEIVE)} × 32-byte messages written as pre-built frames, counted in the page's handler. Medians of ${ROUNDS} rounds, alternating order; ratios per round.`,
      '',
      '| browser | send native msg/s | send steadysocket | × native | receive native msg/s | receive steadysocket | × native |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...rows,
    ].join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await run()).text);
