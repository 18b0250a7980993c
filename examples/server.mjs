// A server to try the examples against: `node examples/server.mjs [port]` (default 8080).
//   GET /       examples/page.html
//   GET /token  a fresh single-use token, as JSON: { "token": "…" }
//   /ws         a WebSocket echo; it wants ?token=<a token from /token, not yet used> (401 otherwise)
//               and answers the text "ping" with "pong" (the page's heartbeat)
// The tests import `start()` and drive the same server.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

/** Starts the server on 127.0.0.1; port 0 takes a free one. */
export async function start(port = 8080) {
  const tokens = new Set();
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      if (!isBinary && data.toString() === 'ping') socket.send('pong');
      else socket.send(data, { binary: isBinary });
    });
  });

  const http = createServer(async (request, response) => {
    const { pathname, searchParams } = new URL(request.url, 'http://localhost');
    if (pathname === '/ws') {
      // A plain GET gets the answer the upgrade would: a page's client probes with one to learn why
      // its WebSocket failed (browsers do not tell), and reads the 401.
      const good = tokens.has(searchParams.get('token'));
      response.writeHead(good ? 426 : 401, { 'content-type': 'text/plain' }).end(good ? 'upgrade to WebSocket\n' : 'bad token\n');
    } else if (pathname === '/token') {
      const token = randomUUID();
      tokens.add(token);
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify({ token }));
    } else if (pathname === '/' || pathname === '/page.html') {
      const page = await readFile(new URL('./page.html', import.meta.url)).catch(() => undefined);
      if (page) response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      else response.writeHead(500, { 'content-type': 'text/plain' }).end('examples/page.html is missing\n');
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });

  http.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url, 'http://localhost');
    const token = url.searchParams.get('token');
    if (url.pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    } else if (!tokens.delete(token)) {
      // A token is good for one connection: a client that reuses one (or has none) must fetch another.
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    } else {
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    }
  });

  await new Promise((resolve, reject) => http.once('error', reject).listen(port, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${http.address().port}`;
  return {
    origin,
    url: `${origin.replace('http', 'ws')}/ws`,
    wss,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { origin, url } = await start(Number(process.argv[2] ?? 8080));
  console.log(`page ${origin}/   token ${origin}/token   WebSocket ${url}`);
}
