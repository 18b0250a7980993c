export { SteadySocket } from './socket';
export type { SteadySocketEvents, UrlSource } from './socket';
export { SteadySocketError } from './errors';
export type { ErrorKind, ErrorDetails } from './errors';
export type { SocketState } from './state';
export type {
  SteadySocketOptions,
  ReconnectOptions,
  ReconnectInfo,
  HeartbeatOptions,
  BufferOptions,
  NodeOptions,
  MessageData,
  WebSocketConstructor,
  WebSocketLike,
} from './options';
export type { SendData } from './queue';
export type { Jitter } from './backoff';
export type { Clock } from './clock';
