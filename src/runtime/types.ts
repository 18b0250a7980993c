import type { SteadySocketError } from '../errors';
import type { MessageData, NodeOptions, WebSocketConstructor } from '../options';
import type { SendData } from '../queue';

/** What one connection attempt reports back to the socket. */
export interface TransportEvents {
  open(protocol: string): void;
  message(data: MessageData): void;
  /** A protocol pong frame arrived (Node). */
  pong(): void;
  /** Before open: the attempt failed. After open: comes just before `close`. */
  error(error: SteadySocketError): void;
  /** Only after open. */
  close(code: number, reason: string, wasClean: boolean): void;
}

export interface TransportOptions {
  url: string;
  protocols: string[];
  binaryType: 'arraybuffer' | 'blob';
  attempt: number;
  WebSocket?: WebSocketConstructor;
  nodeOptions: NodeOptions;
}

/** One underlying WebSocket, however the runtime provides it. */
export interface Transport {
  send(data: SendData): void;
  /** Graceful close: a close frame, then `close` arrives. */
  close(code: number, reason?: string): void;
  /** Ends it now and silences it: no event comes after this. */
  destroy(): void;
  /** Sends a protocol ping frame; absent where the runtime cannot (browsers). */
  ping?: () => void;
  readonly bufferedAmount: number;
  readonly protocol: string;
}

/** Network and page signals; browsers only, a no-op elsewhere. */
export interface EnvironmentEvents {
  online(): void;
  offline(): void;
  visible(): void;
}

/** What `deliver` needs of the socket: its message event. */
export interface MessageEmitter {
  emit(event: 'message', data: MessageData): boolean;
}
