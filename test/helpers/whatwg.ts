import WebSocket from 'ws';

/**
 * A WebSocket shaped like a browser's (undici's in Node): no `on`, no `ping`, no `upgrade` event, and
 * a failed handshake is a bare `error` then `close`. A wrapper around ws, for Node tests of the paths
 * that browsers and undici take.
 */
export class WhatwgWebSocket {
  private readonly inner: WebSocket;
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: (() => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;
  binaryType = 'arraybuffer';

  constructor(url: string) {
    this.inner = new WebSocket(url);
    this.inner.binaryType = 'arraybuffer';
    this.inner.onopen = () => this.onopen?.();
    this.inner.onmessage = (event) => this.onmessage?.({ data: event.data });
    this.inner.onerror = () => this.onerror?.();
    this.inner.onclose = (event) => this.onclose?.({ code: event.code, reason: event.reason, wasClean: event.wasClean });
  }

  get protocol(): string {
    return this.inner.protocol;
  }

  get readyState(): number {
    return this.inner.readyState;
  }

  get bufferedAmount(): number {
    return this.inner.bufferedAmount;
  }

  send(data: string): void {
    this.inner.send(data);
  }

  close(code?: number, reason?: string): void {
    this.inner.close(code, reason);
  }
}
