// steadysocket/otel: OpenTelemetry metrics (and, given a tracer, a span per connection attempt) for
// SteadySocket instances. Only types come from @opentelemetry/api: the caller hands in its meter and
// tracer, so this module never loads the API itself, and the core never loads this module.
import type { Attributes, BatchObservableResult, Counter, Histogram, Meter, Observable, Span, Tracer, UpDownCounter } from '@opentelemetry/api';
import type { SocketStats } from './records';
import type EventEmitter from 'eventemitter3';
import type { SteadySocketEvents } from './events';
import type { SocketState } from './state';

/**
 * What `instrument` uses of a SteadySocket: structural, so the published types of this entry and of
 * `steadysocket` need not be the same declaration.
 */
export interface Instrumentable extends Pick<EventEmitter<SteadySocketEvents>, 'on' | 'off'> {
  /** The URL of the last attempt, redacted. */
  readonly url: string;
  /** The socket's state. */
  readonly state: SocketState;
  /** The attempt within the failure streak. */
  readonly attempt: number;
  /** Counters the observable instruments read. */
  stats(): SocketStats;
}

/** What to instrument with. */
export interface InstrumentOptions {
  /** Where the metrics go (`metrics.getMeter('app')`). */
  meter: Meter;
  /** Gives a span per connection attempt (`WebSocket connect`, kind client). */
  tracer?: Tracer;
  /** Added to every measurement and span, e.g. `{ 'app.channel': 'chat' }`. Keep it low-cardinality. */
  attributes?: Attributes;
}

// @opentelemetry/api's SpanKind.CLIENT and SpanStatusCode.ERROR, as numbers: the enums are values,
// and this module takes only types from the API.
const CLIENT = 2;
const ERROR = 2;

type Totals = Pick<SocketStats, 'messagesIn' | 'messagesOut' | 'bytesIn' | 'bytesOut'>;
const KEYS = ['messagesIn', 'messagesOut', 'bytesIn', 'bytesOut'] as const;
const zero = (): Totals => ({ messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 });

/** One socket as the meter's observable counters see it: what it counted since it was instrumented. */
interface Watched {
  socket: Instrumentable;
  /** Of its current URL; undefined while a `url` function has given none (nothing can be sent yet). */
  attributes?: Attributes;
  /** Its stats when it was instrumented, or last settled. */
  base: Totals;
}

/**
 * The instruments of one meter, shared by every socket instrumented with it. The message and byte
 * counters are observed from `stats()` in one callback per meter, summed per attribute set, so two
 * sockets to one server add up; what a socket counted on a connection that ended, or before it
 * closed or stopped, stays in `settled` under that connection's attributes, and the counters never
 * go down.
 */
interface Instruments {
  connect: Histogram;
  connection: Histogram;
  connections: UpDownCounter;
  reconnects: Counter;
  errors: Counter;
  rtt: Histogram;
  live: Set<Watched>;
  settled: Map<string, { attributes: Attributes; totals: Totals }>;
}

// Bucket boundaries in seconds: the SDK's default ones (0, 5, 10, 25 … 10000) are made for
// milliseconds and would put every connect and round trip in one bucket. Attempts and round trips
// take those of OpenTelemetry's http.client.request.duration (5 ms to 10 s); connections last
// longer, so those of the .NET SDK for kestrel and http.client.connection.duration (10 ms to 5 min),
// continued to a day, as a WebSocket connection may stay open for hours.
const SHORT = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const LONG = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400];

const METERS = new WeakMap<Meter, Instruments>();
/** The stop function of each instrumented socket: a socket is instrumented once. */
const STOPS = new WeakMap<Instrumentable, () => void>();

function instrumentsOf(meter: Meter): Instruments {
  let found = METERS.get(meter);
  if (found) return found;
  // `advice` (@opentelemetry/api 1.7) is a hint: an SDK that predates it ignores it, and a View overrides it.
  const seconds = (name: string, description: string, boundaries: number[]): Histogram =>
    meter.createHistogram(name, { unit: 's', description, advice: { explicitBucketBoundaries: boundaries } });
  const messages = meter.createObservableCounter('steadysocket.messages', { unit: '{message}', description: 'Messages sent and received.' });
  const io = meter.createObservableCounter('steadysocket.io', { unit: 'By', description: 'Payload bytes sent and received (text as UTF-8 in Node).' });
  const instruments: Instruments = (found = {
    connect: seconds('steadysocket.connect.duration', 'Time from the start of an attempt to open, or to its failure.', SHORT),
    connection: seconds('steadysocket.connection.duration', 'How long each connection stayed open.', LONG),
    connections: meter.createUpDownCounter('steadysocket.connections', { unit: '{connection}', description: 'Connections open now.' }),
    reconnects: meter.createCounter('steadysocket.reconnects', { unit: '{reconnect}', description: 'Reconnects scheduled.' }),
    errors: meter.createCounter('steadysocket.errors', { unit: '{error}', description: 'Errors, by kind (error.type).' }),
    rtt: seconds('steadysocket.heartbeat.rtt', 'Round trip of the heartbeat.', SHORT),
    live: new Set(),
    settled: new Map(),
  });
  meter.addBatchObservableCallback(
    (result) => {
      const sums = new Map<string, { attributes: Attributes; totals: Totals }>();
      for (const [key, entry] of instruments.settled) sums.set(key, { attributes: entry.attributes, totals: { ...entry.totals } });
      for (const watched of instruments.live) {
        if (!watched.attributes) continue;
        const key = JSON.stringify(watched.attributes);
        const sum = sums.get(key) ?? { attributes: watched.attributes, totals: zero() };
        sums.set(key, sum);
        const stats = watched.socket.stats();
        for (const name of KEYS) sum.totals[name] += stats[name] - watched.base[name];
      }
      for (const { attributes, totals } of sums.values()) observe(result, messages, io, attributes, totals);
    },
    [messages, io],
  );
  METERS.set(meter, instruments);
  return instruments;
}

function observe(result: BatchObservableResult, messages: Observable, io: Observable, attributes: Attributes, totals: Totals): void {
  const batch = result;
  batch.observe(messages, totals.messagesIn, { ...attributes, 'network.io.direction': 'receive' });
  batch.observe(messages, totals.messagesOut, { ...attributes, 'network.io.direction': 'transmit' });
  batch.observe(io, totals.bytesIn, { ...attributes, 'network.io.direction': 'receive' });
  batch.observe(io, totals.bytesOut, { ...attributes, 'network.io.direction': 'transmit' });
}

/**
 * `server.address`, `server.port` and `url.scheme` of a socket's URL (redacted already: no secrets),
 * or only `extra` while there is none: a `url` function's is known from the end of its first attempt.
 */
function serverAttributes(url: string, extra: Attributes | undefined): Attributes {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ...extra };
  }
  const scheme = parsed.protocol.slice(0, -1);
  // An IPv6 literal without its URL brackets, as OpenTelemetry writes server.address.
  const address = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return { ...extra, 'server.address': address, 'server.port': Number(parsed.port) || (scheme === 'wss' ? 443 : 80), 'url.scheme': scheme };
}

/**
 * Records a socket's connections, errors, reconnects, heartbeat round trips, messages and bytes on
 * `meter` (docs/monitoring.md has the instruments), and with `tracer` a span per attempt. Returns
 * a function that stops it and removes every listener it added. Counting starts now: what the socket
 * did before is not counted. It adds no timer; a closed socket keeps its listeners only so that a
 * later `reconnect()` is counted too.
 *
 * `server.address`, `server.port` and `url.scheme` come from the socket's URL as it is at each
 * attempt's end: for a `url` function, the URL is known once an attempt opens or fails, and a span
 * starts with the one before (none on the first attempt) and gets the attempt's own at its end.
 *
 * A socket is instrumented once: calling `instrument()` again for it, with any options, returns the
 * same stop function and changes nothing (the first call's meter, tracer and attributes stay). To
 * change them, call the stop function, then `instrument()` again.
 *
 * @throws TypeError when `options.meter` is not a Meter or `socket` is not a SteadySocket (one from
 * `steadysocket/core` has no `stats()`).
 */
export function instrument(socket: Instrumentable, options: InstrumentOptions): () => void {
  const { meter, tracer, attributes: extra } = options ?? ({} as InstrumentOptions);
  if (!meter || typeof meter.createHistogram !== 'function') throw new TypeError('instrument(socket, { meter }) needs an OpenTelemetry Meter');
  if (typeof socket?.stats !== 'function') throw new TypeError('instrument() needs a SteadySocket from steadysocket (not steadysocket/core)');
  const existing = STOPS.get(socket);
  if (existing) return existing;
  const instruments = instrumentsOf(meter);
  let url = socket.url;
  let attributes = serverAttributes(url, extra);
  /** The attributes of the socket's URL now. */
  const current = (): Attributes => {
    if (socket.url !== url) attributes = serverAttributes((url = socket.url), extra);
    return attributes;
  };
  const pick = (stats: SocketStats): Totals => ({ messagesIn: stats.messagesIn, messagesOut: stats.messagesOut, bytesIn: stats.bytesIn, bytesOut: stats.bytesOut });
  const watched: Watched = { socket, attributes: url ? attributes : undefined, base: pick(socket.stats()) };
  // A new socket's first attempt starts on the next microtask, with its `connecting` event.
  let attemptStart = socket.state === 'connecting' && socket.attempt > 0 ? performance.now() : undefined;
  /** The open connection: when it opened, and its attributes, which its close and -1 use too. */
  let connection = socket.state === 'open' ? { openedAt: performance.now(), attributes } : undefined;
  let span: Span | undefined;
  if (connection) instruments.connections.add(1, attributes);
  if (socket.state !== 'closed') instruments.live.add(watched);

  const startSpan = (): void => {
    span?.end();
    const known = current();
    span = tracer?.startSpan('WebSocket connect', { kind: CLIENT, attributes: url ? { ...known, 'url.full': url } : known });
  };
  if (attemptStart !== undefined) startSpan();
  /** Ends the attempt's span with the attributes of the URL it used, known only now for a `url` function. */
  const endSpan = (more: Attributes): void => {
    current();
    span?.setAttributes(url ? { ...attributes, 'url.full': url, ...more } : more);
    span?.end();
    span = undefined;
  };

  /** Leaves what the socket counted since `base` under its attributes now: the counters never go back. */
  const settle = (): void => {
    if (!instruments.live.has(watched)) return;
    const now = pick(socket.stats());
    if (watched.attributes) {
      const key = JSON.stringify(watched.attributes);
      const entry = instruments.settled.get(key) ?? { attributes: watched.attributes, totals: zero() };
      for (const name of KEYS) entry.totals[name] += now[name] - watched.base[name];
      instruments.settled.set(key, entry);
    }
    watched.base = now;
  };
  const retire = (): void => {
    settle();
    instruments.live.delete(watched);
  };

  const listeners = {
    connecting(): void {
      attemptStart = performance.now();
      startSpan();
    },
    open(): void {
      const now = performance.now();
      const opened = current();
      if (attemptStart !== undefined) instruments.connect.record((now - attemptStart) / 1000, opened);
      attemptStart = undefined;
      connection = { openedAt: now, attributes: opened };
      // Messages queued while closed were sent just before this event: they count with this URL.
      watched.attributes = opened;
      instruments.connections.add(1, opened);
      endSpan({ 'network.protocol.name': 'websocket' });
    },
    error(error: { kind: string; message: string }): void {
      const failed = { ...current(), 'error.type': error.kind };
      instruments.errors.add(1, failed);
      if (attemptStart === undefined) return;
      instruments.connect.record((performance.now() - attemptStart) / 1000, failed);
      attemptStart = undefined;
      span?.setStatus({ code: ERROR, message: error.message });
      endSpan({ 'error.type': error.kind });
    },
    close({ code }: { code: number }): void {
      if (!connection) return;
      instruments.connection.record((performance.now() - connection.openedAt) / 1000, { ...connection.attributes, 'steadysocket.close.code': code });
      instruments.connections.add(-1, connection.attributes);
      connection = undefined;
      // The next connection may go to another URL (a `url` function): this one's counts stay with it.
      settle();
    },
    reconnecting({ error }: { error?: { kind: string } }): void {
      instruments.reconnects.add(1, error ? { ...current(), 'error.type': error.kind } : current());
    },
    heartbeat({ rtt }: { rtt: number }): void {
      instruments.rtt.record(rtt / 1000, connection?.attributes ?? current());
    },
    state(next: string, previous: string): void {
      if (next === 'closed') {
        // close() while connecting: the attempt ends without an error.
        span?.end();
        span = undefined;
        attemptStart = undefined;
        retire();
      } else if (previous === 'closed') {
        watched.base = pick(socket.stats());
        instruments.live.add(watched);
      }
    },
  };
  for (const [name, listener] of Object.entries(listeners)) socket.on(name as 'open', listener as never);
  const stop = (): void => {
    if (STOPS.get(socket) !== stop) return;
    STOPS.delete(socket);
    for (const [name, listener] of Object.entries(listeners)) socket.off(name as 'open', listener as never);
    span?.end();
    span = undefined;
    if (connection) instruments.connections.add(-1, connection.attributes);
    connection = undefined;
    retire();
  };
  STOPS.set(socket, stop);
  return stop;
}
