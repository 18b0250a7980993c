import WebSocket from 'ws';

/**
 * A `ws` WebSocket that records what the client hands to each underlying socket, how many are alive
 * at once, and which ended abnormally. Lets a test tell a message the client lost (a bug) from one
 * that died in flight with its connection (WebSocket has no delivery acknowledgement).
 */
export function instrumentedWebSocket(): {
  WebSocket: new (url: string, protocols?: string | string[]) => WebSocket;
  /** For each text message handed to a socket: the socket's number. */
  handedTo: Map<string, number[]>;
  /** Numbers of the sockets that ended abnormally (1006). */
  died: Set<number>;
  live(): number;
  maxLive(): number;
} {
  const handedTo = new Map<string, number[]>();
  const died = new Set<number>();
  let count = 0;
  let live = 0;
  let maxLive = 0;
  class Instrumented extends WebSocket {
    readonly number = ++count;
    constructor(url: string, protocols?: string | string[], options?: WebSocket.ClientOptions) {
      super(url, protocols, options);
      live++;
      maxLive = Math.max(maxLive, live);
      this.once('close', (code) => {
        live--;
        if (code === 1006) died.add(this.number);
      });
    }

    override send(data: WebSocket.Data, ...rest: never[]): void {
      if (typeof data === 'string') handedTo.set(data, [...(handedTo.get(data) ?? []), this.number]);
      (super.send as (...args: unknown[]) => void)(data, ...rest);
    }
  }
  return { WebSocket: Instrumented, handedTo, died, live: () => live, maxLive: () => maxLive };
}
