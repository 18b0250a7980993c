import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

type Direction = 'up' | 'down' | 'both';

/**
 * A TCP proxy on 127.0.0.1 between the client and a real server, that injects faults on command:
 * blackhole (half-open links), delay, throttle, RST, FIN, refuse new connections, and pass again.
 * "up" is client → server, "down" is server → client.
 */
export class FaultProxy {
  port = 0;
  private server?: Server;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private holes = { up: false, down: false };
  private delayMs = 0;
  private bytesPerSecond = 0;
  /** Connections accepted since start. */
  accepted = 0;

  constructor(private readonly targetPort: number) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Connections currently passing through. */
  get open(): number {
    return this.pairs.size;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Stops accepting (connections are refused); existing ones stay. */
  async refuse(): Promise<void> {
    // close() stops listening at once; its callback would wait for the existing connections.
    this.server?.close();
    this.server = undefined;
  }

  /** Accepts again on the same port. */
  async admit(): Promise<void> {
    if (!this.server) await this.start(this.port);
  }

  /** Drops traffic without closing anything: the link looks alive to both ends. */
  blackhole(direction: Direction = 'both'): void {
    if (direction !== 'down') this.holes.up = true;
    if (direction !== 'up') this.holes.down = true;
  }

  delay(ms: number): void {
    this.delayMs = ms;
  }

  throttle(bytesPerSecond: number): void {
    this.bytesPerSecond = bytesPerSecond;
  }

  /** Lets everything through again, at full speed. */
  pass(): void {
    this.holes = { up: false, down: false };
    this.delayMs = 0;
    this.bytesPerSecond = 0;
  }

  /** Cuts every connection with a TCP reset. */
  reset(): void {
    for (const { client, upstream } of this.pairs) {
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    }
  }

  /** Cuts every connection cleanly (FIN), without a WebSocket close frame. */
  finish(): void {
    for (const { client, upstream } of this.pairs) {
      client.end();
      upstream.end();
    }
  }

  async close(): Promise<void> {
    this.reset();
    await this.refuse();
  }

  private accept(client: Socket): void {
    this.accepted++;
    const upstream = connect(this.targetPort, '127.0.0.1');
    const pair = { client, upstream };
    this.pairs.add(pair);
    const done = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', done);
      socket.on('close', done);
    }
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    this.forward(client, upstream, 'up');
    this.forward(upstream, client, 'down');
  }

  private forward(from: Socket, to: Socket, direction: 'up' | 'down'): void {
    // One queue per direction, drained by one timer at a time: chunks never overtake each other.
    const queue: { chunk: Buffer; at: number }[] = [];
    let busyUntil = 0;
    let draining = false;
    const drain = (): void => {
      while (queue.length && queue[0]!.at <= Date.now()) {
        const { chunk } = queue.shift()!;
        if (!to.destroyed) to.write(chunk);
      }
      draining = queue.length > 0;
      if (draining) setTimeout(drain, Math.max(1, queue[0]!.at - Date.now()));
    };
    from.on('data', (chunk: Buffer) => {
      if (this.holes[direction]) return;
      const now = Date.now();
      const transfer = this.bytesPerSecond ? (chunk.length / this.bytesPerSecond) * 1000 : 0;
      busyUntil = Math.max(busyUntil, now + this.delayMs) + transfer;
      queue.push({ chunk, at: busyUntil });
      if (!draining) drain();
    });
  }
}
