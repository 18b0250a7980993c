// Shared pieces of the benchmarks: the server process, the contenders, and statistics.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import ReconnectingWebSocket from 'reconnecting-websocket';
import PartySocket from 'partysocket/ws';
import { io } from 'socket.io-client';
import { SteadySocket, SteadyWebSocket } from '../dist/steadysocket.mjs';

export const here = (path) => fileURLToPath(new URL(path, import.meta.url));

/** Starts bench/server.mjs (or another server script) in its own process; resolves with its port and a way to stop it. */
export function startServer(port = 0, onLine = () => {}, script = './server.mjs') {
  const child = spawn(process.execPath, [here(script), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    let first = true;
    lines.on('line', (line) => {
      if (first) {
        first = false;
        resolve({ port: Number(line), url: `ws://127.0.0.1:${line}`, child, stop: () => new Promise((done) => (child.once('exit', done), child.kill('SIGKILL'))) });
      } else onLine(line);
    });
    child.once('error', reject);
    child.once('exit', (code) => first && reject(new Error(`bench server exited with ${code}`)));
  });
}

/**
 * The contenders, each reduced to: open(url) → { send, onMessage, close }. Every wrapper gets `ws` as
 * its WebSocket, so the differences measured are the wrappers' own.
 */
const QUIET = { debug() {}, info() {}, warn() {}, error() {} };

export const CONTENDERS = {
  'raw ws': (url) =>
    new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      // Text is decoded to a string, as every wrapper delivers it and as a raw ws user reads it.
      socket.once('open', () =>
        resolve({ send: (d) => socket.send(d), onMessage: (fn) => socket.on('message', (data, isBinary) => fn(isBinary ? data : data.toString())), close: () => socket.close(), raw: socket }),
      );
      socket.once('error', reject);
    }),
  steadysocket: async (url, options = {}) => {
    const socket = new SteadySocket(url, { nodeOptions: { perMessageDeflate: false }, ...options });
    await socket.connected();
    return { send: (d) => socket.send(d), onMessage: (fn) => socket.on('message', fn), close: () => socket.close(), raw: socket };
  },
  // A logger at its default level ('warn': nothing logged while all is well), and stats counting.
  'steadysocket, logger': (url) => CONTENDERS.steadysocket(url, { logger: QUIET }),
  'reconnecting-websocket': (url, options = {}) =>
    new Promise((resolve) => {
      const socket = new ReconnectingWebSocket(url, [], { WebSocket, ...options });
      socket.addEventListener('open', () =>
        resolve({ send: (d) => socket.send(d), onMessage: (fn) => socket.addEventListener('message', (e) => fn(e.data)), close: () => socket.close(), raw: socket }),
      { once: true });
    }),
  partysocket: (url, options = {}) =>
    new Promise((resolve) => {
      const socket = new PartySocket(url, [], { WebSocket, ...options });
      socket.addEventListener('open', () =>
        resolve({ send: (d) => socket.send(d), onMessage: (fn) => socket.addEventListener('message', (e) => fn(e.data)), close: () => socket.close(), raw: socket }),
      { once: true });
    }),
};

/**
 * The drop-in face (SteadyWebSocket) over a SteadySocket, with its defaults: a row of its own beside
 * the contenders (throughput, heap), not one of them, so the herd and shed runs stay as they are.
 */
export const DROPIN = {
  name: 'steadysocket, drop-in',
  open: async (url) => {
    const socket = new SteadyWebSocket(url, undefined, { nodeOptions: { perMessageDeflate: false } });
    socket.binaryType = 'arraybuffer';
    // The wait in a scope of its own: the closures returned below keep `socket` alive, not the
    // promise's resolvers. No listener stays once open, as none does on the other contenders.
    await new Promise((resolve, reject) => {
      socket.addEventListener('open', () => (socket.removeEventListener('error', reject), resolve()), { once: true });
      socket.addEventListener('error', reject, { once: true });
    });
    return { send: (d) => socket.send(d), onMessage: (fn) => (socket.onmessage = (e) => fn(e.data)), close: () => socket.close(), raw: socket };
  },
};

/**
 * socket.io-client speaks its own protocol over WebSocket, so it fits only the tests that do not need
 * our server (herd, memory): it gets a socket.io server (bench/socketio-server.mjs), WebSocket only.
 */
export const SOCKET_IO = {
  script: './socketio-server.mjs',
  open: (url) =>
    new Promise((resolve) => {
      const socket = io(url.replace('ws:', 'http:'), { transports: ['websocket'] });
      socket.once('connect', () => resolve({ close: () => socket.close(), raw: socket }));
    }),
};

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
export const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
/** The spread of the rounds: the 25th to the 75th percentile. */
export const quartiles = (values) => [percentile(values, 25), percentile(values, 75)];

/**
 * A budget read from per-round values (a ratio, or bytes over a baseline): the median, the spread of
 * the rounds, the margin (how far the median is past the line, negative when it misses), and whether
 * the spread is wider than that margin, in which case one run can land on either side of the line and
 * the median alone decides nothing.
 * @param values one value per round
 * @param line the budget's line
 * @param direction 'at least' (ratios) or 'at most' (bytes)
 */
export function judge(values, line, direction = 'at least') {
  const middle = median(values);
  const [low, high] = quartiles(values);
  const margin = direction === 'at least' ? middle - line : line - middle;
  const met = margin >= 0;
  const unsure = high - low > Math.abs(margin);
  return { median: middle, low, high, margin, met, unsure, verdict: `${met ? 'meets' : 'misses'}${unsure ? ' ⚠' : ''}` };
}

/** The sentence for a judged budget whose spread is wider than its margin (judge().unsure). */
export const unsureNote = (what, judged, format = (v) => v.toFixed(2)) =>
  `${what}: the rounds span ${format(judged.low)}-${format(judged.high)}, wider than the median's margin of ${format(Math.abs(judged.margin))} ${judged.met ? 'over' : 'under'} the budget, so the margin is within this machine's noise and another run's median could land on the other side.`;
/** Round r's order: the list rotated by r, so no contender always runs first (warm caches, JIT). */
export const rotated = (list, round) => list.map((_, i) => list[(i + round) % list.length]);
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
