import type { ErrorKind } from '../errors';
import type { DoctorCause } from './advice';
import type { H2cReport } from './h2c';
import type { Head, show, TlsFacts } from './wire';

// The shape of what `probe()` returns and `steadysocket doctor --json` prints (README, "Doctor").

export interface DoctorOptions {
  /** Subprotocols to offer. */
  protocols?: string[];
  /** Extra request headers, as `[name, value]` pairs or an object. */
  headers?: [string, string][] | Record<string, string>;
  origin?: string;
  /** ms each step (DNS, TCP, TLS, the answer, the ping, the close) may take. Default 10000. */
  timeout?: number;
  /** Go on after a certificate that fails verification (the report still says why it failed). */
  insecure?: boolean;
  /** Certificate authorities to trust, PEM. */
  ca?: string | Buffer | (string | Buffer)[];
  /** The Upgrade token to ask for. Default 'websocket'; 'h2c' probes the HTTP/2 cleartext upgrade. */
  upgrade?: string;
  /**
   * An HTTP proxy to tunnel through with CONNECT, `http://[user:password@]host[:port]` (port 80 by
   * default; `host:port` alone is read as http://). Credentials are sent as Proxy-Authorization and
   * never shown. The library reads no environment: `proxyFromEnv()` does, as the command does.
   */
  proxy?: string;
}

export type StepName = 'dns' | 'tcp' | 'proxy' | 'tls' | 'request' | 'response' | 'ping' | 'close' | 'h2c' | 'prior-knowledge';

/** One step of the exchange, in order, with its duration. */
export interface DoctorStep {
  name: StepName;
  ok: boolean;
  /** ms */
  ms: number;
  detail: string;
}

/** One line of the check list: pass or fail, expected against got. */
export interface DoctorCheck {
  name: 'status' | 'upgrade' | 'connection' | 'accept' | 'protocol' | 'extensions' | 'ping' | 'close' | 'settings';
  ok: boolean;
  expected: string;
  got: string;
  note?: string;
}

/** What `probe()` returns and `steadysocket doctor --json` prints (README, "Doctor"). */
export interface DoctorReport {
  /** Redacted. */
  url: string;
  upgrade: string;
  steps: DoctorStep[];
  /** The name resolved: the proxy's when there is one (the proxy resolves the server's). */
  dns?: { host: string; addresses: { address: string; family: number }[]; used: string };
  /** The CONNECT to the proxy, when there is one: its URL (credentials masked), the request and the answer. */
  proxy?: { url: string; request?: { head: string }; response?: Head & { head: string; body?: ReturnType<typeof show> } };
  tls?: TlsFacts;
  /** The request head exactly as sent, with secrets masked. */
  request?: { head: string };
  /** The response head exactly as received (cookie values masked), and the first 512 bytes of a refusal's body. */
  response?: Head & { head: string; ttfb: number; body?: ReturnType<typeof show> };
  /** Bytes that were not HTTP at all, as received. */
  raw?: ReturnType<typeof show>;
  checks: DoctorCheck[];
  /** ms of the ping/pong round trip. */
  rtt?: number;
  /** The server's answer to the closing handshake. */
  close?: { code?: number; reason: string };
  /** For an Upgrade token other than websocket and h2c: the first bytes after the 101, in hex (and as text when printable). */
  after?: { bytes: number; hex: string; text?: string };
  h2c?: H2cReport;
  /**
   * `kind` is what the client reports for the same failure; `cause`, when set, names it more finely
   * (a 431, a proxy's refusal) and decides the exit code.
   */
  verdict: { ok: boolean; kind?: ErrorKind; cause?: DoctorCause; message: string; hint?: string; fix?: string; exitCode: number };
}
