import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type RealServer } from './real-servers';

// An embedded Tomcat 10 from Debian's jars (libtomcat10-java), the container under Spring's WebSocket
// support: test/helpers/tomcat/ChatServer.java, compiled with javac and started once per suite.

const JARS = ['catalina', 'coyote', 'util', 'util-scan', 'juli', 'api', 'servlet-api', 'websocket', 'websocket-api', 'websocket-client-api', 'annotations-api', 'jaspic-api', 'jni'].map(
  (name) => `/usr/share/java/tomcat10-${name}.jar`,
);
const SOURCE = fileURLToPath(new URL('./tomcat/ChatServer.java', import.meta.url));

export interface Tomcat extends RealServer {
  url(path: string): string;
}

/**
 * Endpoints as a Spring app has them: `/chat` echoes and chooses `chat.v2` or `chat.v1`; `/guarded`
 * allows `allowedOrigin` (and clients that send no Origin) and refuses any other with 403; `/admin`
 * allows only https://admin.example.com; `/idle` times a session out after 1 s (1001); `/policy`
 * closes with 1008 at once; `/sockjs-chat` greets as SockJS, its WebSocket at `/sockjs-chat/websocket`;
 * `/spring/...` answers an upgrade that is not websocket with Spring's 400; `/` is a page, anything
 * else 404.
 */
export async function startTomcat(allowedOrigin = 'https://app.example.com'): Promise<Tomcat> {
  for (const file of ['/usr/bin/javac', ...JARS]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: apt-get install default-jdk-headless libtomcat10-java (as .ci/run does)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'steadysocket-tomcat-'));
  const classpath = JARS.join(':');
  await new Promise<void>((resolve, reject) =>
    execFile('javac', ['-nowarn', '-d', dir, '-cp', classpath, SOURCE], (error, _out, err) => (error ? reject(new Error(`javac failed: ${err}`)) : resolve())),
  );
  const port = await freePort();
  const child = spawn('java', ['-Xshare:auto', '-XX:TieredStopAtLevel=1', '-cp', `${classpath}:${dir}`, 'ChatServer', String(port), allowedOrigin], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Tomcat did not start within 30 s: ${output}`)), 30000);
    const seen = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.includes(`listening ${port}`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Tomcat exited (${code}): ${output}`));
    });
  });
  child.removeAllListeners('exit');
  return {
    port,
    url: (path) => `ws://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGKILL');
      }),
  };
}
