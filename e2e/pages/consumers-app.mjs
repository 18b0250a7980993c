// Libraries that reconnect themselves, in a page as users bundle them: graphql-ws and y-websocket
// from node_modules, each given `SteadyWebSocket.configure()` as its WebSocket, and steadysocket by its
// package name. e2e/dropin-consumers.spec.ts bundles it with rollup and drives it through
// `window.consumers`; what happened is kept there for the test to read.
import { createClient } from 'graphql-ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { SteadyWebSocket } from 'steadysocket';

const consumers = (window.consumers = { faces: 0 });
const faces = [];
/** The readyState of every face made so far. */
consumers.states = () => faces.map((face) => face.readyState);

/** What an error event says: the kind, and for `unknown` the kinds it could not tell apart. */
const why = (event) => [event.error?.kind, ...(event.error?.candidates ?? [])].join(' ');

/** The face every library here gets, counting the instances the library makes (one per connection). */
const Face = class extends SteadyWebSocket.configure({ connectTimeout: 3000 }) {
  constructor(url, protocols) {
    super(url, protocols);
    consumers.faces = faces.push(this);
  }
};

/** graphql-ws subscribed to `ticks`, retrying every 100 ms for as long as the page lives. */
consumers.subscribe = (url) => {
  const seen = (consumers.graphql = { ticks: [], errors: [], closes: [] });
  const client = createClient({
    url,
    webSocketImpl: Face,
    retryAttempts: Infinity,
    retryWait: () => new Promise((resolve) => setTimeout(resolve, 100)),
    shouldRetry: () => true,
    on: {
      error: (event) => seen.errors.push(why(event)),
      closed: (event) => seen.closes.push(event.code),
    },
  });
  client.subscribe(
    { query: 'subscription { ticks }' },
    { next: ({ data }) => seen.ticks.push(data.ticks), error: (error) => (seen.failure = String(error)), complete: () => {} },
  );
  consumers.dispose = () => client.dispose();
};

/** graphql-ws with no retries: what its subscriber, its error event and its close see of a refused upgrade. */
consumers.query = (url) => {
  const seen = (consumers.refusal = { errors: [], closes: [] });
  const client = createClient({
    url,
    webSocketImpl: Face,
    retryAttempts: 0,
    on: {
      error: (event) => seen.errors.push(`${event.constructor.name} ${event.error?.kind} ${event.error?.status}`),
      closed: (event) => seen.closes.push(`${event.code} ${event.wasClean}`),
    },
  });
  client.subscribe(
    { query: '{ hello }' },
    {
      next: () => {},
      // graphql-ws hands the error event itself to the subscriber.
      error: (failure) => (seen.failure = `${failure.error?.kind} ${failure.error?.status}`),
      complete: () => (seen.failure = 'complete'),
    },
  );
};

/** Two documents in the page, each with its own y-websocket provider in `room`. */
consumers.yjs = (url, room) => {
  const docs = [new Y.Doc(), new Y.Doc()];
  const seen = (consumers.y = { errors: [] });
  // disableBc: two providers in one page would otherwise sync through a BroadcastChannel, not the server.
  const providers = docs.map((doc) => new WebsocketProvider(url, room, doc, { WebSocketPolyfill: Face, disableBc: true, maxBackoffTime: 300 }));
  for (const provider of providers) provider.on('connection-error', (event) => seen.errors.push(why(event)));
  consumers.insert = (which, index, text) => docs[which].getText('t').insert(index, text);
  consumers.texts = () => docs.map((doc) => doc.getText('t').toString());
  consumers.synced = () => providers.map((provider) => provider.synced);
  consumers.connected = () => providers.map((provider) => provider.wsconnected);
  consumers.destroy = () => {
    for (const provider of providers) provider.destroy();
    for (const doc of docs) doc.destroy();
  };
};

consumers.ready = true;
