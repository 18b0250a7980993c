import { Agent, type ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { connect as netConnect, isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { SteadySocketError } from '../errors';
import type { DoctorCause } from './advice';
import { redactUrl } from '../url';
import { headLength, parseHead } from './wire';

// An HTTP proxy between the client and the server, as corporate networks have: the client asks it for a
// tunnel with CONNECT (RFC 9110 §9.3.6), as RFC 6455 §4.1 tells WebSocket clients to, for ws: and wss:
// alike, then speaks through the tunnel as if connected directly.

export interface Proxy {
  host: string;
  port: number;
  /** `Basic …` from the URL's credentials; never shown. */
  authorization?: string;
  /** The URL with its credentials masked: what the report shows. */
  shown: string;
}

const invalid = (message: string): never => {
  throw new SteadySocketError('invalid-options', message);
};

/** `http://[user:password@]host[:port]`, or `host:port` read as http:// (as curl reads it). */
export function parseProxy(text: string): Proxy {
  const withScheme = /^[a-z][a-z\d+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL | undefined;
  try {
    url = new URL(withScheme);
  } catch {
    // Not parsed: nothing of it is shown, it may hold a password.
  }
  if (!url || !url.hostname) return invalid(`proxy must be a URL such as http://proxy.example:3128, got ${redactUrl(withScheme, !url)}`);
  if (url.protocol !== 'http:') invalid(`proxy: only http:// proxies are supported, got ${url.protocol}//`);
  const credentials = url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port) || 80,
    authorization: credentials === undefined ? undefined : `Basic ${Buffer.from(credentials).toString('base64')}`,
    shown: redactUrl(`http://${url.username || url.password ? '***@' : ''}${url.host}`),
  };
}

/**
 * The proxy the environment gives for `target`, as curl reads it: `https_proxy`/`HTTPS_PROXY` for wss:
 * and https:, `http_proxy`/`HTTP_PROXY` for ws: and http: (lower case first), none when `no_proxy` or
 * `NO_PROXY` lists the host: `*`, a name (which covers its subdomains, with or without a leading dot),
 * an address, each optionally with `:port`.
 */
export function proxyFromEnv(target: string, env: Record<string, string | undefined> = process.env): string | undefined {
  const url = new URL(target);
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  const pick = (...names: string[]): string | undefined => names.map((name) => env[name]).find((value) => value);
  const proxy = secure ? pick('https_proxy', 'HTTPS_PROXY') : pick('http_proxy', 'HTTP_PROXY');
  return proxy && !bypassed(url, pick('no_proxy', 'NO_PROXY') ?? '') ? proxy : undefined;
}

function bypassed(url: URL, list: string): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'wss:' || url.protocol === 'https:' ? '443' : '80');
  return list
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      // `[::1]:8080`, `::1`, `host:8080`, `host`
      const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? (isIP(entry) === 6 ? [entry, entry] : /^([^:]+)(?::(\d+))?$/.exec(entry));
      if (!match) return false;
      const name = match[1].toLowerCase().replace(/^\*?\./, '');
      if (match[2] && match[2] !== port) return false;
      return host === name || host.endsWith(`.${name}`);
    });
}

/** The CONNECT request's header lines for `target` (host:port). */
export function connectLines(target: string, proxy: Proxy): [string, string][] {
  const lines: [string, string][] = [['Host', target]];
  if (proxy.authorization) lines.push(['Proxy-Authorization', proxy.authorization]);
  lines.push(['User-Agent', 'steadysocket-doctor']);
  return lines;
}

export const connectHead = (target: string, lines: [string, string][]): string =>
  `CONNECT ${target} HTTP/1.1\r\n${lines.map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n`;

type Callback = (error: Error | null, socket: Duplex) => void;

/** What a proxy's answer to CONNECT other than 2xx means. */
export const refusalCause = (status: number): DoctorCause => (status === 407 ? 'proxy-auth-required' : status === 403 ? 'proxy-denied' : 'proxy-failed');

/**
 * An `http.Agent` whose every connection is a tunnel through `proxy`: what `--watch` gives `ws` as
 * `nodeOptions.agent`. A refusal reaches the client as `ws` words an HTTP refusal, so it is classified
 * by its status (407 and 403: unauthorized; 502: server-error); `failed` hears first what the proxy did,
 * which the client's kind cannot say.
 */
export function proxyAgent(proxy: Proxy, secure: boolean, failed?: (cause: DoctorCause) => void): Agent {
  // Node's https.request takes an https.Agent only (it checks the agent's protocol).
  class TunnelAgent extends (secure ? HttpsAgent : Agent) {
    // Node's Agent waits for the callback when createConnection returns nothing.
    override createConnection(options: ClientRequestArgs & { servername?: string }, callback?: Callback): undefined {
      const host = options.hostname ?? options.host ?? 'localhost';
      const target = `${isIP(host) === 6 ? `[${host}]` : host}:${options.port ?? (secure ? 443 : 80)}`;
      const socket = netConnect({ host: proxy.host, port: proxy.port });
      let buffer = Buffer.alloc(0);
      let settled = false;
      const fail = (error: Error): void => {
        if (settled) return;
        settled = true;
        socket.destroy();
        callback?.(error, socket);
      };
      const onClose = (): void => fail(Object.assign(new Error('the proxy closed the connection without answering CONNECT'), { code: 'ECONNRESET' }));
      const onData = (chunk: Buffer): void => {
        buffer = Buffer.concat([buffer, chunk]);
        const length = headLength(buffer);
        if (length === undefined) return;
        socket.off('data', onData).off('close', onClose);
        const status = parseHead(buffer.subarray(0, length).toString('latin1'))?.status;
        if (!status || status < 200 || status > 299) return failed?.(status ? refusalCause(status) : 'proxy-failed'), fail(new Error(`Unexpected server response: ${status ?? 'not HTTP'} (from the proxy ${proxy.shown})`));
        settled = true;
        // From here the request owns the socket and its errors.
        socket.off('error', unreachable);
        if (buffer.length > length) socket.unshift(buffer.subarray(length));
        if (!secure) return callback?.(null, socket);
        const servername = options.servername ?? (isIP(host) ? undefined : host);
        callback?.(null, tlsConnect({ ...(options as object), socket, servername }));
      };
      // Before any answer, an error is the proxy's connection failing.
      const unreachable = (error: Error): void => (settled || failed?.('proxy-unreachable'), fail(error));
      socket.on('data', onData).once('error', unreachable).once('close', onClose);
      socket.once('connect', () => socket.write(connectHead(target, connectLines(target, proxy))));
      return undefined;
    }
  }
  return new TunnelAgent();
}
