// Type tests of the public API, checked by the compiler (`npm run typecheck`): a wrong event name,
// payload or option must not compile, and the event arguments have the documented types. Nothing
// here runs; each `@ts-expect-error` fails the type-check if the line below it ever compiles.
import {
  SteadySocket,
  SteadySocketError,
  isSteadySocketError,
  type ErrorKind,
  type MessageData,
  type SocketState,
  type SteadySocketEvents,
  type LogEvent,
  type LogLevel,
  type RttStats,
  type SocketStats,
} from 'steadysocket';
import * as core from '../../src/core';
import * as browserRuntime from '../../src/runtime/browser';
import * as nodeRuntime from '../../src/runtime/node';
import type { Runtime } from '../../src/runtime/types';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(_proof?: T): void => {};

declare const socket: SteadySocket;

// Event names and payloads.
socket.on('open', ({ attempt, protocol }) => [attempt.toFixed(), protocol.toUpperCase()]);
socket.on('close', ({ code, reason, wasClean, willReconnect }) => [code.toFixed(), reason.trim(), wasClean && willReconnect]);
socket.on('reconnecting', ({ attempt, delay, error }) => [attempt + delay, error?.kind]);
socket.on('state', (state, previous) => [state satisfies SocketState, previous satisfies SocketState]);
socket.on('message', (data) => data satisfies MessageData);
socket.on('error', (error) => error.kind satisfies ErrorKind);
socket.on('heartbeat', ({ rtt }) => rtt.toFixed());
// @ts-expect-error: no such event
socket.on('opened', () => {});
// @ts-expect-error: `open` carries an object, not a code
socket.on('open', (code: number) => code);
// @ts-expect-error: `close` has no `status`
socket.on('close', ({ status }) => status);
// @ts-expect-error: `state` gives the state, not an object
socket.on('state', ({ state }: { state: SocketState }) => state);

expectType<Equal<Parameters<SteadySocketEvents['close']>[0], { code: number; reason: string; wasClean: boolean; willReconnect: boolean }>>();
expectType<Equal<Parameters<SteadySocketEvents['error']>[0], SteadySocketError>>();
expectType<Equal<SteadySocket['state'], SocketState>>();
expectType<Equal<ReturnType<SteadySocket['close']>, Promise<void>>>();
expectType<Equal<ReturnType<SteadySocket['connected']>, Promise<void>>>();

// Options are checked by name and type.
new SteadySocket('wss://example.com', { reconnect: { initialDelay: 100, jitter: 'equal' }, heartbeat: { message: () => 'ping' } });
new SteadySocket(() => Promise.resolve('wss://example.com'), { protocols: async () => ['v2'] });
// @ts-expect-error: misspelt option
new SteadySocket('wss://example.com', { reconect: false });
// @ts-expect-error: not a jitter
new SteadySocket('wss://example.com', { reconnect: { jitter: 'some' } });
// @ts-expect-error: a heartbeat message must be sendable data
new SteadySocket('wss://example.com', { heartbeat: { message: { type: 'ping' } } });
// @ts-expect-error: send takes data, not objects
socket.send({ type: 'hello' });

// Errors: closeCode, cause, and a guard that narrows.
declare const thrown: unknown;
if (isSteadySocketError(thrown)) expectType<Equal<typeof thrown.closeCode, number | undefined>>();
// @ts-expect-error: the close code is closeCode (code is a string id in Node and the DOM)
void new SteadySocketError('closed', 'x').code;

// Nothing private is reachable.
// @ts-expect-error: internal
void socket.session;

// The lean entry has the same client and types.
expectType<Equal<ConstructorParameters<typeof core.SteadySocket>, ConstructorParameters<typeof SteadySocket>>>();

// Both runtimes give the socket the same four things.
const runtimes: Runtime[] = [nodeRuntime, browserRuntime];
void runtimes;

// Logging and stats.
new SteadySocket('ws://x', { logger: console, logLevel: 'info' });
new SteadySocket('ws://x', { logger: true, logPayloads: true });
new SteadySocket('ws://x', { logger: (record) => [record.event satisfies LogEvent, record.level satisfies LogLevel, record.socket.trim(), record.time.toFixed()] });
// @ts-expect-error: not a level
new SteadySocket('ws://x', { logLevel: 'verbose' });
// @ts-expect-error: a logger needs all four levels
new SteadySocket('ws://x', { logger: { info: () => {} } });
const stats: SocketStats = socket.stats();
expectType<Equal<typeof stats.rtt, RttStats | undefined>>();
expectType<Equal<typeof stats.heartbeats, { sent: number; missed: number }>>();
stats.failures['heartbeat-timeout']?.toFixed();
// @ts-expect-error: failures are counted by error kind
stats.failures.nonsense?.toFixed();
socket.id.trim();
