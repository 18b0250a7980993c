import type { ClientRequest, IncomingMessage } from 'node:http';
import WebSocket from 'isomorphic-ws';
import { classifyNodeError, responseError, safeHeaders } from '../classify';
import { SteadySocketError } from '../errors';
import type { Transport, TransportEvents, TransportOptions, EnvironmentEvents } from './types';
import { domTransport, type DomSocket } from './dom';

export { diagnose } from '../diagnose';

type WsSocket = WebSocket & DomSocket;

/**
 * Node: the `ws` socket tells exactly why a handshake failed (status, headers, its own checks, Node's
 * error codes), pings with protocol frames and delivers messages without the EventTarget wrapper.
 * Any other constructor (undici's global WebSocket) is driven as a WHATWG WebSocket.
 */
export function openTransport(options: TransportOptions, events: TransportEvents): Transport {
  const Constructor = (options.WebSocket ?? WebSocket) as unknown as new (...args: unknown[]) => WsSocket;
  const raw = new Constructor(options.url, options.protocols, options.nodeOptions);
  if (typeof raw.on !== 'function' || typeof raw.ping !== 'function') return domTransport(raw, options, events);

  const { attempt } = options;
  let opened = false;
  let upgradeHeaders: IncomingMessage['headers'] | undefined;
  (raw as { binaryType: string }).binaryType = options.binaryType;
  raw.on('upgrade', (response: IncomingMessage) => (upgradeHeaders = response.headers));
  raw.on('unexpected-response', (_request: ClientRequest, response: IncomingMessage) => {
    events.error(responseError(response.statusCode ?? 0, response.headers, attempt));
  });
  raw.on('open', () => {
    opened = true;
    events.open(raw.protocol);
  });
  // Text arrives as a Buffer (isBinary false); binary already in the requested binaryType.
  raw.on('message', (data: Buffer | ArrayBuffer | Blob, isBinary: boolean) =>
    events.message(isBinary ? (data as ArrayBuffer | Blob) : data.toString()),
  );
  raw.on('pong', () => events.pong());
  raw.on('error', (cause: Error) => {
    const error = classifyNodeError(cause, attempt, opened);
    events.error(
      upgradeHeaders && !opened ? new SteadySocketError(error.kind, error.message, { ...error, headers: safeHeaders(upgradeHeaders) }) : error,
    );
  });
  raw.on('close', (code: number, reason: Buffer) => opened && events.close(code, reason.toString(), code !== 1006));
  const noop = (): void => {};
  // Frames sent within one tick leave in one write: the TCP socket is corked at the first send of the
  // tick and uncorked on the next tick. A burst of small messages then costs one syscall instead of
  // one each; a lone message waits no longer than the current tick. Order is the socket's own.
  let corked: { cork(): void; uncork(): void } | undefined;
  const uncork = (): void => {
    corked!.uncork();
    corked = undefined;
  };
  return {
    send(data) {
      const tcp = (raw as unknown as { _socket?: { cork?(): void; uncork(): void } })._socket;
      if (!corked && tcp?.cork) {
        tcp.cork();
        corked = tcp as { cork(): void; uncork(): void };
        process.nextTick(uncork);
      }
      raw.send(data);
    },
    close: (code, reason) => raw.close(code, reason),
    ping: () => raw.ping(),
    destroy() {
      raw.removeAllListeners();
      // ws reports the abort of a pending handshake as an error on the next tick: keep it from
      // becoming an uncaught 'error' event.
      raw.on('error', noop);
      raw.terminate();
    },
    get bufferedAmount() {
      return raw.bufferedAmount;
    },
    get protocol() {
      return raw.protocol;
    },
  };
}

/** Node has no online/offline or page visibility: nothing to watch. */
export function watchEnvironment(_events: EnvironmentEvents): () => void {
  return () => {};
}

export const isOnline = (): boolean => true;
