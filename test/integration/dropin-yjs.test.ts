import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { SteadyWebSocket, type LogRecord, type SteadyErrorEvent } from 'steadysocket';
import { YWebsocketServer } from '../helpers/y-websocket-server';
import { until } from '../helpers/wait';

// y-websocket (the provider from npm, with its own reconnect loop) through the strict face, against
// the y-websocket server from npm in a process of its own, killed and started again on the same port.

const server = new YWebsocketServer();
beforeAll(() => server.start());
afterAll(() => server.stop());

const providers: WebsocketProvider[] = [];
afterEach(() => {
  for (const provider of providers.splice(0)) {
    provider.destroy();
    // The provider's Awareness keeps an interval until its document is destroyed.
    provider.doc.destroy();
  }
});

let rooms = 0;
/** Two documents, each with its own provider in the same room. */
function pair(Face: typeof WebSocket): [Y.Doc, Y.Doc, WebsocketProvider, WebsocketProvider] {
  const room = `room-${process.pid}-${++rooms}`;
  const docs = [new Y.Doc(), new Y.Doc()] as const;
  // disableBc: providers in one process would otherwise sync through a BroadcastChannel, not the server.
  const made = docs.map((doc) => new WebsocketProvider(server.url(), room, doc, { WebSocketPolyfill: Face, disableBc: true, maxBackoffTime: 300 }));
  providers.push(...made);
  return [docs[0], docs[1], made[0]!, made[1]!];
}

const text = (doc: Y.Doc): string => doc.getText('t').toString();

it('converges two documents, and again after the server was killed and started while both were edited', async () => {
  const records: LogRecord[] = [];
  const faces: SteadyWebSocket[] = [];
  // Counts the faces y-websocket makes: one per connection attempt.
  const Face = class extends SteadyWebSocket.configure({ logger: (record) => records.push(record), logLevel: 'info', connectTimeout: 2000 }) {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      faces.push(this);
    }
  };
  const errors: SteadyErrorEvent[] = [];
  const [a, b, left, right] = pair(Face as unknown as typeof WebSocket);
  left.on('connection-error', (event) => errors.push(event as unknown as SteadyErrorEvent));
  await until(() => left.synced && right.synced, 10000, 'both synced');
  expect(faces).toHaveLength(2);

  a.getText('t').insert(0, 'a');
  await until(() => text(b) === 'a', 5000, 'b has a');
  b.getText('t').insert(1, 'b');
  await until(() => text(a) === 'ab', 5000, 'a has ab');

  await server.stop();
  await until(() => !left.wsconnected && !right.wsconnected, 5000, 'both disconnected');
  // Edits made while the server is down (and its copy of the document is gone with its process).
  a.getText('t').insert(2, 'c');
  b.getText('t').insert(0, 'd');
  // y-websocket keeps trying, a new face each time; each refused one says why.
  await until(() => errors.length >= 2, 5000, 'refused attempts');
  expect(errors.every((event) => event.error.kind === 'network')).toBe(true);
  await server.start();
  await until(() => left.synced && right.synced && text(a).length === 4 && text(a) === text(b), 10000, 'converged again');
  expect([...text(a)].sort().join('')).toBe('abcd');

  // Every face but the two current ones is closed for good: none reconnects under y-websocket.
  expect(faces.length).toBeGreaterThan(4);
  const current = [left.ws, right.ws];
  expect(faces.filter((face) => !current.includes(face as unknown as WebSocket)).map((face) => face.readyState)).toEqual(
    Array(faces.length - 2).fill(SteadyWebSocket.CLOSED),
  );
  expect(current.map((face) => face?.readyState)).toEqual([SteadyWebSocket.OPEN, SteadyWebSocket.OPEN]);
  expect(records.filter((record) => record.event === 'open').length).toBeGreaterThanOrEqual(4);

  left.destroy();
  right.destroy();
  await until(() => faces.every((face) => face.readyState === SteadyWebSocket.CLOSED), 5000, 'every face closed');
});

it('lets a process using two providers exit by itself once they are destroyed', async () => {
  const script = fileURLToPath(new URL('fixtures/dropin-yjs-exit.mjs', import.meta.url));
  const child = spawn(process.execPath, [script, server.url()], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let destroyedAt = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (!destroyedAt && stdout.includes('destroyed')) destroyedAt = Date.now();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 10000);
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  clearTimeout(killer);
  expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  expect(stdout.trim().split('\n')).toEqual(['converged xy', 'destroyed']);
  // Nothing of the faces is left: what may remain is y-websocket's own last retry timer
  // (maxBackoffTime 300 ms there), not a socket or a heartbeat.
  expect(Date.now() - destroyedAt).toBeLessThan(1500);
});
