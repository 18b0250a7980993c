import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startServer, startSilentServer, type EchoServer } from '../helpers/servers';

// Listeners and url functions that act on the socket must never crash the process or revive a closed
// socket. Each script runs in a process of its own, against the built package, as a user would.
const fixture = fileURLToPath(new URL('./fixtures/listeners-in-a-process.mjs', import.meta.url));
let server: EchoServer;
let silent: Awaited<ReturnType<typeof startSilentServer>>;
beforeAll(async () => {
  server = await startServer();
  silent = await startSilentServer();
});
afterAll(async () => {
  await server.close();
  await silent.close();
});

type Seen = { errors: string[]; states: string[]; opens: number; final?: string; rejected?: string; thrown?: string[] };

function run(name: string, url = ''): Promise<{ code: number; seen: Seen; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [fixture, name, url], { timeout: 10000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, seen: stdout ? (JSON.parse(stdout) as Seen) : ({} as Seen), stderr, ms: Date.now() - started }),
    );
  });
}

describe('five scripts that act on the socket from its own callbacks, each in its own process', () => {
  it('close() in an error listener of a refused attempt ends the socket; the process exits by itself', async () => {
    const { code, seen, stderr } = await run('close-on-error', `ws://127.0.0.1:${await closedPort()}/`);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(seen.errors).toEqual(['network']);
    expect(seen.final).toBe('closed');
    expect(seen.states.at(-1)).toBe('closed');
  });

  it('close() in a connecting listener: the connect timer goes with the attempt', async () => {
    const { code, seen, stderr } = await run('close-on-connecting', silent.url);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(seen.errors).toEqual([]);
    expect(seen.final).toBe('closed');
  });

  it('a url function that throws synchronously counts as a failed attempt and is retried', async () => {
    const { code, seen, stderr } = await run('url-throws');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(seen.errors).toEqual(['invalid-url', 'invalid-url', 'invalid-url', 'max-attempts']);
    expect(seen.rejected).toBe('max-attempts');
    expect(seen.final).toBe('closed');
  });

  it('an object as heartbeat.message is refused by the constructor, naming the field', async () => {
    const { code, seen, stderr } = await run('heartbeat-object', server.url);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(seen.thrown?.slice(0, 2)).toEqual(['SteadySocketError', 'invalid-options']);
    expect(seen.thrown?.[2]).toMatch(/^options\.heartbeat\.message /);
  });

  it('close() in a close listener during reconnect(): the socket stays closed', async () => {
    const before = server.clients.length;
    const { code, seen, stderr } = await run('close-on-close-after-reconnect', server.url);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(seen.opens).toBe(1);
    expect(seen.final).toBe('closed');
    // The server saw the first connection only: the attempt reconnect() started was cancelled.
    expect(server.clients.length - before).toBeLessThanOrEqual(2);
    expect(seen.states.at(-1)).toBe('closed');
  });
});
