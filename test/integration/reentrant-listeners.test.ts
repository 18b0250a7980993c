import WebSocket from 'ws';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SteadySocket, isSteadySocketError, type SocketState } from 'steadysocket';
import { TRANSITIONS } from '../../src/state';
import { FaultProxy } from '../helpers/fault-proxy';
import { startServer, type EchoServer } from '../helpers/servers';
import { sleep } from '../helpers/wait';

// Issue 15's property: listeners on every event call random API methods at random points, while a
// real server behind a fault proxy resets, finishes, blackholes and refuses. Whatever they do: nothing
// escapes as an uncaught exception or unhandled rejection, every state change is in TRANSITIONS,
// after close() (until a reconnect()) no attempt starts, and what the server gets is in send order,
// never twice.
let server: EchoServer;
let proxy: FaultProxy;
const escaped: unknown[] = [];
const onEscape = (error: unknown): void => void escaped.push(error);
beforeAll(async () => {
  server = await startServer();
  proxy = await new FaultProxy(server.port).start();
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
});
afterAll(async () => {
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
  await proxy.close();
  await server.close();
});

const EVENTS = ['connecting', 'open', 'close', 'reconnecting', 'error', 'state', 'heartbeat', 'message'] as const;
type Action = 'nothing' | 'close' | 'reconnect' | 'send' | 'connected' | 'throw-in-connected';
const action = fc.constantFrom<Action>('nothing', 'nothing', 'close', 'reconnect', 'send', 'connected');
const plan = fc.record(Object.fromEntries(EVENTS.map((event) => [event, fc.array(action, { minLength: 1, maxLength: 3 })])) as Record<(typeof EVENTS)[number], fc.Arbitrary<Action[]>>);
type Step = 'send' | 'close' | 'reconnect' | 'rst' | 'fin' | 'blackhole' | 'refuse' | 'pass' | 'wait';
const steps = fc.array(fc.constantFrom<Step>('send', 'send', 'close', 'reconnect', 'rst', 'fin', 'blackhole', 'refuse', 'pass', 'wait', 'wait'), { minLength: 3, maxLength: 14 });

it('lets listeners do anything: nothing escapes, no illegal transition, no attempt after close(), order kept', async () => {
  await fc.assert(
    fc.asyncProperty(plan, steps, fc.integer({ min: 0, max: 1000 }), async (listeners, script, seed) => {
      let attemptsAfterClose = 0;
      let ended = false;
      let sequence = 0;
      const run = `${seed}-${Date.now()}`;
      // Counts every underlying socket, and whether the socket was closed (and not revived) then.
      class Counted extends WebSocket {
        constructor(...args: ConstructorParameters<typeof WebSocket>) {
          super(...args);
          if (ended) attemptsAfterClose++;
        }
      }
      const socket = new SteadySocket(`${proxy.url}/?run=${run}`, {
        WebSocket: Counted,
        connectTimeout: 300,
        reconnect: { initialDelay: 5, maxDelay: 30 },
        heartbeat: { interval: 40, timeout: 60 },
        buffer: { maxMessages: 20 },
      });
      const transitions: [SocketState, SocketState][] = [];
      socket.on('state', (state, previous) => transitions.push([previous, state]));
      const pending: Promise<unknown>[] = [];
      const act = (what: Action): void => {
        try {
          if (what === 'close') {
            if (socket.state !== 'closed') ended = true;
            pending.push(socket.close());
          } else if (what === 'reconnect') {
            if (socket.state !== 'closing') ended = false;
            socket.reconnect();
          } else if (what === 'send') socket.send(`${run}:${sequence++}`);
          else if (what === 'connected') pending.push(socket.connected().catch((error: unknown) => expect(isSteadySocketError(error)).toBe(true)));
        } catch (error) {
          // Only typed errors may come from the API (buffer-full, not-open).
          expect(isSteadySocketError(error), String(error)).toBe(true);
        }
      };
      for (const event of EVENTS) {
        const actions = listeners[event];
        let turn = 0;
        (socket.on as (event: string, listener: () => void) => unknown)(event, () => act(actions[turn++ % actions.length]!));
      }
      for (const step of script) {
        if (step === 'send' || step === 'close' || step === 'reconnect') act(step);
        else if (step === 'rst') proxy.reset();
        else if (step === 'fin') proxy.finish();
        else if (step === 'blackhole') proxy.blackhole();
        else if (step === 'refuse') await proxy.refuse();
        else if (step === 'pass') (proxy.pass(), await proxy.admit());
        else await sleep(25);
      }
      proxy.pass();
      await proxy.admit();
      // The plan's listeners may revive the socket on its own close: take them away for the last one.
      socket.removeAllListeners();
      socket.on('state', (state, previous) => transitions.push([previous, state]));
      ended = true;
      await socket.close();
      await Promise.all(pending);
      await sleep(80);
      expect(socket.state).toBe('closed');
      expect(attemptsAfterClose).toBe(0);
      for (const [from, to] of transitions) expect(TRANSITIONS[from], `${from} -> ${to}`).toContain(to);
      // What arrived of this run: in send order, nothing twice (some may die in flight with a link).
      const got = server.received.filter((text) => text.startsWith(run + ':')).map((text) => Number(text.slice(run.length + 1)));
      for (let i = 1; i < got.length; i++) expect(got[i]!, `order of ${got.join(',')}`).toBeGreaterThan(got[i - 1]!);
    }),
    { numRuns: 40 },
  );
  await sleep(100);
  expect(escaped).toEqual([]);
}, 120000);
