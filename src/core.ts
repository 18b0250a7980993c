// steadysocket/core: the client without the browser handshake probes and the per-kind hints, for
// bundles that count their bytes. `steadysocket` is the same client with both.
export { SteadySocket } from './socket';
export { SteadyWebSocket } from './dropin';
export type { SteadyWebSocketClass, SteadyCloseEvent, SteadyErrorEvent, EventHandler } from './dropin';
export type { SteadySocketEvents } from './events';
export type { UrlSource } from './attempt';
export { SteadySocketError, isSteadySocketError } from './errors';
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
export type { SocketStats, RttStats, LogRecord, LogLevel, LogEvent, Logger } from './records';
export type { Jitter } from './backoff';
export type { Clock } from './clock';
