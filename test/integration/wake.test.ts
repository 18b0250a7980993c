import { afterAll, beforeAll, expect, it } from 'vitest';
import { SteadySocket, type SteadySocketError } from 'steadysocket';
import { TICK } from '../../src/wake';
import { FaultProxy } from '../helpers/fault-proxy';
import { startServer, type EchoServer } from '../helpers/servers';

// A laptop that sleeps with an open connection, through a real socket: the link dies unseen (the
// proxy drops everything, as a network left behind does) and the clock jumps by an hour. The clock
// is the real one, moved by hand, with the sleep watch's look every TICK made every 20 ms.

let server: EchoServer;
let proxy: FaultProxy;
let pings = 0;

beforeAll(async () => {
  server = await startServer();
  server.wss.on('connection', (socket) => socket.on('ping', () => pings++));
  proxy = await new FaultProxy(server.port).start();
});
afterAll(async () => {
  await proxy.close();
  await server.close();
});

const jumpingClock = () => {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    setTimeout: (callback: () => void, ms: number) => setTimeout(callback, ms === TICK ? 20 : ms),
    clearTimeout: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    sleep: (ms: number) => void (offset += ms),
  };
};

it('finds the dead link within one heartbeat timeout of waking, not one interval, and comes back', async () => {
  const clock = jumpingClock();
  const socket = new SteadySocket(proxy.url, { clock, heartbeat: { interval: 600000, timeout: 300 }, reconnect: { initialDelay: 20 } });
  const records: string[] = [];
  socket.on('error', (error) => records.push(error.kind));
  await socket.connected();
  // Awake, the watch says nothing: no ping before the interval.
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(pings).toBe(0);
  expect(records).toEqual([]);

  proxy.blackhole();
  clock.sleep(3600_000);
  const woke = Date.now();
  const error = await new Promise<SteadySocketError>((resolve) => socket.once('error', resolve));
  expect(error.kind).toBe('heartbeat-timeout');
  expect(Date.now() - woke).toBeLessThan(300 + 1000);
  proxy.pass();
  await new Promise((resolve) => socket.once('open', resolve));
  // A live link, woken: one ping, answered, and the connection stays.
  const before = pings;
  clock.sleep(3600_000);
  await new Promise((resolve) => socket.once('heartbeat', resolve));
  expect(pings).toBe(before + 1);
  expect(socket.state).toBe('open');
  await socket.close();
});
