// steadysocket/react: useSteadySocket, one SteadySocket per mounted component. React and the client
// are imports, not bundled: an app keeps one copy of each, and `steadysocket` carries no React.
//
// The socket is made in an effect and closed in its cleanup, never in render: the server renders no
// socket, and StrictMode's second mount closes the first socket before it has started connecting
// (a SteadySocket starts on the next microtask).
import { useEffect, useInsertionEffect, useRef, useState } from 'react';
import type { SendData, SocketState, SteadySocket, SteadySocketError, UrlSource } from 'steadysocket';
import { Link, rendered, type UseSteadySocketOptions, type View } from './link';

export type { UseSteadySocketOptions };

/** What {@link useSteadySocket} returns. Render with `state` and `error`; send with `send`. */
export interface UseSteadySocketResult {
  /**
   * The component's socket, for its events and members (`reconnect()`, `stats()`, ...). `null`
   * during server rendering and the first render (it is made in an effect), without a URL, or when
   * the URL or options are invalid (`error` says why).
   */
  socket: SteadySocket | null;
  /**
   * The socket's state, as React state. `'connecting'` until the socket exists (also on the
   * server, so the first client render matches the server's HTML); `'closed'` without a URL.
   */
  state: SocketState;
  /**
   * The last error of the current socket, as React state: a failed attempt (`network`,
   * `unauthorized`, ...), or `invalid-url`/`invalid-options` when it could not be made. Cleared
   * when the socket opens, and for a new socket.
   */
  error: SteadySocketError | undefined;
  /**
   * Sends `data`, or keeps it until the socket opens. Unlike `socket.send`, what it keeps survives
   * the socket: a socket made for new options or by StrictMode's second mount sends it, once. A
   * new URL drops what was kept for the old one. The same function on every render.
   * @throws SteadySocketError As `socket.send` does (`invalid-data`, `buffer-full`, `not-open`);
   * `not-open` also without a URL, or when the socket could not be made.
   */
  send: (data: SendData) => void;
}

/**
 * One `SteadySocket` for as long as the component is mounted, closed on unmount. A new socket when
 * `url` or the options' values change, not their identity: an inline options object does not
 * reconnect. Functions in the options (`onMessage`, `shouldReconnect`, a `url` function, ...) are
 * read from the latest render, so they never reconnect either; `WebSocket`, and objects that are
 * not plain (an agent, a logger instance), count by identity.
 *
 * @param url A ws:, wss:, http: or https: URL, or a function returning one (called before every
 * attempt, as by `SteadySocket`). `null` or `undefined`: no socket, `state` is `'closed'`.
 * @param options The options of `SteadySocket`, plus `onMessage`.
 *
 * @example
 * function Chat({ room }: { room: string }) {
 *   const [lines, setLines] = useState<string[]>([]);
 *   const { state, error, send } = useSteadySocket(`wss://chat.example.com/rooms/${room}`, {
 *     reconnect: { maxDelay: 10000 },
 *     onMessage: (data) => setLines((all) => [...all, String(data)]),
 *   });
 *   return <p>{state}{error && ` (${error.kind})`} <button onClick={() => send('hi')}>hi</button></p>;
 * }
 */
export function useSteadySocket(url: UrlSource | null | undefined, options: UseSteadySocketOptions = {}): UseSteadySocketResult {
  const now = rendered(url, options);
  const latest = useRef(now);
  // Before any effect of this commit, so a send() from one goes to the socket of what was rendered;
  // an insertion effect, unlike a layout effect, is silent in React 18's server renderer.
  useInsertionEffect(() => {
    latest.current = now;
  });
  const [view, setView] = useState<View>(() => ({ socket: null, state: now.urlKey === null ? 'closed' : 'connecting', error: undefined }));
  const [link] = useState(() => new Link(() => latest.current, setView));
  // `url` and `options` are read through `latest`: only what they are worth counts.
  useEffect(() => link.open(), [link, now.urlKey, now.key]);
  const send = link.send;
  return { socket: view.socket, state: view.state, error: view.error, send };
}
