import { SteadySocketError } from './errors';

/** What `send()` accepts: the same as the WebSocket API. */
export type SendData = string | ArrayBuffer | ArrayBufferView | Blob;

/**
 * Byte size of a message as it goes on the wire: UTF-8 for text, where a lone surrogate goes out as
 * U+FFFD (WHATWG Encoding), as TextEncoder encodes it. Only the offline queue and close reasons
 * measure text this way, never the hot path.
 */
export function byteSize(data: SendData): number {
  return typeof data === 'string' ? new TextEncoder().encode(data).length : ((data as Blob).size ?? (data as ArrayBuffer).byteLength);
}

/**
 * Rejects what a WebSocket cannot send, at the call that tried, instead of letting the runtime throw
 * later or coerce an object to "[object Object]".
 */
export function checkData(data: unknown): SendData {
  if (typeof data === 'string' || (typeof Blob !== 'undefined' && data instanceof Blob)) return data;
  const buffer = data instanceof ArrayBuffer ? data : ArrayBuffer.isView(data) ? data.buffer : undefined;
  if (!buffer) {
    const what = data === null ? 'null' : typeof data === 'object' ? Object.prototype.toString.call(data) : typeof data;
    throw new SteadySocketError('invalid-data', `send() takes a string, ArrayBuffer, typed array, DataView or Blob, got ${what}`);
  }
  try {
    // A view on a detached buffer cannot be constructed: that is the portable detachment test.
    new Uint8Array(buffer as ArrayBuffer);
  } catch {
    throw new SteadySocketError('invalid-data', 'send() got a detached ArrayBuffer');
  }
  return data as SendData;
}

/** Bounded FIFO of messages sent while the socket was not open. */
export class SendQueue {
  private items: SendData[] = [];
  /** Bytes held. */
  bytes = 0;

  constructor(
    private readonly maxMessages: number,
    private readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** Keeps the whole message or none of it: a full queue throws `buffer-full`. */
  push(data: SendData): void {
    const size = byteSize(data);
    if (this.items.length >= this.maxMessages || this.bytes + size > this.maxBytes) {
      throw new SteadySocketError(
        'buffer-full',
        `send buffer is full (${this.items.length} messages, ${this.bytes} of ${this.maxBytes} bytes; this one is ${size})`,
      );
    }
    this.items.push(data);
    this.bytes += size;
  }

  /** Hands every message to `send` in order; stops (keeping the rest) if `send` throws. */
  flush(send: (data: SendData) => void): void {
    while (this.items.length) {
      send(this.items[0]!);
      this.bytes -= byteSize(this.items.shift()!);
    }
  }
}
