import type { SteadySocketError } from './errors';
import type { MessageData } from './options';
import type { SocketState } from './state';

/** The events of a SteadySocket, with their arguments. */
export interface SteadySocketEvents {
  /** An attempt starts. */
  connecting: (event: { attempt: number }) => void;
  /**
   * The connection is open; queued messages have just been sent. `http` (Node, with
   * `nodeOptions.http2`, and the full `steadysocket` entry): which HTTP carried the handshake.
   */
  open: (event: { attempt: number; protocol: string; http?: '1.1' | '2' }) => void;
  /** A message: a string for text, ArrayBuffer (or Blob) for binary. */
  message: (data: MessageData) => void;
  /** An open connection ended. */
  close: (event: { code: number; reason: string; wasClean: boolean; willReconnect: boolean }) => void;
  /** The next attempt starts in `delay` ms (later if the browser is offline then: it waits for `online`). */
  reconnecting: (event: { attempt: number; delay: number; error?: SteadySocketError }) => void;
  /** Something failed; `kind` says what. */
  error: (error: SteadySocketError) => void;
  /** Every change of `state`. */
  state: (state: SocketState, previous: SocketState) => void;
  /** A heartbeat was answered after `rtt` ms. */
  heartbeat: (event: { rtt: number }) => void;
}

/** An event as the session announces it: its name and arguments. */
export type Announcement = { [K in keyof SteadySocketEvents]: [K, ...Parameters<SteadySocketEvents[K]>] }[keyof SteadySocketEvents];
