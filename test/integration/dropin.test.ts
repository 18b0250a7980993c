import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { SteadyWebSocket, type LogRecord, type SteadyCloseEvent, type SteadyErrorEvent } from 'steadysocket';
import { listenLocal } from '../helpers/servers';
import { until } from '../helpers/wait';

// The WebSocket-shaped face in Node, through one real server for the whole file: it echoes, and a
// path says what else to do (`/401` refuses the upgrade, `/close/<code>` closes after open).
let http: Server;
let wss: WebSocketServer;
let base: string;
const upgrades: IncomingMessage[] = [];
const clients: ServerSocket[] = [];

beforeAll(async () => {
  http = createServer();
  wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => [...offered][0] ?? false });
  http.on('upgrade', (request: IncomingMessage, tcp: Duplex, head: Buffer) => {
    upgrades.push(request);
    const path = new URL(request.url!, 'http://x').pathname;
    if (path === '/401') return void tcp.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\n\r\n');
    wss.handleUpgrade(request, tcp, head, (socket) => {
      clients.push(socket);
      const close = /^\/close\/(\d+)/.exec(path);
      if (close) socket.close(Number(close[1]), 'bye');
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    });
  });
  base = `ws://127.0.0.1:${await listenLocal(http)}`;
});
afterAll(async () => {
  for (const client of wss.clients) client.terminate();
  await new Promise((resolve) => http.close(resolve));
});

const faces: SteadyWebSocket[] = [];
afterEach(async () => {
  for (const face of faces.splice(0)) await face.socket.close();
  upgrades.length = clients.length = 0;
});

function face(...args: ConstructorParameters<typeof SteadyWebSocket>): SteadyWebSocket {
  const made = new SteadyWebSocket(...args);
  faces.push(made);
  return made;
}

/** Resolves with the next event of `type`. */
const next = <E extends Event = Event>(target: EventTarget, type: string): Promise<E> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${type}' within 10 s`)), 10000);
    target.addEventListener(type, (event) => (clearTimeout(timer), resolve(event as E)), { once: true });
  });

describe('the WebSocket interface', () => {
  it('has the constants on the class and on instances, and readyState follows the connection', async () => {
    expect([SteadyWebSocket.CONNECTING, SteadyWebSocket.OPEN, SteadyWebSocket.CLOSING, SteadyWebSocket.CLOSED]).toEqual([0, 1, 2, 3]);
    const ws = face(`${base}/echo`, 'chat.v1', { heartbeat: false });
    expect([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED]).toEqual([0, 1, 2, 3]);
    expect(ws).toBeInstanceOf(EventTarget);
    expect(ws.readyState).toBe(ws.CONNECTING);
    expect([ws.protocol, ws.extensions, ws.binaryType, ws.bufferedAmount]).toEqual(['', '', 'blob', 0]);
    const opened = await next(ws, 'open');
    expect(opened.constructor).toBe(Event);
    expect([ws.readyState, ws.protocol, ws.url]).toEqual([ws.OPEN, 'chat.v1', `${base}/echo`]);
    const closed = next<SteadyCloseEvent>(ws, 'close');
    ws.close(4000, 'done');
    expect(ws.readyState).toBe(ws.CLOSING);
    const event = await closed;
    expect(event).toBeInstanceOf(Event);
    expect([event.code, event.reason, event.wasClean, ws.readyState]).toEqual([4000, 'done', true, ws.CLOSED]);
  });

  it('delivers MessageEvents: text as strings, binary as Blob by default and as ArrayBuffer when asked', async () => {
    const ws = face(`${base}/echo`);
    await next(ws, 'open');
    ws.send('hello');
    const text = await next<MessageEvent>(ws, 'message');
    expect(text).toBeInstanceOf(MessageEvent);
    expect(text.data).toBe('hello');
    ws.send(new Uint8Array([1, 2, 3]));
    const blob = (await next<MessageEvent>(ws, 'message')).data as Blob;
    expect(blob).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([1, 2, 3]);
    ws.binaryType = 'nodebuffer' as BinaryType;
    expect(ws.binaryType).toBe('blob');
    ws.binaryType = 'arraybuffer';
    ws.send(new Uint8Array([4, 5]));
    const buffer = (await next<MessageEvent>(ws, 'message')).data as ArrayBuffer;
    expect(buffer).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(buffer)]).toEqual([4, 5]);
  });

  it('runs handler attributes and listeners in registration order; assigning replaces in place, null removes', async () => {
    const ws = face(`${base}/echo`);
    const seen: string[] = [];
    ws.addEventListener('message', () => seen.push('first'));
    ws.onmessage = () => seen.push('handler 1');
    ws.addEventListener('message', () => seen.push('last'));
    ws.onmessage = function (event) {
      seen.push(`handler 2 ${String(event.data)} ${this === ws}`);
    };
    const controller = new AbortController();
    ws.addEventListener('message', () => seen.push('until aborted'), { signal: controller.signal });
    ws.addEventListener('message', () => seen.push('once'), { once: true });
    await next(ws, 'open');
    ws.send('a');
    await until(() => seen.length === 5);
    expect(seen).toEqual(['first', 'handler 2 a true', 'last', 'until aborted', 'once']);
    seen.length = 0;
    controller.abort();
    ws.onmessage = null;
    expect(ws.onmessage).toBe(null);
    ws.onmessage = () => seen.push('handler 3');
    ws.send('b');
    await until(() => seen.length === 3);
    expect(seen).toEqual(['first', 'last', 'handler 3']);
    // dispatchEvent reaches them too, as on any EventTarget.
    seen.length = 0;
    ws.dispatchEvent(new MessageEvent('message', { data: 'local' }));
    expect(seen).toEqual(['first', 'last', 'handler 3']);
    ws.onopen = 'not a function' as never;
    expect(ws.onopen).toBe(null);
  });
});

describe('across reconnects', () => {
  it('keeps listeners and reports each drop as one close with the real code, then opens again', async () => {
    const ws = face(`${base}/echo`, undefined, { reconnect: { initialDelay: 50 } });
    const seen: string[] = [];
    ws.onopen = () => seen.push('open');
    ws.onclose = (event) => seen.push(`close ${event.code} ${event.wasClean} ${ws.readyState}`);
    ws.onerror = (event) => seen.push(`error ${event.error.kind}`);
    await until(() => seen.length === 1);
    clients[0]!.close(1012, 'restart');
    await until(() => seen.length === 3);
    clients[1]!.terminate();
    await until(() => seen.length === 5);
    // Waiting to reconnect reads as CONNECTING: the face will open again and send() queues.
    expect(seen).toEqual(['open', 'close 1012 true 0', 'open', 'close 1006 false 0', 'open']);
  });

  it('counts the offline queue in bufferedAmount and sends it on the next open', async () => {
    const ws = face(`${base}/echo`, undefined, { reconnect: { initialDelay: 200 } });
    await next(ws, 'open');
    const closed = next(ws, 'close');
    clients[0]!.terminate();
    await closed;
    ws.send('queued');
    expect([ws.readyState, ws.bufferedAmount]).toEqual([ws.CONNECTING, 6]);
    const echoed = await next<MessageEvent>(ws, 'message');
    expect([echoed.data, ws.bufferedAmount]).toEqual(['queued', 0]);
  });

  it('reaches the SteadySocket underneath', async () => {
    const ws = face(`${base}/echo`);
    await ws.socket.connected();
    expect(ws.socket.state).toBe('open');
    expect(ws.socket.stats().connects).toBe(1);
  });
});

describe('errors and the end', () => {
  it('says why a handshake failed (event.error), logs it, and closes with 1006 as a WebSocket does', async () => {
    const records: LogRecord[] = [];
    const ws = face(`${base}/401?token=secret-123`, undefined, { reconnect: false, logger: (record) => records.push(record) });
    const errors: SteadyErrorEvent[] = [];
    ws.onerror = (event) => errors.push(event);
    const closed = await next<SteadyCloseEvent>(ws, 'close');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(errors[0]!.message).toBe(errors[0]!.error.message);
    expect([closed.code, closed.reason, closed.wasClean, ws.readyState]).toEqual([1006, '', false, ws.CLOSED]);
    expect(records.some((record) => record.kind === 'unauthorized')).toBe(true);
    // The token in the query never reaches the event, the error, the url or the log.
    expect(JSON.stringify([records, String(errors[0]!.error), errors[0]!.message, ws.url])).not.toContain('secret-123');
  });

  it('closes with 1006 when close() comes before the connection opened', async () => {
    const ws = face(`${base}/echo`);
    const closed = next<SteadyCloseEvent>(ws, 'close');
    ws.close();
    expect([(await closed).code, ws.readyState]).toEqual([1006, ws.CLOSED]);
  });

  it('refuses bad input at the call with a SteadySocketError, and drops what is sent after close()', async () => {
    expect(() => new SteadyWebSocket('not a url')).toThrow(expect.objectContaining({ kind: 'invalid-url' }));
    expect(() => new SteadyWebSocket(base, 'bad protocol')).toThrow(expect.objectContaining({ kind: 'invalid-protocols' }));
    const ws = face(`${base}/echo`);
    await next(ws, 'open');
    expect(() => ws.send({} as never)).toThrow(expect.objectContaining({ kind: 'invalid-data' }));
    expect(() => ws.close(1001)).toThrow(expect.objectContaining({ kind: 'invalid-data' }));
    ws.close();
    expect(() => ws.send('after close')).not.toThrow();
    await next(ws, 'close');
    ws.send('after closed');
    expect(upgrades).toHaveLength(1);
  });
});

describe('SteadyWebSocket.configure()', () => {
  it('makes a WebSocket constructor with options bound and one connection per instance; the third argument is ws options', async () => {
    const records: LogRecord[] = [];
    const Bound = SteadyWebSocket.configure({ heartbeat: false, logger: (record) => records.push(record), logLevel: 'info', nodeOptions: { headers: { 'x-app': 'a' } } });
    expect([Bound.CONNECTING, Bound.OPEN, Bound.CLOSING, Bound.CLOSED]).toEqual([0, 1, 2, 3]);
    const ws = new Bound(`${base}/close/4003`, ['v1'], { headers: { authorization: 'Bearer t' } });
    faces.push(ws);
    expect(ws).toBeInstanceOf(SteadyWebSocket);
    const closed = await next<SteadyCloseEvent>(ws, 'close');
    expect([closed.code, closed.reason, ws.readyState]).toEqual([4003, 'bye', ws.CLOSED]);
    // The third argument's fields replace the bound ones (headers as a whole), as ws takes them.
    expect(upgrades[0]!.headers).toMatchObject({ authorization: 'Bearer t', 'sec-websocket-protocol': 'v1' });
    expect(upgrades[0]!.headers['x-app']).toBeUndefined();
    const plain = new Bound(`${base}/close/4003`);
    faces.push(plain);
    await next(plain, 'close');
    expect(upgrades[1]!.headers['x-app']).toBe('a');
    expect(upgrades).toHaveLength(2);
    expect(records.some((record) => record.event === 'open')).toBe(true);
  });

  it('refuses a reconnect and any bad option at configure()', () => {
    expect(() => SteadyWebSocket.configure({ reconnect: {} })).toThrow(expect.objectContaining({ kind: 'invalid-options' }));
    expect(() => SteadyWebSocket.configure({ connectTimeout: -1 })).toThrow(expect.objectContaining({ kind: 'invalid-options', message: expect.stringContaining('connectTimeout') }));
  });
});
