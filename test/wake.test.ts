import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SteadySocket, type SteadySocketOptions } from '../src/index';
import { TICK, unwatchSleep, watchSleep, type Sleeper } from '../src/wake';
import { ManualClock } from './helpers/clock';
import { FakeWebSocket } from './helpers/fake-socket';

// Sleep and wake: one shared timer notices that the clock jumped, and every socket checks its link.
let clock: ManualClock;
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

beforeEach(() => {
  clock = new ManualClock();
  FakeWebSocket.instances = [];
});
afterEach(() => {
  for (const instance of FakeWebSocket.instances) instance.onclose = null;
});

describe('the sleep watch', () => {
  it('is one timer for every socket of a clock, and stops with the last one', () => {
    const woken: string[] = [];
    const sleepers: Sleeper[] = ['a', 'b', 'c'].map((name) => ({ wake: (why) => void woken.push(`${name} ${why}`) }));
    for (const sleeper of sleepers) watchSleep(clock, sleeper);
    expect(clock.pending).toBe(1);
    clock.advance(TICK * 10);
    expect(woken).toEqual([]);
    clock.sleep(60000);
    expect(woken).toEqual(['a resume', 'b resume', 'c resume']);
    // Late by less than a TICK (a busy event loop) is not a sleep.
    clock.sleep(TICK - 100);
    expect(woken).toHaveLength(3);
    for (const sleeper of sleepers) unwatchSleep(clock, sleeper);
    expect(clock.pending).toBe(0);
    unwatchSleep(clock, sleepers[0]!);
  });
});

function open(options: SteadySocketOptions): Promise<{ socket: SteadySocket; events: string[] }> {
  const socket = new SteadySocket('ws://test.invalid/', { WebSocket: FakeWebSocket as never, clock, diagnose: false, ...options });
  const events: string[] = [];
  for (const name of ['connecting', 'open', 'close', 'error', 'reconnecting'] as const) socket.on(name, () => events.push(name));
  return flush().then(() => (FakeWebSocket.last.open(), { socket, events }));
}

describe('a socket that wakes', () => {
  it('pings at once when it can: a dead link is found in one timeout, not one interval', async () => {
    const { socket, events } = await open({ heartbeat: { interval: 60000, timeout: 1000, message: 'ping' } });
    clock.sleep(3600_000);
    expect(FakeWebSocket.last.sent).toEqual(['ping']);
    clock.advance(1000);
    expect(events).toEqual(['connecting', 'open', 'error', 'close', 'reconnecting']);
    await socket.close();
    expect(clock.pending).toBe(0);
  });

  it('reconnects when it cannot ping (the server drives the heartbeat)', async () => {
    const { socket, events } = await open({ heartbeat: { mode: 'server', timeout: 600000 } });
    const first = FakeWebSocket.last;
    clock.sleep(3600_000);
    expect(first.closedWith).toEqual([1000, 'reconnect']);
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(events).toEqual(['connecting', 'open', 'close', 'reconnecting', 'connecting']);
    await socket.close();
  });

  it('starts a waiting reconnect at once, but not before the floor the server asked for', async () => {
    const { socket } = await open({ heartbeat: false, reconnect: { initialDelay: 600000, maxDelay: 600000, jitter: 'none' } });
    FakeWebSocket.last.serverClose(1006);
    expect(socket.state).toBe('reconnecting');
    clock.sleep(TICK * 3);
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(socket.state).toBe('connecting');
    await socket.close();
    expect(clock.pending).toBe(0);
  });

  it('without a heartbeat it reconnects too; a short sleep leaves everything as it was', async () => {
    const { socket, events } = await open({ heartbeat: false });
    clock.sleep(TICK - 100);
    expect(events).toEqual(['connecting', 'open']);
    clock.sleep(3600_000);
    await flush();
    expect(events).toEqual(['connecting', 'open', 'close', 'reconnecting', 'connecting']);
    expect(FakeWebSocket.instances).toHaveLength(2);
    await socket.close();
  });
});
