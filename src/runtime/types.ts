import type { SteadySocketError } from '../errors';
import type { MessageData, NodeOptions, WebSocketConstructor } from '../options';
import type { SendData } from '../queue';
import type { Announcement } from '../events';
import type { Watcher } from '../extensions';

/**
 * What one underlying WebSocket reports. The attempt listens during the handshake, the connection
 * after open (`Transport.listen` hands it over), so each event has one receiver that knows its phase.
 */
export interface TransportEvents {
  open(protocol: string): void;
  /** `bytes`: the payload's size (docs/monitoring.md says how text is counted). */
  message(data: MessageData, bytes: number): void;
  /** A protocol pong frame arrived (Node); `answered`: a ping frame arrived, and the runtime answered it. */
  pong(answered?: boolean): void;
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
  nodeOptions?: NodeOptions;
}

/** One underlying WebSocket, however the runtime provides it. */
export interface Transport {
  /** Whether a frame handed to send() now goes out: open, and no close frame seen or sent. */
  readonly ready: boolean;
  /** Returns the bytes it counts as sent. */
  send(data: SendData): number;
  /** Graceful close: a close frame, then `close` arrives. */
  close(code: number, reason?: string): void;
  /**
   * Silences it and lets it go: no event comes after this. With a code, a close frame is sent first
   * (the peer sees why); without, the connection is cut.
   */
  destroy(code?: number, reason?: string): void;
  /** From now on `events` hears what happens. */
  listen(events: TransportEvents): void;
  /** Sends a protocol ping frame; absent where the runtime cannot (browsers). */
  ping?: () => void;
  /** From now on the peer's ping frames count as `pong` (a sign of life); absent where they cannot be seen (browsers). */
  hearPings?: () => void;
  readonly bufferedAmount: number;
  readonly protocol: string;
}

/** Network and page signals; browsers only, a no-op elsewhere. */
export interface EnvironmentEvents {
  /**
   * The network came back, a hidden tab (whose timers were throttled) is visible again, the machine
   * slept, or the page came back from the back/forward cache.
   */
  wake(why: 'online' | 'visible' | 'resume' | 'pageshow'): void;
  offline(): void;
  /** The page may be going into the back/forward cache. */
  pagehide(): void;
}

/** What `deliver` needs of the socket: its message event. */
export interface MessageEmitter {
  emit(event: 'message', data: MessageData): boolean;
}

/** What each runtime (`#runtime`: Node or browser) provides; both files satisfy it. */
export interface Runtime {
  openTransport(options: TransportOptions, events: TransportEvents): Transport;
  watchEnvironment(events: EnvironmentEvents): () => void;
  deliver(socket: MessageEmitter, data: MessageData): void;
  isOnline(): boolean;
  /** Tells the diagnostics channels (Node) of an announcement; `duration`: ms since the attempt began. */
  publish(monitor: Watcher, entry: Announcement, duration: number): void;
  /**
   * A new event of the runtime's class `name` (`CloseEvent`, `ErrorEvent`, ...) carrying `init`'s
   * fields; looked up at each call, so a page may polyfill it late.
   */
  makeEvent(name: string, type: string, init: EventInit & Record<string, unknown>): Event;
}
