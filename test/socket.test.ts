import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SteadySocket, type SteadySocketOptions, type SocketState } from '../src/index';
import { TRANSITIONS } from '../src/state';
import { ManualClock } from './helpers/clock';
import { FakeWebSocket } from './helpers/fake-socket';

// The state machine through a fake socket and a manual clock: no network, no waiting.
let clock: ManualClock;
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function create(options: SteadySocketOptions = {}, url: string | (() => string) = 'ws://test.invalid/ws') {
  const socket = new SteadySocket(url, {
    WebSocket: FakeWebSocket as never,
    clock,
    diagnose: false,
    heartbeat: false,
    ...options,
  });
  const states: [SocketState, SocketState][] = [];
  const errors: string[] = [];
  socket.on('state', (state, previous) => states.push([previous, state]));
  socket.on('error', (error) => errors.push(error.kind));
  return { socket, states, errors };
}

beforeEach(() => {
  clock = new ManualClock();
  FakeWebSocket.instances = [];
});

afterEach(() => {
  for (const instance of FakeWebSocket.instances) instance.onclose = null;
});

describe('SteadySocket state machine', () => {
  it('opens, then reconnects with backoff after a drop', async () => {
    const { socket, states } = create({ reconnect: { initialDelay: 100, jitter: 'none', resetAfter: 5000 } });
    await flush();
    FakeWebSocket.last.open();
    expect(socket.state).toBe('open');
    clock.advance(5000);
    FakeWebSocket.last.serverClose(1006);
    expect(socket.state).toBe('reconnecting');
    clock.advance(99);
    expect(FakeWebSocket.instances).toHaveLength(1);
    clock.advance(1);
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(states).toEqual([
      ['connecting', 'open'],
      ['open', 'reconnecting'],
      ['reconnecting', 'connecting'],
    ]);
  });

  it('only ever takes the transitions listed in TRANSITIONS', async () => {
    const { socket, states } = create({ reconnect: { initialDelay: 10 }, buffer: {} });
    for (let round = 0; round < 5; round++) {
      await flush();
      FakeWebSocket.last.open();
      FakeWebSocket.last.serverClose(1001);
      clock.advance(20);
      await flush();
      FakeWebSocket.last.fail();
      clock.advance(40);
    }
    socket.reconnect();
    await socket.close();
    for (const [from, to] of states) expect(TRANSITIONS[from]).toContain(to);
  });

  it('resets the attempt counter after resetAfter ms open', async () => {
    const { socket } = create({ reconnect: { initialDelay: 10, resetAfter: 500 } });
    await flush();
    FakeWebSocket.last.fail();
    clock.advance(20);
    await flush();
    expect(socket.attempt).toBe(2);
    FakeWebSocket.last.open();
    clock.advance(500);
    expect(socket.attempt).toBe(0);
    FakeWebSocket.last.serverClose(1006);
    clock.advance(20);
    await flush();
    expect(socket.attempt).toBe(1);
  });

  it('stops after maxAttempts and rejects connected() with max-attempts', async () => {
    const { socket, errors } = create({ reconnect: { initialDelay: 10, maxAttempts: 3 } });
    const connected = socket.connected().catch((error: unknown) => error);
    for (let i = 0; i < 3; i++) {
      await flush();
      FakeWebSocket.last.fail();
      clock.advance(100);
    }
    expect(await connected).toMatchObject({ kind: 'max-attempts', cause: { kind: 'unknown' } });
    expect(socket.state).toBe('closed');
    expect(errors).toEqual(['unknown', 'unknown', 'unknown', 'max-attempts']);
    expect(clock.pending).toBe(0);
  });

  it('times out a handshake after connectTimeout and destroys the attempt', async () => {
    const { socket, errors } = create({ connectTimeout: 300, reconnect: false });
    await flush();
    const attempt = FakeWebSocket.last;
    clock.advance(300);
    expect(errors).toEqual(['timeout']);
    expect(socket.state).toBe('closed');
    expect(attempt.onopen).toBeNull();
    expect(attempt.closedWith).toBeDefined();
  });

  it('waits the longer of backoff and a 1013 close before reconnecting', async () => {
    const { socket } = create({ reconnect: { initialDelay: 10, jitter: 'none' } });
    await flush();
    FakeWebSocket.last.open();
    const delays: number[] = [];
    socket.on('reconnecting', ({ delay }) => delays.push(delay));
    FakeWebSocket.last.serverClose(1013, 'overloaded');
    expect(delays).toEqual([5000]);
  });

  it('does not reconnect after a policy-violation close and says why', async () => {
    const { socket } = create({ reconnect: { initialDelay: 10 } });
    await flush();
    FakeWebSocket.last.open();
    const closes: unknown[] = [];
    socket.on('close', (event) => closes.push(event));
    FakeWebSocket.last.serverClose(1008, 'policy');
    expect(closes).toEqual([{ code: 1008, reason: 'policy', wasClean: true, willReconnect: false }]);
    expect(socket.state).toBe('closed');
    await expect(socket.connected()).rejects.toMatchObject({ kind: 'closed', closeCode: 1008 });
  });

  it('lets shouldReconnect override the policy', async () => {
    const seen: unknown[] = [];
    const { socket } = create({
      reconnect: {
        initialDelay: 10,
        shouldReconnect: (info) => {
          seen.push(info);
          return info.code === 4001;
        },
      },
    });
    await flush();
    FakeWebSocket.last.open();
    FakeWebSocket.last.serverClose(4001, 'token expired');
    expect(socket.state).toBe('reconnecting');
    expect(seen).toEqual([{ code: 4001, reason: 'token expired', error: undefined, attempt: 1 }]);
  });

  it('queues while not open and flushes in order before later sends', async () => {
    const { socket } = create({ buffer: {} });
    socket.send('one');
    socket.send('two');
    socket.on('open', () => socket.send('three'));
    await flush();
    FakeWebSocket.last.open();
    expect(FakeWebSocket.last.sent).toEqual(['one', 'two', 'three']);
    expect(socket.bufferedAmount).toBe(0);
  });

  it('throws not-open without a buffer, and after close()', async () => {
    const { socket } = create({ buffer: false });
    expect(() => socket.send('x')).toThrow(expect.objectContaining({ kind: 'not-open' }));
    await socket.close();
    expect(() => socket.send('x')).toThrow(expect.objectContaining({ kind: 'not-open' }));
  });

  it('fails a connection whose server ignored the offered subprotocols (Firefox opens anyway)', async () => {
    const { socket, errors } = create({ protocols: ['chat.v2'], reconnect: false });
    await flush();
    FakeWebSocket.last.open('');
    expect(errors).toEqual(['subprotocol-mismatch']);
    expect(socket.state).toBe('closed');
  });

  it('treats Firefox close code 1015 before open as a TLS failure, even after the bare error event', async () => {
    const { errors } = create({ reconnect: false });
    await flush();
    FakeWebSocket.last.fail(1015);
    expect(errors).toEqual(['tls']);
  });

  it('fails an attempt whose socket reports an error and never closes (undici)', async () => {
    const { socket, errors } = create({ reconnect: false });
    await flush();
    FakeWebSocket.last.onerror?.({});
    expect(errors).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(errors).toEqual(['unknown']);
    expect(socket.state).toBe('closed');
  });

  it('detects a dead peer with application heartbeats and hides pongs', async () => {
    const { socket, errors } = create({
      heartbeat: { interval: 100, timeout: 50, message: 'ping', isPong: (data) => data === 'pong' },
      reconnect: { initialDelay: 1000, jitter: 'none' },
    });
    const messages: unknown[] = [];
    const rtts: number[] = [];
    socket.on('message', (data) => messages.push(data));
    socket.on('heartbeat', ({ rtt }) => rtts.push(rtt));
    await flush();
    FakeWebSocket.last.open();
    clock.advance(100);
    expect(FakeWebSocket.last.sent).toEqual(['ping']);
    clock.advance(7);
    FakeWebSocket.last.message('pong');
    FakeWebSocket.last.message('hello');
    expect(rtts).toEqual([7]);
    expect(messages).toEqual(['hello']);
    clock.advance(100 + 50);
    expect(errors).toEqual(['heartbeat-timeout']);
    expect(socket.state).toBe('reconnecting');
  });

  it('calls the URL function before every attempt', async () => {
    let calls = 0;
    create({ reconnect: { initialDelay: 10 } }, () => `ws://test.invalid/ws?n=${++calls}`);
    await flush();
    FakeWebSocket.last.fail();
    clock.advance(50);
    await flush();
    expect(FakeWebSocket.instances.map((s) => s.url)).toEqual(['ws://test.invalid/ws?n=1', 'ws://test.invalid/ws?n=2']);
  });

  it('ends in closed with the error emitted when the URL function returns an invalid URL', async () => {
    const { socket, errors } = create({}, () => 'ftp://nope');
    const connected = socket.connected().catch((error: unknown) => error);
    await flush();
    expect(errors).toEqual(['invalid-url']);
    expect(socket.state).toBe('closed');
    expect(await connected).toMatchObject({ kind: 'invalid-url' });
  });

  it('leaves no timer behind after close() in every state', async () => {
    for (const setup of ['connecting', 'open', 'reconnecting'] as const) {
      clock = new ManualClock();
      const { socket } = create({ reconnect: { initialDelay: 1000 }, heartbeat: { interval: 100, message: 'p' } });
      await flush();
      if (setup !== 'connecting') FakeWebSocket.last.open();
      if (setup === 'reconnecting') FakeWebSocket.last.serverClose(1006);
      expect(socket.state).toBe(setup);
      const closing = socket.close();
      if (setup === 'open') FakeWebSocket.last.serverClose(1000);
      await closing;
      expect(socket.state).toBe('closed');
      expect(clock.pending).toBe(0);
    }
  });

  it('reconnect() drops an open connection and connects again now', async () => {
    const { socket } = create();
    await flush();
    const first = FakeWebSocket.last;
    first.open();
    socket.reconnect();
    await flush();
    expect(first.closedWith).toBeDefined();
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(socket.state).toBe('connecting');
  });

  it('reconnect() brings a closed socket back', async () => {
    const { socket } = create();
    await socket.close();
    socket.reconnect();
    await flush();
    FakeWebSocket.last.open();
    expect(socket.state).toBe('open');
  });

  it('refuses a close code browsers would reject', () => {
    const { socket } = create();
    expect(() => socket.close(1006)).toThrow(expect.objectContaining({ kind: 'invalid-data' }));
    expect(() => socket.close(2999)).toThrow(expect.objectContaining({ kind: 'invalid-data' }));
  });
});

describe('SteadySocket backoff edge', () => {
  it('reconnects when the backoff picks a delay of 0', async () => {
    clock = new ManualClock();
    FakeWebSocket.instances = [];
    const socket = new SteadySocket('ws://test.invalid/', {
      WebSocket: FakeWebSocket as never,
      clock,
      heartbeat: false,
      reconnect: { initialDelay: 0, maxDelay: 0 },
      diagnose: false,
    });
    await flush();
    FakeWebSocket.last.fail();
    expect(socket.state).toBe('reconnecting');
    clock.advance(0);
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(2);
    await socket.close();
  });
});

describe('SteadySocket message listeners', () => {
  // Delivery takes a shortcut for a lone listener; every eventemitter3 form must still behave.
  it('calls a lone listener with its context, and follows on/off as they change', async () => {
    const { socket } = create();
    await flush();
    FakeWebSocket.last.open();
    FakeWebSocket.last.message('nobody listens');
    const context = { seen: [] as unknown[] };
    function record(this: typeof context, data: unknown): void {
      this.seen.push(data);
    }
    socket.on('message', record, context);
    FakeWebSocket.last.message('a');
    const second: unknown[] = [];
    const other = (data: unknown): number => second.push(data);
    socket.on('message', other);
    FakeWebSocket.last.message('b');
    socket.off('message', record, context);
    FakeWebSocket.last.message('c');
    socket.off('message', other);
    FakeWebSocket.last.message('d');
    expect(context.seen).toEqual(['a', 'b']);
    expect(second).toEqual(['b', 'c']);
  });

  it('calls a once listener once', async () => {
    const { socket } = create();
    await flush();
    FakeWebSocket.last.open();
    const seen: unknown[] = [];
    socket.once('message', (data) => seen.push(data));
    FakeWebSocket.last.message('first');
    FakeWebSocket.last.message('second');
    expect(seen).toEqual(['first']);
    expect(socket.listenerCount('message')).toBe(0);
  });
});

describe('SteadySocket backoff: initialDelay is the ceiling of every streak\'s first wait', () => {
  const delays = (socket: SteadySocket): number[] => {
    const seen: number[] = [];
    socket.on('reconnecting', ({ delay }) => seen.push(delay));
    return seen;
  };

  it('after a failed first connect, and after the drop of a connection that lasted', async () => {
    const { socket } = create({ reconnect: { initialDelay: 100, factor: 2, jitter: 'none', resetAfter: 1000 } });
    const seen = delays(socket);
    await flush();
    FakeWebSocket.last.fail();
    clock.advance(100);
    await flush();
    FakeWebSocket.last.fail();
    expect(seen).toEqual([100, 200]);
    clock.advance(200);
    await flush();
    FakeWebSocket.last.open();
    clock.advance(1000);
    FakeWebSocket.last.serverClose(1006);
    clock.advance(100);
    await flush();
    FakeWebSocket.last.fail();
    expect(seen).toEqual([100, 200, 100, 200]);
    await socket.close();
  });

  it('staggered: one phase for a whole streak, a new one for the next streak', async () => {
    const phases = [0.25, 0.75];
    const random = vi.spyOn(Math, 'random').mockImplementation(() => phases.shift() ?? 0.5);
    try {
      const { socket } = create({ reconnect: { initialDelay: 100, factor: 2, resetAfter: 1000 } });
      const seen = delays(socket);
      await flush();
      for (const wait of [25, 125, 250]) {
        FakeWebSocket.last.fail();
        clock.advance(wait);
        await flush();
      }
      FakeWebSocket.last.open();
      clock.advance(1000);
      FakeWebSocket.last.serverClose(1006);
      clock.advance(75);
      await flush();
      FakeWebSocket.last.fail();
      // 100 × phase, then 100 × (1 + phase) × 2^(n-2), with the phase drawn when the streak began.
      expect(seen).toEqual([25, 125, 250, 75, 175]);
      await socket.close();
    } finally {
      random.mockRestore();
    }
  });
});

