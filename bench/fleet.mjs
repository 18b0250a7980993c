// The fleet model checked against real sockets: N steadysocket clients with default options in this
// process (their real timers), connected to bench/fleet-server.mjs, which then cuts them all and
// admits C handshakes a second, refusing the rest each way the model knows. The same server and
// clients simulated (bench/fleet-model.mjs, medians of SEEDS runs) beside what was measured. Two
// sizes with the same N/C (SIZES; the environment's CLIENTS and CAPACITY choose one): the larger
// loads the one process more, and what that changes is part of the comparison. Bounded: at most
// LIMIT ms per refusal after the drop.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CONTENDERS, fmt, here, median, sleep } from './lib.mjs';
import { loadPolicy, schedules, seeded } from './schedules.mjs';
import { REFUSALS, SPARK_LEGEND, peakRate, simulate, sparkline } from './fleet-model.mjs';

const SIZES = process.env.CLIENTS
  ? [[Number(process.env.CLIENTS), Number(process.env.CAPACITY || 200)]]
  : [
      [4000, 200],
      [2000, 100],
    ];
const LIMIT = Number(process.env.LIMIT || 150_000);
const SEEDS = 9;
const SETTLE = 6000;
const CHOSEN = process.env.REFUSALS ? process.env.REFUSALS.split(',') : Object.keys(REFUSALS);

/** What the server saw after the drop, in the shape of a model run. */
function summarise(events, clients, capacity) {
  const admits = events.filter((e) => e.what === 'admit').map((e) => e.t);
  const allBack = admits.length >= clients ? admits.sort((a, b) => a - b)[clients - 1] : Infinity;
  const last = Math.floor((Number.isFinite(allBack) ? allBack : LIMIT) / 1000) + 1;
  const perSecond = (what) => {
    const counts = new Array(last).fill(0);
    for (const e of events) if ((!what || e.what === what) && e.t < last * 1000) counts[Math.floor(e.t / 1000)]++;
    return counts;
  };
  if (process.env.DEBUG) console.error('admitted per second', perSecond('admit').join(' '), '\nrefused', perSecond('refuse').join(' '));
  return { clients, capacity, allBack, back: admits.length, attempts: events.length, attemptsPerClient: events.length / clients, attemptsPerSecond: perSecond(), refusedPerSecond: perSecond('refuse') };
}

async function measure(refusal, clients, capacity) {
  const child = spawn(process.execPath, [here('./fleet-server.mjs'), refusal, String(capacity)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const events = [];
  const port = await new Promise((resolve) => {
    let first = true;
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (first) return (first = false), resolve(Number(line));
      const [what, t] = line.split(' ');
      events.push({ what, t: Number(t) });
    });
  });
  const sockets = [];
  for (let i = 0; i < clients; i += 500) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(500, clients - i) }, () => CONTENDERS.steadysocket(`ws://127.0.0.1:${port}/`)))));
  }
  // Past resetAfter, as a fleet's connections are: the drop starts a new streak.
  await sleep(SETTLE);
  child.stdin.write('drop\n');
  const dropped = Date.now();
  while (events.filter((e) => e.what === 'admit').length < clients && Date.now() - dropped < LIMIT) await sleep(200);
  await sleep(100);
  for (const socket of sockets) socket.close();
  await new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGKILL')));
  return summarise(events, clients, capacity);
}

function model(schedule, refusal, clients, capacity) {
  const runs = Array.from({ length: SEEDS }, (_, seed) => simulate({ schedule, clients, capacity, refusal, random: seeded(seed + 1) }));
  const middle = runs.map((run) => run.allBack).sort((a, b) => a - b)[SEEDS >> 1];
  return { runs, typical: runs.find((run) => run.allBack === middle) };
}

const rate = (run) => run.attempts / Math.min(run.allBack, LIMIT) / (run.capacity / 1000);
const off = (measured, modelled) => `${measured >= modelled ? '+' : '−'}${fmt((Math.abs(measured - modelled) / modelled) * 100)} %`;
const s = (ms) => (Number.isFinite(ms) ? `${fmt(ms / 1000, 1)} s` : `> ${LIMIT / 1000} s`);

export async function run() {
  const schedule = schedules(await loadPolicy())['steadysocket (default: staggered, 1.5 s × 1.3)'];
  const summary = {};
  const text = [];
  for (const [clients, capacity] of SIZES) {
    const rows = [];
    const lines = [];
    const sized = (summary[clients] = {});
    for (const refusal of CHOSEN) {
      const real = await measure(refusal, clients, capacity);
      const { runs, typical } = model(schedule, refusal, clients, capacity);
      const modelled = {
        allBack: median(runs.map((r) => r.allBack)),
        range: [Math.min(...runs.map((r) => r.allBack)), Math.max(...runs.map((r) => r.allBack))],
        attemptsPerClient: median(runs.map((r) => r.attemptsPerClient)),
        rate: median(runs.map(rate)),
        peak: median(runs.map((r) => peakRate(r, 2))),
      };
      sized[refusal] = { real: { allBack: real.allBack, attemptsPerClient: real.attemptsPerClient, rate: rate(real), peak: peakRate(real, 2) }, model: modelled };
      process.stderr.write(`fleet: ${fmt(clients)} clients, ${refusal} done (all back after ${s(real.allBack)}, model ${s(modelled.allBack)})\n`);
      rows.push(
        `| ${refusal} | ${s(real.allBack)} | ${s(modelled.allBack)} (${modelled.range.map((ms) => fmt(ms / 1000, 1)).join('-')}) | ${off(real.allBack, modelled.allBack)} | ${fmt(rate(real), 2)} C | ${fmt(modelled.rate, 2)} C | ${off(rate(real), modelled.rate)} | ${fmt(real.attemptsPerClient, 2)} | ${fmt(modelled.attemptsPerClient, 2)} | ${fmt(peakRate(real, 2), 1)} C | ${fmt(modelled.peak, 1)} C |`,
      );
      lines.push(`${refusal.padEnd(11)} measured ${sparkline(real, 90)}`, `${''.padEnd(11)} model    ${sparkline(typical, 90)}`);
    }
    text.push(
      ...(text.length ? ['', `### ${fmt(clients)} clients against ${capacity} handshakes a second`, ''] : []),
      `${fmt(clients)} steadysocket clients with default options in one Node process, connected for ${SETTLE / 1000} s to bench/fleet-server.mjs (its own process, loopback); then the server cuts them all and admits ${capacity} handshakes a second (N/C = ${fmt(clients / capacity)} s: a token bucket of C/20, a backlog of C/10), refusing the rest each way (${Object.entries(REFUSALS).map(([k, v]) => `\`${k}\`: ${v}`).join('; ')}). Measured once per refusal, beside the model of the same server and clients (bench/fleet-model.mjs, the median of ${SEEDS} seeds, and their range for the time until all are back: the last few clients make it). Attempts/s is the mean from the drop until all are back, in units of C; the peak is the highest second from the third on.`,
      '',
      '| refusal | all back, measured | model | off by | attempts/s, measured | model | off by | attempts per client, measured | model | peak attempts/s after 2 s, measured | model |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      `Attempts per second against C (${SPARK_LEGEND}):`,
      '',
      '```',
      ...lines,
      '```',
    );
  }
  const [[largest, itsCapacity]] = SIZES;
  return {
    title: `Fleet, measured: ${fmt(largest)} clients against ${itsCapacity} handshakes a second, beside the model`,
    summary,
    text: text.join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await run()).text);
