import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';

// Real servers from Debian for the doctor's tests: nginx, h2o, nghttpd and Python's websockets, each
// started once per suite on a free loopback port with a configuration written to a temporary folder.
// A missing one fails its suite and says what to install (.ci/run installs them).

export interface RealServer {
  port: number;
  close(): Promise<void>;
}

const PACKAGES: Record<string, string> = {
  '/usr/sbin/nginx': 'nginx',
  '/usr/bin/h2o': 'h2o',
  '/usr/sbin/nghttpd': 'nghttp2-server',
  '/usr/bin/python3': 'python3-websockets',
  '/usr/sbin/haproxy': 'haproxy',
  '/usr/sbin/apache2': 'apache2',
  '/usr/bin/hypercorn': 'python3-hypercorn',
};

export function need(binary: string): void {
  if (!existsSync(binary)) throw new Error(`${binary} is missing: apt-get install ${PACKAGES[binary]} (as .ci/run does)`);
}

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts a TCP connection on `port` of 127.0.0.1 right now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Resolves when something accepts TCP connections on `port`; fails with the process's output otherwise. */
async function listening(port: number, child: ChildProcess, output: () => string, timeout = 10000): Promise<void> {
  const until = Date.now() + timeout;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${output()}`);
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listened on ${port} within ${timeout} ms: ${output()}`);
}

export async function run(binary: string, args: string[], port: number, folder: string): Promise<RealServer> {
  need(binary);
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: folder });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await listening(port, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          rmSync(folder, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGKILL');
      }),
  };
}

export const folder = (name: string): string => {
  const path = mkdtempSync(join(tmpdir(), `steadysocket-${name}-`));
  // h2o drops root for nobody: what it serves must be readable by everyone.
  chmodSync(path, 0o755);
  return path;
};

/**
 * nginx with the locations a WebSocket meets behind a proxy: `/good` proxies correctly to `backend`,
 * `/stripped` proxies without passing Upgrade and Connection (the usual mistake), `/static` is a page,
 * `/moved` a 301.
 */
export async function startNginx(backend: number): Promise<RealServer> {
  const dir = folder('nginx');
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location /good {
      proxy_pass http://127.0.0.1:${backend};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection "upgrade";
    }
    location /stripped { proxy_pass http://127.0.0.1:${backend}; proxy_http_version 1.1; }
    location /static { default_type text/html; return 200 "<h1>a static page</h1>"; }
    location /moved { return 301 /good; }
  }
}
`,
  );
  return run('/usr/sbin/nginx', ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`], port, dir);
}

/** h2o serving a folder: it answers `Upgrade: h2c` with 101 and its SETTINGS. */
export async function startH2o(): Promise<RealServer> {
  const dir = folder('h2o');
  const port = await freePort();
  writeFileSync(join(dir, 'index.html'), '<h1>h2o</h1>');
  writeFileSync(join(dir, 'h2o.conf'), `listen:\n  host: 127.0.0.1\n  port: ${port}\nhosts:\n  default:\n    paths:\n      /:\n        file.dir: ${dir}\n`);
  return run('/usr/bin/h2o', ['-c', join(dir, 'h2o.conf')], port, dir);
}

/** nghttpd without TLS: HTTP/2 with prior knowledge only. */
export async function startNghttpd(): Promise<RealServer> {
  const dir = folder('nghttpd');
  const port = await freePort();
  writeFileSync(join(dir, 'index.html'), '<h1>nghttpd</h1>');
  return run('/usr/sbin/nghttpd', ['--no-tls', '-d', dir, String(port)], port, dir);
}

/**
 * Python's websockets (10.4): `/chat` speaks the subprotocol `chat.v1` and refuses a client that offers
 * none with 400 "missing subprotocol"; `/private` wants `Authorization: Bearer letmein` (401 otherwise);
 * `/open` accepts anyone. A client offering only other subprotocols gets a 101 without one.
 */
export async function startPythonWebsockets(): Promise<RealServer> {
  const dir = folder('websockets');
  const port = await freePort();
  writeFileSync(
    join(dir, 'server.py'),
    `import asyncio, http, websockets

async def handler(websocket, path):
    async for message in websocket:
        await websocket.send(message)

async def check(path, headers):
    if path.startswith('/private') and headers.get('Authorization') != 'Bearer letmein':
        return http.HTTPStatus.UNAUTHORIZED, [('WWW-Authenticate', 'Bearer realm="test"')], b'a token is required\\n'
    if path.startswith('/chat') and 'Sec-WebSocket-Protocol' not in headers:
        return http.HTTPStatus.BAD_REQUEST, [], b'missing subprotocol: offer chat.v1\\n'

async def main():
    async with websockets.serve(handler, '127.0.0.1', ${port}, subprotocols=['chat.v1'], process_request=check):
        await asyncio.Future()

asyncio.run(main())
`,
  );
  return run('/usr/bin/python3', [join(dir, 'server.py')], port, dir);
}

/** A server in a child process that a test can freeze (SIGSTOP) and thaw (SIGCONT). */
export interface FreezableServer extends RealServer {
  freeze(): void;
  thaw(): void;
}

/** Spawns a server that prints its port on its first line of output. */
async function spawnPrinting(command: string, args: string[], hint = '', timeout = 15000): Promise<FreezableServer> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} printed no port within ${timeout} ms: ${output}`)), timeout);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^(\d+)\n/.exec(output);
      if (match) clearTimeout(timer), resolve(Number(match[1]));
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`${command} exited (${code}): ${output}${hint}`))));
  });
  return {
    port,
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }),
  };
}

/** socket.io (Node) pinging every `interval` ms, waiting `timeout` ms for each answer. */
export function startSocketIo(interval: number, timeout: number): Promise<FreezableServer> {
  return spawnPrinting(process.execPath, [fileURLToPath(new URL('./socketio-server.mjs', import.meta.url)), String(interval), String(timeout)]);
}

/** Flask-SocketIO on eventlet (Debian's python3-flask-socketio, python3-eventlet), pinging every `interval` ms. */
export function startFlaskSocketIo(interval: number, timeout: number): Promise<FreezableServer> {
  need('/usr/bin/python3');
  return spawnPrinting('/usr/bin/python3', [fileURLToPath(new URL('./flask_socketio_server.py', import.meta.url)), String(interval / 1000), String(timeout / 1000)], '\n(apt-get install python3-flask-socketio python3-eventlet, as .ci/run does)');
}

/**
 * A port whose connections never complete: Python listens with a backlog of 0 and never accepts, and
 * one connection made here fills the queue, so Linux drops every later SYN and a connect times out,
 * as behind a firewall that drops packets.
 */
export async function startUnaccepting(): Promise<RealServer> {
  need('/usr/bin/python3');
  const server = await spawnPrinting('/usr/bin/python3', [
    '-c',
    "import socket, sys, time\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen(0)\nprint(s.getsockname()[1], flush=True)\ntime.sleep(3600)\n",
  ]);
  const filler = connect(server.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => filler.once('connect', resolve).once('error', reject));
  return { port: server.port, close: () => (filler.destroy(), server.close()) };
}
