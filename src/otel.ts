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
  readonly url: string;
  readonly state: SocketState;
  readonly attempt: number;
  stats(): SocketStats;
}

export interface InstrumentOptions {
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
  attributes: Attributes;
  /** Its stats when it was instrumented, or last retired. */
  base: Totals;
}

/**
 * The instruments of one meter, shared by every socket instrumented with it. The message and byte
 * counters are observed from `stats()` in one callback per meter, summed per attribute set, so two
 * sockets to one server add up; a socket that closes or stops leaves its counts in `retired`, and
 * the counters never go down.
 */
interface Instruments {
  connect: Histogram;
  connection: Histogram;
  connections: UpDownCounter;
  reconnects: Counter;
  errors: Counter;
  rtt: Histogram;
  live: Set<Watched>;
  retired: Map<string, { attributes: Attributes; totals: Totals }>;
}

const METERS = new WeakMap<Meter, Instruments>();

function instrumentsOf(meter: Meter): Instruments {
  let found = METERS.get(meter);
  if (found) return found;
  const seconds = (name: string, description: string): Histogram => meter.createHistogram(name, { unit: 's', description });
  const messages = meter.createObservableCounter('steadysocket.messages', { unit: '{message}', description: 'Messages sent and received.' });
  const io = meter.createObservableCounter('steadysocket.io', { unit: 'By', description: 'Payload bytes sent and received (text as UTF-8 in Node).' });
  const instruments: Instruments = (found = {
    connect: seconds('steadysocket.connect.duration', 'Time from the start of an attempt to open, or to its failure.'),
    connection: seconds('steadysocket.connection.duration', 'How long each connection stayed open.'),
    connections: meter.createUpDownCounter('steadysocket.connections', { unit: '{connection}', description: 'Connections open now.' }),
    reconnects: meter.createCounter('steadysocket.reconnects', { unit: '{reconnect}', description: 'Reconnects scheduled.' }),
    errors: meter.createCounter('steadysocket.errors', { unit: '{error}', description: 'Errors, by kind (error.type).' }),
    rtt: seconds('steadysocket.heartbeat.rtt', 'Round trip of the heartbeat.'),
    live: new Set(),
    retired: new Map(),
  });
  meter.addBatchObservableCallback(
    (result) => {
      const sums = new Map<string, { attributes: Attributes; totals: Totals }>();
      for (const [key, entry] of instruments.retired) sums.set(key, { attributes: entry.attributes, totals: { ...entry.totals } });
      for (const watched of instruments.live) {
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

/** `server.address`, `server.port` and `url.scheme` of a socket's URL (redacted already: no secrets). */
function serverAttributes(url: string, extra: Attributes | undefined): Attributes {
  const parsed = new URL(url);
  const scheme = parsed.protocol.slice(0, -1);
  return { ...extra, 'server.address': parsed.hostname, 'server.port': Number(parsed.port) || (scheme === 'wss' ? 443 : 80), 'url.scheme': scheme };
}

/**
 * Records a socket's connections, errors, reconnects, heartbeat round trips, messages and bytes on
 * `meter` (README, "Monitoring", has the instruments), and with `tracer` a span per attempt. Returns
 * a function that stops it. Counting starts now: what the socket did before is not counted.
 */
export function instrument(socket: Instrumentable, options: InstrumentOptions): () => void {
  const { meter, tracer, attributes: extra } = options ?? ({} as InstrumentOptions);
  if (!meter || typeof meter.createHistogram !== 'function') throw new TypeError('instrument(socket, { meter }) needs an OpenTelemetry Meter');
  if (typeof socket?.stats !== 'function') throw new TypeError('instrument() needs a SteadySocket from steadysocket (not steadysocket/core)');
  const instruments = instrumentsOf(meter);
  const attributes = serverAttributes(socket.url, extra);
  const pick = (stats: SocketStats): Totals => ({ messagesIn: stats.messagesIn, messagesOut: stats.messagesOut, bytesIn: stats.bytesIn, bytesOut: stats.bytesOut });
  const watched: Watched = { socket, attributes, base: pick(socket.stats()) };
  // A new socket's first attempt starts on the next microtask, with its `connecting` event.
  let attemptStart = socket.state === 'connecting' && socket.attempt > 0 ? performance.now() : undefined;
  let openedAt = socket.state === 'open' ? performance.now() : undefined;
  let span: Span | undefined;
  if (openedAt !== undefined) instruments.connections.add(1, attributes);
  if (socket.state !== 'closed') instruments.live.add(watched);

  const startSpan = (): void => {
    span?.end();
    span = tracer?.startSpan('WebSocket connect', { kind: CLIENT, attributes: { ...attributes, 'url.full': socket.url } });
  };
  if (attemptStart !== undefined) startSpan();

  /** Leaves what the socket counted so far in the meter's retired totals: the counters never go back. */
  const retire = (): void => {
    if (!instruments.live.delete(watched)) return;
    const now = pick(socket.stats());
    const key = JSON.stringify(attributes);
    const entry = instruments.retired.get(key) ?? { attributes, totals: zero() };
    for (const name of KEYS) entry.totals[name] += now[name] - watched.base[name];
    instruments.retired.set(key, entry);
    watched.base = now;
  };

  const listeners = {
    connecting(): void {
      attemptStart = performance.now();
      startSpan();
    },
    open(): void {
      const now = performance.now();
      if (attemptStart !== undefined) instruments.connect.record((now - attemptStart) / 1000, attributes);
      attemptStart = undefined;
      openedAt = now;
      instruments.connections.add(1, attributes);
      span?.setAttribute('network.protocol.name', 'websocket');
      span?.end();
      span = undefined;
    },
    error(error: { kind: string; message: string }): void {
      const failed = { ...attributes, 'error.type': error.kind };
      instruments.errors.add(1, failed);
      if (attemptStart === undefined) return;
      instruments.connect.record((performance.now() - attemptStart) / 1000, failed);
      attemptStart = undefined;
      span?.setAttribute('error.type', error.kind);
      span?.setStatus({ code: ERROR, message: error.message });
      span?.end();
      span = undefined;
    },
    close({ code }: { code: number }): void {
      if (openedAt === undefined) return;
      instruments.connection.record((performance.now() - openedAt) / 1000, { ...attributes, 'steadysocket.close.code': code });
      instruments.connections.add(-1, attributes);
      openedAt = undefined;
    },
    reconnecting({ error }: { error?: { kind: string } }): void {
      instruments.reconnects.add(1, error ? { ...attributes, 'error.type': error.kind } : attributes);
    },
    heartbeat({ rtt }: { rtt: number }): void {
      instruments.rtt.record(rtt / 1000, attributes);
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
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    for (const [name, listener] of Object.entries(listeners)) socket.off(name as 'open', listener as never);
    span?.end();
    span = undefined;
    if (openedAt !== undefined) instruments.connections.add(-1, attributes);
    retire();
  };
}
