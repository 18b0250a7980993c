// A component's link to its socket: what useSteadySocket's effect and send() do, without React, so
// Node tests drive it with real sockets. The hook hands it what was rendered last (read through a
// ref) and where to show the socket's state; open() is the effect, its result the cleanup.
import { SteadySocket, SteadySocketError, type MessageData, type SendData, type SocketState, type SteadySocketOptions, type UrlSource } from 'steadysocket';
import { optionsKey, readThrough } from './options';
import { Outbox } from './outbox';

/** The options of `useSteadySocket`: those of `SteadySocket`, and `onMessage`. */
export interface UseSteadySocketOptions extends SteadySocketOptions {
  /**
   * Called with every message, without a render. The latest render's function is called, so an
   * inline arrow is fine (it does not reconnect). Default: none.
   */
  onMessage?: (data: MessageData, socket: SteadySocket) => void;
}

/** What the hook last rendered, and the keys it compares: `urlKey` null for no URL. */
export interface Rendered {
  url: UrlSource | null | undefined;
  options: UseSteadySocketOptions;
  urlKey: string | null;
  key: string;
}

/** What a render of `useSteadySocket(url, options)` hands its link. */
export function rendered(url: UrlSource | null | undefined, options: UseSteadySocketOptions): Rendered {
  return { url, options, urlKey: url == null ? null : typeof url === 'function' ? 'function' : `url:${url}`, key: optionsKey(options) };
}

/** What the component renders from its socket. */
export interface View {
  socket: SteadySocket | null;
  state: SocketState;
  error: SteadySocketError | undefined;
}

/** The socket of the last open(), and the URL and options it was made for. */
interface Live {
  /** `null` when the URL or the options were refused. */
  socket: SteadySocket | null;
  url: string;
  options: string;
}

/** One per component: makes its sockets and sends through them. */
export class Link {
  readonly #read: () => Rendered;
  readonly #show: (view: View) => void;
  readonly #outbox = new Outbox<SteadySocket, SendData>();
  #live: Live | null = null;

  constructor(read: () => Rendered, show: (view: View) => void) {
    this.#read = read;
    this.#show = show;
  }

  /** Makes the socket for what was rendered (the effect); returns what closes it (the cleanup). */
  open(): () => void {
    const { url, options, urlKey, key } = this.#read();
    if (urlKey === null) {
      this.#outbox.clear();
      this.#show({ socket: null, state: 'closed', error: undefined });
      return () => {};
    }
    // onMessage is the hook's, and SteadySocket refuses options it does not know.
    const socketOptions: SteadySocketOptions & { onMessage?: unknown } = { ...options };
    delete socketOptions.onMessage;
    let socket: SteadySocket;
    try {
      socket = new SteadySocket(readThrough(url!, () => this.#read().url), readThrough(socketOptions, () => this.#read().options));
    } catch (error) {
      this.#live = { socket: null, url: urlKey, options: key };
      this.#show({ socket: null, state: 'closed', error: error as SteadySocketError });
      return () => void (this.#live = null);
    }
    let error: SteadySocketError | undefined;
    const show = (): void => this.#show({ socket, state: socket.state, error });
    const onState = (state: SocketState): void => {
      if (state === 'open') {
        this.#outbox.flushed(socket);
        error = undefined;
      }
      show();
    };
    const onError = (failure: SteadySocketError): void => {
      error = failure;
      show();
    };
    const onMessage = (data: MessageData): void => this.#read().options.onMessage?.(data, socket);
    socket.on('state', onState).on('error', onError).on('message', onMessage);
    // With new options that keep fewer messages (`buffer`), what does not fit is dropped: said so.
    error = this.#outbox.handOver(urlKey, socket, (data) => socket.send(data)) as SteadySocketError | undefined;
    this.#live = { socket, url: urlKey, options: key };
    show();
    return () => {
      this.#live = null;
      socket.off('state', onState).off('error', onError).off('message', onMessage);
      void socket.close();
    };
  }

  /** The hook's send(): to the socket of what was rendered, or kept for the next one. */
  readonly send = (data: SendData): void => {
    const { urlKey: url, key: options, options: given } = this.#read();
    const live = this.#live;
    const made = live !== null && live.url === url && live.options === options;
    if (made && live.socket) {
      live.socket.send(data);
      if (live.socket.state !== 'open') this.#outbox.push(data, url, live.socket);
      return;
    }
    if (url === null || made || given.buffer === false) {
      throw new SteadySocketError('not-open', url === null ? 'cannot send without a URL' : made ? 'cannot send: the socket could not be made' : 'cannot send while connecting');
    }
    // No socket for what was rendered yet (between a render and its effect): the next one sends it.
    this.#outbox.push(data, url);
  };
}
