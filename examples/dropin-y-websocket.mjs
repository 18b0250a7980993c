// y-websocket over SteadyWebSocket: y-websocket keeps its own reconnect loop (a new socket for each
// attempt); the face adds why an attempt failed, log records and heartbeats.
// Run: node examples/dropin-y-websocket.mjs ws://127.0.0.1:1234 my-room "a line to add"
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { SteadyWebSocket } from 'steadysocket';

const [url = 'ws://127.0.0.1:1234', room = 'my-room', line = `hello from ${process.pid}`] = process.argv.slice(2);
const doc = new Y.Doc();
const provider = new WebsocketProvider(url, room, doc, {
  WebSocketPolyfill: SteadyWebSocket.configure({ logger: true }),
});

const stop = () => {
  provider.destroy();
  // The provider's awareness keeps a timer until the document is destroyed.
  doc.destroy();
};

// y-websocket retries every failure; the face says which ones will not pass by themselves (a 401).
provider.on('connection-error', ({ error }) => {
  console.error(`connection failed: ${error.kind}${error.status ? ' ' + error.status : ''}: ${error.hint}`);
  if (!error.retryable) {
    process.exitCode = 1;
    stop();
  }
});

provider.once('sync', () => {
  const lines = doc.getArray('lines');
  lines.push([line]);
  console.log(lines.toArray().join('\n'));
  stop();
});
