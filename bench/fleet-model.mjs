// A fleet of N clients against servers that admit C handshakes per second, event-driven at 1 ms
// (a calendar of 1 ms slots, clients in typed arrays), so that 10^6 clients run in about a second.
//
// The server: a token bucket of C per second holding at most `burst` tokens, and a backlog of at most
// `backlog` handshakes waiting for a token (served first come, first served). An attempt that finds
// the backlog full is refused in one of the ways real servers refuse (REFUSALS); it is wasted work.
// An admitted client stays connected. bench/fleet-server.mjs is the same server over real sockets.

/** How a server that is full answers an attempt above its capacity. */
export const REFUSALS = {
  reset: 'the connection reset (TCP refused, or an accept queue that overflows)',
  'retry-after': "503 with a fixed 'Retry-After: 1'",
  ticket: "503 with a 'Retry-After' that grows with the backlog: the next second that still has room, a ticket",
  1013: 'accepted, then closed with 1013 Try Again Later',
  timeout: 'no answer: the handshake hangs until the client gives up (its connect timeout)',
};

/** The second in which each refused client is told to come back, when the server hands out tickets. */
export class Tickets {
  constructor(capacity, seconds) {
    this.capacity = capacity;
    this.count = new Int32Array(seconds + 2);
    this.cursor = 0;
  }
  /**
   * Hands tickets to at most `n` clients refused at `t` ms, all for the same second: the Retry-After
   * they get, in ms (whole seconds, as HTTP has them), and how many got it.
   */
  hand(t, n) {
    const second = Math.floor(t / 1000);
    let k = Math.max(second + 1, this.cursor);
    while (k < this.count.length - 1 && this.count[k] >= this.capacity) k++;
    this.cursor = k;
    const given = Math.max(1, Math.min(n, this.capacity - this.count[k]));
    this.count[k] += given;
    return { retryAfter: (k - second) * 1000, given };
  }
}

/**
 * One run: N clients of one schedule (bench/schedules.mjs) dropped at 0 (a restart) or each at a
 * uniform time in [0, window) (a rolling deploy), against a server that admits `capacity` per second
 * from 0 and refuses the rest the `refusal` way. Times in ms from the drop.
 *
 * Clients that share everything (a schedule without randomness, dropped in the same ms) travel as one
 * group with a count, so that a herd of 10^6 identical clients costs as much as one; a random schedule
 * gives every client its own group. The backlog is a count: whom it admits first changes nothing.
 */
export function simulate({ schedule, clients, capacity, refusal, window = 0, burst = capacity / 20, backlog = Math.max(1, Math.round(capacity / 10)), horizon = 300_000, random }) {
  const seconds = Math.ceil(horizon / 1000) + 1;
  const head = new Int32Array(horizon + 1).fill(-1);
  const next = new Int32Array(clients);
  const count = new Int32Array(clients);
  const hangs = new Uint8Array(clients);
  const waits = new Uint16Array(clients);
  const drawn = new Float64Array(clients);
  const spare = [];
  const attemptsPerSecond = new Int32Array(seconds);
  const refusedPerSecond = new Int32Array(seconds);
  const admittedPerSecond = new Int32Array(seconds);
  const tickets = new Tickets(capacity, seconds);
  const perMs = capacity / 1000;
  const RESET = {};
  const RETRY_AFTER = { retryAfter: 1000 };
  const TRY_AGAIN_LATER = { code: 1013 };
  let queued = 0;
  let tokens = burst;
  let back = 0;
  let attempts = 0;
  let allBack = Infinity;

  const at = (group, t, hang) => {
    if (t > horizon) return;
    hangs[group] = hang;
    next[group] = head[t];
    head[t] = group;
  };
  const fail = (group, t, failure) => {
    const delay = schedule.delay(++waits[group], failure, drawn[group], random);
    at(group, t + Math.max(1, Math.round(delay)), 0);
  };
  const admit = (n, t) => {
    admittedPerSecond[Math.floor(t / 1000)] += n;
    if ((back += n) === clients) allBack = t;
  };
  /** `n` of the group's clients were refused at `t`: they part by the second of their ticket. */
  const ticketed = (group, n, t) => {
    while (n > 0) {
      const { retryAfter, given } = tickets.hand(t, n);
      const part = given === n ? group : spare.pop();
      count[part] = given;
      waits[part] = waits[group];
      drawn[part] = drawn[group];
      n -= given;
      fail(part, t, { retryAfter });
    }
  };
  const refuse = (group, n, t) => {
    refusedPerSecond[Math.floor(t / 1000)] += n;
    count[group] = n;
    if (refusal === 'reset') fail(group, t, RESET);
    else if (refusal === 'retry-after') fail(group, t, RETRY_AFTER);
    else if (refusal === 'ticket') ticketed(group, n, t);
    else if (refusal === '1013') fail(group, t, TRY_AGAIN_LATER);
    else at(group, t + schedule.timeout, 1);
  };

  if (schedule.random) {
    for (let client = 0; client < clients; client++) {
      count[client] = 1;
      drawn[client] = schedule.client(random);
      fail(client, window ? Math.floor(random() * window) : 0, RESET);
    }
  } else {
    // Identical clients: one group per ms of the drop.
    const dropped = new Int32Array(Math.max(1, window));
    for (let client = 0; client < clients; client++) dropped[window ? Math.floor(random() * window) : 0]++;
    for (let ms = 0, group = 0; ms < dropped.length; ms++) {
      if (!dropped[ms]) continue;
      count[group] = dropped[ms];
      drawn[group] = schedule.client(random);
      fail(group++, ms, RESET);
    }
    for (let group = clients - 1; group >= 0 && !count[group]; group--) spare.push(group);
  }
  for (let t = 0; t <= horizon && back < clients; t++) {
    tokens = Math.min(burst, tokens + perMs);
    if (queued && tokens >= 1) {
      const served = Math.min(queued, Math.floor(tokens));
      queued -= served;
      tokens -= served;
      admit(served, t);
    }
    let group = head[t];
    head[t] = -1;
    while (group !== -1) {
      const following = next[group];
      if (hangs[group]) fail(group, t, RESET);
      else {
        let n = count[group];
        attempts += n;
        attemptsPerSecond[Math.floor(t / 1000)] += n;
        if (!queued && tokens >= 1) {
          const direct = Math.min(n, Math.floor(tokens));
          tokens -= direct;
          admit(direct, t);
          n -= direct;
        }
        const waiting = Math.min(n, backlog - queued);
        queued += waiting;
        n -= waiting;
        if (n) refuse(group, n, t);
        else if (!schedule.random) spare.push(group);
      }
      group = following;
    }
  }
  const last = Number.isFinite(allBack) ? Math.floor(allBack / 1000) + 1 : seconds - 1;
  return {
    clients,
    capacity,
    allBack,
    back,
    attempts,
    attemptsPerClient: attempts / clients,
    attemptsPerSecond: Array.from(attemptsPerSecond.subarray(0, last)),
    refusedPerSecond: Array.from(refusedPerSecond.subarray(0, last)),
    admittedPerSecond: Array.from(admittedPerSecond.subarray(0, last)),
  };
}

/** Highest attempts per second, in units of C, from second `from` on. */
export const peakRate = (run, from = 1) => Math.max(0, ...run.attemptsPerSecond.slice(from)) / run.capacity;
/** Highest refused (wasted) attempts per second, in units of C. */
export const peakWasted = (run) => Math.max(0, ...run.refusedPerSecond) / run.capacity;

const BARS = [
  [0.05, ' '],
  [0.35, '▁'],
  [0.65, '▂'],
  [0.95, '▃'],
  [1.05, '▄'],
  [1.2, '▅'],
  [2, '▆'],
  [4, '▇'],
  [Infinity, '█'],
];
export const SPARK_LEGEND = '1 character a second; ▄ = C (0.95-1.05 C), ▃▂▁ less, ▅ ≤ 1.2 C, ▆ ≤ 2 C, ▇ ≤ 4 C, █ more';

/** Attempts per second against C, one character a second, at most `width` seconds. */
export function sparkline(run, width = 60) {
  const line = run.attemptsPerSecond.slice(0, width).map((count) => BARS.find(([limit]) => count / run.capacity < limit)[1]);
  return line.join('') + (run.attemptsPerSecond.length > width ? '…' : '');
}
