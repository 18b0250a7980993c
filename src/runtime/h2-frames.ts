import type { Writable } from 'node:stream';
import * as ws from 'ws';

// ws exports its frame parser and writer (`Receiver`, `Sender`, in index.js and wrapper.mjs) but
// documents and types neither. These are the members used here, no more: the constructor options and
// events of the Receiver (a Writable fed the stream's bytes), and the Sender's four framing calls.
// test/h2-framing.test.ts pins each of them byte for byte against RFC 6455, so a ws release that
// changes them fails there first.

/** ws's frame parser: write the peer's bytes in, hear `message`, `ping`, `pong`, `conclude` (a close frame), `error`. */
export interface FrameReader {
  /** false: wait for `drain` before writing more. */
  write(chunk: Buffer): boolean;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Blob, isBinary: boolean) => void): this;
  on(event: 'ping' | 'pong', listener: (data: Buffer) => void): this;
  on(event: 'conclude', listener: (code: number, reason: Buffer) => void): this;
  on(event: 'error', listener: (error: Error & { code?: string }) => void): this;
  on(event: 'drain', listener: () => void): this;
}

/** ws's frame writer over a Duplex: frames are masked with a fresh random key when `mask` is true. */
export interface FrameWriter {
  send(data: Buffer | ArrayBuffer | ArrayBufferView | Blob, options: { binary: boolean; fin: boolean; mask: boolean }, callback?: (error?: Error) => void): void;
  ping(data: Buffer, mask: boolean, callback?: (error?: Error) => void): void;
  pong(data: Buffer, mask: boolean, callback?: (error?: Error) => void): void;
  close(code: number | undefined, reason: string, mask: boolean, callback?: (error?: Error) => void): void;
}

export interface ReaderOptions {
  binaryType: 'nodebuffer' | 'arraybuffer' | 'blob';
  /** Largest message, bytes; 0 for no limit. */
  maxPayload: number;
  /** false: a client, which refuses masked frames (RFC 6455 §5.1). */
  isServer?: boolean;
}

const exported = ws as unknown as {
  Receiver: new (options: ReaderOptions) => FrameReader;
  Sender: new (socket: Writable) => FrameWriter;
};

export const Receiver = exported.Receiver;
export const Sender = exported.Sender;
