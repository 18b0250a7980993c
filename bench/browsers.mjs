// Browsers: page → server and server → page floods through the UMD build, in Chromium and Firefox:
// the native WebSocket, a SteadySocket, and the drop-in face (SteadyWebSocket). Each measurement runs
// in a fresh browser context and page (no JIT or heap state carried from another contender), the
// contenders take turns in rotated order over ROUNDS rounds, and each ratio to native is taken within
// its round. Medians, with the spread of the rounds; a ratio whose spread is wider than its margin
// over the budget is flagged, since then one run can land on either side of it.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { chromium, firefox } from '@playwright/test';
import { chromiumLaunch, firefoxContext, firefoxLaunch } from '../e2e/launch.mjs';
import { here, judge, median, rotated, startServer, fmt, unsureNote } from './lib.mjs';

// Per browser: Chromium passes each message between its network and page processes and takes about
// ten times as long per message as Firefox, so it gets fewer (each flood still lasts seconds).
const COUNTS = { Chromium: { send: 30_000, receive: 90_000 }, Firefox: { send: 100_000, receive: 300_000 } };
// Nine rounds: one round's send ratio in Chromium moves by up to 10 % either way (its own send
// pipeline, native or not), and five rounds' median still moved 0.88-1.11 between runs.
const ROUNDS = Number(process.env.ROUNDS || 9);
/** Both faces at least this × the native WebSocket, sending and receiving. */
const BUDGET = 0.95;
const KINDS = ['native', 'steadysocket', 'drop-in'];

// Every contender reduced to { send, on, close }. steadysocket and its face run without heartbeats:
// their pings would reach the sink and count as messages. The face's listener is `onmessage`, as the
// code it stands in for sets it.
const page = `<!doctype html><meta charset="utf-8"><script src="/steadysocket.umd.min.js"></script><script>
const wrap = (s) => ({ send: (d) => s.send(d), on: (fn) => (s.onmessage = (e) => fn(e.data)), close: () => s.close() });
window.open1 = (kind, url) => new Promise((resolve) => {
  if (kind === 'native') { const s = new WebSocket(url); s.binaryType = 'arraybuffer'; s.onopen = () => resolve(wrap(s)); }
  else if (kind === 'drop-in') { const s = new steadysocket.SteadyWebSocket(url, undefined, { heartbeat: false }); s.binaryType = 'arraybuffer'; s.onopen = () => resolve(wrap(s)); }
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
  const notes = [];
  const summary = {};
  for (const [name, type, launch, contextOptions] of [
    ['Chromium', chromium, chromiumLaunch(), {}],
    ['Firefox', firefox, firefoxLaunch(), firefoxContext],
  ]) {
    const browser = await type.launch(launch);
    const results = Object.fromEntries(KINDS.map((kind) => [kind, { send: [], receive: [] }]));
    const ratios = Object.fromEntries(KINDS.map((kind) => [kind, { send: [], receive: [] }]));
    for (let round = 0; round < ROUNDS; round++) {
      const perRound = {};
      for (const kind of rotated(KINDS, round)) {
        const context = await browser.newContext(contextOptions);
        const tab = await context.newPage();
        await tab.goto(origin);
        perRound[kind] = {
          send: await tab.evaluate(([k, u, n]) => window.sendRate(k, u, n), [kind, ws.url, COUNTS[name].send]),
          receive: await tab.evaluate(([k, u, n]) => window.receiveRate(k, u, n), [kind, ws.url, COUNTS[name].receive]),
        };
        await context.close();
        if (process.env.VERBOSE) process.stderr.write(`browsers: ${name}, round ${round + 1}, ${kind}: ${JSON.stringify(perRound[kind])}\n`);
      }
      for (const kind of KINDS) {
        for (const what of ['send', 'receive']) {
          results[kind][what].push(perRound[kind][what]);
          ratios[kind][what].push(perRound[kind][what] / perRound.native[what]);
        }
      }
    }
    await browser.close();
    summary[name] = {};
    for (const kind of KINDS.slice(1)) {
      const cells = [];
      summary[name][kind] = {};
      for (const what of ['send', 'receive']) {
        const judged = judge(ratios[kind][what], BUDGET);
        summary[name][kind][what] = judged;
        if (judged.unsure) notes.push(unsureNote(`${name}, ${kind}, ${what}`, judged));
        cells.push(fmt(median(results[kind][what])), judged.median.toFixed(2), `${judged.low.toFixed(2)}-${judged.high.toFixed(2)}`, judged.verdict);
      }
      rows.push(`| ${name}, ${kind} | ${fmt(median(results.native.send))} | ${cells.slice(0, 4).join(' | ')} | ${fmt(median(results.native.receive))} | ${cells.slice(4).join(' | ')} |`);
    }
    process.stderr.write(`browsers: ${name} done\n`);
  }
  http.close();
  await ws.stop();
  return {
    title: 'Browsers: floods through the UMD build',
    summary,
    text: [
      `Page → server: 32-byte messages sent in one loop, until the server has them all (Chromium ${fmt(COUNTS.Chromium.send)}, Firefox ${fmt(COUNTS.Firefox.send)}). Server → page: 32-byte messages written as pre-built frames, counted in the page's handler (Chromium ${fmt(COUNTS.Chromium.receive)}, Firefox ${fmt(COUNTS.Firefox.receive)}). The native \`WebSocket\`, a \`SteadySocket\` and the drop-in face (\`SteadyWebSocket\`, its handler set by \`onmessage\`), each measurement in a fresh browser context and page; ${ROUNDS} rounds, the contenders in rotated order. Medians, and the spread of the rounds (25th-75th percentile) of the ratio to native in the same round. Budget: at least ${BUDGET} × native; ⚠ marks a ratio whose spread is wider than its margin over the budget.`,
      '',
      '| browser, contender | send native msg/s | send msg/s | × native | spread | budget | receive native msg/s | receive msg/s | × native | spread | budget |',
      '|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|',
      ...rows,
      ...(notes.length ? ['', notes.join(' ')] : []),
    ].join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await run()).text);
