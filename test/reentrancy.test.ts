import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SteadySocket, type SteadySocketOptions, type SocketState } from '../src/index';
import { extensions } from '../src/extensions';
import { SteadySocketError } from '../src/errors';
import { TRANSITIONS } from '../src/state';
import { ManualClock } from './helpers/clock';
import { FakeWebSocket } from './helpers/fake-socket';

// Through a fake socket and a manual clock: listeners that act on the socket, and the smaller cases
// around them. test/integration/listeners-in-a-process.test.ts and reentrancy.test.ts do the same
// through real sockets.
let clock: ManualClock;
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function create(options: SteadySocketOptions = {}) {
  const socket = new SteadySocket('ws://test.invalid/ws', { WebSocket: FakeWebSocket as never, clock, diagnose: false, heartbeat: false, ...options });
  const log: string[] = [];
  const states: [SocketState, SocketState][] = [];
  socket.on('state', (state, previous) => (states.push([previous, state]), log.push(`state:${state}`)));
  socket.on('error', (error) => log.push(`error:${error.kind}`));
  socket.on('connecting', ({ attempt }) => log.push(`connecting:${attempt}`));
  socket.on('reconnecting', ({ delay }) => log.push(`reconnecting:${delay}`));
  socket.on('open', () => log.push('open'));
  socket.on('close', ({ code }) => log.push(`close:${code}`));
  return { socket, log, states };
}
const legal = (states: [SocketState, SocketState][]): void => {
  for (const [from, to] of states) expect(TRANSITIONS[from], `${from} -> ${to}`).toContain(to);
};

beforeEach(() => {
  clock = new ManualClock();
  FakeWebSocket.instances = [];
});
afterEach(() => {
  extensions.diagnose = undefined;
});

describe('listeners that act on the socket', () => {
  it('close() in an error listener ends the socket; no retry is left behind', async () => {
    const { socket, log, states } = create({ reconnect: { initialDelay: 100 } });
    socket.on('error', () => void socket.close());
    await flush();
    FakeWebSocket.last.fail();
    expect(socket.state).toBe('closed');
    expect(clock.pending).toBe(0);
    legal(states);
    // The listener's close comes after what the failure announced: every listener sees one order.
    expect(log).toEqual(['connecting:1', 'error:unknown', 'state:reconnecting', expect.stringMatching(/^reconnecting:/), 'state:closed']);
  });

  it('reconnect() in an error listener: one attempt in flight, its own timer, and it may open', async () => {
    const { socket, states } = create({ reconnect: { initialDelay: 100 }, connectTimeout: 500 });
    socket.once('error', () => socket.reconnect());
    await flush();
    FakeWebSocket.last.fail();
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(socket.state).toBe('connecting');
    // Only the new attempt's connect timer and the sleep watch: the retry the failure scheduled was cancelled.
    expect(clock.pending).toBe(2);
    FakeWebSocket.last.open();
    expect(socket.state).toBe('open');
    clock.advance(10000);
    expect(FakeWebSocket.instances).toHaveLength(2);
    legal(states);
  });

  it('a state listener that sends on open goes after the queued messages', async () => {
    const { socket } = create({ buffer: {} });
    socket.send('queued 1');
    socket.send('queued 2');
    socket.on('state', (state) => state === 'open' && socket.send('from a state listener'));
    await flush();
    FakeWebSocket.last.open();
    expect(FakeWebSocket.last.sent).toEqual(['queued 1', 'queued 2', 'from a state listener']);
  });

  it('close() in a close listener during reconnect() leaves the socket closed for good', async () => {
    const { socket, states } = create({ reconnect: { initialDelay: 10 } });
    await flush();
    FakeWebSocket.last.open();
    socket.once('close', () => void socket.close());
    socket.reconnect();
    await flush();
    expect(socket.state).toBe('closed');
    expect(FakeWebSocket.instances).toHaveLength(1);
    clock.advance(10000);
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(1);
    legal(states);
  });

  it('a listener that throws: the error reaches the caller, the socket stays consistent', async () => {
    const { socket, states } = create({ reconnect: { initialDelay: 100, jitter: 'none' } });
    socket.once('reconnecting', () => {
      throw new Error('listener bug');
    });
    await flush();
    expect(() => FakeWebSocket.last.fail()).toThrow('listener bug');
    expect(socket.state).toBe('reconnecting');
    clock.advance(200);
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(2);
    legal(states);
  });

  it('ends a listener loop (reconnect() on every connecting) with max-attempts instead of spinning', async () => {
    const { socket, log, states } = create();
    socket.on('connecting', () => socket.reconnect());
    await flush();
    expect(socket.state).toBe('closed');
    expect(log.filter((entry) => entry === 'error:max-attempts')).toHaveLength(1);
    expect(clock.pending).toBe(0);
    legal(states);
    // The next turn is a new one: the socket may be brought back.
    socket.removeAllListeners('connecting');
    socket.reconnect();
    await flush();
    FakeWebSocket.last.open();
    expect(socket.state).toBe('open');
  });

  it('ends close() and reconnect() called in turn by a state listener', async () => {
    const { socket, states } = create();
    socket.on('state', (state) => (state === 'closed' ? socket.reconnect() : state === 'connecting' && void socket.close()));
    await flush();
    await socket.close();
    expect(socket.state).toBe('closed');
    expect(clock.pending).toBe(0);
    legal(states);
  });

  it('shouldReconnect that throws ends the socket with invalid-options; one that closes is obeyed', async () => {
    const throwing = create({ reconnect: { shouldReconnect: () => { throw new Error('bug'); } } });
    await flush();
    FakeWebSocket.last.fail();
    expect(throwing.socket.state).toBe('closed');
    expect(throwing.log).toContain('error:invalid-options');
    const closing = create({ reconnect: { shouldReconnect: () => (void closing.socket.close(), true) } });
    await flush();
    FakeWebSocket.last.fail();
    expect(closing.socket.state).toBe('closed');
    expect(clock.pending).toBe(0);
    legal(closing.states);
  });
});

describe('acting on the socket from its own callbacks, one case at a time', () => {
  it('refuses a close reason over 123 UTF-8 bytes with a typed error, and stays open', async () => {
    const { socket } = create();
    await flush();
    FakeWebSocket.last.open();
    expect(() => socket.close(1000, 'é'.repeat(62))).toThrow(expect.objectContaining({ name: 'SteadySocketError', kind: 'invalid-data' }));
    expect(() => socket.close(1000, 5 as never)).toThrow(expect.objectContaining({ kind: 'invalid-data' }));
    expect(socket.state).toBe('open');
    // The sleep watch's timer alone: the refused calls armed no close timeout.
    expect(clock.pending).toBe(1);
    const closing = socket.close(1000, 'é'.repeat(61) + 'x');
    expect(FakeWebSocket.last.closedWith).toEqual([1000, 'é'.repeat(61) + 'x']);
    FakeWebSocket.last.serverClose(1000);
    await expect(closing).resolves.toBeUndefined();
  });

  it('reconnect() sends the server a 1000 close frame saying why', async () => {
    const { socket } = create();
    await flush();
    const first = FakeWebSocket.last;
    first.open();
    socket.reconnect();
    expect(first.closedWith).toEqual([1000, 'reconnect']);
  });

  it('queues a send made while the peer is closing (its close frame arrived), and sends it on the next open', async () => {
    const { socket } = create({ reconnect: { initialDelay: 10, jitter: 'none' }, buffer: {} });
    await flush();
    FakeWebSocket.last.open();
    FakeWebSocket.last.readyState = 2;
    socket.send('after the close frame');
    expect(FakeWebSocket.last.sent).toEqual([]);
    expect(socket.bufferedAmount).toBe(21);
    FakeWebSocket.last.serverClose(1001);
    clock.advance(20);
    await flush();
    FakeWebSocket.last.open();
    expect(FakeWebSocket.last.sent).toEqual(['after the close frame']);
  });

  it('refuses a send made while the peer is closing when there is no buffer', async () => {
    const { socket } = create({ buffer: false });
    await flush();
    FakeWebSocket.last.open();
    FakeWebSocket.last.readyState = 2;
    expect(() => socket.send('x')).toThrow(expect.objectContaining({ kind: 'not-open', message: 'cannot send while the connection closes' }));
  });

  it('validates every option at the constructor: heartbeat.message, clock, diagnose, nodeOptions', () => {
    const refused: [SteadySocketOptions, string][] = [
      [{ heartbeat: { message: { type: 'ping' } as never } }, 'heartbeat.message'],
      [{ heartbeat: { message: 42 as never } }, 'heartbeat.message'],
      [{ clock: {} as never }, 'clock'],
      [{ clock: { setTimeout, clearTimeout } as never }, 'clock'],
      [{ diagnose: 'yes' as never }, 'diagnose'],
      [{ nodeOptions: 'x' as never }, 'nodeOptions'],
    ];
    for (const [options, field] of refused) {
      expect(() => new SteadySocket('ws://test.invalid/', options)).toThrow(expect.objectContaining({ kind: 'invalid-options', message: expect.stringMatching(new RegExp(`^options\\.${field} `)) }));
    }
  });

  it('a heartbeat.message function that fails ends the socket with invalid-options instead of crashing a timer', async () => {
    const { socket, log } = create({ heartbeat: { interval: 100, timeout: 100, message: () => ({}) as never } });
    await flush();
    FakeWebSocket.last.open();
    clock.advance(100);
    expect(log).toContain('error:invalid-options');
    expect(socket.state).toBe('closed');
    expect(FakeWebSocket.last.closedWith).toEqual([1011, undefined]);
    expect(clock.pending).toBe(0);
  });

  it('diagnoses every failed attempt: a streak that turns from 503 into 401 stops', async () => {
    const answers = [
      new SteadySocketError('server-error', 'server answered 503', { status: 503, retryAfter: 50 }),
      new SteadySocketError('unauthorized', 'server answered 401', { status: 401 }),
    ];
    extensions.diagnose = () => Promise.resolve(answers.shift()!);
    const { socket, log } = create({ diagnose: true, reconnect: { initialDelay: 10, jitter: 'none' } });
    await flush();
    FakeWebSocket.last.fail();
    await flush();
    // Retry-After is the floor of the wait.
    expect(log.filter((entry) => entry.startsWith('reconnecting'))).toEqual(['reconnecting:50']);
    clock.advance(50);
    await flush();
    FakeWebSocket.last.fail();
    await flush();
    expect(log.filter((entry) => entry.startsWith('error'))).toEqual(['error:server-error', 'error:unauthorized']);
    expect(socket.state).toBe('closed');
  });
});
