import type { IncomingMessage } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SteadySocket, SteadySocketError } from 'steadysocket';
import { startServer, startSilentServer, type EchoServer } from '../helpers/servers';
import { next, sleep, until } from '../helpers/wait';

// What a caller controls about each attempt, through a real ws server: when the first one starts
// (autoConnect, connect()), the AbortSignal its url and protocols functions get, and the handshake's
// headers made afresh for each attempt (Node).
let server: EchoServer;
const upgrades: IncomingMessage[] = [];
/** Upgrades to refuse with 503 before accepting again. */
let refuse = 0;

beforeAll(async () => {
  server = await startServer({
    verifyClient: (info, done) => {
      upgrades.push(info.req);
      if (refuse > 0) return void (refuse--, done(false, 503));
      done(true);
    },
  });
});
afterAll(() => server.close());

const sockets: SteadySocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) await socket.close();
  upgrades.length = 0;
  refuse = 0;
});
const make = (...args: ConstructorParameters<typeof SteadySocket>): SteadySocket => {
  const socket = new SteadySocket(...args);
  sockets.push(socket);
  return socket;
};
const fast = { initialDelay: 20, maxDelay: 40, jitter: 'none' } as const;

describe('autoConnect: false and connect()', () => {
  it('starts closed, connects only at connect(), and connect() does nothing while connecting or open', async () => {
    const socket = make(server.url, { autoConnect: false, heartbeat: false });
    expect(socket.state).toBe('closed');
    await sleep(100);
    expect(upgrades).toHaveLength(0);
    expect(socket.state).toBe('closed');
    const states: string[] = [];
    socket.on('state', (state) => states.push(state));
    socket.connect();
    socket.connect();
    expect(socket.state).toBe('connecting');
    await socket.connected();
    socket.connect();
    await sleep(50);
    expect(upgrades).toHaveLength(1);
    expect(states).toEqual(['connecting', 'open']);
    socket.send('hello');
    expect(await next(socket, 'message')).toBe('hello');
  });

  it('queues sends made before connect() and delivers them once open', async () => {
    const socket = make(server.url, { autoConnect: false, heartbeat: false });
    socket.send('early');
    socket.connect();
    expect(await next(socket, 'message')).toBe('early');
  });

  it('has connected() wait for connect(), and close() before it ends the socket for good', async () => {
    const waiting = make(server.url, { autoConnect: false, heartbeat: false });
    let resolved = false;
    const connected = waiting.connected().then(() => (resolved = true));
    await sleep(50);
    expect(resolved).toBe(false);
    waiting.connect();
    await connected;

    const ended = make(server.url, { autoConnect: false, heartbeat: false });
    const pending = ended.connected();
    await ended.close();
    await expect(pending).rejects.toMatchObject({ kind: 'closed' });
    await expect(ended.connected()).rejects.toMatchObject({ kind: 'closed' });
    expect(() => ended.send('late')).toThrow(/cannot send while closed/);
    expect(upgrades).toHaveLength(1);
  });

  it('connects again at connect() after close()', async () => {
    const socket = make(server.url, { heartbeat: false });
    await socket.connected();
    await socket.close();
    expect(socket.state).toBe('closed');
    socket.connect();
    await socket.connected();
    expect(upgrades).toHaveLength(2);
  });

  it('refuses an autoConnect that is not a boolean, naming it', () => {
    expect(() => new SteadySocket(server.url, { autoConnect: 'no' as never })).toThrow(/options\.autoConnect must be true or false/);
  });
});

describe('the AbortSignal of the url and protocols functions', () => {
  it('gives both functions a signal that close() aborts while they wait', async () => {
    const signals: AbortSignal[] = [];
    const socket = make(
      (signal) => (signals.push(signal), new Promise<string>(() => {})),
      { protocols: (signal) => (signals.push(signal), ['chat']), heartbeat: false },
    );
    await until(() => signals.length === 2);
    expect(signals.map((signal) => signal.aborted)).toEqual([false, false]);
    await socket.close();
    expect(signals.map((signal) => signal.aborted)).toEqual([true, true]);
  });

  it('aborts the signal when the connect timeout gives the attempt up, and gives the next attempt a fresh one', async () => {
    const signals: AbortSignal[] = [];
    const socket = make(
      (signal) => {
        signals.push(signal);
        // The first token fetch hangs; the second answers.
        return signals.length === 1 ? new Promise<string>(() => {}) : server.url;
      },
      { connectTimeout: 150, reconnect: fast, heartbeat: false },
    );
    const error = await next<SteadySocketError>(socket, 'error');
    expect(error.kind).toBe('timeout');
    expect(signals[0]!.aborted).toBe(true);
    await socket.connected();
    expect(signals).toHaveLength(2);
    // The open connection's signal stays unaborted: nothing was abandoned.
    expect(signals[1]!.aborted).toBe(false);
  });

  it('aborts the signal of a pending attempt at reconnect()', async () => {
    const signals: AbortSignal[] = [];
    const socket = make((signal) => (signals.push(signal), signals.length === 1 ? new Promise<string>(() => {}) : server.url), { heartbeat: false });
    await until(() => signals.length === 1);
    socket.reconnect();
    expect(signals[0]!.aborted).toBe(true);
    await socket.connected();
  });
});

describe('nodeOptions.headers as a function', () => {
  it('is called before every attempt, and the server sees the fresh headers', async () => {
    refuse = 2;
    let token = 0;
    const socket = make(server.url, { nodeOptions: { headers: async () => ({ authorization: `Bearer ${++token}` }) }, reconnect: fast, heartbeat: false });
    await socket.connected();
    expect(upgrades.map((request) => request.headers.authorization)).toEqual(['Bearer 1', 'Bearer 2', 'Bearer 3']);
  });

  it('fails the attempt with invalid-options when it throws or rejects, and tries again', async () => {
    let calls = 0;
    const socket = make(server.url, {
      nodeOptions: {
        headers: () => {
          calls++;
          if (calls === 1) throw new Error('token service down');
          if (calls === 2) return Promise.reject(new Error('still down'));
          return { authorization: 'Bearer ok' };
        },
      },
      reconnect: fast,
      heartbeat: false,
    });
    const errors: SteadySocketError[] = [];
    socket.on('error', (error) => errors.push(error));
    await socket.connected();
    expect(errors.map((error) => [error.kind, error.retryable])).toEqual([
      ['invalid-options', true],
      ['invalid-options', true],
    ]);
    expect(errors[0]!.message).toContain('nodeOptions.headers function failed');
    expect(upgrades.map((request) => request.headers.authorization)).toEqual(['Bearer ok']);
  });

  it('aborts its signal when the attempt is abandoned, and sends nothing after', async () => {
    const silent = await startSilentServer();
    try {
      let signal: AbortSignal | undefined;
      let answer: (headers: Record<string, string>) => void = () => {};
      const socket = make(silent.url, {
        nodeOptions: { headers: (given) => ((signal = given), new Promise((resolve) => (answer = resolve))) },
        heartbeat: false,
      });
      await until(() => signal !== undefined);
      await socket.close();
      expect(signal!.aborted).toBe(true);
      answer({ authorization: 'Bearer late' });
      await sleep(50);
      expect(socket.state).toBe('closed');
    } finally {
      await silent.close();
    }
  });
});
