// The demo chat server: static files and a `ws` chat endpoint on 127.0.0.1, plus a "trouble" API
// that makes it misbehave on purpose so anyone can watch the client cope.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const here = fileURLToPath(new URL('.', import.meta.url));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };
const STATIC = {
  '/': join(here, 'public/index.html'),
  '/app.js': join(here, 'public/app.js'),
  '/style.css': join(here, 'public/style.css'),
  '/plain.html': join(here, 'public/plain.html'),
  '/plain.js': join(here, 'public/plain.js'),
  '/steadysocket.umd.min.js': join(here, '../dist/steadysocket.umd.min.js'),
  '/steadysocket.umd.min.js.map': join(here, '../dist/steadysocket.umd.min.js.map'),
};
const HISTORY = 500;

/**
 * Starts the demo. History and ids live outside the HTTP server, so a simulated restart (the
 * "restart" trouble) closes the port and comes back on it with nothing lost, as a server with a
 * database would.
 */
export async function startDemo({ port = 0, host = '127.0.0.1', log = () => {} } = {}) {
  const history = [];
  let lastId = 0;
  const trouble = { muteUntil: 0, refuseUntil: 0, busyUntil: 0 };
  let http;
  let wss;

  const now = () => Date.now();
  const broadcast = (message) => {
    const text = JSON.stringify(message);
    for (const client of wss.clients) if (client.readyState === 1) client.send(text);
  };
  const presence = () => broadcast({ type: 'presence', names: [...wss.clients].map((c) => c.name).filter(Boolean).sort() });

  async function handle(request, response) {
    const url = new URL(request.url, 'http://demo');
    if (request.method === 'POST' && url.pathname.startsWith('/trouble/')) {
      const what = url.pathname.slice('/trouble/'.length);
      // ?ms= shortens a trouble's duration (the tests use it); the page uses the defaults.
      const ms = (fallback) => Number(url.searchParams.get('ms')) || fallback;
      log(`trouble: ${what}`);
      if (what === 'drop') for (const client of wss.clients) client.terminate();
      else if (what === 'mute') trouble.muteUntil = now() + ms(15000);
      else if (what === 'refuse') {
        trouble.refuseUntil = now() + ms(10000);
        for (const client of wss.clients) client.terminate();
      } else if (what === 'busy') {
        trouble.busyUntil = now() + ms(10000);
        for (const client of wss.clients) client.terminate();
      } else if (what === 'restart') {
        response.writeHead(202).end('restarting');
        await restart();
        return;
      } else if (what === 'calm') {
        trouble.muteUntil = trouble.refuseUntil = trouble.busyUntil = 0;
      } else {
        response.writeHead(404).end('unknown trouble');
        return;
      }
      response.writeHead(204).end();
      return;
    }
    // Trouble applies to the whole endpoint, as an overloaded or unreachable server would.
    if (url.pathname === '/chat' && now() < trouble.refuseUntil) {
      request.socket.destroy();
      return;
    }
    if (url.pathname === '/chat' && now() < trouble.busyUntil) {
      const wait = Math.ceil((trouble.busyUntil - now()) / 1000);
      response.writeHead(503, { 'retry-after': String(wait), 'content-type': 'text/plain' }).end('Busy');
      return;
    }
    const file = STATIC[url.pathname];
    if (!file) {
      // A healthy WebSocket endpoint answers a plain GET with 426; other paths do not exist.
      response.writeHead(url.pathname === '/chat' ? 426 : 404, { 'content-type': 'text/plain' }).end(url.pathname === '/chat' ? 'Upgrade Required' : 'Not Found');
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
    } catch {
      response.writeHead(500, { 'content-type': 'text/plain' }).end('Run `npm run build` first.');
    }
  }

  function upgrade(request, socket, head) {
    const url = new URL(request.url, 'http://demo');
    socket.on('error', () => {});
    if (url.pathname !== '/chat') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    if (now() < trouble.refuseUntil) {
      socket.destroy();
      return;
    }
    if (now() < trouble.busyUntil) {
      const wait = Math.ceil((trouble.busyUntil - now()) / 1000);
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${wait}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  }

  function connection(ws, request) {
    const url = new URL(request.url, 'http://demo');
    ws.name = (url.searchParams.get('name') || 'anonymous').slice(0, 32);
    const since = Number(url.searchParams.get('since') || 0);
    const missed = history.filter((m) => m.id > since);
    ws.send(JSON.stringify({ type: 'welcome', lastId, missed }));
    presence();
    ws.on('message', (data) => {
      let message;
      try {
        message = JSON.parse(String(data));
      } catch {
        return;
      }
      if (message.type === 'ping') {
        if (now() >= trouble.muteUntil) ws.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'say' && typeof message.text === 'string') {
        const entry = { type: 'message', id: ++lastId, name: ws.name, text: message.text.slice(0, 2000), time: now(), nonce: message.nonce };
        history.push(entry);
        if (history.length > HISTORY) history.shift();
        broadcast(entry);
      }
    });
    ws.on('close', presence);
  }

  async function listen(at) {
    http = createServer(handle);
    wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
    wss.on('connection', connection);
    http.on('upgrade', upgrade);
    await new Promise((resolve, reject) => {
      http.once('error', reject);
      http.listen(at, host, resolve);
    });
    return http.address().port;
  }

  async function stop() {
    for (const client of wss.clients) client.terminate();
    wss.close();
    http.closeAllConnections?.();
    await new Promise((resolve) => http.close(() => resolve()));
  }

  async function restart() {
    const at = http.address().port;
    await stop();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await listen(at);
    log('restarted');
  }

  const actual = await listen(port);
  return {
    port: actual,
    url: `http://${host}:${actual}/`,
    get messages() {
      return history.slice();
    },
    restart,
    close: stop,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT || 8080);
  const demo = await startDemo({ port, log: (line) => console.log(line) });
  console.log(`steadysocket demo chat: ${demo.url}  (open it in two windows; Ctrl+C stops)`);
}
