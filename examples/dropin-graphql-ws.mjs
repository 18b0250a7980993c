// graphql-ws over SteadyWebSocket: graphql-ws keeps its own reconnect loop and close-code rules;
// the face adds the reason a handshake failed, log records and heartbeats.
// Run: node examples/dropin-graphql-ws.mjs ws://127.0.0.1:4000/graphql
import { createClient } from 'graphql-ws';
import { SteadyWebSocket } from 'steadysocket';

const url = process.argv[2] ?? 'ws://127.0.0.1:4000/graphql';
const client = createClient({
  url,
  webSocketImpl: SteadyWebSocket.configure({ logger: true }),
  retryAttempts: 3,
});

let seen = 0;
const unsubscribe = client.subscribe(
  { query: 'subscription { count(to: 3) }' },
  {
    next: ({ data }) => {
      console.log('count', data.count);
      if (++seen === 3) unsubscribe();
    },
    error: (error) => {
      console.error('subscription failed', error);
      process.exitCode = 1;
    },
    complete: () => client.dispose(),
  },
);
