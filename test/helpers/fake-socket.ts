/** A WHATWG-shaped WebSocket that the test opens, fails and closes by hand. */
export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  protocol = '';
  bufferedAmount = 0;
  binaryType = 'blob';
  readyState = 0;
  sent: unknown[] = [];
  closedWith?: [number | undefined, string | undefined];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null = null;

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    FakeWebSocket.instances.push(this);
  }

  static get last(): FakeWebSocket {
    return FakeWebSocket.instances[FakeWebSocket.instances.length - 1]!;
  }

  send(data: unknown): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
    this.readyState = 2;
  }

  open(protocol = ''): void {
    this.protocol = protocol;
    this.readyState = 1;
    this.onopen?.({});
  }

  fail(code = 1006): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code, reason: '', wasClean: false });
  }

  message(data: unknown): void {
    this.onmessage?.({ data });
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: code !== 1006 });
  }
}
