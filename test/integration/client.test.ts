import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SteadySocket, type SteadySocketError } from 'steadysocket';
import { closedPort, startServer, startSilentServer, type EchoServer } from '../helpers/servers';
import { next, until } from '../helpers/wait';

// Through real sockets: a `ws` server on 127.0.0.1, real timers with short intervals.
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function server(options?: Parameters<typeof startServer>[0]): Promise<EchoServer> {
  const started = await startServer(options);
  cleanup.push(() => started.close());
  return started;
}

function client(...args: ConstructorParameters<typeof SteadySocket>): SteadySocket {
  const socket = new SteadySocket(...args);
  cleanup.push(() => socket.close());
  return socket;
}

describe('connecting and messages', () => {
  it('echoes text and binary', async () => {
    const { url } = await server();
    const socket = client(url);
    await socket.connected();
    socket.send('hello');
    expect(await next(socket, 'message')).toBe('hello');
    socket.send(new Uint8Array([1, 2, 255]));
    const binary = await next<ArrayBuffer>(socket, 'message');
    expect(binary).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(binary)]).toEqual([1, 2, 255]);
    expect(socket.state).toBe('open');
  });

  it('delivers binary as Blob with binaryType blob', async () => {
    const { url } = await server();
    const socket = client(url, { binaryType: 'blob' });
    await socket.connected();
    socket.send(new Uint8Array([7, 8]));
    const blob = await next<Blob>(socket, 'message');
    expect(blob).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([7, 8]);
  });

  it('maps http: to ws: and reports the URL redacted', async () => {
    const { port } = await server();
    const socket = client(`http://127.0.0.1:${port}/path?token=s3cret&room=1`);
    await socket.connected();
    expect(socket.url).toBe(`ws://127.0.0.1:${port}/path?token=***&room=***`);
  });

  it('negotiates a subprotocol', async () => {
    const { url } = await server({ handleProtocols: (offered) => (offered.has('chat.v2') ? 'chat.v2' : false) });
    const socket = client(url, { protocols: ['chat.v1', 'chat.v2'] });
    const [opened] = await Promise.all([next<{ protocol: string; attempt: number }>(socket, 'open'), socket.connected()]);
    expect(opened).toEqual({ attempt: 1, protocol: 'chat.v2' });
    expect(socket.protocol).toBe('chat.v2');
  });

  it('calls the URL function before every attempt', async () => {
    const srv = await server();
    const paths: string[] = [];
    srv.wss.on('connection', (_socket, request) => paths.push(request.url!));
    let n = 0;
    const socket = client(() => Promise.resolve(`${srv.url}/?n=${++n}`), { reconnect: { initialDelay: 20 } });
    await socket.connected();
    srv.clients[0]!.terminate();
    await until(() => paths.length === 2);
    expect(paths).toEqual(['/?n=1', '/?n=2']);
  });

  it('delivers to once, lone and several listeners alike', async () => {
    const { url } = await server();
    const socket = client(url);
    await socket.connected();
    const once: unknown[] = [];
    const all: unknown[] = [];
    socket.once('message', (data) => once.push(data));
    socket.send('one');
    await until(() => once.length === 1);
    socket.on('message', (data) => all.push(data));
    socket.send('two');
    await until(() => all.length === 1);
    socket.on('message', (data) => all.push(`again ${String(data)}`));
    socket.send('three');
    await until(() => all.length === 3);
    expect(once).toEqual(['one']);
    expect(all).toEqual(['two', 'three', 'again three']);
  });

  it('drives a look-alike that wraps ws: its listeners bound, text sent as a string, pings answered', async () => {
    const srv = await server();
    const sent: string[] = [];
    // Forwards to an inner ws: ws calls listeners with the inner socket as `this`, not the wrapper.
    class Wrapper {
      private readonly inner: WebSocket;
      constructor(url: string, protocols?: string | string[], options?: WebSocket.ClientOptions) {
        this.inner = new WebSocket(url, protocols, options);
      }
      on(event: string, listener: (...args: unknown[]) => void): void {
        this.inner.on(event, listener);
      }
      removeAllListeners(): void {
        this.inner.removeAllListeners();
      }
      send(data: string | Buffer, options?: { binary?: boolean }): void {
        sent.push(typeof data);
        this.inner.send(data, options ?? {});
      }
      ping(): void {
        this.inner.ping();
      }
      close(code?: number, reason?: string): void {
        this.inner.close(code, reason);
      }
      terminate(): void {
        this.inner.terminate();
      }
      get protocol(): string {
        return this.inner.protocol;
      }
      get readyState(): number {
        return this.inner.readyState;
      }
      get bufferedAmount(): number {
        return this.inner.bufferedAmount;
      }
      set binaryType(value: 'arraybuffer') {
        this.inner.binaryType = value;
      }
    }
    const socket = client(srv.url, { WebSocket: Wrapper as never, heartbeat: { interval: 50, timeout: 1000 } });
    await socket.connected();
    socket.send('text');
    expect(await next(socket, 'message')).toBe('text');
    expect(srv.received).toEqual(['text']);
    expect(sent).toEqual(['string']);
    const { rtt } = await next<{ rtt: number }>(socket, 'heartbeat');
    expect(rtt).toBeGreaterThanOrEqual(0);
  });

  it('leaves an open ws connection only the listeners it needs, and none after close()', async () => {
    const { url } = await server();
    const made: WebSocket[] = [];
    // A ws subclass is driven like ws itself; it lets the test see the socket underneath.
    class Recorded extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        made.push(this);
      }
    }
    const socket = client(url, { WebSocket: Recorded });
    await socket.connected();
    // The handshake's listeners (upgrade, unexpected-response, open) are gone once open.
    expect(made[0]!.eventNames().sort()).toEqual(['close', 'error', 'message', 'pong']);
    socket.send('still delivered');
    expect(await next(socket, 'message')).toBe('still delivered');
    await socket.close();
    expect(made[0]!.eventNames().filter((name) => name !== 'error')).toEqual([]);
  });
});

describe('reconnecting', () => {
  it('comes back after the server drops the connection, within the backoff bounds', async () => {
    const srv = await server();
    const socket = client(srv.url, { reconnect: { initialDelay: 200, maxDelay: 1000 } });
    await socket.connected();
    const dropped = Date.now();
    srv.clients[0]!.terminate();
    const { delay, attempt } = await next<{ delay: number; attempt: number }>(socket, 'reconnecting');
    expect(attempt).toBe(2);
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThanOrEqual(400);
    await next(socket, 'open');
    expect(Date.now() - dropped).toBeGreaterThanOrEqual(delay - 5);
    expect(srv.clients).toHaveLength(2);
  });

  it('staggers by default: one random phase per streak, later delays grown from it', async () => {
    const port = await closedPort();
    const socket = client(`ws://127.0.0.1:${port}`, { reconnect: { initialDelay: 40, factor: 2, maxAttempts: 5 } });
    const delays: number[] = [];
    socket.on('reconnecting', ({ delay }) => delays.push(delay));
    await socket.connected().catch(() => {});
    expect(delays).toHaveLength(4);
    const [first, ...later] = delays as [number, ...number[]];
    expect(first).toBeLessThanOrEqual(40);
    // 40 × (1 + phase) × 2^(n-2), where 40 × phase was the first delay (each rounded on its own).
    later.forEach((delay, n) => expect(Math.abs(delay - (40 + first) * 2 ** n)).toBeLessThanOrEqual(2 ** n));
  });

  it('comes back when the server restarts on the same port', async () => {
    const first = await startServer();
    const socket = client(first.url, { reconnect: { initialDelay: 50, maxDelay: 200 } });
    await socket.connected();
    await first.close();
    await next(socket, 'reconnecting');
    const again = await startServer({}, first.port);
    cleanup.push(() => again.close());
    await next(socket, 'open', 15000);
    socket.send('back');
    expect(await next(socket, 'message')).toBe('back');
  });

  it('delivers messages sent while down in order, exactly once, after the reconnect', async () => {
    const srv = await server();
    const socket = client(srv.url, { reconnect: { initialDelay: 100 } });
    await socket.connected();
    socket.send('before');
    await until(() => srv.received.length === 1);
    srv.clients[0]!.terminate();
    await next(socket, 'reconnecting');
    const sent = Array.from({ length: 50 }, (_, i) => `queued ${i}`);
    for (const message of sent) socket.send(message);
    expect(socket.bufferedAmount).toBeGreaterThan(0);
    await next(socket, 'open');
    socket.send('after');
    await until(() => srv.received.length === 52);
    expect(srv.received).toEqual(['before', ...sent, 'after']);
  });

  it('gives up after maxAttempts and rejects connected()', async () => {
    const port = await closedPort();
    const socket = client(`ws://127.0.0.1:${port}`, { reconnect: { initialDelay: 10, maxAttempts: 3 } });
    const errors: string[] = [];
    socket.on('error', (error) => errors.push(error.kind));
    const error = (await socket.connected().catch((e: unknown) => e)) as SteadySocketError;
    expect(error.kind).toBe('max-attempts');
    expect((error.cause as SteadySocketError).kind).toBe('network');
    expect(errors).toEqual(['network', 'network', 'network', 'max-attempts']);
    expect(socket.state).toBe('closed');
  });
});

describe('failures', () => {
  it('reports a refused connection as network', async () => {
    const port = await closedPort();
    const socket = client(`ws://127.0.0.1:${port}`, { reconnect: false });
    const error = await next<SteadySocketError>(socket, 'error');
    expect(error.kind).toBe('network');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('times out a server that accepts TCP and never answers, and destroys the stray socket', async () => {
    const silent = await startSilentServer();
    cleanup.push(() => silent.close());
    const socket = client(silent.url, { connectTimeout: 300, reconnect: false });
    const started = Date.now();
    const error = await next<SteadySocketError>(socket, 'error');
    expect(error.kind).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(silent.sockets).toHaveLength(1);
    await until(() => silent.open() === 0, 5000, 'stray socket closed');
    expect(socket.state).toBe('closed');
  });
});

describe('heartbeats', () => {
  it('notices a server that stops answering pings, within interval + timeout, and reconnects', async () => {
    const srv = await server({ autoPong: false });
    const socket = client(srv.url, { heartbeat: { interval: 200, timeout: 150 }, reconnect: { initialDelay: 50 } });
    await socket.connected();
    const opened = Date.now();
    const error = await next<SteadySocketError>(socket, 'error');
    const elapsed = Date.now() - opened;
    expect(error.kind).toBe('heartbeat-timeout');
    expect(elapsed).toBeGreaterThanOrEqual(340);
    expect(elapsed).toBeLessThan(350 + 1000);
    await next(socket, 'open');
    expect(srv.clients.length).toBeGreaterThanOrEqual(2);
  });

  it('reports the round trip of protocol pings', async () => {
    const { url } = await server();
    const socket = client(url, { heartbeat: { interval: 50, timeout: 1000 } });
    await socket.connected();
    const { rtt } = await next<{ rtt: number }>(socket, 'heartbeat');
    expect(rtt).toBeGreaterThanOrEqual(0);
    expect(rtt).toBeLessThan(1000);
  });

  it('uses application pings when given a message, hiding the pongs', async () => {
    const srv = await server();
    srv.wss.on('connection', (ws) => ws.on('message', (data) => data.toString() === 'ping' && ws.send('pong')));
    const socket = client(srv.url, { heartbeat: { interval: 50, timeout: 500, message: 'ping', isPong: (d) => d === 'pong' } });
    const messages: unknown[] = [];
    socket.on('message', (data) => messages.push(data));
    await socket.connected();
    await next(socket, 'heartbeat');
    // The echo server also echoes "ping": a message, not a pong.
    expect(messages.every((m) => m === 'ping')).toBe(true);
    expect(messages).not.toContain('pong');
  });
});

describe('user functions and server verdicts', () => {
  it('reports a protocols function that throws as invalid-protocols, retried, not as a bad URL', async () => {
    const echo = await server();
    let calls = 0;
    const socket = client(echo.url, {
      protocols: () => {
        if (++calls === 1) throw new Error('token service down');
        return ['chat.v2'];
      },
      reconnect: { initialDelay: 10 },
    });
    echo.wss.options.handleProtocols = (offered) => [...offered][0] ?? false;
    const error = await next<SteadySocketError>(socket, 'error');
    expect(error).toMatchObject({ kind: 'invalid-protocols', retryable: true, message: 'protocols function failed: Error: token service down' });
    expect(error.hint ?? '').not.toMatch(/URL/);
    await socket.connected();
    expect(socket.protocol).toBe('chat.v2');
  });

  it('still reports a url function that throws as invalid-url, retried', async () => {
    const echo = await server();
    let calls = 0;
    const socket = client(
      () => {
        if (++calls === 1) throw new Error('no token yet');
        return echo.url;
      },
      { reconnect: { initialDelay: 10 } },
    );
    const error = await next<SteadySocketError>(socket, 'error');
    expect(error).toMatchObject({ kind: 'invalid-url', retryable: true, message: 'url function failed: Error: no token yet' });
    await socket.connected();
  });

  it.each([
    [3000, 'unauthorized'],
    [3003, 'forbidden'],
  ])('does not reconnect after the server closes with %i (%s)', async (code, reason) => {
    const echo = await server();
    echo.wss.on('connection', (peer) => peer.close(code, reason));
    const socket = client(echo.url, { reconnect: { initialDelay: 10 } });
    await until(() => socket.state === 'closed');
    expect(await socket.connected().catch((error: unknown) => error)).toMatchObject({ kind: 'closed', closeCode: code });
    expect(echo.clients).toHaveLength(1);
  });

  it('reconnects after the server closes with another 3xxx code (3008 timeout)', async () => {
    const echo = await server();
    echo.wss.on('connection', (peer) => echo.clients.length === 1 && peer.close(3008, 'timeout'));
    const socket = client(echo.url, { reconnect: { initialDelay: 10 } });
    await next(socket, 'reconnecting');
    await next(socket, 'open');
    expect(echo.clients).toHaveLength(2);
  });
});

describe('a server floor past maxDelay', () => {
  it('spreads clients told "Retry-After: 3600" past maxDelay instead of bringing them all back at it', async () => {
    const http = await import('node:http');
    const refusing = http.createServer((_request, response) => response.writeHead(503, { 'retry-after': '3600' }).end());
    refusing.on('upgrade', (_request, socket) => socket.end('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3600\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => refusing.close(resolve)));
    const url = `ws://127.0.0.1:${(refusing.address() as { port: number }).port}`;
    const delays = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const socket = client(url, { reconnect: { initialDelay: 1000, maxDelay: 2000 } });
        const { delay, error } = await next<{ delay: number; error: SteadySocketError }>(socket, 'reconnecting');
        expect(error).toMatchObject({ kind: 'server-error', status: 503, retryAfter: 3600000 });
        return delay;
      }),
    );
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(2000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(3000);
    // Twenty random phases: they do not all land on one instant.
    expect(new Set(delays).size).toBeGreaterThan(10);
  });
});

describe('a server that says it is full', () => {
  it('waits the floor it asked for: "503, Retry-After: 1" and 1013 (5 s, here capped by maxDelay)', async () => {
    const http = await import('node:http');
    // Each server refuses the first attempt its way and keeps the second: when each came (ms).
    const refusing = async (refuse: (request: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => void) => {
      const seen: number[] = [];
      const wss = new WebSocketServer({ noServer: true });
      const http1 = http.createServer();
      http1.on('upgrade', (request, socket, head) => {
        seen.push(performance.now());
        if (seen.length === 1) refuse(request, socket, head);
        else wss.handleUpgrade(request, socket, head, () => {});
      });
      await new Promise<void>((resolve) => http1.listen(0, '127.0.0.1', resolve));
      cleanup.push(() => {
        for (const peer of wss.clients) peer.terminate();
        return new Promise((resolve) => http1.close(resolve));
      });
      return { url: `ws://127.0.0.1:${(http1.address() as { port: number }).port}`, seen, wss };
    };
    const tryLater = await refusing((request, socket, head) => tryLater.wss.handleUpgrade(request, socket, head, (peer) => peer.close(1013, 'Try Again Later')));
    const full = await refusing((_request, socket) => socket.end('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'));
    // Without a floor each would wait 100 ms.
    const run = async ({ url, seen }: { url: string; seen: number[] }, maxDelay: number) => {
      const socket = client(url, { reconnect: { initialDelay: 100, maxDelay, jitter: 'none' } });
      const delays: number[] = [];
      socket.on('reconnecting', ({ delay }) => delays.push(delay));
      await until(() => seen.length === 2 && socket.state === 'open', 5000);
      return { delays, gap: seen[1]! - seen[0]! };
    };
    const [closed, refused] = await Promise.all([run(tryLater, 1200), run(full, 30000)]);
    expect(closed.delays).toEqual([1200]);
    expect(refused.delays).toEqual([1000]);
    // The real timers kept it: no attempt came before its floor.
    expect(closed.gap).toBeGreaterThanOrEqual(1190);
    expect(refused.gap).toBeGreaterThanOrEqual(990);
  });
});
