import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Receiver, Sender, type FrameReader, type ReaderOptions } from '../src/runtime/h2-frames';

// ws's Receiver and Sender are exported but undocumented: the HTTP/2 transport relies on exactly what
// these tests check, byte for byte against RFC 6455 §5, so a ws release that changes any of it fails
// here first.

/** A frame as a server sends it (RFC 6455 §5.2): unmasked unless `mask` is given. */
function frame(opcode: number, payload: Buffer | string, { fin = true, mask }: { fin?: boolean; mask?: Buffer } = {}): Buffer {
  const data = Buffer.from(payload);
  const length = data.length < 126 ? [data.length] : data.length < 65536 ? [126, data.length >> 8, data.length & 0xff] : [127, 0, 0, 0, 0, (data.length >>> 24) & 0xff, (data.length >> 16) & 0xff, (data.length >> 8) & 0xff, data.length & 0xff];
  const head = Buffer.from([(fin ? 0x80 : 0) | opcode, (mask ? 0x80 : 0) | length[0]!, ...length.slice(1)]);
  if (!mask) return Buffer.concat([head, data]);
  return Buffer.concat([head, mask, Buffer.from(data.map((byte, index) => byte ^ mask[index % 4]!))]);
}

/** Parses one client frame: checks the mask bit and unmasks. */
function parse(bytes: Buffer): { fin: boolean; opcode: number; masked: boolean; key: Buffer; payload: Buffer; size: number } {
  let length = bytes[1]! & 0x7f;
  let offset = 2;
  if (length === 126) [length, offset] = [bytes.readUInt16BE(2), 4];
  else if (length === 127) [length, offset] = [Number(bytes.readBigUInt64BE(2)), 10];
  const masked = (bytes[1]! & 0x80) !== 0;
  const key = masked ? bytes.subarray(offset, offset + 4) : Buffer.alloc(4);
  const start = offset + (masked ? 4 : 0);
  const payload = Buffer.from(bytes.subarray(start, start + length).map((byte, index) => byte ^ key[index % 4]!));
  return { fin: (bytes[0]! & 0x80) !== 0, opcode: bytes[0]! & 0x0f, masked, key: Buffer.from(key), payload, size: start + length };
}

type Heard = { events: [string, ...unknown[]][]; reader: FrameReader };
function reader(options: Partial<ReaderOptions> = {}): Heard {
  const reader = new Receiver({ binaryType: 'arraybuffer', maxPayload: 1 << 20, ...options });
  const events: Heard['events'] = [];
  for (const name of ['message', 'ping', 'pong', 'conclude', 'error'] as const) reader.on(name as 'ping', (...args: unknown[]) => void events.push([name, ...args]));
  return { events, reader };
}

/** What the Sender writes, as frames. */
function written(): { stream: PassThrough; frames: () => ReturnType<typeof parse>[] } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  return {
    stream,
    frames() {
      const out: ReturnType<typeof parse>[] = [];
      let bytes = Buffer.concat(chunks);
      while (bytes.length) {
        const parsed = parse(bytes);
        out.push(parsed);
        bytes = bytes.subarray(parsed.size);
      }
      return out;
    },
  };
}

describe("ws's Sender, as the HTTP/2 transport calls it", () => {
  it('masks every client frame with a fresh key (RFC 6455 §5.3) and marks text and binary by opcode', async () => {
    const { stream, frames } = written();
    const sender = new Sender(stream);
    sender.send(Buffer.from('héllo'), { binary: false, fin: true, mask: true });
    sender.send(new Uint8Array([1, 2, 3]).buffer, { binary: true, fin: true, mask: true });
    sender.send(new Blob([new Uint8Array([9, 8])]), { binary: true, fin: true, mask: true });
    await expect.poll(() => frames().length).toBe(3);
    const [text, binary, blob] = frames();
    expect(text).toMatchObject({ fin: true, opcode: 1, masked: true });
    expect(text!.payload.toString()).toBe('héllo');
    expect(binary).toMatchObject({ opcode: 2, masked: true, payload: Buffer.from([1, 2, 3]) });
    expect(blob).toMatchObject({ opcode: 2, masked: true, payload: Buffer.from([9, 8]) });
    expect(text!.key.equals(binary!.key)).toBe(false);
  });

  it('writes the 16- and 64-bit lengths of large payloads', () => {
    const { stream, frames } = written();
    const sender = new Sender(stream);
    sender.send(Buffer.alloc(300, 7), { binary: true, fin: true, mask: true });
    sender.send(Buffer.alloc(70000, 8), { binary: true, fin: true, mask: true });
    const [medium, large] = frames();
    expect(medium!.payload).toEqual(Buffer.alloc(300, 7));
    expect(large!.payload).toEqual(Buffer.alloc(70000, 8));
  });

  it('sends ping, pong and close frames, masked, a close with its code and reason or empty', () => {
    const { stream, frames } = written();
    const sender = new Sender(stream);
    sender.ping(Buffer.alloc(0), true);
    sender.pong(Buffer.from('p'), true);
    sender.close(4000, 'bye', true);
    sender.close(undefined, '', true);
    const [ping, pong, close, empty] = frames();
    expect(ping).toMatchObject({ opcode: 9, masked: true, payload: Buffer.alloc(0) });
    expect(pong).toMatchObject({ opcode: 10, masked: true, payload: Buffer.from('p') });
    expect(close).toMatchObject({ opcode: 8, masked: true });
    expect(close!.payload.readUInt16BE(0)).toBe(4000);
    expect(close!.payload.subarray(2).toString()).toBe('bye');
    expect(empty).toMatchObject({ opcode: 8, payload: Buffer.alloc(0) });
  });
});

describe("ws's Receiver, as the HTTP/2 transport reads a server's frames", () => {
  it('joins fragments, with control frames between them delivered first (RFC 6455 §5.4)', () => {
    const { events, reader: receiver } = reader();
    receiver.write(Buffer.concat([frame(1, 'hel', { fin: false }), frame(9, 'ping'), frame(0, 'lo ', { fin: false })]));
    receiver.write(frame(10, 'pong'));
    receiver.write(frame(0, 'wörld'));
    expect(events.map(([name]) => name)).toEqual(['ping', 'pong', 'message']);
    expect(events[0]![1]).toEqual(Buffer.from('ping'));
    const [, data, isBinary] = events[2]!;
    expect(isBinary).toBe(false);
    expect((data as Buffer).toString()).toBe('hello wörld');
  });

  it('gives text as a Buffer and binary in the binaryType asked for', () => {
    const arrays = reader();
    arrays.reader.write(frame(2, Buffer.from([1, 2])));
    expect(arrays.events[0]![1]).toBeInstanceOf(ArrayBuffer);
    expect(arrays.events[0]![2]).toBe(true);
    const blobs = reader({ binaryType: 'blob' });
    blobs.reader.write(frame(2, Buffer.from([1, 2])));
    expect(blobs.events[0]![1]).toBeInstanceOf(Blob);
  });

  it('reads a frame split across writes', () => {
    const { events, reader: receiver } = reader();
    const bytes = frame(2, Buffer.alloc(70000, 3));
    for (let offset = 0; offset < bytes.length; offset += 1000) receiver.write(bytes.subarray(offset, offset + 1000));
    expect((events[0]![1] as ArrayBuffer).byteLength).toBe(70000);
  });

  it('concludes on a close frame with its code and reason, or 1005 when empty', () => {
    const coded = reader();
    coded.reader.write(frame(8, Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from('done')])));
    expect(coded.events[0]![0]).toBe('conclude');
    expect(coded.events[0]![1]).toBe(4000);
    expect((coded.events[0]![2] as Buffer).toString()).toBe('done');
    const empty = reader();
    empty.reader.write(frame(8, ''));
    expect(empty.events[0]!.slice(0, 2)).toEqual(['conclude', 1005]);
  });

  it.each([
    ['invalid UTF-8 in a text message', frame(1, Buffer.from([0xc3, 0x28])), 'WS_ERR_INVALID_UTF8'],
    ['a masked frame from the server (RFC 6455 §5.1)', frame(1, 'x', { mask: Buffer.from([1, 2, 3, 4]) }), 'WS_ERR_UNEXPECTED_MASK'],
    ['a message past maxPayload', frame(2, Buffer.alloc(2000)), 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'],
    ['a fragmented message past maxPayload', Buffer.concat([frame(2, Buffer.alloc(600), { fin: false }), frame(0, Buffer.alloc(600))]), 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH'],
    ['a continuation without a first fragment', frame(0, 'x'), 'WS_ERR_INVALID_OPCODE'],
    ['a fragmented control frame', frame(9, 'x', { fin: false }), 'WS_ERR_EXPECTED_FIN'],
    ['a close code that may not be sent', frame(8, Buffer.from([0x03, 0xed])), 'WS_ERR_INVALID_CLOSE_CODE'],
  ])('refuses %s with an error whose code names it', async (_name, bytes, code) => {
    const { events, reader: receiver } = reader({ maxPayload: 1000 });
    receiver.write(bytes);
    await expect.poll(() => events.length).toBeGreaterThan(0);
    expect(events.map(([name]) => name)).toEqual(['error']);
    expect((events[0]![1] as Error & { code: string }).code).toBe(code);
  });

  it('allows any size with maxPayload 0', () => {
    const { events, reader: receiver } = reader({ maxPayload: 0 });
    receiver.write(frame(2, Buffer.alloc(100000)));
    expect(events[0]![0]).toBe('message');
  });
});
