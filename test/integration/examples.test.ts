import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket, WebSocketServer } from 'ws';
import { listenLocal, startServer, type EchoServer } from '../helpers/servers';
import { startSocketIo, type FreezableServer } from '../helpers/real-servers';
import { YWebsocketServer } from '../helpers/y-websocket-server';
// @ts-expect-error: plain JavaScript, as users copy it; typed below.
import { start as startExampleServer } from '../../examples/server.mjs';

// The examples in examples/ run as a user runs them: `node examples/<name>` in a process of its own.
// Their `import 'steadysocket'` is Node's self-reference (this package.json's name and `exports`), so
// they load the build in dist/, whichever vitest project runs this file. Each must exit by itself.

const root = fileURLToPath(new URL('../..', import.meta.url));
const example = (name: string): string => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

interface ExampleServer {
  origin: string;
  url: string;
  wss: WebSocketServer;
  close(): Promise<void>;
}
const startExample = startExampleServer as (port: number) => Promise<ExampleServer>;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string> = {}, cwd = root): Promise<Run> {
  // npm_config_offline: `npx` in the doctor's script must never reach a registry.
  const options = { cwd, timeout: 15000, env: { ...process.env, NO_COLOR: '1', npm_config_offline: 'true', ...env } };
  return new Promise((resolve) => {
    execFile(command, args, options, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

it('resolves `steadysocket` from examples/ to the build in dist/', async () => {
  const script = "console.log(import.meta.resolve('steadysocket'))";
  const resolved = await run(process.execPath, ['--input-type=module', '-e', script], {}, example(''));
  expect(resolved.stderr).toBe('');
  expect(resolved.stdout.trim()).toBe(new URL('../../dist/steadysocket.mjs', import.meta.url).href);
});

describe('node-client.mjs', () => {
  let server: ExampleServer;
  beforeAll(async () => {
    server = await startExample(0);
  });
  afterAll(() => server.close());

  it('fetches a fresh token for each attempt, reconnects after a restart, prints stats and exits by itself', async () => {
    const tokens: string[] = [];
    const record = (_socket: WebSocket, request: IncomingMessage): void => {
      tokens.push(new URL(request.url!, 'http://x').searchParams.get('token')!);
    };
    server.wss.on('connection', record);
    // The first connection meets a server restart (1012), which is retried.
    server.wss.once('connection', (socket: WebSocket) => socket.close(1012, 'restarting'));
    try {
      const { code, stdout, stderr } = await run(process.execPath, [example('node-client.mjs'), server.url]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(tokens).toHaveLength(2);
      expect(new Set(tokens).size).toBe(2);
      // The logger at 'info': each step, with the token masked.
      expect(stdout).toMatch(/\[steadysocket s1\] close code=1012 reason=restarting wasClean=true willReconnect=true/);
      expect(stdout).toMatch(/\[steadysocket s1\] reconnecting attempt=2 /);
      expect(stdout).toContain('token=***');
      for (const token of tokens) expect(stdout).not.toContain(token);
      expect(stdout).toContain('received {"type":"join","room":"lobby"}');
      const stats = JSON.parse(/^stats (.*)$/m.exec(stdout)![1]!);
      expect(stats).toEqual({ connects: 2, reconnects: 1, failures: {}, messagesOut: 2, messagesIn: 1 });
    } finally {
      server.wss.off('connection', record);
    }
  });

  it('stops and says so when the server refuses its token (401 is not retried)', async () => {
    const tokenService = createServer((_request, response) => response.end(JSON.stringify({ token: 'revoked' })));
    const port = await listenLocal(tokenService);
    try {
      const { code, stdout, stderr } = await run(process.execPath, [example('node-client.mjs')], {
        SERVER_URL: server.url,
        TOKEN_URL: `http://127.0.0.1:${port}/token`,
      });
      expect(code).toBe(1);
      expect(stderr).toMatch(/kind=unauthorized .*status=401/);
      expect(stderr).toContain('the server refused our token (401): sign in again');
      expect(stdout).not.toContain('reconnecting');
      const stats = JSON.parse(/^stats (.*)$/m.exec(stdout)![1]!);
      expect(stats).toMatchObject({ connects: 0, reconnects: 0, failures: { unauthorized: 1 } });
    } finally {
      await new Promise((resolve) => tokenService.close(resolve));
    }
  });
});

describe('socketio-engineio.mjs', () => {
  let server: FreezableServer;
  // Engine.IO pings every 250 ms here (25 s by default), so the example sees a ping at once.
  beforeAll(async () => {
    server = await startSocketIo(250, 1000);
  });
  afterAll(() => server.close());

  it('joins the namespace, round-trips an event, answers the server ping and exits by itself', async () => {
    const { code, stdout, stderr } = await run(process.execPath, [example('socketio-engineio.mjs'), `ws://127.0.0.1:${server.port}`]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^joined namespace \/ as \S+$/m);
    expect(stdout).toContain('echo event: [{"text":"hello over Engine.IO"}]');
    expect(stdout).toContain('answered the server\'s ping: heartbeats {"sent":1,"missed":0}');
  });
});

describe('dropin-y-websocket.mjs', () => {
  const server = new YWebsocketServer();
  // Refuses every upgrade with 401, as a server does for a token it does not know.
  const refusing = createServer();
  refusing.on('upgrade', (_request: IncomingMessage, socket: import('node:stream').Duplex) =>
    socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n'),
  );
  let refusingPort: number;
  beforeAll(async () => {
    await server.start();
    refusingPort = await listenLocal(refusing);
  });
  afterAll(async () => {
    await server.stop();
    await new Promise((resolve) => refusing.close(resolve));
  });

  it('adds its line to the shared document once synced, prints the document and exits by itself', async () => {
    const room = `lines-${process.pid}`;
    const first = await run(process.execPath, [example('dropin-y-websocket.mjs'), server.url(), room, 'first']);
    expect(first).toEqual({ code: 0, stdout: 'first\n', stderr: '' });
    // A second writer syncs the first one's line from the server before adding its own.
    const second = await run(process.execPath, [example('dropin-y-websocket.mjs'), server.url(), room, 'second']);
    expect(second).toEqual({ code: 0, stdout: 'first\nsecond\n', stderr: '' });
  });

  it('stops at a 401, which y-websocket alone would retry forever, and says why (exit 1)', async () => {
    const { code, stdout, stderr } = await run(process.execPath, [example('dropin-y-websocket.mjs'), `ws://127.0.0.1:${refusingPort}`, 'room']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^connection failed: unauthorized 401: \S.+$/m);
    // The logger's record of it, with the same kind.
    expect(stderr).toMatch(/\[steadysocket s1\] error kind=unauthorized status=401 retryable=false/);
  });
});

// Each run starts npx (about a second): the two run side by side.
describe.concurrent('doctor-ci.sh', () => {
  let websocket: EchoServer;
  let page: ReturnType<typeof createServer>;
  let pageUrl: string;
  let project: string;
  beforeAll(async () => {
    // The script runs where a user runs it: in a project whose node_modules holds steadysocket, so
    // `npx --no` finds the bin there. From this checkout itself npx would install the checkout into
    // its own cache first, which depends on the machine's npm cache rather than on the script.
    project = mkdtempSync(join(tmpdir(), 'steadysocket-ci-step-'));
    writeFileSync(join(project, 'package.json'), JSON.stringify({ private: true, dependencies: { steadysocket: `file:${root}` } }));
    mkdirSync(join(project, 'node_modules', '.bin'), { recursive: true });
    symlinkSync(root, join(project, 'node_modules', 'steadysocket'), 'dir');
    symlinkSync(join('..', 'steadysocket', 'dist', 'cli.mjs'), join(project, 'node_modules', '.bin', 'steadysocket'));
    websocket = await startServer();
    page = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<h1>a page</h1>'));
    pageUrl = `ws://127.0.0.1:${await listenLocal(page)}/ws`;
  });
  afterAll(async () => {
    await websocket.close();
    await new Promise((resolve) => page.close(resolve));
    rmSync(project, { recursive: true, force: true });
  });

  it('passes the step (exit 0) against a WebSocket server and prints the verdict', async () => {
    const { code, stdout, stderr } = await run('sh', [example('doctor-ci.sh'), `${websocket.url}/ws?token=s3cret`], {}, project);
    expect(stdout, stderr).toMatch(/^ok: ws:\/\/127\.0\.0\.1:\d+\/ws\?token=\*\*\*: the WebSocket opened, answered a ping and closed cleanly \(ping round trip [\d.]+ ms\)\n$/);
    expect(code).toBe(0);
  });

  it('fails the step with exit 13 (no-protocol-support) against a page that is no WebSocket', async () => {
    const { code, stdout, stderr } = await run('sh', [example('doctor-ci.sh'), pageUrl], {}, project);
    expect(stdout, stderr).toMatch(/^no-protocol-support: ws:\/\/127\.0\.0\.1:\d+\/ws: server answered 200 instead of 101 Switching Protocols\nfix: /);
    expect(code).toBe(13);
  });
});
