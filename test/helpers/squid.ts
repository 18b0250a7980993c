import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accepts, freePort } from './real-servers';
import { until } from './wait';

// Debian's squid as the HTTP proxy of a corporate network, started once per suite on three loopback
// ports with a configuration written to a temporary folder: `open` tunnels CONNECT for anyone,
// `denied` answers every request with 403, `auth` wants Basic credentials (407 without them), checked
// by squid's own basic_ncsa_auth against a password file made here. It tunnels to 127.0.0.1 only, but
// to any port (Debian's configuration allows CONNECT to 443 alone).

const SQUID = '/usr/sbin/squid';
const NCSA = '/usr/lib/squid/basic_ncsa_auth';

export interface Squid {
  /** ports by name */
  open: number;
  denied: number;
  auth: number;
  /** The credentials the `auth` port accepts. */
  user: string;
  password: string;
  /** squid's access log: one line per request, to see what reached the proxy. */
  log(): string;
  /**
   * Waits until the access log has `count` lines matching `pattern`. squid logs a tunnel when it
   * closes, a moment after the client has gone: read the log through this, not at once.
   */
  logged(pattern: RegExp, count?: number): Promise<string[]>;
  close(): Promise<void>;
}

/** An Apache MD5 (apr1) hash, as htpasswd writes it: basic_ncsa_auth reads these. */
function hash(password: string): string {
  return execFileSync('openssl', ['passwd', '-apr1', password], { encoding: 'utf8' }).trim();
}

export async function startSquid(): Promise<Squid> {
  for (const [binary, name] of [[SQUID, 'squid'], [NCSA, 'squid']] as const) {
    if (!existsSync(binary)) throw new Error(`${binary} is missing: apt-get install ${name} (as .ci/run does)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'steadysocket-squid-'));
  // Started as root, squid runs as the `proxy` user: it must read and write here.
  chmodSync(dir, 0o777);
  const [open, denied, auth] = [await freePort(), await freePort(), await freePort()];
  const user = 'alice';
  const password = 'pa55-w0rd';
  writeFileSync(join(dir, 'passwd'), `${user}:${hash(password)}\n`, { mode: 0o644 });
  writeFileSync(
    join(dir, 'squid.conf'),
    `http_port 127.0.0.1:${open} name=open
http_port 127.0.0.1:${denied} name=denied
http_port 127.0.0.1:${auth} name=auth
pid_filename ${dir}/squid.pid
cache_log ${dir}/cache.log
access_log stdio:${dir}/access.log
coredump_dir ${dir}
cache deny all
netdb_filename none
# No ICMP pinger: a helper process squid starts on its own, which outlives the SIGKILL of squid.
pinger_enable off
shutdown_lifetime 0 seconds
auth_param basic program ${NCSA} ${dir}/passwd
auth_param basic realm steadysocket-test
acl open_port myportname open
acl denied_port myportname denied
acl auth_port myportname auth
acl authenticated proxy_auth REQUIRED
acl loopback dst 127.0.0.1
# Debian allows CONNECT to 443 only: the tests' servers listen on random ports.
acl SSL_ports port 1-65535
acl CONNECT method CONNECT
http_access deny !loopback
http_access deny CONNECT !SSL_ports
http_access allow open_port
http_access deny denied_port
http_access deny auth_port !authenticated
http_access allow auth_port
http_access deny all
`,
  );
  // A service name of its own: squid names its shared memory (/dev/shm) after it, and suites run at once.
  const service = `steadysocket${process.pid}${randomBytes(4).toString('hex')}`;
  const child = spawn(SQUID, ['-N', '-n', service, '-f', join(dir, 'squid.conf')], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const cacheLog = (): string => (existsSync(join(dir, 'cache.log')) ? readFileSync(join(dir, 'cache.log'), 'utf8') : '');
  const close = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const done = (): void => {
        rmSync(dir, { recursive: true, force: true });
        // Killed, squid leaves its shared memory segments behind.
        for (const name of existsSync('/dev/shm') ? readdirSync('/dev/shm') : []) if (name.startsWith(`${service}-`)) rmSync(join('/dev/shm', name), { force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', done);
      child.kill('SIGKILL');
    });
  try {
    await Promise.all([open, denied, auth].map((port) => listening(port, () => child.exitCode !== null)));
    if (child.exitCode !== null) throw new Error(`squid exited (${child.exitCode})`);
  } catch (error) {
    await close();
    throw new Error(`${(error as Error).message}: ${output}${cacheLog()}`);
  }
  const log = (): string => (existsSync(join(dir, 'access.log')) ? readFileSync(join(dir, 'access.log'), 'utf8') : '');
  const matching = (pattern: RegExp): string[] => log().split('\n').filter((line) => pattern.test(line));
  const logged = async (pattern: RegExp, count = 1): Promise<string[]> => {
    await until(() => matching(pattern).length >= count, 10000, `${count} lines of squid's log matching ${pattern}`);
    return matching(pattern);
  };
  return { open, denied, auth, user, password, log, logged, close };
}

/** Resolves when `port` accepts connections; squid opens its ports after reading its configuration. */
async function listening(port: number, exited: () => boolean, timeout = 15000): Promise<void> {
  const until = Date.now() + timeout;
  while (Date.now() < until && !exited()) {
    if (await accepts(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(exited() ? 'squid exited' : `squid did not listen on ${port} within ${timeout} ms`);
}
