import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SteadySocket, type SteadySocketError } from 'steadysocket';
import { listenLocal } from '../helpers/servers';
import { WhatwgWebSocket as Whatwg } from '../helpers/whatwg';
import { next } from '../helpers/wait';

// In Node, a WHATWG WebSocket (undici's global one, say) hides why a handshake failed as browsers do;
// the full entry then probes with fetch, as in a browser.
let server: Server;
let url: string;
beforeAll(async () => {
  // Refuses the upgrade and a plain GET alike, as an auth middleware does.
  server = createServer((_request, response) => response.writeHead(401, { 'WWW-Authenticate': 'Bearer' }).end());
  server.on('upgrade', (_request, socket) => socket.end('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\n\r\n'));
  url = `ws://127.0.0.1:${await listenLocal(server)}/ws`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('probes with fetch after a WHATWG WebSocket failed without saying why', async () => {
  const socket = new SteadySocket(url, { WebSocket: Whatwg as never, reconnect: false });
  const error = await next<SteadySocketError>(socket, 'error');
  expect(error).toMatchObject({ kind: 'unauthorized', status: 401, headers: { 'www-authenticate': 'Bearer' } });
  await socket.close();
});

it('reports unknown, with candidates, when diagnose is off', async () => {
  const socket = new SteadySocket(url, { WebSocket: Whatwg as never, reconnect: false, diagnose: false });
  const error = await next<SteadySocketError>(socket, 'error');
  expect(error.kind).toBe('unknown');
  expect(error.candidates).toContain('unauthorized');
  await socket.close();
});

it('steadysocket/core leaves the probe and the hints out: the same failure stays unknown, without a hint', async () => {
  const lean: string = '../../dist/core.mjs';
  const core = (await import(lean)) as typeof import('../../src/core');
  const socket = new core.SteadySocket(url, { WebSocket: Whatwg as never, reconnect: false });
  const error = await next<SteadySocketError>(socket, 'error');
  expect(error.kind).toBe('unknown');
  expect(error.hint).toBeUndefined();
  expect(String(error)).toBe('SteadySocketError [unknown]: handshake failed');
  await socket.close();
});
