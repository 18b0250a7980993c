import type { ClientRequest, IncomingMessage } from 'node:http';
import WebSocket from 'isomorphic-ws';
import { classifyNodeError, responseError, safeHeaders } from '../classify';
import { SteadySocketError } from '../errors';
import type { SendData } from '../queue';
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

  return new WsTransport(raw, options, events);
}

type Tcp = { cork(): void; uncork(): void; writableLength: number };
const noop = (): void => {};

/** One `ws` connection. A class, so its methods are shared: thousands of idle sockets stay small. */
class WsTransport implements Transport {
  private opened = false;
  private upgradeHeaders?: IncomingMessage['headers'];
  private corked?: Tcp;

  constructor(
    private readonly raw: WsSocket,
    options: TransportOptions,
    events: TransportEvents,
  ) {
    const { attempt } = options;
    (raw as { binaryType: string }).binaryType = options.binaryType;
    raw.on('upgrade', (response: IncomingMessage) => void (this.upgradeHeaders = response.headers));
    raw.on('unexpected-response', (_request: ClientRequest, response: IncomingMessage) =>
      events.error(responseError(response.statusCode ?? 0, response.headers, attempt)),
    );
    raw.on('open', () => {
      this.opened = true;
      // What only the handshake needed goes, so an open connection holds no more than it must.
      this.upgradeHeaders = undefined;
      raw.removeAllListeners('upgrade');
      raw.removeAllListeners('unexpected-response');
      events.open(raw.protocol);
    });
    // Text arrives as a Buffer (isBinary false); binary already in the requested binaryType.
    raw.on('message', (data: Buffer | ArrayBuffer | Blob, isBinary: boolean) =>
      events.message(isBinary ? (data as ArrayBuffer | Blob) : data.toString()),
    );
    raw.on('pong', events.pong);
    raw.on('error', (cause: Error) => {
      const error = classifyNodeError(cause, attempt, this.opened);
      const headers = this.upgradeHeaders;
      events.error(headers ? new SteadySocketError(error.kind, error.message, { ...error, headers: safeHeaders(headers) }) : error);
    });
    raw.on('close', (code: number, reason: Buffer) => this.opened && events.close(code, reason.toString(), code !== 1006));
  }

  /**
   * Frames sent within one tick leave in one write: the TCP socket is corked at the first send of the
   * tick and uncorked on the next tick. A burst of small messages then costs one syscall instead of
   * one each; a lone message waits no longer than the current tick; order is the socket's own. A long
   * burst is let out every 64 KiB, so the peer starts reading while the rest is produced.
   */
  send(data: SendData): void {
    const corked = this.corked;
    if (!corked) {
      const tcp = (this.raw as unknown as { _socket?: Partial<Tcp> })._socket;
      if (tcp?.cork) {
        tcp.cork();
        this.corked = tcp as Tcp;
        process.nextTick(() => {
          tcp.uncork!();
          this.corked = undefined;
        });
      }
    } else if (corked.writableLength > 65536) {
      corked.uncork();
      corked.cork();
    }
    this.raw.send(data);
  }

  close(code: number, reason?: string): void {
    this.raw.close(code, reason);
  }

  ping(): void {
    this.raw.ping();
  }

  destroy(): void {
    this.raw.removeAllListeners();
    // ws reports the abort of a pending handshake as an error on the next tick: keep it from
    // becoming an uncaught 'error' event.
    this.raw.on('error', noop);
    this.raw.terminate();
  }

  get bufferedAmount(): number {
    return this.raw.bufferedAmount;
  }

  get protocol(): string {
    return this.raw.protocol;
  }
}

/** Node has no online/offline or page visibility: nothing to watch. */
export function watchEnvironment(_events: EnvironmentEvents): () => void {
  return noop;
}

export const isOnline = (): boolean => true;
