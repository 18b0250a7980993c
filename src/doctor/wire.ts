import { lookup } from 'node:dns/promises';
import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { TlsFacts } from './report';

/** Milliseconds, to a tenth: what the report shows. */
export const since = (start: number): number => Math.round((performance.now() - start) * 10) / 10;

/**
 * Bytes from a socket (or an HTTP/2 stream), read as they come: the doctor reads a response head, a
 * body, frames, each with a deadline, and must see an end or a reset as what it is rather than as an
 * exception.
 */
export class Wire {
  buffer = Buffer.alloc(0);
  ended = false;
  error?: Error & { code?: string };
  firstByteAt?: number;
  #wake?: () => void;

  readonly #listeners: [string, (...args: any[]) => void][] = [
    [
      'data',
      (chunk: Buffer) => {
        this.firstByteAt ??= performance.now();
        this.buffer = Buffer.concat([this.buffer, chunk]);
        this.#wake?.();
      },
    ],
    [
      'error',
      (error: Error) => {
        this.error ??= error;
        this.#wake?.();
      },
    ],
    ['close', () => this.#end()],
    ['end', () => this.#end()],
  ];

  constructor(readonly socket: Duplex) {
    for (const [event, listener] of this.#listeners) socket.on(event, listener);
  }

  #end(): void {
    this.ended = true;
    this.#wake?.();
  }

  /** Stops reading (the socket goes on to carry TLS or another Wire) and returns the bytes not read yet. */
  release(): Buffer {
    for (const [event, listener] of this.#listeners) this.socket.off(event, listener);
    return this.buffer;
  }

  /**
   * Waits until `take` finds what it needs in the buffer (it returns how many bytes), then removes
   * and returns them. Undefined when the stream ended or the deadline (performance.now() ms) passed.
   */
  async read(take: (buffer: Buffer) => number | undefined, deadline: number): Promise<Buffer | undefined> {
    for (;;) {
      const length = take(this.buffer);
      if (length !== undefined) {
        const out = this.buffer.subarray(0, length);
        this.buffer = this.buffer.subarray(length);
        return out;
      }
      const left = deadline - performance.now();
      if (this.ended || this.error || left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => this.#wake?.(), left);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
      });
    }
  }

  write(bytes: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export interface Resolved {
  host: string;
  addresses: { address: string; family: number }[];
  used: string;
}

/** The addresses of `host` (an IP literal is its own), and the one used: the first, as Node's connect would. */
export async function resolve(host: string): Promise<Resolved> {
  const bare = host.replace(/^\[|\]$/g, '');
  const addresses = isIP(bare) ? [{ address: bare, family: isIP(bare) }] : await lookup(bare, { all: true });
  return { host: bare, addresses, used: addresses[0]!.address };
}

/** A TCP connection, or the error (refused, reset, unreachable), or undefined on timeout. */
export function connectTcp(address: string, port: number, deadline: number): Promise<Socket | (Error & { code?: string }) | undefined> {
  return new Promise((done) => {
    const socket = tcpConnect({ host: address, port });
    const timer = setTimeout(() => (socket.destroy(), done(undefined)), Math.max(0, deadline - performance.now()));
    socket.once('connect', () => (clearTimeout(timer), socket.removeAllListeners('error'), done(socket)));
    socket.once('error', (error) => (clearTimeout(timer), done(error)));
  });
}

const name = (fields: PeerCertificate['subject'] | undefined): string | undefined =>
  fields && (Object.entries(fields) as [string, string | string[]][]).map(([key, value]) => `${key}=${[value].flat().join('+')}`).join(', ');

/**
 * TLS over `socket`. Verification is done here rather than by aborting the handshake, so a failing
 * certificate can still be shown; the caller sends nothing over a connection that failed it unless
 * told to (`--insecure`).
 */
export function startTls(
  socket: Socket,
  host: string,
  options: { ca?: string | Buffer | (string | Buffer)[]; alpn: string[] },
  deadline: number,
): Promise<{ tls?: TLSSocket; facts?: TlsFacts; error?: Error & { code?: string } }> {
  return new Promise((done) => {
    const tls = tlsConnect({ socket, servername: isIP(host) ? undefined : host, rejectUnauthorized: false, ca: options.ca, ALPNProtocols: options.alpn });
    const timer = setTimeout(() => (tls.destroy(), done({})), Math.max(0, deadline - performance.now()));
    tls.once('error', (error: Error & { code?: string }) => (clearTimeout(timer), done({ error })));
    tls.once('secureConnect', () => {
      clearTimeout(timer);
      tls.removeAllListeners('error');
      const cert = tls.getPeerCertificate();
      const identity = cert && Object.keys(cert).length ? checkServerIdentity(host, cert) : new Error('the server sent no certificate');
      const reason = tls.authorizationError ? String(tls.authorizationError) : identity ? ((identity as Error & { code?: string }).code ?? identity.message) : undefined;
      const validTo = cert?.valid_to ? new Date(cert.valid_to) : undefined;
      done({
        tls,
        facts: {
          version: tls.getProtocol() ?? undefined,
          cipher: tls.getCipher()?.name,
          alpn: tls.alpnProtocol ?? false,
          subject: name(cert?.subject),
          issuer: name(cert?.issuer),
          validTo: validTo?.toISOString(),
          daysLeft: validTo ? Math.floor((validTo.getTime() - Date.now()) / 86400000) : undefined,
          verified: !reason,
          reason,
        },
      });
    });
  });
}

/** The length of a response head in `buffer` (through the blank line), if all of it is there. */
export const headLength = (buffer: Buffer): number | undefined => {
  const end = buffer.indexOf('\r\n\r\n');
  return end < 0 ? undefined : end + 4;
};

export interface Head {
  httpVersion: string;
  status: number;
  statusText: string;
  headers: [string, string][];
}

/** Parses `HTTP/1.1 101 Switching Protocols` and its header lines. */
export function parseHead(text: string): Head | undefined {
  const [statusLine = '', ...lines] = text.replace(/\r\n\r\n$/, '').split('\r\n');
  const match = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!match) return undefined;
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return colon < 0 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  return { httpVersion: match[1]!, status: Number(match[2]), statusText: match[3] ?? '', headers };
}

/** A header's values joined as HTTP joins repeated fields; undefined when absent. */
export const header = (headers: [string, string][], wanted: string): string | undefined => {
  const values = headers.filter(([key]) => key.toLowerCase() === wanted).map(([, value]) => value);
  return values.length ? values.join(', ') : undefined;
};

export const hex = (bytes: Buffer): string => bytes.toString('hex').replace(/(..)(?!$)/g, '$1 ');

/** Text when the bytes are printable UTF-8, hex otherwise. */
export function show(bytes: Buffer): { bytes: number; text?: string; hex?: string } {
  const text = bytes.toString('utf8');
  return Buffer.byteLength(text) === bytes.length && !/[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/.test(text)
    ? { bytes: bytes.length, text }
    : { bytes: bytes.length, hex: hex(bytes) };
}

/**
 * The first 512 bytes of a refusal's body: as much as Content-Length says, or what comes before the
 * end or a pause; a chunked body decoded (RFC 9112 §7.1), so what shows is what the server meant.
 */
export async function readBody(wire: Wire, head: Head, deadline: number): Promise<ReturnType<typeof show> | undefined> {
  const until = Math.min(deadline, performance.now() + 500);
  if (/chunked/i.test(header(head.headers, 'transfer-encoding') ?? '')) {
    const parts: Buffer[] = [];
    let total = 0;
    while (total < 512) {
      const line = await wire.read((buffer) => (buffer.includes('\r\n') ? buffer.indexOf('\r\n') + 2 : undefined), until);
      // The size in hex, maybe followed by `;extension`; 0 is the last chunk.
      const size = line ? parseInt(line.toString('latin1'), 16) : 0;
      if (!(size > 0)) break;
      const chunk = await wire.read((buffer) => (buffer.length >= size + 2 ? size + 2 : undefined), until);
      const data = (chunk ?? wire.buffer).subarray(0, size);
      parts.push(data);
      total += data.length;
      if (!chunk) break;
    }
    const body = Buffer.concat(parts).subarray(0, 512);
    return body.length ? show(body) : undefined;
  }
  const length = Number(header(head.headers, 'content-length') ?? NaN);
  const want = Number.isFinite(length) ? Math.min(length, 512) : 512;
  if (want === 0) return undefined;
  const bytes = await wire.read((buffer) => (buffer.length >= want ? want : undefined), until);
  const body = bytes ?? wire.buffer.subarray(0, want);
  return body.length ? show(body) : undefined;
}
