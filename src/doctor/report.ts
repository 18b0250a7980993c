import type { ErrorKind } from '../errors';
import type { DoctorCause } from './advice';

// The shape of what `probe()` returns and `steadysocket doctor --json` prints (docs/doctor.md).

/** Options of `probe()`; the command's flags set the same. */
export interface DoctorOptions {
  /** Subprotocols to offer. */
  protocols?: string[];
  /** Extra request headers, as `[name, value]` pairs or an object. */
  headers?: [string, string][] | Record<string, string>;
  /** An `Origin` header to send (a 403 is often an Origin check). */
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

/** The steps of a probe, in the order they run. */
export type StepName = 'dns' | 'tcp' | 'proxy' | 'tls' | 'request' | 'response' | 'ping' | 'close' | 'h2c' | 'prior-knowledge';

/** One step of the exchange, in order, with its duration. */
export interface DoctorStep {
  /** Which step. */
  name: StepName;
  /** Whether it succeeded. */
  ok: boolean;
  /** How long it took, ms. */
  ms: number;
  /** What it found, one line. */
  detail: string;
}

/** One line of the check list: pass or fail, expected against got. */
export interface DoctorCheck {
  /** What is checked. */
  name: 'status' | 'upgrade' | 'connection' | 'accept' | 'protocol' | 'extensions' | 'ping' | 'close' | 'settings';
  /** Whether it passed. */
  ok: boolean;
  /** What RFC 6455 asks for. */
  expected: string;
  /** What the server sent. */
  got: string;
  /** Why, when the reason is not obvious (an echoed key, RFC 6455's example value). */
  note?: string;
}

/** Bytes as received: text when it is printable UTF-8, else hex. */
export interface DoctorBytes {
  /** How many. */
  bytes: number;
  /** As text, when printable. */
  text?: string;
  /** As hex, otherwise. */
  hex?: string;
}

/** An HTTP/1.1 response head, parsed. */
export interface DoctorHead {
  /** `1.1`, or `1.0`. */
  httpVersion: string;
  /** The status code. */
  status: number;
  /** The reason phrase. */
  statusText: string;
  /** Every header line, in order, as `[name, value]` (secret values masked). */
  headers: [string, string][];
  /** The head exactly as received (secret values masked). */
  head: string;
  /** The first 512 bytes of a refusal's body (a chunked one decoded). */
  body?: DoctorBytes;
}

/** The TLS handshake, for `wss:` and `https:`. */
export interface TlsFacts {
  /** `TLSv1.3`, ... */
  version?: string;
  /** The cipher suite's name. */
  cipher?: string;
  /** The protocol chosen by ALPN, or false when none. */
  alpn?: string | false;
  /** The certificate's subject. */
  subject?: string;
  /** Its issuer. */
  issuer?: string;
  /** When it expires. */
  validTo?: string;
  /** Days until it expires (negative: expired). */
  daysLeft?: number;
  /** The chain is trusted and the certificate names the host. */
  verified: boolean;
  /** Why verification failed, as OpenSSL and Node name it. */
  reason?: string;
}

/** The verdict: what the client would report, and what to do. */
export interface DoctorVerdict {
  /** Whether everything passed. */
  ok: boolean;
  /** The kind the client reports for the same failure. */
  kind?: ErrorKind;
  /** Names the failure more finely than `kind` (a 431, a proxy's refusal) and decides the exit code. */
  cause?: DoctorCause;
  /** What happened, one line. */
  message: string;
  /** The client's hint for `kind`. */
  hint?: string;
  /** What to change. */
  fix?: string;
  /** The command's exit code (docs/doctor.md has the table). */
  exitCode: number;
}

/** What `probe()` returns and `steadysocket doctor --json` prints (docs/doctor.md). */
export interface DoctorReport {
  /** Redacted. */
  url: string;
  /** The Upgrade token asked for. */
  upgrade: string;
  /** Every step, in order. */
  steps: DoctorStep[];
  /** The name resolved: the proxy's when there is one (the proxy resolves the server's). */
  dns?: {
    /** The name. */
    host: string;
    /** Every address found. */
    addresses: {
      /** The address. */
      address: string;
      /** 4 or 6. */
      family: number;
    }[];
    /** The one connected to. */
    used: string;
  };
  /** The CONNECT to the proxy, when there is one. */
  proxy?: {
    /** The proxy's URL, credentials masked. */
    url: string;
    /** The CONNECT request as sent (`Proxy-Authorization` masked). */
    request?: {
      /** The request head. */
      head: string;
    };
    /** The proxy's answer. */
    response?: DoctorHead;
  };
  /** The TLS handshake. */
  tls?: TlsFacts;
  /** The request as sent, with secrets masked. */
  request?: {
    /** The request head. */
    head: string;
  };
  /** The response as received (secret values masked). */
  response?: DoctorHead & {
    /** ms from the request to the response's first byte. */
    ttfb: number;
  };
  /** Bytes that were not HTTP at all, as received. */
  raw?: DoctorBytes;
  /** The RFC 6455 check list. */
  checks: DoctorCheck[];
  /** ms of the ping/pong round trip. */
  rtt?: number;
  /** The server's answer to the closing handshake. */
  close?: {
    /** The close code the server answered with. */
    code?: number;
    /** Its reason. */
    reason: string;
  };
  /** For an Upgrade token other than websocket and h2c: the first bytes after the 101, in hex (and as text when printable). */
  after?: {
    /** How many. */
    bytes: number;
    /** As hex. */
    hex: string;
    /** As text, when printable. */
    text?: string;
  };
  /** With `upgrade: 'h2c'`: what the HTTP/2 cleartext upgrade found. */
  h2c?: H2cReport;
  /** What the client would report, and what to do. */
  verdict: DoctorVerdict;
}

/** What `--upgrade h2c` found (`report.h2c`). */
export interface H2cReport {
  /**
   * `supported`: 101 with `Upgrade: h2c`, then a well-formed SETTINGS frame. `ignored`: an HTTP/1.1
   * answer. `prior-knowledge-only`: HTTP/2 frames instead of a status line. `broken-upgrade`: a 101
   * with another token, or no valid preface after it. `not-http`: neither HTTP/1.1 nor HTTP/2.
   */
  result: 'supported' | 'ignored' | 'prior-knowledge-only' | 'broken-upgrade' | 'not-http';
  /** What was seen, one line. */
  detail: string;
  /** The first frame after the 101 (or instead of a status line), described. */
  frame?: string;
  /** The server's SETTINGS, when it sent them. */
  settings?: {
    /** The setting's number. */
    id: number;
    /** Its name (`SETTINGS_MAX_CONCURRENT_STREAMS`, ...). */
    name: string;
    /** Its value. */
    value: number;
  }[];
  /** The same server asked with HTTP/2 prior knowledge (`node:http2`), cleartext URLs only. */
  priorKnowledge?: {
    /** Whether it answered over HTTP/2. */
    ok: boolean;
    /** Its `:status`. */
    status?: number;
    /** Why it failed. */
    error?: string;
    /** How long it took, ms. */
    ms: number;
  };
}
