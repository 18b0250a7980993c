import { randomBytes } from 'node:crypto';
import type { Wire } from './wire';

// RFC 6455 §5: just enough framing for a ping, its pong and a closing handshake. A client's frames are
// masked; a server's must not be.

export const OPCODE = { text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** RFC 6455 §5.3: masking and unmasking are the same XOR with the 4-byte key. */
const xor = (payload: Buffer, mask: Buffer): Buffer => Buffer.from(payload.map((byte, index) => byte ^ mask[index % 4]!));

/** One final, masked client frame with a short payload (control frames carry at most 125 bytes). */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, xor(payload, mask)]);
}

export const closePayload = (code: number, reason = ''): Buffer => {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code);
  payload.write(reason, 2);
  return payload;
};

export interface Frame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** The length of the first whole frame in `buffer`, if it is all there. */
export function frameLength(buffer: Buffer): number | undefined {
  if (buffer.length < 2) return undefined;
  let length = buffer[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  if (buffer[1]! & 0x80) offset += 4;
  return buffer.length >= offset + length ? offset + length : undefined;
}

/** Parses a whole frame as `frameLength` cut it. */
export function parseFrame(bytes: Buffer): Frame {
  const masked = (bytes[1]! & 0x80) !== 0;
  const short = bytes[1]! & 0x7f;
  const offset = short === 126 ? 4 : short === 127 ? 10 : 2;
  const payload = bytes.subarray(offset + (masked ? 4 : 0));
  return { fin: (bytes[0]! & 0x80) !== 0, opcode: bytes[0]! & 0x0f, masked, payload: masked ? xor(payload, bytes.subarray(offset, offset + 4)) : payload };
}

/** The next frame `wanted` accepts; others (a greeting message, a server's own ping) are skipped. */
export async function nextFrame(wire: Wire, deadline: number, wanted: (frame: Frame) => boolean): Promise<Frame | undefined> {
  for (;;) {
    const bytes = await wire.read(frameLength, deadline);
    if (!bytes) return undefined;
    const frame = parseFrame(bytes);
    if (wanted(frame)) return frame;
  }
}

/** A close frame's code (RFC 6455 §5.5.1: absent when the payload is empty) and reason. */
export const closeOf = (frame: Frame): { code?: number; reason: string } => ({
  code: frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : undefined,
  reason: frame.payload.subarray(2).toString('utf8'),
});
