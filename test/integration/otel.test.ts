import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type MetricData } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SteadySocket } from 'steadysocket';
import { instrument } from '../../src/otel';
import { closedPort, startServer, startSilentServer, type EchoServer } from '../helpers/servers';
import { startHandshakeServer, type HandshakeServer } from '../helpers/handshake-server';
import { next, until } from '../helpers/wait';

// steadysocket/otel with the real OpenTelemetry SDK: a MeterProvider whose reader exports to memory,
// a tracer provider with an in-memory span exporter, and real sockets to servers on 127.0.0.1.
let echo: EchoServer;
let handshakes: HandshakeServer;
beforeAll(async () => {
  echo = await startServer();
  handshakes = await startHandshakeServer();
});
afterAll(async () => {
  await echo.close();
  await handshakes.close();
});

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function telemetry() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const spans = new InMemorySpanExporter();
  const tracing = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  cleanup.push(() => provider.shutdown(), () => tracing.shutdown());
  return {
    meter: provider.getMeter('test'),
    tracer: tracing.getTracer('test'),
    spans,
    /** Collects now and returns the metrics by name. */
    async metrics(): Promise<Map<string, MetricData>> {
      exporter.reset();
      await reader.forceFlush();
      const found = new Map<string, MetricData>();
      for (const resource of exporter.getMetrics()) for (const scope of resource.scopeMetrics) for (const metric of scope.metrics) found.set(metric.descriptor.name, metric);
      return found;
    },
  };
}

const points = (metric: MetricData | undefined) => (metric?.dataPoints ?? []) as { attributes: Record<string, unknown>; value: any }[];
const sum = (metric: MetricData | undefined, attributes: Record<string, unknown> = {}): number =>
  points(metric)
    .filter((point) => Object.entries(attributes).every(([key, value]) => point.attributes[key] === value))
    .reduce((total, point) => total + (typeof point.value === 'number' ? point.value : point.value.count), 0);

it('records connections, attempts, reconnects, round trips, messages and bytes with the SDK', async () => {
  const { meter, tracer, spans, metrics } = telemetry();
  const socket = new SteadySocket(echo.url + '/?token=hidden', { heartbeat: { interval: 20, timeout: 1000 }, reconnect: { initialDelay: 10 } });
  cleanup.push(() => socket.close());
  const stop = instrument(socket, { meter, tracer, attributes: { 'app.name': 'chat' } });
  await socket.connected();
  const mine = echo.clients.at(-1)!;
  const other = new SteadySocket(echo.url);
  cleanup.push(() => other.close());
  const stopOther = instrument(other, { meter });
  await other.connected();
  const got: unknown[] = [];
  socket.on('message', (data) => got.push(data));
  socket.send('héllo');
  other.send('abc');
  await until(() => got.length === 1);
  await next(socket, 'heartbeat');
  mine.terminate();
  await next(socket, 'open');

  let found = await metrics();
  const server = { 'server.address': '127.0.0.1', 'server.port': echo.port, 'url.scheme': 'ws' };
  expect(points(found.get('steadysocket.connections')).map((point) => point.value).reduce((a, b) => a + b, 0)).toBe(2);
  expect(sum(found.get('steadysocket.connect.duration'), { ...server, 'app.name': 'chat' })).toBe(2);
  expect(sum(found.get('steadysocket.connection.duration'), { 'steadysocket.close.code': 1006 })).toBe(1);
  expect(sum(found.get('steadysocket.reconnects'), server)).toBe(1);
  expect(sum(found.get('steadysocket.heartbeat.rtt'))).toBeGreaterThanOrEqual(1);
  expect(found.get('steadysocket.heartbeat.rtt')!.descriptor.unit).toBe('s');
  // Both sockets' messages add up; the shared attributes keep the series few.
  expect(sum(found.get('steadysocket.messages'), { 'network.io.direction': 'transmit' })).toBe(2);
  expect(sum(found.get('steadysocket.io'), { 'network.io.direction': 'transmit', 'app.name': 'chat' })).toBe(6);
  expect(sum(found.get('steadysocket.io'), { 'network.io.direction': 'receive' })).toBe(9);

  // Stopped or closed, a socket's counts stay: the counters never go down.
  stopOther();
  await other.close();
  stop();
  socket.send('after stop');
  found = await metrics();
  expect(sum(found.get('steadysocket.messages'), { 'network.io.direction': 'transmit' })).toBe(2);
  expect(sum(found.get('steadysocket.io'), { 'network.io.direction': 'transmit' })).toBe(9);
  expect(points(found.get('steadysocket.connections')).map((point) => point.value).reduce((a, b) => a + b, 0)).toBe(0);

  const finished = spans.getFinishedSpans();
  expect(finished.map((span) => span.name)).toEqual(['WebSocket connect', 'WebSocket connect']);
  expect(finished[0]!.kind).toBe(2);
  expect(finished[0]!.attributes).toMatchObject({ ...server, 'url.full': echo.url + '/?token=***', 'network.protocol.name': 'websocket' });
});

it('marks a failed attempt with error.type on the metric and the span', async () => {
  const { meter, tracer, spans, metrics } = telemetry();
  const socket = new SteadySocket(handshakes.url('401'), { reconnect: false });
  socket.on('error', () => {});
  cleanup.push(() => socket.close());
  instrument(socket, { meter, tracer });
  await until(() => socket.state === 'closed');
  const found = await metrics();
  expect(sum(found.get('steadysocket.connect.duration'), { 'error.type': 'unauthorized' })).toBe(1);
  expect(sum(found.get('steadysocket.errors'), { 'error.type': 'unauthorized' })).toBe(1);
  const [span] = spans.getFinishedSpans();
  expect(span!.status).toMatchObject({ code: 2 });
  expect(span!.attributes['error.type']).toBe('unauthorized');
});

it('refuses what is not a meter or a socket, with a clear error', () => {
  const { meter } = telemetry();
  const socket = new SteadySocket(echo.url);
  cleanup.push(() => socket.close());
  expect(() => instrument(socket, {} as never)).toThrow(/needs an OpenTelemetry Meter/);
  expect(() => instrument(socket, undefined as never)).toThrow(/needs an OpenTelemetry Meter/);
  expect(() => instrument({} as never, { meter })).toThrow(/needs a SteadySocket/);
});

it('counts a socket instrumented while open, through close() and reconnect(), and stops once', async () => {
  const { meter, tracer, spans, metrics } = telemetry();
  const socket = new SteadySocket(echo.url);
  cleanup.push(() => socket.close());
  await socket.connected();
  socket.send('before');
  const stop = instrument(socket, { meter, tracer });
  let found = await metrics();
  expect(points(found.get('steadysocket.connections')).reduce((total, point) => total + point.value, 0)).toBe(1);
  // Counting starts at instrument(): the message before is not counted.
  expect(sum(found.get('steadysocket.messages'), { 'network.io.direction': 'transmit' })).toBe(0);
  socket.send('during');
  await socket.close();
  socket.reconnect();
  await socket.connected();
  socket.send('after reconnect');
  found = await metrics();
  expect(sum(found.get('steadysocket.messages'), { 'network.io.direction': 'transmit' })).toBe(2);
  expect(sum(found.get('steadysocket.connection.duration'), { 'steadysocket.close.code': 1000 })).toBe(1);
  expect(points(found.get('steadysocket.connections')).reduce((total, point) => total + point.value, 0)).toBe(1);
  stop();
  stop();
  found = await metrics();
  expect(points(found.get('steadysocket.connections')).reduce((total, point) => total + point.value, 0)).toBe(0);
  expect(sum(found.get('steadysocket.messages'), { 'network.io.direction': 'transmit' })).toBe(2);
  // The reconnect's attempt has its span; none was left open.
  expect(spans.getFinishedSpans().length).toBe(1);
});

it('ends the span of an attempt cut short by close(), without an error', async () => {
  const { meter, tracer, spans } = telemetry();
  const socket = new SteadySocket(handshakes.url('hang'), { connectTimeout: 5000 });
  instrument(socket, { meter, tracer });
  await next(socket, 'connecting');
  await socket.close();
  const [span] = spans.getFinishedSpans();
  expect(span!.status.code).toBe(0);
  expect(span!.attributes['error.type']).toBeUndefined();
  // A socket that is closed already is fine to instrument too.
  expect(typeof instrument(socket, { meter })).toBe('function');
});

it('names the default port of wss: and the error behind each reconnect, without a tracer', async () => {
  const { meter, metrics } = telemetry();
  // Nothing listens on 127.0.0.1:443 here: refused at once.
  const socket = new SteadySocket('wss://127.0.0.1/feed', { reconnect: { maxAttempts: 2, initialDelay: 10, maxDelay: 10 } });
  socket.on('error', () => {});
  cleanup.push(() => socket.close());
  instrument(socket, { meter });
  await until(() => socket.state === 'closed');
  const found = await metrics();
  const server = { 'server.address': '127.0.0.1', 'server.port': 443, 'url.scheme': 'wss' };
  expect(sum(found.get('steadysocket.reconnects'), { ...server, 'error.type': 'network' })).toBe(1);
  expect(sum(found.get('steadysocket.connect.duration'), { ...server, 'error.type': 'network' })).toBe(2);
  expect(sum(found.get('steadysocket.errors'), { 'error.type': 'max-attempts' })).toBe(1);
});

it('takes the server of a url function from each attempt, and counts what was queued before with it', async () => {
  const { meter, tracer, spans, metrics } = telemetry();
  const refused = await closedPort();
  let calls = 0;
  const socket = new SteadySocket(async () => (++calls === 1 ? `ws://127.0.0.1:${refused}/feed?token=first` : `${echo.url}/feed?token=second`), {
    reconnect: { initialDelay: 10, maxDelay: 10 },
  });
  socket.on('error', () => {});
  cleanup.push(() => socket.close());
  // Before its first attempt, a socket whose url is a function has no URL yet.
  expect(socket.url).toBe('');
  cleanup.push(instrument(socket, { meter, tracer }));
  socket.send('queued');
  await socket.connected();
  await until(() => socket.stats().messagesIn === 1);
  const found = await metrics();
  const refusedServer = { 'server.address': '127.0.0.1', 'server.port': refused, 'url.scheme': 'ws' };
  const server = { 'server.address': '127.0.0.1', 'server.port': echo.port, 'url.scheme': 'ws' };
  expect(sum(found.get('steadysocket.connect.duration'), { ...refusedServer, 'error.type': 'network' })).toBe(1);
  expect(sum(found.get('steadysocket.connect.duration'), server)).toBe(1);
  expect(sum(found.get('steadysocket.reconnects'), { ...refusedServer, 'error.type': 'network' })).toBe(1);
  expect(points(found.get('steadysocket.connections'))).toEqual([expect.objectContaining({ attributes: server, value: 1 })]);
  // The message queued while no URL was known counts with the server it went to.
  expect(sum(found.get('steadysocket.messages'), { ...server, 'network.io.direction': 'transmit' })).toBe(1);
  // No series without a server: every point names one.
  for (const metric of found.values()) for (const point of points(metric)) expect(point.attributes['server.address']).toBe('127.0.0.1');
  const [failed, opened] = spans.getFinishedSpans();
  expect(failed!.attributes).toMatchObject({ ...refusedServer, 'url.full': `ws://127.0.0.1:${refused}/feed?token=***`, 'error.type': 'network' });
  expect(opened!.attributes).toMatchObject({ ...server, 'url.full': `${echo.url}/feed?token=***`, 'network.protocol.name': 'websocket' });
});

it('instruments a socket once: a second instrument() returns the same stop function and adds nothing', async () => {
  const { meter, tracer, spans, metrics } = telemetry();
  const other = telemetry();
  const socket = new SteadySocket(echo.url);
  cleanup.push(() => socket.close());
  const events = ['connecting', 'open', 'close', 'error', 'reconnecting', 'heartbeat', 'state'] as const;
  const listeners = () => events.map((name) => socket.listenerCount(name));
  const before = listeners();
  const stop = instrument(socket, { meter, tracer });
  const added = listeners();
  expect(instrument(socket, { meter, tracer })).toBe(stop);
  expect(instrument(socket, { meter: other.meter, tracer: other.tracer, attributes: { 'app.name': 'again' } })).toBe(stop);
  expect(listeners()).toEqual(added);
  await socket.connected();
  socket.send('once');
  await until(() => socket.stats().messagesIn === 1);
  const found = await metrics();
  expect(sum(found.get('steadysocket.connect.duration'))).toBe(1);
  expect(points(found.get('steadysocket.connections')).reduce((total, point) => total + point.value, 0)).toBe(1);
  expect(sum(found.get('steadysocket.messages'), { 'network.io.direction': 'transmit' })).toBe(1);
  expect(spans.getFinishedSpans().length).toBe(1);
  expect((await other.metrics()).size).toBe(0);
  // Stopped, it takes every listener it added; a new instrument() then counts it again.
  stop();
  expect(listeners()).toEqual(before);
  const again = instrument(socket, { meter: other.meter });
  expect(again).not.toBe(stop);
  expect(points((await other.metrics()).get('steadysocket.connections')).reduce((total, point) => total + point.value, 0)).toBe(1);
  again();
  expect(listeners()).toEqual(before);
});

it('gives the duration histograms buckets in seconds, fit for connect times, round trips and connections', async () => {
  const { meter, metrics } = telemetry();
  const socket = new SteadySocket(echo.url, { heartbeat: { interval: 20, timeout: 1000 }, reconnect: { initialDelay: 10 } });
  cleanup.push(() => socket.close());
  instrument(socket, { meter });
  await socket.connected();
  await next(socket, 'heartbeat');
  echo.clients.at(-1)!.terminate();
  await next(socket, 'open');
  const found = await metrics();
  const boundaries = (name: string): number[] => (points(found.get(name))[0]!.value as { buckets: { boundaries: number[] } }).buckets.boundaries;
  const short = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
  expect(boundaries('steadysocket.connect.duration')).toEqual(short);
  expect(boundaries('steadysocket.heartbeat.rtt')).toEqual(short);
  expect(boundaries('steadysocket.connection.duration')).toEqual([0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400]);
  // A connect to 127.0.0.1 takes well under 5 s: it lands below the last bucket, not in the first.
  const counts = (points(found.get('steadysocket.connect.duration'))[0]!.value as { buckets: { counts: number[] } }).buckets.counts;
  expect(counts.slice(0, short.indexOf(5) + 1).reduce((a, b) => a + b, 0)).toBe(2);
});

it('puts no query value or credential of the URL in any attribute', async () => {
  const { meter, tracer, spans, metrics } = telemetry();
  const secret = 'ws://alice:hunter2@127.0.0.1:' + echo.port + '/feed?token=s3cr3t&plain';
  const socket = new SteadySocket(secret, { heartbeat: { interval: 20, timeout: 1000 } });
  cleanup.push(() => socket.close());
  cleanup.push(instrument(socket, { meter, tracer, attributes: { 'app.name': 'chat' } }));
  await socket.connected();
  await next(socket, 'heartbeat');
  socket.send('x');
  await until(() => socket.stats().messagesIn === 1);
  const seen = JSON.stringify([[...(await metrics()).values()].map((metric) => points(metric).map((point) => point.attributes)), spans.getFinishedSpans().map((span) => span.attributes)]);
  for (const hidden of ['alice', 'hunter2', 's3cr3t', 'plain']) expect(seen).not.toContain(hidden);
  expect(spans.getFinishedSpans()[0]!.attributes['url.full']).toBe(`ws://***@127.0.0.1:${echo.port}/feed?token=***&***`);
  expect(seen).toContain('"server.port":' + echo.port);
});

it('leaves nothing that keeps a Node process alive once the instrumented sockets are closed (built package)', async () => {
  const silent = await startSilentServer();
  cleanup.push(() => silent.close());
  const refused = `ws://127.0.0.1:${await closedPort()}`;
  const fixture = fileURLToPath(new URL('./fixtures/otel-close-every-state.mjs', import.meta.url));
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [fixture, echo.url, silent.url, refused], { timeout: 15000 }, (error, out, err) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: out, stderr: err }),
    );
  });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const report = JSON.parse(stdout) as { states: string[]; after: string[]; resources: string[]; connections: number; spans: number };
  expect(report.states).toEqual(['open', 'connecting', 'reconnecting']);
  expect(report.after).toEqual(['closed', 'closed', 'closed']);
  expect(report.connections).toBe(0);
  expect(report.spans).toBe(3);
  expect(report.resources.filter((name) => name === 'Timeout')).toEqual([]);
});
