// A Node client: a fresh token for every attempt, logging, errors by kind, stats() and a clean exit.
// With examples/server.mjs running: node examples/node-client.mjs [ws://127.0.0.1:8080/ws]
import { SteadySocket } from 'steadysocket';

const serverUrl = process.env.SERVER_URL ?? process.argv[2] ?? 'ws://127.0.0.1:8080/ws';
// Your token service. examples/server.mjs hands out single-use tokens next to its WebSocket.
const tokenUrl = process.env.TOKEN_URL ?? new URL('/token', serverUrl.replace(/^ws/, 'http')).href;

async function fetchToken() {
  const response = await fetch(tokenUrl);
  // Throwing here counts as a failed attempt: it is retried with backoff, like a refused connection.
  if (!response.ok) throw new Error(`the token service answered ${response.status}`);
  const { token } = await response.json();
  return token;
}

const socket = new SteadySocket(
  // Called before every attempt, so a reconnect never offers a spent or expired token.
  async () => `${serverUrl}?token=${encodeURIComponent(await fetchToken())}`,
  // One line per step of every connection (connecting, open, close, reconnecting, errors); the token
  // is shown as ***. 'warn' (the default) logs only what went wrong.
  { logger: true, logLevel: 'info' },
);

socket.on('error', (error) => {
  if (error.kind === 'unauthorized') {
    // A 401 or 403 is not retried: the socket has ended. An app would ask the user to sign in again.
    console.error(`the server refused our token (${error.status}): sign in again`);
    process.exitCode = 1;
  } else if (error.kind === 'rate-limited') {
    console.warn(`the server asked us to wait ${error.retryAfter} ms; the next attempt will`);
  } else if (!error.retryable) {
    console.error(`giving up: ${error}`); // one line: kind, status and what to check
    process.exitCode = 1;
  }
  // Anything else (network, timeout, server-error, heartbeat-timeout, …) is retried with backoff.
});

// Sent on every connection: after a reconnect the server needs to hear it again.
socket.on('open', () => socket.send(JSON.stringify({ type: 'join', room: 'lobby' })));

socket.on('message', async (data) => {
  console.log(`received ${data}`);
  // Done after the first answer. close() resolves once no timer or socket is left: the process exits.
  await socket.close();
});

socket.on('state', (state) => {
  if (state !== 'closed') return;
  const { connects, reconnects, failures, messagesOut, messagesIn } = socket.stats();
  console.log(`stats ${JSON.stringify({ connects, reconnects, failures, messagesOut, messagesIn })}`);
});
