// The benchmark server: its own process on 127.0.0.1, so client and server do not share a CPU queue.
// Prints its port on the first line. Paths: /echo, /sink?count=N (answers "done" after N messages),
// /flood?count=N&size=S (on "go", writes N pre-built frames), /idle, /log (prints each connection).
// SIGUSR2 sheds load: every open connection is closed with 1013 Try Again Later.
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] || 0);
const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false, maxPayload: 1 << 30 });

/** N unmasked text frames of `size` bytes each, ready to write (RFC 6455 §5.2, payload < 126). */
function frames(count, size) {
  const one = Buffer.alloc(2 + size, 0x61);
  one[0] = 0x81;
  one[1] = size;
  const batch = Math.min(count, 10000);
  const block = Buffer.concat(Array(batch).fill(one));
  return { block, batch };
}

wss.on('listening', () => console.log(wss.address().port));
wss.on('connection', (socket, request) => {
  const url = new URL(request.url, 'http://x');
  const count = Number(url.searchParams.get('count') || 0);
  if (url.pathname === '/log') console.log(`connect ${Date.now()}`);
  if (url.pathname === '/echo') socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  if (url.pathname === '/sink') {
    let seen = 0;
    socket.on('message', () => ++seen === count && socket.send('done'));
  }
  if (url.pathname === '/flood') {
    const size = Number(url.searchParams.get('size') || 32);
    socket.on('message', () => {
      const { block, batch } = frames(count, size);
      const tcp = socket._socket;
      let left = count;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(batch, left);
          left -= n;
          const ok = tcp.write(n === batch ? block : block.subarray(0, n * (size + 2)));
          if (!ok) return void tcp.once('drain', pump);
        }
      };
      pump();
    });
  }
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGUSR2', () => {
  for (const socket of wss.clients) socket.close(1013, 'try again later');
});
