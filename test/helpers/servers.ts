import { createServer, type Server, type Socket } from 'node:net';
import { WebSocketServer, type ServerOptions, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';

/** A real `ws` server on 127.0.0.1 and a free port, echoing unless told otherwise. */
export interface EchoServer {
  wss: WebSocketServer;
  port: number;
  url: string;
  /** Server-side sockets, in connection order. */
  clients: WebSocket[];
  /** Every message received, as text. */
  received: string[];
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions = {}, port = 0): Promise<EchoServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port, ...options });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const actual = (wss.address() as AddressInfo).port;
  const server: EchoServer = {
    wss,
    port: actual,
    url: `ws://127.0.0.1:${actual}`,
    clients: [],
    received: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
  wss.on('connection', (socket) => {
    server.clients.push(socket);
    socket.on('message', (data, isBinary) => {
      if (!isBinary) server.received.push(data.toString());
      socket.send(data, { binary: isBinary });
    });
  });
  return server;
}

/** A TCP server that accepts and never answers: the handshake hangs. */
export async function startSilentServer(): Promise<{ port: number; url: string; sockets: Socket[]; open(): number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const open = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    open.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => open.delete(socket));
    // Read and drop the request, so the client's FIN or RST is seen.
    socket.resume();
  });
  const port = await listenLocal(server);
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    sockets,
    open: () => open.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Listens on 127.0.0.1 at a free port (any net, http or https server); resolves with the port. */
export async function listenLocal(server: Server | import('node:http').Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A port where nothing listens (taken, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listenLocal(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
