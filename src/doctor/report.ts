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
  /**
   * WebSocket over HTTP/2 (RFC 8441), checked after the HTTP/1.1 handshake (`report.h2`). `'auto'` (the
   * default): for `wss:`/`https:` only, with ALPN `h2` on a second connection. `true`: also for `ws:`/`http:`,
   * by prior knowledge (browsers never do that; a proxy in front may). `false`: HTTP/1.1 only. Never
   * through a proxy, nor with an Upgrade token other than websocket.
   */
  http2?: boolean | 'auto';
}

/** The steps of a probe, in the order they run. */
export type StepName =
  | 'dns'
  | 'tcp'
  | 'proxy'
  | 'tls'
  | 'request'
  | 'response'
  | 'ping'
  | 'close'
  | 'h2c'
  | 'prior-knowledge'
  | 'h2-tls'
  | 'h2-settings'
  | 'h2-connect'
  | 'h2-ping'
  | 'h2-close';

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
  name: 'status' | 'upgrade' | 'connection' | 'accept' | 'protocol' | 'extensions' | 'ping' | 'close' | 'settings' | 'alpn' | 'connect-protocol';
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
  /** WebSocket over HTTP/2 (RFC 8441): what a browser that uses it meets (`http2` option). */
  h2?: H2Report;
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
  settings?: H2Setting[];
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

/** One setting of an HTTP/2 SETTINGS frame, as on the wire. */
export interface H2Setting {
  /** The setting's number. */
  id: number;
  /** Its name (`MAX_CONCURRENT_STREAMS`, `ENABLE_CONNECT_PROTOCOL`, ...). */
  name: string;
  /** Its value. */
  value: number;
}

/**
 * What WebSocket over HTTP/2 came to (`report.h2.result`). `works`: the extended CONNECT was answered
 * 200, a ping got its pong and the close 1000. `not-advertised`: HTTP/2 without
 * `SETTINGS_ENABLE_CONNECT_PROTOCOL`, so browsers use HTTP/1.1 for WebSockets. `connect-refused`:
 * advertised, but the CONNECT was answered with another status. `connect-reset`: advertised, but the
 * stream was reset, the connection went away, or no answer came in time. `websocket-broken`: the
 * CONNECT was answered 200, but the WebSocket over it failed (a subprotocol, an extension, no pong, a
 * bad close). `no-h2`: the server does not speak HTTP/2 here. `failed`: no HTTP/2 connection for
 * another reason (TCP, TLS, no SETTINGS in time).
 */
export type H2Result = 'works' | 'not-advertised' | 'connect-refused' | 'connect-reset' | 'websocket-broken' | 'no-h2' | 'failed';

/** WebSocket over HTTP/2 (RFC 8441), on a connection of its own (`report.h2`). */
export interface H2Report {
  /** How HTTP/2 was reached: TLS with ALPN `h2` offered alone, or cleartext by prior knowledge. */
  via: 'alpn' | 'prior-knowledge';
  /** What it came to. */
  result: H2Result;
  /** What was seen, one line. */
  detail: string;
  /** Which protocols the server accepts by ALPN (TLS only): `h2`, `http/1.1`, `both`, or `none` of the two. */
  accepts?: 'h2' | 'http/1.1' | 'both' | 'none';
  /** The TLS handshake of this connection (ALPN `h2` offered). */
  tls?: TlsFacts;
  /** The server's first SETTINGS frame, setting by setting, as on the wire. */
  settings?: H2Setting[];
  /** Whether the server advertised `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1` (RFC 8441 §3). */
  enableConnectProtocol?: boolean;
  /** The extended CONNECT as sent (pseudo-headers first), secrets masked. */
  request?: {
    /** Every field, in order, as `[name, value]`. */
    headers: [string, string][];
    /** The same as lines. */
    head: string;
  };
  /** The answer to the CONNECT, secrets masked. */
  response?: {
    /** Its `:status`. */
    status: number;
    /** Every field, `:status` first. */
    headers: [string, string][];
    /** The same as lines. */
    head: string;
    /** The first 512 bytes of a refusal's body. */
    body?: DoctorBytes;
  };
  /** The server reset the CONNECT stream (RST_STREAM): its error code, by number and name. */
  reset?: {
    /** The code (RFC 9113 §7). */
    code: number;
    /** Its name: `REFUSED_STREAM`, `CANCEL`, `PROTOCOL_ERROR`, ... */
    name: string;
  };
  /** The server ended the connection (GOAWAY): its error code. */
  goaway?: {
    /** The code (RFC 9113 §7). */
    code: number;
    /** Its name. */
    name: string;
  };
  /** Why the connection failed, as Node names it. */
  error?: string;
  /** The check list of HTTP/2: `alpn`, `connect-protocol`, then for the CONNECT `status`, `protocol`, `extensions`, `ping`, `close`. */
  checks: DoctorCheck[];
  /** ms of the ping/pong round trip over the stream. */
  rtt?: number;
  /** The server's answer to the closing handshake. */
  close?: {
    /** The close code the server answered with. */
    code?: number;
    /** Its reason. */
    reason: string;
  };
}
