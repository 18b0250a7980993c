import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { createClient, type Client } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { SteadyWebSocket, type LogRecord, type SteadyErrorEvent } from 'steadysocket';
import { listenLocal } from '../helpers/servers';
import { until } from '../helpers/wait';

// graphql-ws loads graphql through Node (CommonJS); the schema must come from the same copy.
const { buildSchema } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

// graphql-ws (the client from npm, with its own reconnect loop) through the strict face, against a
// graphql-ws server from npm. One server for the file; `/401` refuses the upgrade.
const schema = buildSchema('type Query { hello: String } type Subscription { count(to: Int!): Int, ticks: Int }');
const roots = {
  hello: () => 'world',
  count: async function* ({ to }: { to: number }) {
    for (let i = 1; i <= to; i++) yield { count: i };
  },
  ticks: async function* () {
    for (let i = 1; ; i++) {
      yield { ticks: i };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  },
};

let http: Server;
let port: number;
let stopServer: () => Promise<void>;

async function start(at = 0): Promise<void> {
  http = createServer();
  const wss = new WebSocketServer({ noServer: true });
  const server = useServer({ schema, roots: { query: roots, subscription: roots } }, wss);
  http.on('upgrade', (request: IncomingMessage, tcp: Duplex, head: Buffer) => {
    if (request.url?.startsWith('/401')) return void tcp.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
    wss.handleUpgrade(request, tcp, head, (socket) => wss.emit('connection', socket, request));
  });
  await new Promise<void>((resolve) => http.listen(at, '127.0.0.1', resolve));
  port = (http.address() as { port: number }).port;
  stopServer = async () => {
    await server.dispose();
    for (const client of wss.clients) client.terminate();
    await new Promise((resolve) => http.close(resolve));
  };
}

beforeAll(() => start());
afterAll(() => stopServer());
const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.dispose();
});

it('streams a subscription through the face, and resubscribes after the server stopped and started again', async () => {
  const records: LogRecord[] = [];
  const client = createClient({
    url: `ws://127.0.0.1:${port}/graphql`,
    webSocketImpl: SteadyWebSocket.configure({ logger: (record) => records.push(record), logLevel: 'info' }),
    retryAttempts: Infinity,
    retryWait: () => new Promise((resolve) => setTimeout(resolve, 100)),
    shouldRetry: () => true,
  });
  clients.push(client);
  const ticks: number[] = [];
  client.subscribe({ query: 'subscription { ticks }' }, { next: ({ data }) => ticks.push(data!.ticks as number), error: () => {}, complete: () => {} });
  await until(() => ticks.length >= 3);
  const at = port;
  await stopServer();
  const before = ticks.length;
  await start(at);
  // graphql-ws made a new face and subscribed again: the stream starts over from 1.
  await until(() => ticks.length >= before + 3 && ticks.at(-1)! >= 3 && ticks.slice(before).includes(1));
  // Each connection is one face with its own socket: the logs show two opens, and a close.
  expect(records.filter((record) => record.event === 'open').length).toBeGreaterThanOrEqual(2);
  expect(records.some((record) => record.event === 'close')).toBe(true);
});

it('shows unauthorized for a 401 in the error event and the log record, while graphql-ws sees the close it expects', async () => {
  const records: LogRecord[] = [];
  const errors: SteadyErrorEvent[] = [];
  const closes: number[] = [];
  const Face = SteadyWebSocket.configure({ logger: (record) => records.push(record) });
  const client = createClient({
    url: `ws://127.0.0.1:${port}/401?token=secret-9`,
    webSocketImpl: Face,
    retryAttempts: 0,
    on: { error: (event) => errors.push(event as SteadyErrorEvent), closed: (event) => closes.push((event as CloseEvent).code) },
  });
  clients.push(client);
  const failure = await new Promise<unknown>((resolve) => client.subscribe({ query: '{ hello }' }, { next: () => {}, error: resolve, complete: () => resolve('complete') }));
  // As with a native WebSocket, graphql-ws hands the error event to the subscriber (which now says
  // why) and sees the close after it: 1006, not clean.
  expect((failure as SteadyErrorEvent).error).toMatchObject({ kind: 'unauthorized', status: 401 });
  await until(() => closes.length === 1);
  expect(closes).toEqual([1006]);
  expect(errors).toHaveLength(1);
  expect(errors[0]!.error).toMatchObject({ kind: 'unauthorized', status: 401 });
  expect(records.find((record) => record.event === 'error')).toMatchObject({ kind: 'unauthorized', status: 401 });
  expect(JSON.stringify(records)).not.toContain('secret-9');
});

it('runs examples/dropin-graphql-ws.mjs against the server', async () => {
  const example = fileURLToPath(new URL('../../examples/dropin-graphql-ws.mjs', import.meta.url));
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [example, `ws://127.0.0.1:${port}/graphql`], { timeout: 15000 }, (error, out, err) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: out, stderr: err }),
    ),
  );
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  expect(stdout.trim().split('\n')).toEqual(['count 1', 'count 2', 'count 3']);
});
