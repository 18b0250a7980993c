import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import winston from 'winston';
import { SteadySocket, type LogRecord, type SteadySocketOptions } from 'steadysocket';
import { closedPort, startServer, type EchoServer } from '../helpers/servers';
import { startHandshakeServer, TRUTH, type HandshakeServer } from '../helpers/handshake-server';
import { next, sleep, until } from '../helpers/wait';

// Logging, stats() and the diagnostics channels, through real sockets: a `ws` server and the
// byte-exact handshake server on 127.0.0.1, real timers kept short.
let echo: EchoServer;
let handshakes: HandshakeServer;
beforeAll(async () => {
  echo = await startServer();
  handshakes = await startHandshakeServer();
});
afterAll(async () => {
  await echo.close();
  await handshakes.close();
});

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  vi.restoreAllMocks();
});

function client(url: string, options: SteadySocketOptions = {}): SteadySocket {
  const socket = new SteadySocket(url, options);
  cleanup.push(() => socket.close());
  return socket;
}

/** A logger function that keeps every record. */
function recorder(): { records: LogRecord[]; logger: (record: LogRecord) => void } {
  const records: LogRecord[] = [];
  return { records, logger: (record) => records.push(record) };
}

/** A stream that keeps each line written to it (pino and winston write JSON lines). */
function lines(): { stream: Writable; lines: string[] } {
  const out: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      out.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines: out };
}

describe('log records', () => {
  it('tells a connection’s life in records of the documented shape', async () => {
    const { records, logger } = recorder();
    const socket = client(echo.url + '/?token=abc', { logger, logLevel: 'debug', heartbeat: { interval: 30, timeout: 1000 }, reconnect: { initialDelay: 10 } });
    await socket.connected();
    await next(socket, 'heartbeat');
    echo.clients.at(-1)!.terminate();
    await next(socket, 'open');
    await socket.close();
    const events = records.map((record) => record.event);
    expect(events.slice(0, 2)).toEqual(['connecting', 'open']);
    expect(events).toContain('heartbeat');
    // Records come in the order of the events: a state change before the event it explains.
    expect(events.slice(events.indexOf('close'))).toEqual(['close', 'reconnecting', 'connecting', 'open', 'closed', 'close']);
    for (const record of records) {
      expect(record.socket).toBe(socket.id);
      expect(Math.abs(record.time - Date.now())).toBeLessThan(10000);
      expect(record.message.startsWith(record.event)).toBe(true);
    }
    const open = records.find((record) => record.event === 'open')!;
    expect(open).toMatchObject({ level: 'info', state: 'open', attempt: 1, protocol: '', url: echo.url + '/?token=***' });
    expect(open.duration).toBeGreaterThanOrEqual(0);
    // logfmt: a value with a space, a quote or `=` is quoted.
    expect(open.message).toMatch(/^open attempt=1 protocol="" duration=\d+ url="ws:\/\/127\.0\.0\.1:\d+\/\?token=\*\*\*"$/);
    const close = records.find((record) => record.event === 'close')!;
    expect(close).toMatchObject({ level: 'warn', code: 1006, wasClean: false, willReconnect: true });
    // The event's own fields win: `attempt` is the one about to start.
    expect(records.find((record) => record.event === 'reconnecting')).toMatchObject({ level: 'info', attempt: 2, delay: expect.any(Number) });
    expect(records.at(-2)).toMatchObject({ event: 'closed', level: 'info', state: 'closed' });
    expect(records.at(-1)).toMatchObject({ event: 'close', level: 'info', code: 1000, wasClean: true, willReconnect: false });
  });

  it('logs from logLevel up: warn by default', async () => {
    const { records, logger } = recorder();
    const socket = client(`ws://127.0.0.1:${await closedPort()}`, { logger, reconnect: { maxAttempts: 2, initialDelay: 10 } });
    socket.on('error', () => {});
    await until(() => socket.state === 'closed');
    expect(records.map((record) => [record.level, record.event])).toEqual([
      ['warn', 'error'],
      ['warn', 'error'],
      ['error', 'give-up'],
    ]);
    // One handshake failure is one record with the whole diagnosis.
    expect(records[0]).toMatchObject({ kind: 'network', retryable: true, attempt: 1, hint: expect.any(String), error: expect.stringContaining('ECONNREFUSED') });
    expect(records[2]).toMatchObject({ kind: 'max-attempts' });
    const silent = recorder();
    const quiet = client(`ws://127.0.0.1:${await closedPort()}`, { logger: silent.logger, logLevel: 'silent', reconnect: false });
    quiet.on('error', () => {});
    await until(() => quiet.state === 'closed');
    expect(silent.records).toEqual([]);
  });

  it('writes one line per record to the console with logger: true', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const socket = client(`ws://127.0.0.1:${await closedPort()}`, { logger: true, reconnect: false });
    socket.on('error', () => {});
    await until(() => socket.state === 'closed');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]).toEqual([expect.stringMatching(new RegExp(`^\\[steadysocket ${socket.id}\\] error kind=network .*ECONNREFUSED`))]);
    expect(error).toHaveBeenCalledTimes(1);
    expect(error.mock.calls[0]![0]).toMatch(/give-up kind=network/);
  });

  it('hands a console-shaped logger (message, fields)', async () => {
    const calls: [string, string, object][] = [];
    const sink = Object.fromEntries(['debug', 'info', 'warn', 'error'].map((level) => [level, (message: string, fields: object) => calls.push([level, message, fields])]));
    const socket = client(echo.url, { logger: sink as never, logLevel: 'info' });
    await socket.connected();
    expect(calls[0]![0]).toBe('info');
    expect(calls[0]![1]).toMatch(/^open /);
    expect(calls[0]![2]).toMatchObject({ event: 'open', socket: socket.id, state: 'open' });
    expect(calls[0]![2]).not.toHaveProperty('message');
    expect(calls[0]![2]).not.toHaveProperty('level');
  });

  it('works with pino through a one-line function', async () => {
    const { stream, lines: out } = lines();
    const log = pino({ level: 'debug' }, stream);
    // pino takes (fields, message) and writes its own level and time.
    const socket = client(echo.url, { logger: ({ level, message, time, ...fields }) => log[level](fields, message), logLevel: 'debug' });
    await socket.connected();
    await until(() => out.length >= 2);
    const open = JSON.parse(out[1]!);
    expect(open).toMatchObject({ level: 30, event: 'open', msg: expect.stringMatching(/^open /), socket: socket.id });
  });

  it('works with winston passed as it is', async () => {
    const { stream, lines: out } = lines();
    const log = winston.createLogger({ level: 'debug', format: winston.format.json(), transports: [new winston.transports.Stream({ stream })] });
    const socket = client(echo.url, { logger: log, logLevel: 'debug' });
    await socket.connected();
    await until(() => out.length >= 2);
    const open = JSON.parse(out[1]!);
    // winston appends a `message` field to the message; the record leaves it out so the line reads once.
    expect(open).toMatchObject({ level: 'info', event: 'open', socket: socket.id });
    expect(open.message).toMatch(/^open attempt=1 /);
    log.close();
  });

  it('survives a logger that throws', async () => {
    const socket = client(echo.url, {
      logger: () => {
        throw new Error('broken logger');
      },
      logLevel: 'debug',
    });
    await socket.connected();
    socket.send('still works');
    expect(await next(socket, 'message')).toBe('still works');
  });

  it('refuses a logger that is not one, naming the option', () => {
    expect(() => new SteadySocket(echo.url, { logger: { info() {} } as never })).toThrow(/options\.logger must be true, a function, or an object with debug, info, warn and error methods/);
    expect(() => new SteadySocket(echo.url, { logLevel: 'verbose' as never })).toThrow(/options\.logLevel must be 'debug' or 'info' or 'warn' or 'error' or 'silent'/);
    expect(() => new SteadySocket(echo.url, { logPayloads: 1 as never })).toThrow(/options\.logPayloads must be true or false/);
  });

  it('logs payloads only with logPayloads, capped at 200 characters', async () => {
    const { records, logger } = recorder();
    const socket = client(echo.url, { logger, logLevel: 'debug', logPayloads: true });
    await socket.connected();
    socket.send('x'.repeat(500));
    await next(socket, 'message');
    const sent = records.find((record) => record.event === 'send')!;
    expect(sent).toMatchObject({ level: 'debug', bytes: 500, data: 'x'.repeat(200) + '…' });
    expect(records.find((record) => record.event === 'receive')).toMatchObject({ bytes: 500 });
    socket.send(new Uint8Array([1, 2, 3]));
    await next(socket, 'message');
    expect(records.filter((record) => record.event === 'send').at(-1)).toMatchObject({ bytes: 3, data: '<binary>' });

    const plain = recorder();
    const other = client(echo.url, { logger: plain.logger, logLevel: 'debug' });
    await other.connected();
    other.send('secret payload');
    await next(other, 'message');
    expect(JSON.stringify(plain.records)).not.toContain('secret payload');
  });

  it('logs a full offline queue', async () => {
    const { records, logger } = recorder();
    const socket = client(`ws://127.0.0.1:${await closedPort()}`, { logger, buffer: { maxMessages: 1 }, reconnect: { initialDelay: 5000 } });
    socket.on('error', () => {});
    socket.send('one');
    expect(() => socket.send('two')).toThrow(/buffer is full/);
    expect(records.find((record) => record.event === 'queue-full')).toMatchObject({ level: 'warn', messages: 1, bytes: 3 });
  });
});

describe('secrets', () => {
  it('never logs userinfo, query values, headers, cookies or token subprotocols, for any failure', async () => {
    const { records, logger } = recorder();
    const seen: unknown[] = [];
    const names = ['connecting', 'open', 'close', 'error', 'reconnecting', 'heartbeat'].map((name) => `steadysocket:${name}`);
    const listener = (message: unknown): void => void seen.push(message);
    for (const name of names) subscribe(name, listener);
    try {
      const routes = [...Object.keys(TRUTH), 'ok'];
      await Promise.all(
        routes.map(async (route) => {
          const url = handshakes.url(route).replace('ws://', 'ws://alice:SECRETPW@') + '?token=SECRETQUERY&plain';
          // Offered subprotocols would fail an extension mismatch earlier, as a subprotocol one.
          const protocols = route === 'extension-unknown' ? [] : (TRUTH[route]?.protocols ?? ['chat', 'access_token', 'SECRETPROTO.eyJhbGciOi']);
          const socket = client(url, {
            protocols,
            logger,
            logLevel: 'debug',
            logPayloads: false,
            reconnect: false,
            connectTimeout: 1000,
            nodeOptions: { headers: { Authorization: 'Bearer SECRETHEADER', Cookie: 'sid=SECRETCOOKIE' } },
          });
          socket.on('error', () => {});
          await until(() => socket.state === 'closed' || socket.state === 'open', 5000);
          if (socket.state === 'open') socket.send('SECRETPAYLOAD');
        }),
      );
      // A failure after open too: a peer that stops answering pings.
      const silent = await startServer({ autoPong: false });
      cleanup.push(() => silent.close());
      const socket = client(silent.url.replace('ws://', 'ws://bob:SECRETPW@') + '/?token=SECRETQUERY', { logger, logLevel: 'debug', heartbeat: { interval: 20, timeout: 40 }, reconnect: false });
      socket.on('error', () => {});
      await until(() => socket.state === 'closed');
    } finally {
      for (const name of names) unsubscribe(name, listener);
    }
    const kinds = new Set(records.filter((record) => record.event === 'error').map((record) => record.kind));
    for (const { kind } of Object.values(TRUTH)) expect(kinds).toContain(kind);
    expect(kinds).toContain('heartbeat-timeout');
    const text = JSON.stringify(records) + JSON.stringify(seen, (key, value) => (key === 'socket' ? undefined : value));
    for (const secret of ['SECRET', 'session=secret', 'eyJhbGciOi']) expect(text).not.toContain(secret);
    expect(text).toContain('token=***');
    expect(text).toContain('//***@');
  });
});

describe('stats()', () => {
  it('counts what the events tell, field by field', async () => {
    const socket = client(echo.url, { heartbeat: { interval: 20, timeout: 1000 }, reconnect: { initialDelay: 30, maxDelay: 30 } });
    expect(socket.stats()).toMatchObject({ state: 'connecting', connects: 0, messagesIn: 0, queued: { messages: 0, bytes: 0 } });
    const got: unknown[] = [];
    socket.on('message', (data) => got.push(data));
    const opened = Date.now();
    await socket.connected();
    socket.send('héllo');
    socket.send(new Uint8Array(10));
    await until(() => got.length === 2);
    await next(socket, 'heartbeat');
    let stats = socket.stats();
    expect(stats).toMatchObject({ state: 'open', connects: 1, reconnects: 0, attempt: 1, messagesOut: 2, messagesIn: 2, bytesOut: 16, bytesIn: 16, failures: {}, closes: {}, bufferedAmount: 0 });
    expect(stats.connectedAt).toBeGreaterThanOrEqual(opened);
    expect(stats.heartbeats.sent).toBeGreaterThanOrEqual(1);
    expect(stats.rtt).toMatchObject({ last: expect.any(Number), min: expect.any(Number), max: expect.any(Number), avg: expect.any(Number) });
    expect(stats.rtt!.min).toBeLessThanOrEqual(stats.rtt!.max);
    expect(stats.nextAttemptIn).toBeUndefined();

    echo.clients.at(-1)!.terminate();
    await next(socket, 'reconnecting');
    socket.send('queued');
    stats = socket.stats();
    expect(stats).toMatchObject({ state: 'reconnecting', reconnects: 1, closes: { 1006: 1 }, queued: { messages: 1, bytes: 6 }, bufferedAmount: 6 });
    expect(stats.lastClose).toMatchObject({ code: 1006, wasClean: false, reason: '' });
    expect(stats.connectedAt).toBeUndefined();
    expect(stats.nextAttemptIn).toBeGreaterThanOrEqual(0);
    expect(stats.nextAttemptIn).toBeLessThanOrEqual(30);
    expect(stats.uptime).toBeGreaterThan(0);
    await until(() => got.length === 3);
    stats = socket.stats();
    expect(stats).toMatchObject({ connects: 2, messagesOut: 3, messagesIn: 3, queued: { messages: 0, bytes: 0 } });
    expect(stats.downtime).toBeGreaterThan(0);
    await sleep(20);
    expect(socket.stats().since).toBeGreaterThanOrEqual(15);
    // A snapshot is a copy: changing it changes nothing.
    stats.failures.network = 99;
    expect(socket.stats().failures).toEqual({});
  });

  it('counts failures by kind, missed heartbeats and the last error', async () => {
    const silent = await startServer({ autoPong: false });
    cleanup.push(() => silent.close());
    const socket = client(silent.url, { heartbeat: { interval: 20, timeout: 40 }, reconnect: false });
    socket.on('error', () => {});
    await until(() => socket.state === 'closed');
    const stats = socket.stats();
    expect(stats).toMatchObject({ state: 'closed', failures: { 'heartbeat-timeout': 1 }, heartbeats: { missed: 1 }, lastError: { kind: 'heartbeat-timeout' } });
    expect(stats.heartbeats.sent).toBeGreaterThanOrEqual(1);

    const refused = client(handshakes.url('429'), { reconnect: { maxAttempts: 2, initialDelay: 10, maxDelay: 10 } });
    refused.on('error', () => {});
    await until(() => refused.state === 'closed');
    // Whoever reads stats() after the socket gave up sees why: the last attempt's kind and status.
    expect(refused.stats()).toMatchObject({ failures: { 'rate-limited': 2, 'max-attempts': 1 }, reconnects: 1, connects: 0, lastError: { kind: 'rate-limited', status: 429 } });
  });

  it('keeps the failure that made it give up as lastError, not max-attempts', async () => {
    const socket = client(handshakes.url('503'), { reconnect: { maxAttempts: 3, initialDelay: 10, maxDelay: 10 } });
    socket.on('error', () => {});
    await until(() => socket.state === 'closed');
    expect(socket.stats()).toMatchObject({ state: 'closed', failures: { 'server-error': 3, 'max-attempts': 1 }, lastError: { kind: 'server-error', status: 503 } });
  });

  it('counts UTF-8 bytes of text in Node, as sent on the wire', async () => {
    const socket = client(echo.url);
    await socket.connected();
    socket.send('€😀');
    await next(socket, 'message');
    expect(socket.stats()).toMatchObject({ bytesOut: 7, bytesIn: 7 });
  });
});

describe('diagnostics_channel', () => {
  it('publishes each step with the handshake’s status, safe headers and timings', async () => {
    const seen: [string, Record<string, unknown>][] = [];
    const names = ['connecting', 'open', 'close', 'error', 'reconnecting', 'heartbeat'];
    const listeners = names.map((name) => (message: unknown) => void seen.push([name, message as Record<string, unknown>]));
    names.forEach((name, i) => subscribe(`steadysocket:${name}`, listeners[i]!));
    try {
      const socket = client(echo.url, { heartbeat: { interval: 20, timeout: 1000 }, reconnect: { initialDelay: 10 } });
      await socket.connected();
      await next(socket, 'heartbeat');
      echo.clients.at(-1)!.terminate();
      await next(socket, 'open');
      const refused = client(handshakes.url('403'), { reconnect: false });
      refused.on('error', () => {});
      await until(() => refused.state === 'closed');
      const mine = seen.filter(([, message]) => message.socket === socket);
      expect([...new Set(mine.map(([name]) => name))].sort()).toEqual(['close', 'connecting', 'heartbeat', 'open', 'reconnecting']);
      const open = mine.find(([name]) => name === 'open')![1];
      expect(open).toMatchObject({ id: socket.id, url: echo.url + '/', status: 101, attempt: 1, protocol: '', headers: { upgrade: 'websocket', connection: 'Upgrade' } });
      expect(open.duration).toBeGreaterThanOrEqual(0);
      expect(mine.find(([name]) => name === 'close')![1]).toMatchObject({ code: 1006, wasClean: false, willReconnect: true });
      const error = seen.find(([name, message]) => name === 'error' && message.socket === refused)![1];
      expect(error).toMatchObject({ kind: 'unauthorized', status: 403, id: refused.id });
      expect(error.error).toBeInstanceOf(Error);
      expect(error.headers).not.toHaveProperty('set-cookie');
      expect(error.duration).toBeGreaterThanOrEqual(0);
    } finally {
      names.forEach((name, i) => unsubscribe(`steadysocket:${name}`, listeners[i]!));
    }
  });
});

describe('giving up', () => {
  it('says so once on the console when nobody listens for errors', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const socket = client(`ws://127.0.0.1:${await closedPort()}/?key=hidden`, { reconnect: { maxAttempts: 2, initialDelay: 10 } });
    await until(() => socket.state === 'closed');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(new RegExp(`^\\[steadysocket ${socket.id}\\] ws://127\\.0\\.0\\.1:\\d+/\\?key=\\*\\*\\* gave up: SteadySocketError \\[max-attempts\\]`));

    const heard = client(`ws://127.0.0.1:${await closedPort()}`, { reconnect: false });
    heard.on('error', () => {});
    await until(() => heard.state === 'closed');
    const closed = client(echo.url);
    await closed.connected();
    await closed.close();
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('steadysocket/core', () => {
  it('leaves monitoring out and says so when asked for it', async () => {
    const lean: string = '../../dist/core.mjs';
    const core = (await import(lean)) as typeof import('../../src/core');
    expect(() => new core.SteadySocket(echo.url, { logger: true })).toThrow("options.logger needs 'steadysocket', not 'steadysocket/core'");
    const socket = new core.SteadySocket(echo.url);
    cleanup.push(() => socket.close());
    await socket.connected();
    expect(socket.id).toMatch(/^s\d+$/);
    expect(() => socket.stats()).toThrow(expect.objectContaining({ kind: 'invalid-options', message: "stats() needs 'steadysocket', not 'steadysocket/core'" }));
  });
});
