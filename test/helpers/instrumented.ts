import WebSocket from 'ws';

/**
 * A `ws` WebSocket that records what the client hands to each underlying socket, how many are open
 * at once, and which ended abnormally. Lets a test tell a message the client lost (a bug) from one
 * that died in flight with its connection (WebSocket has no delivery acknowledgement).
 */
export function instrumentedWebSocket(): {
  WebSocket: new (url: string, protocols?: string | string[]) => WebSocket;
  /** For each text message handed to a socket: the socket's number. */
  handedTo: Map<string, number[]>;
  /** Numbers of the sockets that ended abnormally (1006). */
  died: Set<number>;
  /** The most sockets that were open at the same moment. */
  maxOpen(): number;
} {
  const handedTo = new Map<string, number[]>();
  const died = new Set<number>();
  let count = 0;
  let open = 0;
  let maxOpen = 0;
  class Instrumented extends WebSocket {
    readonly number = ++count;
    private wasOpen = false;
    constructor(url: string, protocols?: string | string[], options?: WebSocket.ClientOptions) {
      super(url, protocols, options);
    }

    // Watched through emit, not listeners: the client removes every listener of a socket it drops.
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'open') {
        this.wasOpen = true;
        maxOpen = Math.max(maxOpen, ++open);
      } else if (event === 'close') {
        if (this.wasOpen) open--;
        if (args[0] === 1006) died.add(this.number);
      }
      return super.emit(event, ...args);
    }

    override send(data: WebSocket.Data, ...rest: never[]): void {
      // The client hands text over as a UTF-8 Buffer marked `binary: false` (one chunk per frame).
      const options = rest[0] as { binary?: boolean } | undefined;
      const text = typeof data === 'string' ? data : Buffer.isBuffer(data) && options?.binary === false ? data.toString() : undefined;
      if (text !== undefined) handedTo.set(text, [...(handedTo.get(text) ?? []), this.number]);
      (super.send as (...args: unknown[]) => void)(data, ...rest);
    }
  }
  return { WebSocket: Instrumented, handedTo, died, maxOpen: () => maxOpen };
}
