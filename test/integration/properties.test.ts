import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SteadySocket, SteadySocketError, type SocketState } from 'steadysocket';
import { TRANSITIONS } from '../../src/state';
import { startServer, type EchoServer } from '../helpers/servers';
import { sleep } from '../helpers/wait';

// Random input and random call orders against a real server: nothing may escape as an uncaught
// exception or unhandled rejection, and the state machine may only take its listed transitions.
let server: EchoServer;
const escaped: unknown[] = [];
const onEscape = (error: unknown): void => void escaped.push(error);
beforeAll(async () => {
  server = await startServer();
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
});
afterAll(async () => {
  process.off('unhandledRejection', onEscape);
  process.off('uncaughtException', onEscape);
  await server.close();
});

const anything = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.constant(NaN), fc.constant(-1), fc.constant(Infinity));
const optionsArbitrary = fc.record(
  {
    connectTimeout: fc.oneof(fc.integer({ min: 1, max: 5000 }), anything),
    reconnect: fc.oneof(
      fc.constant(false),
      fc.record({ initialDelay: fc.oneof(fc.integer({ min: 0, max: 100 }), anything), maxDelay: fc.oneof(fc.integer({ min: 0, max: 200 }), anything), factor: fc.oneof(fc.double({ min: 1, max: 3, noNaN: true }), anything), jitter: fc.oneof(fc.constantFrom('staggered', 'full', 'equal', 'none'), anything) }, { requiredKeys: [] }),
      anything,
    ),
    heartbeat: fc.oneof(fc.constant(false), fc.record({ interval: fc.oneof(fc.integer({ min: 1, max: 1000 }), anything), timeout: fc.oneof(fc.integer({ min: 1, max: 1000 }), anything) }, { requiredKeys: [] }), anything),
    buffer: fc.oneof(fc.constant(false), fc.record({ maxMessages: fc.oneof(fc.nat(100), anything), maxBytes: fc.oneof(fc.nat(10000), anything) }, { requiredKeys: [] }), anything),
    binaryType: fc.oneof(fc.constantFrom('arraybuffer', 'blob'), anything),
    protocols: fc.oneof(fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }), anything),
    unknownOption: anything,
  },
  { requiredKeys: [] },
);

describe('property: options', () => {
  it('either constructs or throws a SteadySocketError naming what is wrong, never anything else', async () => {
    const made: SteadySocket[] = [];
    fc.assert(
      fc.property(optionsArbitrary, (options) => {
        try {
          made.push(new SteadySocket(server.url, options as never));
        } catch (error) {
          expect(error).toBeInstanceOf(SteadySocketError);
          expect((error as SteadySocketError).kind).toMatch(/^invalid-(options|protocols)$/);
          expect((error as Error).message).toMatch(/^(options\.|protocols)/);
        }
      }),
      { numRuns: 300 },
    );
    await Promise.all(made.map((socket) => socket.close()));
    expect(escaped).toEqual([]);
  });
});

type Command = { op: 'send' | 'binary' | 'bad-send' | 'close' | 'reconnect' | 'connected' | 'drop' } | { op: 'wait'; ms: number };
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.constantFrom<Command>({ op: 'send' }, { op: 'binary' }, { op: 'bad-send' }, { op: 'close' }, { op: 'reconnect' }, { op: 'connected' }, { op: 'drop' }),
  fc.integer({ min: 0, max: 40 }).map((ms): Command => ({ op: 'wait', ms })),
);

describe('property: call sequences', () => {
  it('takes only allowed transitions and lets nothing escape, whatever the order of calls', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
        const socket = new SteadySocket(server.url, { reconnect: { initialDelay: 5, maxDelay: 20 }, heartbeat: { interval: 20, timeout: 50 }, buffer: { maxMessages: 5 } });
        const transitions: [SocketState, SocketState][] = [];
        socket.on('state', (state, previous) => transitions.push([previous, state]));
        const pending: Promise<unknown>[] = [];
        for (const step of commands) {
          try {
            if (step.op === 'send') socket.send('text');
            else if (step.op === 'binary') socket.send(new Uint8Array([1, 2, 3]));
            else if (step.op === 'bad-send') socket.send({} as never);
            else if (step.op === 'close') pending.push(socket.close());
            else if (step.op === 'reconnect') socket.reconnect();
            else if (step.op === 'connected') pending.push(socket.connected().catch((error: unknown) => expect(error).toBeInstanceOf(SteadySocketError)));
            else if (step.op === 'drop') for (const client of server.wss.clients) client.terminate();
            else if (step.op === 'wait') await sleep(step.ms);
          } catch (error) {
            expect(error).toBeInstanceOf(SteadySocketError);
          }
        }
        await socket.close();
        await Promise.all(pending);
        expect(socket.state).toBe('closed');
        for (const [from, to] of transitions) expect(TRANSITIONS[from], `${from} -> ${to}`).toContain(to);
      }),
      { numRuns: 60 },
    );
    await sleep(50);
    expect(escaped).toEqual([]);
  });
});
