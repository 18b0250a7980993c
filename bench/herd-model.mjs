// Models of the herd. First the herd benchmark itself: 500 independent clients dropped together, the
// server back after the outage the benchmark sees (1 s or 10 s, plus the new server's start), a refused
// attempt failing at once and the first attempt at or after the return connecting; each schedule runs
// many times, and the table gives the median peak per 100 ms and the median time until all are back,
// to set beside the measured ones (`npm run bench herd`). Then a fleet of 10^3 to 10^6 clients against
// a server of finite capacity (bench/fleet-model.mjs), each schedule and each way of refusing, with
// the goals set for the default checked; `npm run bench fleet` sets real sockets beside it.
import { median, fmt } from './lib.mjs';
import { loadPolicy, schedules, seeded } from './schedules.mjs';
import { REFUSALS, SPARK_LEGEND, peakRate, peakWasted, simulate, sparkline } from './fleet-model.mjs';

const policy = await loadPolicy();

const CLIENTS = 500;
const START = 250;
const OUTAGES = [1000, 10000];
const RUNS = Number(process.env.RUNS || 300);

/**
 * One of our schedules for one client, computed by src/backoff.ts itself (bench/schedules.mjs):
 * a function returning the delay before its next attempt (the phase is drawn once, as a streak does).
 */
const ours = (jitter, initialDelay, factor, maxDelay = 30000) => () => {
  const phase = Math.random();
  let wait = 0;
  return () => policy.backoffDelay(++wait, { jitter, initialDelay, factor, maxDelay }, 0, Math.random, phase);
};

/** Each makes one client's schedule: a function returning the delay before its next attempt. */
const SCHEDULES = {
  'staggered, 1.5 s × 1.3 (the default)': ours('staggered', 1500, 1.3),
  // The other jitters with the default delays: what `jitter` alone changes.
  'full jitter, 1.5 s × 1.3': ours('full', 1500, 1.3),
  'equal jitter, 1.5 s × 1.3': ours('equal', 1500, 1.3),
  'no jitter, 1.5 s × 1.3': ours('none', 1500, 1.3),
  'full jitter, 1 s × 2 (the default before 0.2)': ours('full', 1000, 2),
  'equal jitter, 1 s × 2': ours('equal', 1000, 2),
  'decorrelated jitter, 0.5-3 s × 1.5': () => {
    let previous = 0;
    return () => (previous = Math.min(30000, 500 + Math.random() * ((previous ? previous * 1.5 : 3000) - 500)));
  },
  // socket.io-client's defaults (1 s × 2, ±50 %, at most 5 s), as its Backoff computes them.
  'socket.io-client': () => {
    let attempts = 0;
    return () => {
      const ms = 1000 * 2 ** attempts++;
      const random = Math.random();
      const deviation = Math.floor(random * 0.5 * ms);
      return Math.min((Math.floor(random * 10) & 1) === 0 ? ms - deviation : ms + deviation, 5000);
    };
  },
};

function once(schedule, outage) {
  const connects = [];
  for (let client = 0; client < CLIENTS; client++) {
    const next = schedule();
    let t = 0;
    while (t < outage) t += next();
    connects.push(t - outage);
  }
  const buckets = new Map();
  for (const t of connects) buckets.set(Math.floor(t / 100), (buckets.get(Math.floor(t / 100)) ?? 0) + 1);
  return { peak: Math.max(...buckets.values()), allBack: Math.max(...connects) };
}

function herd500() {
  const summary = {};
  const rows = Object.entries(SCHEDULES).map(([name, schedule]) => {
    const cells = OUTAGES.map((down) => {
      const runs = Array.from({ length: RUNS }, () => once(schedule, down + START));
      const result = { peak: median(runs.map((r) => r.peak)), allBack: median(runs.map((r) => r.allBack)) };
      (summary[down] ??= {})[name] = result;
      return `${result.peak} | ${fmt(result.allBack)} ms`;
    });
    return `| ${name} | ${cells.join(' | ')} |`;
  });
  return {
    summary,
    text: [
      `${CLIENTS} independent clients dropped together, the server back ${START} ms after each outage (its start); ${RUNS} simulated runs per schedule and outage, medians. With random, independent clients, a peak of p per 100 ms and all back within r ms trade against each other: all 500 within r leaves at least 50,000 / r per 100 ms on average, and random spreading overshoots that in some 100 ms. Staggered delays come closest to the ideal at every outage length: the next attempts after any return are spread evenly over one delay.`,
      '',
      `| schedule | ${OUTAGES.map((down) => `${fmt(down)} ms: peak | ${fmt(down)} ms: all back`).join(' | ')} |`,
      `|---|${OUTAGES.map(() => '---:|---:').join('|')}|`,
      ...rows,
    ].join('\n'),
  };
}


// The fleet: N clients against a capacity of C handshakes a second (bench/fleet-model.mjs).
const CAPACITY = 50_000;
const FLEET = [1e3, 1e4, 1e5, 1e6];
const WINDOW = 10_000;
const DEFAULT = 'steadysocket (default: staggered, 1.5 s × 1.3)';
const OTHERS = ['socket.io-client', 'partysocket', 'reconnecting-websocket', 'AWS full jitter (1 s × 2, at most 30 s)'];
const power = (n) => `10${'⁰¹²³⁴⁵⁶⁷⁸⁹'[Math.log10(n)]}`;
const seconds = (ms, horizon = 300_000) => (Number.isFinite(ms) ? `${fmt(ms / 1000, 1)} s` : `> ${horizon / 1000} s`);

function fleet() {
  const all = schedules(policy);
  const summary = { restart: {}, rolling: {} };
  const text = [
    `A server of capacity C = ${fmt(CAPACITY)} handshakes a second (a token bucket holding C/20, a backlog of C/10 handshakes waiting for a token) and N clients of one schedule, dropped together (a restart) or each at a random moment of ${WINDOW / 1000} s (a rolling deploy); the server admits from the drop on. An attempt that finds the backlog full is refused one of these ways, and wasted: ${Object.entries(REFUSALS).map(([k, v]) => `\`${k}\` ${v}`).join('; ')}. steadysocket's schedules are src/backoff.ts and src/policy.ts themselves, called as src/session.ts calls them; the others are each library's defaults (bench/schedules.mjs), none of which reads Retry-After or 1013. Event-driven at 1 ms, one seeded run each; the run stops at 300 s. C is the same for every N, so N/C grows with N; at the same N/C the model gives the same times whatever N (only the last few clients vary).`,
  ];
  for (const refusal of Object.keys(REFUSALS)) {
    summary.restart[refusal] = {};
    const rows = Object.entries(all).map(([name, schedule]) => {
      const runs = FLEET.map((clients) => simulate({ schedule, clients, capacity: CAPACITY, refusal, random: seeded(1) }));
      summary.restart[refusal][name] = Object.fromEntries(runs.map((r) => [r.clients, { allBack: r.allBack, attemptsPerClient: r.attemptsPerClient, peak: peakRate(r, 2), wasted: peakWasted(r) }]));
      const big = runs.at(-1);
      return `| ${name} | ${runs.map((r) => `${seconds(r.allBack)} · ${fmt(r.attemptsPerClient, 2)}`).join(' | ')} | ${fmt(peakWasted(big), 1)} C | ${fmt(peakRate(big, 2), 2)} C | \`${sparkline(big, 45)}\` |`;
    });
    text.push(
      '',
      `Restart, refused by ${REFUSALS[refusal]} (\`${refusal}\`): all back after · attempts per client, for each N; at N = 10⁶ the peak of wasted attempts a second, the peak of attempts a second from the third second on, and attempts a second against C.`,
      '',
      `| schedule | ${FLEET.map((n) => `N = ${power(n)} (N/C = ${fmt(n / CAPACITY, 2)} s)`).join(' | ')} | 10⁶: wasted at peak | 10⁶: peak after 2 s | 10⁶: attempts/s against C |`,
      `|---|${FLEET.map(() => '---:').join('|')}|---:|---:|---|`,
      ...rows,
    );
  }
  const clients = FLEET.at(-1);
  text.push('', `Rolling deploy: N = 10⁶ dropped over ${WINDOW / 1000} s (2 C a second); at N ≤ 10⁵ the drops come slower than C and nobody is refused. All back after · attempts per client · peak attempts/s after 2 s.`, '');
  text.push(`| schedule | ${Object.keys(REFUSALS).map((r) => `\`${r}\``).join(' | ')} |`, `|---|${Object.keys(REFUSALS).map(() => '---:').join('|')}|`);
  for (const [name, schedule] of Object.entries(all)) {
    const cells = Object.keys(REFUSALS).map((refusal) => {
      const r = simulate({ schedule, clients, capacity: CAPACITY, refusal, window: WINDOW, random: seeded(2) });
      ((summary.rolling[refusal] ??= {})[name] = { allBack: r.allBack, attemptsPerClient: r.attemptsPerClient, peak: peakRate(r, 2) });
      return `${seconds(r.allBack)} · ${fmt(r.attemptsPerClient, 2)} · ${fmt(peakRate(r, 2), 1)} C`;
    });
    text.push(`| ${name} | ${cells.join(' | ')} |`);
  }
  text.push('', `Sparklines: ${SPARK_LEGEND}.`, '', ...goals(summary));
  return { summary, text: text.join('\n') };
}

/** The goals set for the default, at N = 10⁶ (N/C = 20 s), met or not. */
function goals(summary) {
  const bound = FLEET.at(-1) / CAPACITY + 10;
  const at = (refusal, name = DEFAULT, n = FLEET.at(-1)) => summary.restart[refusal][name][n];
  const yes = (ok) => (ok ? 'met' : '**not met**');
  const rows = [];
  const ticket = at('ticket');
  rows.push(`| \`ticket\`: at most 1.2 C after the first second (from the third on) | ${fmt(ticket.peak, 2)} C | ${yes(ticket.peak <= 1.2)} |`);
  rows.push(`| \`ticket\`: all back within N/C + 10 s | ${seconds(ticket.allBack)} | ${yes(ticket.allBack <= bound * 1000)} |`);
  for (const refusal of ['reset', 'retry-after', '1013']) {
    const r = at(refusal);
    rows.push(`| \`${refusal}\`: all back within N/C + 10 s, at most 4 attempts per client | ${seconds(r.allBack)} · ${fmt(r.attemptsPerClient, 2)} | ${yes(r.allBack <= bound * 1000 && r.attemptsPerClient <= 4)} |`);
    const beaten = OTHERS.flatMap((other) =>
      FLEET.filter((n) => at(refusal, other, n).allBack < at(refusal, DEFAULT, n).allBack && at(refusal, other, n).attemptsPerClient < at(refusal, DEFAULT, n).attemptsPerClient).map((n) => `${other} at ${power(n)}`),
    );
    rows.push(`| \`${refusal}\`: beaten on both time and attempts by no other library at any N | ${beaten.length ? beaten.join(', ') : 'none'} | ${yes(!beaten.length)} |`);
  }
  return [`The default against the goals set for it (N = 10⁶, N/C = 20 s; the lower bound is 20 s):`, '', '| goal | the default | |', '|---|---:|---|', ...rows];
}

export async function run() {
  const started = performance.now();
  const small = herd500();
  const large = fleet();
  process.stderr.write(`herd-model: ${fmt((performance.now() - started) / 1000, 1)} s\n`);
  return {
    title: 'Herd model: the schedules side by side, from 500 clients to a fleet of 10⁶',
    summary: { herd: small.summary, fleet: large.summary },
    text: [small.text, '', '### A fleet with finite capacity', '', large.text].join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log((await run()).text);
