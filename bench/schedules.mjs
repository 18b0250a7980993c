// The reconnect schedules the models compare. steadysocket's come from src/policy.ts and
// src/backoff.ts themselves, transpiled here (Node 20 cannot import TypeScript), so the models run the
// code that ships, not a copy of it; test/herd-model.test.ts pins that. The others are each library's
// own defaults, read from its source in node_modules.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/**
 * src/policy.ts as an ES module, with what it imports from src/ (src/backoff.ts and the rest),
 * each file transpiled as it is: `{ backoffDelay, decide, TRY_AGAIN_LATER_DELAY }`.
 */
export async function loadPolicy() {
  // Loaded here, not at the top: typescript takes seconds to load, and only this needs it.
  const { default: ts } = await import('typescript');
  const dir = mkdtempSync(join(tmpdir(), 'steadysocket-model-'));
  const done = new Set();
  const transpile = (name) => {
    if (done.has(name)) return;
    done.add(name);
    const source = readFileSync(here(`../src/${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
    // Type-only imports are gone after transpiling; what is left are the modules the code runs.
    const output = outputText.replace(/(from\s+|import\s+)(['"])\.\/([\w/-]+)\2/g, (_, keyword, quote, path) => {
      transpile(path);
      return `${keyword}'./${path.replaceAll('/', '__')}.mjs'`;
    });
    writeFileSync(join(dir, `${name.replaceAll('/', '__')}.mjs`), output);
  };
  try {
    transpile('policy');
    const policy = await import(pathToFileURL(join(dir, 'policy.mjs')).href);
    const backoff = await import(pathToFileURL(join(dir, 'backoff.mjs')).href);
    return { backoffDelay: backoff.backoffDelay, decide: policy.decide, TRY_AGAIN_LATER_DELAY: policy.TRY_AGAIN_LATER_DELAY };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A small seeded generator (mulberry32), so that every run of a model draws the same numbers. */
export function seeded(seed = 1) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How a failed attempt ended, as a client sees it: `code` 1013 for a close after accept, `retryAfter`
 * (ms) for a 503 that carried one, nothing for a reset or a timeout.
 * @typedef {{ code?: number, retryAfter?: number }} Failure
 */

/**
 * A schedule: `timeout` (ms) is how long an unanswered handshake hangs before the client gives up;
 * `random` says whether its delays draw random numbers (if not, clients alike stay alike); `client(random)` draws what a client draws once (a phase, a delay), and `delay(wait, failure, drawn,
 * random)` gives the wait (ms) before the next attempt after the `wait`-th failure (1-based) of the
 * streak.
 */
export function schedules({ decide }) {
  // As src/session.ts calls it: the phase drawn at the streak's first wait, the failure's close code
  // (1006 unless the server closed with one) and its Retry-After, the wait's number.
  const ours = (reconnect, timeout = 10000) => {
    const policy = { initialDelay: 1500, maxDelay: 30000, factor: 1.3, jitter: 'staggered', maxAttempts: Infinity, resetAfter: 5000, ...reconnect };
    return {
      timeout,
      random: policy.jitter !== 'none',
      client: (random) => random(),
      delay: (wait, failure, phase, random) =>
        decide(policy, { code: failure.code ?? 1006, reason: '', error: failure.code ? undefined : { retryable: true, retryAfter: failure.retryAfter }, attempt: wait }, wait, random, phase).delay,
    };
  };
  // reconnecting-websocket 4.4 and partysocket 1.3 (a fork of it): the n-th retry after a drop waits
  // minReconnectionDelay × 1.3^(n-1), at most 10 s; 4 s connection timeout. reconnecting-websocket draws
  // its minReconnectionDelay once per page (1-5 s), partysocket has a fixed 3 s. Neither reads
  // Retry-After or 1013.
  const rws = (min, random) => ({
    timeout: 4000,
    random,
    client: min,
    delay: (wait, failure, minimum) => Math.min(10000, minimum * 1.3 ** (wait - 1)),
  });
  return {
    'steadysocket (default: staggered, 1.5 s × 1.3)': ours({}),
    'steadysocket, full jitter': ours({ jitter: 'full' }),
    'steadysocket, equal jitter': ours({ jitter: 'equal' }),
    "steadysocket, jitter 'none'": ours({ jitter: 'none' }),
    // socket.io-client 4.8: Backoff({ min: 1000, max: 5000, jitter: 0.5 }), attempts from 0, 20 s timeout.
    'socket.io-client': {
      timeout: 20000,
      random: true,
      client: () => 0,
      delay: (wait, failure, drawn, random) => {
        const ms = 1000 * 2 ** (wait - 1);
        const r = random();
        const deviation = Math.floor(r * 0.5 * ms);
        return Math.min((Math.floor(r * 10) & 1) === 0 ? ms - deviation : ms + deviation, 5000);
      },
    },
    partysocket: rws(() => 3000, false),
    'reconnecting-websocket': rws((random) => 1000 + random() * 4000, true),
    // The AWS Architecture Blog's "full jitter": random in [0, min(cap, base × 2^n)], base 1 s, cap 30 s.
    'AWS full jitter (1 s × 2, at most 30 s)': {
      timeout: 10000,
      random: true,
      client: () => 0,
      delay: (wait, failure, drawn, random) => random() * Math.min(30000, 1000 * 2 ** (wait - 1)),
    },
  };
}
