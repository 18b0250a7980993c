import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { closedPort, startServer, startSilentServer } from '../helpers/servers';
import { startHandshakeServer } from '../helpers/handshake-server';

const fixture = fileURLToPath(new URL('./fixtures/close-every-state.mjs', import.meta.url));
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0)) await step();
});

it('lets a Node process exit by itself after close() in every state, never started, and through the face (built package)', async () => {
  const server = await startServer();
  const silent = await startSilentServer();
  cleanup.push(() => server.close(), () => silent.close());
  const refused = `ws://127.0.0.1:${await closedPort()}`;
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [fixture, server.url, silent.url, refused], { timeout: 15000 }, (error, out, err) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: out, stderr: err }),
    );
  });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const report = JSON.parse(stdout) as { states: string[]; resources: string[]; after: string[] };
  expect(report.states).toEqual(['open', 'connecting', 'reconnecting', 'closed', 'open']);
  expect(report.after).toEqual(['closed', 'closed', 'closed', 'closed', 'closed']);
  // Sockets still finishing their close handshake may be listed; timers may not.
  expect(report.resources.filter((name) => name === 'Timeout')).toEqual([]);
});

it('exits at once after reconnect() on a link that stopped reading, then close() (built package)', async () => {
  // The byte-exact server's `ok` route completes the handshake and then reads nothing more.
  const server = await startHandshakeServer();
  cleanup.push(() => server.close());
  const fixture = fileURLToPath(new URL('./fixtures/reconnect-dead-link.mjs', import.meta.url));
  const started = Date.now();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [fixture, server.url('ok')], { timeout: 15000 }, (error, out, err) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout: out, stderr: err }),
    );
  });
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const report = JSON.parse(stdout) as { state: string; closedIn: number; resources: string[] };
  expect(report.state).toBe('closed');
  expect(report.resources.filter((name) => name === 'Timeout')).toEqual([]);
  // Both connections wait 2 s at most for a close frame the peer never sends; ws alone would wait 30 s.
  expect(Date.now() - started).toBeLessThan(10000);
});
