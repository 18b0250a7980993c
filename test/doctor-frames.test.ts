import { describe, expect, it } from 'vitest';
import { clientFrame, closePayload, frameLength, OPCODE, parseFrame } from '../src/doctor/frames';
import { parseHead, show } from '../src/doctor/wire';

// The doctor's own framing and parsing, byte by byte (the real exchanges are in doctor.test.ts).
describe('frames', () => {
  it('a client frame is final, masked, and parses back to its payload', () => {
    const frame = clientFrame(OPCODE.close, closePayload(1000, 'bye'));
    expect(frame[0]).toBe(0x88);
    expect(frame[1]).toBe(0x80 | 5);
    expect(frameLength(frame)).toBe(frame.length);
    const parsed = parseFrame(frame);
    expect(parsed).toMatchObject({ fin: true, opcode: OPCODE.close, masked: true });
    expect(parsed.payload.readUInt16BE(0)).toBe(1000);
    expect(parsed.payload.subarray(2).toString()).toBe('bye');
  });

  it('reads the 16- and 64-bit lengths of a server frame, and waits for a whole one', () => {
    const medium = Buffer.concat([Buffer.from([0x82, 126, 0x01, 0x00]), Buffer.alloc(256, 7)]);
    expect(frameLength(medium)).toBe(260);
    expect(frameLength(medium.subarray(0, 3))).toBeUndefined();
    expect(frameLength(medium.subarray(0, 200))).toBeUndefined();
    expect(parseFrame(medium)).toMatchObject({ opcode: OPCODE.binary, masked: false });
    expect(parseFrame(medium).payload.length).toBe(256);
    const large = Buffer.concat([Buffer.from([0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]), Buffer.alloc(65536, 0x61)]);
    expect(frameLength(large)).toBe(65546);
    expect(frameLength(large.subarray(0, 9))).toBeUndefined();
    expect(parseFrame(large).payload.length).toBe(65536);
    expect(frameLength(Buffer.from([0x81]))).toBeUndefined();
  });
});

describe('parsing answers', () => {
  it('a status line and headers, values trimmed, a line without a colon kept', () => {
    expect(parseHead('HTTP/1.0 101\r\nUpgrade:  websocket \r\nbroken line\r\n\r\n')).toEqual({
      httpVersion: '1.0',
      status: 101,
      statusText: '',
      headers: [
        ['Upgrade', 'websocket'],
        ['broken line', ''],
      ],
    });
    expect(parseHead('HTTP/1.1 OK\r\n\r\n')).toBeUndefined();
  });

  it('shows printable text as text, anything else as hex', () => {
    expect(show(Buffer.from('hello\r\n'))).toEqual({ bytes: 7, text: 'hello\r\n' });
    expect(show(Buffer.from([0xff, 0x00, 0x41]))).toEqual({ bytes: 3, hex: 'ff 00 41' });
  });
});
