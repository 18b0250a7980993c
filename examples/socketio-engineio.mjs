// Socket.IO (4.x) without socket.io-client: steadysocket speaks Engine.IO's WebSocket transport and lets
// the server drive the heartbeat. Against a Socket.IO server with an "echo" event:
// node examples/socketio-engineio.mjs [ws://127.0.0.1:3000]
//
// Engine.IO packets are text, their first digit the type: 0 open, 2 ping, 3 pong, 4 message. A Socket.IO
// packet rides in a message: 40 connect (to the main namespace "/"), 41 disconnect, 42 an event
// (42["name", ...args]), 44 a refused connect.
import { SteadySocket } from 'steadysocket';

const server = process.env.SERVER_URL ?? process.argv[2] ?? 'ws://127.0.0.1:3000';
const url = new URL('/socket.io/?EIO=4&transport=websocket', server);

let answeredPing;
const pinged = new Promise((resolve) => (answeredPing = resolve));

const socket = new SteadySocket(url.href, {
  heartbeat: {
    mode: 'server',
    // The server pings every pingInterval and waits pingTimeout for "3" (25 s and 20 s by default);
    // silence for longer than both, and a margin, means the link is dead: reconnect.
    timeout: 25000 + 20000 + 5000,
    answer: (data) => (data === '2' ? (answeredPing(), '3') : undefined),
  },
});

socket.on('error', (error) => console.warn(String(error)));

let joined;
socket.on('message', (data) => {
  if (typeof data !== 'string') return;
  // The Engine.IO session is open (its sid and ping timings follow the 0): join "/", after every reconnect too.
  if (data.startsWith('0')) socket.send('40');
  else if (data.startsWith('40')) joined?.(JSON.parse(data.slice(2)).sid);
  else if (data.startsWith('44')) console.error(`the server refused the connect: ${data.slice(2)}`);
});

/** Resolves with the arguments of the next event called `name`. */
function nextEvent(name) {
  return new Promise((resolve) => {
    const listener = (data) => {
      if (typeof data !== 'string' || !data.startsWith('42')) return;
      const [event, ...args] = JSON.parse(data.slice(2));
      if (event !== name) return;
      socket.off('message', listener);
      resolve(args);
    };
    socket.on('message', listener);
  });
}

const sid = await new Promise((resolve) => (joined = resolve));
console.log(`joined namespace / as ${sid}`);

const reply = nextEvent('echo');
socket.send(`42${JSON.stringify(['echo', { text: 'hello over Engine.IO' }])}`);
console.log(`echo event: ${JSON.stringify(await reply)}`);

// Engine.IO drops a client that leaves a ping unanswered: wait for the next one to see the answer go.
await pinged;
console.log(`answered the server's ping: heartbeats ${JSON.stringify(socket.stats().heartbeats)}`);

socket.send('41'); // leave the namespace, then close: the process exits by itself
await socket.close();
