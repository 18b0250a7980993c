import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { freePort } from './real-servers';

// The y-websocket server from npm (@y/websocket-server), started as its users start it: its own
// command, in a process of its own, with HOST and PORT. Stopping it kills the process, so the
// documents it held in memory are gone, as after a real restart; starting it again takes the same port.

const bin = join(dirname(createRequire(import.meta.url).resolve('@y/websocket-server/package.json')), 'src/server.js');

export class YWebsocketServer {
  port = 0;
  #child?: ChildProcess;

  /** Starts the server (on a free port the first time, on the same port after that). */
  async start(): Promise<void> {
    this.port ||= await freePort();
    const child = (this.#child = spawn(process.execPath, [bin], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`y-websocket-server did not start within 10 s: ${output}`)), 10000);
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      // It says so once it listens.
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('running at')) (clearTimeout(timer), resolve());
      });
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`y-websocket-server exited (${code}): ${output}`))));
    });
  }

  url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Kills the process (its clients see the connection drop) and resolves when it has exited. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
