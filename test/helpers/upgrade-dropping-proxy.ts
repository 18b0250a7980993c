import { connect, createServer, type Socket } from 'node:net';
import { listenLocal } from './servers';

// A misconfigured reverse proxy, for the tests: it forwards everything but the hop-by-hop Upgrade and
// Connection headers, so the server behind it gets a plain GET where the client asked to upgrade.

/** A proxy in front of `target` that, misconfigured, does not forward Upgrade and Connection. */
export async function startUpgradeDroppingProxy(targetPort: number): Promise<{ origin: string; ws(path: string): string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    sockets.add(client);
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(upstream);
    let head = '';
    let passed = false;
    client.on('data', (chunk) => {
      if (passed) return void upstream.write(chunk);
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      passed = true;
      upstream.write(head.replace(/^(upgrade|connection):.*\r\n/gim, '').replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
  });
  const port = await listenLocal(proxy);
  return {
    origin: `http://127.0.0.1:${port}`,
    ws: (path) => `ws://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        proxy.close(() => resolve());
      }),
  };
}
