// What the hook's send() was given while its socket was not open, so a socket that replaces another
// (new options, StrictMode's second mount) can take it over. SteadySocket keeps its queue to itself;
// the hook keeps its own list beside it and drops an entry once the socket holding it has opened
// (on open, a SteadySocket sends its queue before it announces the state).

interface Entry<Socket, Data> {
  data: Data;
  /** The URL (the hook's key for it) rendered when the message was sent: it is for that URL only. */
  url: string;
  /** The socket that queued it; none yet while no socket for the rendered URL and options existed. */
  socket?: Socket;
}

/** Messages sent through the hook and not yet flushed by an open socket, in the order sent. */
export class Outbox<Socket, Data> {
  #entries: Entry<Socket, Data>[] = [];

  /** Number of messages kept. */
  get size(): number {
    return this.#entries.length;
  }

  /** Keeps a message sent for `url`, queued by `socket` or by none yet. */
  push(data: Data, url: string, socket?: Socket): void {
    this.#entries.push({ data, url, socket });
  }

  /**
   * Hands what was sent for `url` over to `socket`, in order, through `send` (its `send`). What was
   * sent for another URL is dropped: a message for room A is not for room B. Returns the error of
   * the first message `send` refused (a smaller `buffer`); that one and the rest are dropped.
   */
  handOver(url: string, socket: Socket, send: (data: Data) => void): unknown {
    const kept = this.#entries.filter((entry) => entry.url === url);
    this.#entries = [];
    for (const entry of kept) {
      try {
        send(entry.data);
      } catch (error) {
        return error;
      }
      this.#entries.push({ ...entry, socket });
    }
    return undefined;
  }

  /** Forgets what `socket` queued: it opened and sent its queue. */
  flushed(socket: Socket): void {
    this.#entries = this.#entries.filter((entry) => entry.socket !== socket);
  }

  /** Forgets everything: the component renders no URL. */
  clear(): void {
    this.#entries = [];
  }
}
