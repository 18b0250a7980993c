import { SteadySocketError } from '../errors';
import { checkProtocols } from '../options';
import { normalizeUrl } from '../url';
import { parseProxy, type Proxy } from './proxy';
import type { DoctorOptions } from './report';

// The doctor's input, checked before anything goes on the wire: bad input throws at the call.

/** The longest timeout Node's timers hold (2^31 - 1 ms). */
export const MAX_TIMEOUT = 2147483647;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+(\/[!#$%&'*+\-.^_`|~0-9A-Za-z]+)?$/;
const invalid = (message: string): never => {
  throw new SteadySocketError('invalid-options', message);
};

/** Bad input throws at the call; everything the network does ends up in the report. */
export interface Checked {
  url: URL;
  headers: [string, string][];
  timeout: number;
  upgrade: string;
  protocols: string[];
  proxy?: Proxy;
  http2: boolean | 'auto';
}

export function check(url: string, options: DoctorOptions): Checked {
  const upgrade = options.upgrade ?? 'websocket';
  if (typeof upgrade !== 'string' || !TOKEN.test(upgrade)) invalid(`upgrade must be an HTTP token, got ${JSON.stringify(upgrade)}`);
  const parsed = new URL(upgrade.toLowerCase() === 'websocket' ? normalizeUrl(url) : normalizeUrl(url).replace(/^ws/, 'http'));
  const timeout = options.timeout ?? 10000;
  if (typeof timeout !== 'number' || !(timeout >= 1) || !Number.isFinite(timeout)) invalid(`timeout must be a finite number >= 1, got ${String(timeout)}`);
  // Node's timers hold a signed 32-bit count of ms: more becomes 1 ms, with a warning.
  if (timeout > MAX_TIMEOUT) invalid(`timeout must be at most ${MAX_TIMEOUT} ms (about 24.8 days), got ${timeout}`);
  const headers = Array.isArray(options.headers) ? options.headers : Object.entries(options.headers ?? {});
  for (const [name, value] of headers) {
    if (!TOKEN.test(name) || name.includes('/')) invalid(`header name ${JSON.stringify(name)} is not an HTTP token`);
    if (typeof value !== 'string' || /[\r\n]/.test(value)) invalid(`header ${name} must be a one-line string`);
  }
  if (options.origin !== undefined && (typeof options.origin !== 'string' || /[\r\n]/.test(options.origin))) invalid('origin must be a one-line string');
  if (options.proxy !== undefined && typeof options.proxy !== 'string') invalid('proxy must be a URL string');
  const proxy = options.proxy ? parseProxy(options.proxy) : undefined;
  const http2 = options.http2 ?? 'auto';
  if (http2 !== true && http2 !== false && http2 !== 'auto') invalid(`http2 must be true, false or 'auto', got ${JSON.stringify(http2)}`);
  return { url: parsed, headers, timeout, upgrade, protocols: checkProtocols(options.protocols), proxy, http2 };
}
