// The fleet's server over real sockets (bench/fleet-model.mjs simulates the same one): its own process
// on 127.0.0.1, port on the first line. Until it reads "drop" on stdin it admits everyone. Then it cuts
// every open connection (a restart) and from then on admits `capacity` handshakes a second (a token
// bucket of `capacity / 20`, a backlog of `capacity / 10` handshakes waiting for a token); an attempt
// that finds the backlog full is refused the `refusal` way. It prints one line per attempt after the
// drop: "admit <ms>", "refuse <ms>" or "abandon <ms>" (the client gave up while it waited in the
// backlog), in ms since the drop.
// Usage: node fleet-server.mjs <refusal> <capacity>
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { WebSocketServer } from 'ws';
import { Tickets } from './fleet-model.mjs';

const refusal = process.argv[2];
const capacity = Number(process.argv[3]);
const burst = capacity / 20;
const backlog = Math.max(1, Math.round(capacity / 10));
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const server = createServer();
const open = new Set();
const waiting = [];
let dropped = 0;
let tokens = burst;
let refilled = 0;
let tickets;
const out = [];
const log = (what) => out.push(`${what} ${Date.now() - dropped}`);
setInterval(() => out.length && process.stdout.write(out.splice(0).join('\n') + '\n'), 50);

function accept(request, socket, head, counted) {
  wss.handleUpgrade(request, socket, head, (ws) => {
    if (counted) log('admit');
    open.add(ws);
    ws.on('close', () => open.delete(ws));
  });
}

function refuse(request, socket, head) {
  log('refuse');
  const answer = (retryAfter) => socket.end(`HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${retryAfter}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  if (refusal === 'reset') socket.resetAndDestroy();
  else if (refusal === 'retry-after') answer(1);
  else if (refusal === 'ticket') answer(tickets.hand(Date.now() - dropped, 1).retryAfter / 1000);
  else if (refusal === '1013') wss.handleUpgrade(request, socket, head, (ws) => ws.close(1013, 'Try Again Later'));
  // 'timeout': no answer; the client gives up and closes.
}

function refill() {
  const now = performance.now();
  tokens = Math.min(burst, tokens + ((now - refilled) * capacity) / 1000);
  refilled = now;
  while (waiting.length && tokens >= 1) {
    tokens--;
    const [request, socket, head] = waiting.shift();
    if (socket.destroyed) log('abandon');
    else accept(request, socket, head, true);
  }
}

server.on('upgrade', (request, socket, head) => {
  socket.on('error', () => {});
  if (!dropped) return accept(request, socket, head, false);
  refill();
  if (!waiting.length && tokens >= 1) {
    tokens--;
    accept(request, socket, head, true);
  } else if (waiting.length < backlog) waiting.push([request, socket, head]);
  else refuse(request, socket, head);
});

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line !== 'drop') return;
  for (const ws of open) ws.terminate();
  open.clear();
  dropped = Date.now();
  refilled = performance.now();
  tickets = new Tickets(capacity, 3600);
  setInterval(refill, 1);
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
