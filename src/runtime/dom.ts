import { SteadySocketError, type ErrorKind } from '../errors';
import type { MessageData } from '../options';
import { byteSize, type SendData } from '../queue';
import type { Transport, TransportEvents, TransportOptions } from './types';

/** The WHATWG WebSocket members used here; browsers, undici and React Native all have them. */
export interface DomSocket {
  readonly protocol: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  binaryType: string;
  send(data: SendData): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: MessageData }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null;
}

/** Everything a failed browser handshake can be: the browser shows page scripts no difference. */
export const HANDSHAKE_KINDS: ErrorKind[] = [
  'network',
  'tls',
  'no-protocol-support',
  'bad-upgrade-header',
  'subprotocol-mismatch',
  'extension-mismatch',
  'unauthorized',
  'rate-limited',
  'server-error',
];

/**
 * Drives a WHATWG WebSocket. Before open, browsers fire a bare `error` and close 1006 for every
 * failure, so the attempt fails as `unknown` (to be diagnosed); Firefox's 1015 alone proves TLS.
 */
export function domTransport(raw: DomSocket, options: TransportOptions, events: TransportEvents): Transport {
  let opened = false;
  // Browsers fire `error` and then `close` in the same task, and only `close` has the code; undici
  // never fires `close` after a failed handshake. So an error waits one task for its close.
  let pending: ReturnType<typeof setTimeout> | undefined;
  const failed = (code?: number): void => {
    clearTimeout(pending);
    const tls = code === 1015;
    events.error(
      new SteadySocketError(tls ? 'tls' : 'unknown', tls ? 'TLS handshake failed (close code 1015)' : 'handshake failed', {
        attempt: options.attempt,
        closeCode: code,
        candidates: tls ? undefined : HANDSHAKE_KINDS,
      }),
    );
  };
  raw.binaryType = options.binaryType;
  raw.onopen = () => {
    opened = true;
    events.open(raw.protocol);
  };
  raw.onmessage = ({ data }) => events.message(data, measure(data));
  raw.onerror = () => {
    if (!opened) pending ??= setTimeout(failed, 0);
  };
  raw.onclose = (event) => (opened ? events.close(event.code, event.reason, event.wasClean) : failed(event.code));
  return {
    send(data) {
      raw.send(data);
      return measure(data);
    },
    close: (code, reason) => raw.close(code, reason),
    destroy(code, reason) {
      clearTimeout(pending);
      raw.onopen = raw.onmessage = raw.onerror = raw.onclose = null;
      try {
        raw.close(code, reason);
      } catch {
        // A page may send only 1000 and 3000-4999 (a 1011 throws): close without a code rather than
        // leave the connection open. Closing twice is allowed.
        raw.close();
      }
    },
    listen(next) {
      events = next;
    },
    get ready() {
      return raw.readyState === 1;
    },
    get bufferedAmount() {
      return raw.bufferedAmount;
    },
    get protocol() {
      return raw.protocol;
    },
  };
}

/**
 * A message's size as counted in stats: bytes for binary; for text, its length in UTF-16 code units,
 * which is its UTF-8 size for ASCII. Counting UTF-8 exactly would walk every message; the Node
 * transport gets exact counts for free.
 */
export function measure(data: SendData | MessageData): number {
  return typeof data === 'string' ? data.length : byteSize(data);
}
