import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SteadySocket, type SteadySocketError } from 'steadysocket';
import type { WebSocket as ServerSocket } from 'ws';
import { startFlaskSocketIo, startSocketIo, type FreezableServer } from '../helpers/real-servers';
import { startServer, type EchoServer } from '../helpers/servers';

// Heartbeats the server drives: graphql-ws-style JSON pings, ping frames, and real Engine.IO servers
// (socket.io in Node, Flask-SocketIO in Python) frozen with SIGSTOP while a client is connected.

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const next = <T>(socket: SteadySocket, event: 'open' | 'error'): Promise<T> => new Promise((resolve) => socket.once(event, resolve as never));

// Engine.IO v4: the server sends "2", the client answers "3".
const ENGINE_IO = { mode: 'server', answer: (data: unknown) => (data === '2' ? '3' : undefined) } as const;
const engineIoUrl = (port: number): string => `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`;

let graphql: EchoServer;
let frames: EchoServer;
let socketIo: FreezableServer;
let flask: FreezableServer;
/** Whether the JSON and frame servers are pinging now (a test stops them to play dead). */
const pinging = { graphql: true, frames: true };
const pongs: string[] = [];
const closeCodes: number[] = [];

beforeAll(async () => {
  // Short intervals for short tests, yet long enough for a loaded machine (test files run in parallel).
  [graphql, frames, socketIo, flask] = await Promise.all([startServer(), startServer(), startSocketIo(200, 400), startFlaskSocketIo(400, 800)]);
  // graphql-ws style: a JSON ping every 40 ms, pongs recorded; and one data message.
  graphql.wss.removeAllListeners('connection');
  graphql.wss.on('connection', (socket: ServerSocket) => {
    const timer = setInterval(() => pinging.graphql && socket.send(JSON.stringify({ type: 'ping' })), 40);
    socket.send(JSON.stringify({ type: 'next', payload: 1 }));
    socket.send('not JSON, though it says "ping"');
    socket.on('message', (data) => pongs.push(data.toString()));
    socket.on('close', (code) => (clearInterval(timer), closeCodes.push(code)));
  });
  // Exchange style: ping frames only, no message at all.
  frames.wss.removeAllListeners('connection');
  frames.wss.on('connection', (socket: ServerSocket) => {
    const timer = setInterval(() => pinging.frames && socket.ping(), 40);
    socket.on('close', () => clearInterval(timer));
  });
}, 30000);

afterAll(async () => {
  await Promise.all([graphql?.close(), frames?.close(), socketIo?.close(), flask?.close()]);
});

describe('graphql-ws style JSON pings', () => {
  // The README's answer: it must not throw on text that mentions "ping" without being graphql-ws's ping.
  const answer = (data: unknown) => (typeof data === 'string' && /^\s*\{\s*"type"\s*:\s*"ping"/.test(data) ? '{"type":"pong"}' : undefined);

  it('answers every ping, hides them from message listeners, and measures no round trip', async () => {
    pongs.length = 0;
    const socket = new SteadySocket(graphql.url, { heartbeat: { mode: 'server', timeout: 400, answer } });
    const messages: unknown[] = [];
    let beats = 0;
    socket.on('message', (data) => messages.push(data));
    socket.on('heartbeat', () => beats++);
    await socket.connected();
    await wait(500);
    expect(messages).toEqual([JSON.stringify({ type: 'next', payload: 1 }), 'not JSON, though it says "ping"']);
    expect(pongs.length).toBeGreaterThanOrEqual(8);
    expect(new Set(pongs)).toEqual(new Set([JSON.stringify({ type: 'pong' })]));
    expect(beats).toBe(0);
    const stats = socket.stats();
    expect(stats.state).toBe('open');
    expect(stats.heartbeats.sent).toBe(pongs.length);
    expect(stats.rtt).toBeUndefined();
    // Answers are heartbeats, not the application's messages.
    expect(stats.messagesOut).toBe(0);
    await socket.close();
  });

  it('silence for timeout ms is heartbeat-timeout, then it reconnects', async () => {
    const socket = new SteadySocket(graphql.url, { heartbeat: { mode: 'server', timeout: 400, answer }, reconnect: { initialDelay: 20 } });
    await socket.connected();
    pinging.graphql = false;
    const stopped = Date.now();
    const error = await next<SteadySocketError>(socket, 'error');
    const after = Date.now() - stopped;
    expect(error).toMatchObject({ kind: 'heartbeat-timeout', message: 'no heartbeat from the server within 400 ms' });
    expect(after).toBeGreaterThanOrEqual(350);
    expect(after).toBeLessThan(1500);
    pinging.graphql = true;
    await next(socket, 'open');
    await socket.close();
  });

  it('an answer function that throws ends the connection with 1011 and says why', async () => {
    closeCodes.length = 0;
    const socket = new SteadySocket(graphql.url, {
      heartbeat: {
        mode: 'server',
        timeout: 1000,
        answer: (data) => {
          if (String(data).includes('ping')) throw new Error('no JSON today');
          return undefined;
        },
      },
      reconnect: false,
    });
    const error = await next<SteadySocketError>(socket, 'error');
    // The error's own message stays in `cause`: it may quote the payload.
    expect(error).toMatchObject({ kind: 'invalid-options', message: 'heartbeat.answer failed: threw Error' });
    expect((error.cause as Error).message).toBe('no JSON today');
    await wait(100);
    expect(closeCodes).toEqual([1011]);
    expect(socket.state).toBe('closed');
  });

  it('keeps the payload out of the error and the log records when answer throws on it, unless logPayloads', async () => {
    const records: string[] = [];
    const socket = new SteadySocket(graphql.url, {
      // JSON.parse's SyntaxError quotes the start of the text it could not parse.
      heartbeat: { mode: 'server', timeout: 1000, answer: (data) => (JSON.parse(`{${String(data)}`) as unknown, undefined) },
      reconnect: false,
      logger: (record) => records.push(JSON.stringify(record)),
      logLevel: 'debug',
    });
    const error = await next<SteadySocketError>(socket, 'error');
    await wait(50);
    expect(String((error.cause as Error).message)).toMatch(/JSON/);
    expect(error.message).toBe('heartbeat.answer failed: threw SyntaxError');
    expect(records.some((line) => line.includes('"kind":"invalid-options"'))).toBe(true);
    for (const line of [...records, String(error), JSON.stringify(error)]) expect(line).not.toMatch(/next|payload/);
  });
});

describe('user functions that throw', () => {
  it('ends the connection with 1011 and invalid-options when isPong throws, never crashing the process', async () => {
    const server = await startServer();
    const codes: number[] = [];
    server.wss.on('connection', (socket) => socket.on('close', (code) => codes.push(code)));
    const socket = new SteadySocket(server.url, {
      heartbeat: {
        interval: 30,
        timeout: 1000,
        message: 'ping',
        isPong: () => {
          throw new TypeError('not a pong');
        },
      },
      reconnect: false,
    });
    try {
      const error = await next<SteadySocketError>(socket, 'error');
      expect(error).toMatchObject({ kind: 'invalid-options', message: 'heartbeat.isPong failed: threw TypeError' });
      await socket.connected().catch(() => {});
      await wait(100);
      expect(codes).toEqual([1011]);
      expect(socket.state).toBe('closed');
    } finally {
      await socket.close();
      await server.close();
    }
  });
});

describe('ping frames from the server (Node sees them)', () => {
  it('keeps a connection that receives only ping frames, and notices when they stop', async () => {
    const socket = new SteadySocket(frames.url, { heartbeat: { mode: 'server', timeout: 400 }, reconnect: false });
    const errors: SteadySocketError[] = [];
    socket.on('error', (error) => errors.push(error));
    await socket.connected();
    await wait(500);
    expect(errors).toEqual([]);
    expect(socket.state).toBe('open');
    // Every ping frame ws answered is a heartbeat answer sent, as `answer`'s replies are.
    expect(socket.stats().heartbeats.sent).toBeGreaterThanOrEqual(3);
    pinging.frames = false;
    const error = await next<SteadySocketError>(socket, 'error');
    expect(error.kind).toBe('heartbeat-timeout');
    pinging.frames = true;
  });
});

describe.each([
  ['socket.io (Node)', () => socketIo, 200 + 400],
  ['Flask-SocketIO (Python, eventlet)', () => flask, 400 + 800],
])('%s', (_name, server, deadline) => {
  it('stays open while answering its pings, notices it frozen, and comes back when it thaws', async () => {
    const timeout = deadline + 300;
    const socket = new SteadySocket(engineIoUrl(server().port), {
      heartbeat: { ...ENGINE_IO, timeout },
      connectTimeout: 500,
      reconnect: { initialDelay: 50, maxDelay: 200 },
    });
    const closes: number[] = [];
    socket.on('close', ({ code }) => closes.push(code));
    const greeting = new Promise<string>((resolve) => socket.once('message', (data) => resolve(String(data))));
    await socket.connected();
    // Engine.IO's open packet arrives as a message; its pings never do.
    expect(await greeting).toMatch(/^0\{"sid":/);
    await wait(deadline * 2);
    expect(closes).toEqual([]);
    expect(socket.stats().heartbeats.sent).toBeGreaterThanOrEqual(2);

    server().freeze();
    const frozen = Date.now();
    const error = await next<SteadySocketError>(socket, 'error');
    const noticed = Date.now() - frozen;
    try {
      expect(error.kind).toBe('heartbeat-timeout');
      // Within the server's own interval + timeout, plus the margin the option gives.
      expect(noticed).toBeLessThanOrEqual(timeout + 1000);
    } finally {
      server().thaw();
    }
    await next(socket, 'open');
    expect(socket.stats().connects).toBe(2);
    await socket.close();
  });
});
