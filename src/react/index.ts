// steadysocket/react: useSteadySocket, one SteadySocket per mounted component. React and the client
// are imports, not bundled: an app keeps one copy of each, and `steadysocket` carries no React.
//
// The socket is made in an effect and closed in its cleanup, never in render: the server renders no
// socket, and StrictMode's second mount closes the first socket before it has started connecting
// (a SteadySocket starts on the next microtask).
import { useCallback, useEffect, useInsertionEffect, useRef, useState } from 'react';
import { SteadySocket, SteadySocketError, type MessageData, type SendData, type SocketState, type SteadySocketOptions, type UrlSource } from 'steadysocket';
import { optionsKey, readThrough } from './options';
import { Outbox } from './outbox';

/** The options of {@link useSteadySocket}: those of `SteadySocket`, and `onMessage`. */
export interface UseSteadySocketOptions extends SteadySocketOptions {
  /**
   * Called with every message, without a render. The latest render's function is called, so an
   * inline arrow is fine (it does not reconnect). Default: none.
   */
  onMessage?: (data: MessageData, socket: SteadySocket) => void;
}

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

/** The socket of the last effect, and the URL and options it was made for. */
interface Live {
  /** `null` when the URL or the options were refused. */
  socket: SteadySocket | null;
  url: string;
  options: string;
}

interface View {
  socket: SteadySocket | null;
  state: SocketState;
  error: SteadySocketError | undefined;
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
  const urlKey = url == null ? null : typeof url === 'function' ? 'function' : `url:${url}`;
  const key = optionsKey(options);
  const latest = useRef({ url, options, urlKey, key });
  // Before any effect of this commit, so a send() from one goes to the socket of what was rendered;
  // an insertion effect, unlike a layout effect, is silent in React 18's server renderer.
  useInsertionEffect(() => {
    latest.current = { url, options, urlKey, key };
  });
  const [outbox] = useState(() => new Outbox<SteadySocket, SendData>());
  const live = useRef<Live | null>(null);
  const [view, setView] = useState<View>(() => ({ socket: null, state: urlKey === null ? 'closed' : 'connecting', error: undefined }));

  useEffect(() => {
    if (urlKey === null) {
      outbox.clear();
      setView({ socket: null, state: 'closed', error: undefined });
      return;
    }
    const read = () => latest.current;
    const { url: source, options: given } = read();
    // onMessage is the hook's, and SteadySocket refuses options it does not know.
    const socketOptions: SteadySocketOptions & { onMessage?: unknown } = { ...given };
    delete socketOptions.onMessage;
    let socket: SteadySocket;
    try {
      socket = new SteadySocket(readThrough(source!, () => read().url), readThrough(socketOptions, () => read().options));
    } catch (error) {
      live.current = { socket: null, url: urlKey, options: key };
      setView({ socket: null, state: 'closed', error: error as SteadySocketError });
      return () => void (live.current = null);
    }
    let error: SteadySocketError | undefined;
    const show = (): void => setView({ socket, state: socket.state, error });
    const onState = (state: SocketState): void => {
      if (state === 'open') {
        outbox.flushed(socket);
        error = undefined;
      }
      show();
    };
    const onError = (failure: SteadySocketError): void => {
      error = failure;
      show();
    };
    const onData = (data: MessageData): void => read().options.onMessage?.(data, socket);
    socket.on('state', onState).on('error', onError).on('message', onData);
    // With new options that keep fewer messages (`buffer`), what does not fit is dropped: said so.
    error = outbox.handOver(urlKey, socket, (data) => socket.send(data)) as SteadySocketError | undefined;
    live.current = { socket, url: urlKey, options: key };
    show();
    return () => {
      live.current = null;
      socket.off('state', onState).off('error', onError).off('message', onData);
      void socket.close();
    };
    // `url` and `options` are read through `latest`: only what they are worth counts.
  }, [urlKey, key, outbox]);

  const send = useCallback(
    (data: SendData): void => {
      const { urlKey: url, key: options, options: given } = latest.current;
      const current = live.current;
      const made = current && current.url === url && current.options === options;
      if (made && current.socket) {
        current.socket.send(data);
        if (current.socket.state !== 'open') outbox.push(data, url, current.socket);
        return;
      }
      if (url === null || made || given.buffer === false) {
        throw new SteadySocketError('not-open', url === null ? 'cannot send without a URL' : made ? 'cannot send: the socket could not be made' : 'cannot send while connecting');
      }
      // No socket for what was rendered yet (between a render and its effect): the next one sends it.
      outbox.push(data, url);
    },
    [outbox],
  );
  return { socket: view.socket, state: view.state, error: view.error, send };
}
