import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { normalize } from 'node:path';
import { WebSocketServer } from 'ws';
import { listenLocal } from '../test/helpers/servers';
import { servePage } from './helpers';

// Servers as they are in production, for the browser diagnosis tests: the same rule answers the
// upgrade and a plain GET (auth middleware, rate limiter, an overloaded backend), and the server also
// serves the test pages, so a page can be same-origin with the WebSocket it opens.

/** Path → status for both the upgrade and a plain GET; headers as a real server would send. */
const REFUSALS: Record<string, [number, Record<string, string>]> = {
  '/ws/401': [401, { 'WWW-Authenticate': 'Bearer realm="chat"' }],
  '/ws/403': [403, {}],
  '/ws/429': [429, { 'Retry-After': '2' }],
  '/ws/503': [503, { 'Retry-After': '2' }],
  '/nows': [404, {}],
  '/site': [200, { 'Content-Type': 'text/html' }],
};

export interface RealisticServer {
  origin: string;
  ws(path: string): string;
  close(): Promise<void>;
}

export async function startRealisticServer({ cors = false } = {}): Promise<RealisticServer> {
  const corsHeaders = (request: IncomingMessage): Record<string, string> =>
    cors && request.headers.origin
      ? { 'Access-Control-Allow-Origin': request.headers.origin, 'Access-Control-Allow-Credentials': 'true', 'Access-Control-Expose-Headers': 'Retry-After', Vary: 'Origin' }
      : {};
  const http = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const path = normalize(new URL(request.url!, 'http://x').pathname);
    const refusal = REFUSALS[path];
    if (refusal) return void response.writeHead(refusal[0], { ...refusal[1], ...corsHeaders(request) }).end(refusal[0] === 200 ? '<p>a site</p>' : '');
    if (path.startsWith('/ws/')) return void response.writeHead(426, { 'Content-Type': 'text/plain', ...corsHeaders(request) }).end('Upgrade Required');
    await servePage(request, response);
  });
  const echo = new WebSocketServer({ noServer: true });
  const picky = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has('chat.v3') ? 'chat.v3' : false) });
  for (const wss of [echo, picky]) wss.on('connection', (socket) => socket.on('message', (data) => socket.send(data.toString())));
  http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => {});
    const path = new URL(request.url!, 'http://x').pathname;
    const refusal = REFUSALS[path];
    if (refusal) {
      const lines = Object.entries(refusal[1]).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      return void socket.end(`HTTP/1.1 ${refusal[0]} Refused\r\n${lines}Content-Length: 0\r\nConnection: close\r\n\r\n`);
    }
    const wss = path === '/ws/proto' ? picky : echo;
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });
  const port = await listenLocal(http);
  return {
    origin: `http://127.0.0.1:${port}`,
    ws: (path) => `ws://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of [...echo.clients, ...picky.clients]) client.terminate();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

export { startUpgradeDroppingProxy } from '../test/helpers/upgrade-dropping-proxy';
