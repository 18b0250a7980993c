import { describe, expect, it } from 'vitest';
import { byteSize, checkData, SendQueue } from '../src/queue';
import { SteadySocketError } from '../src/errors';

describe('SendQueue', () => {
  it('flushes in order and empties', () => {
    const queue = new SendQueue(10, 1000);
    queue.push('a');
    queue.push(new Uint8Array([1, 2]));
    queue.push('c');
    const sent: unknown[] = [];
    queue.flush((data) => sent.push(data));
    expect(sent).toEqual(['a', new Uint8Array([1, 2]), 'c']);
    expect(queue.length).toBe(0);
    expect(queue.bytes).toBe(0);
  });

  it('throws buffer-full at the message limit and keeps nothing of that message', () => {
    const queue = new SendQueue(2, 1000);
    queue.push('a');
    queue.push('b');
    expect(() => queue.push('c')).toThrow(expect.objectContaining({ kind: 'buffer-full' }));
    expect(queue.length).toBe(2);
    expect(queue.bytes).toBe(2);
  });

  it('throws buffer-full at the byte limit, counting UTF-8 bytes', () => {
    const queue = new SendQueue(100, 5);
    queue.push('é€'); // 2 + 3 bytes
    expect(queue.bytes).toBe(5);
    expect(() => queue.push('x')).toThrow(SteadySocketError);
  });

  it('refuses a single message larger than maxBytes, even into an empty queue', () => {
    const queue = new SendQueue(100, 1024);
    expect(() => queue.push(new Uint8Array(1025))).toThrow(expect.objectContaining({ kind: 'buffer-full' }));
    expect(queue.length).toBe(0);
    expect(queue.bytes).toBe(0);
  });

  it('keeps the rest when sending throws halfway', () => {
    const queue = new SendQueue(10, 100);
    queue.push('a');
    queue.push('b');
    expect(() =>
      queue.flush((data) => {
        if (data === 'b') throw new Error('gone');
      }),
    ).toThrow('gone');
    expect(queue.length).toBe(1);
    expect(queue.bytes).toBe(1);
  });
});

describe('byteSize', () => {
  it('counts UTF-8 bytes of text, surrogate pairs as 4', () => {
    expect(byteSize('abc')).toBe(3);
    expect(byteSize('é')).toBe(2);
    expect(byteSize('€')).toBe(3);
    expect(byteSize('😀')).toBe(4);
    expect(byteSize('a😀é')).toBe(Buffer.byteLength('a😀é'));
  });

  it('counts binary by its length', () => {
    expect(byteSize(new ArrayBuffer(7))).toBe(7);
    expect(byteSize(new Uint16Array(3))).toBe(6);
    expect(byteSize(new Blob(['abcd']))).toBe(4);
  });
});

describe('checkData', () => {
  it.each([
    ['an object', { a: 1 }],
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an array', [1, 2]],
  ])('refuses %s with invalid-data', (_name, value) => {
    expect(() => checkData(value)).toThrow(expect.objectContaining({ kind: 'invalid-data' }));
  });

  it('refuses a detached buffer', () => {
    const buffer = new ArrayBuffer(8);
    structuredClone(buffer, { transfer: [buffer] });
    expect(() => checkData(buffer)).toThrow(/detached/);
    const view = new Uint8Array(8);
    structuredClone(view.buffer, { transfer: [view.buffer] });
    expect(() => checkData(view)).toThrow(/detached/);
  });

  it('accepts what WebSocket accepts', () => {
    for (const value of ['x', new ArrayBuffer(1), new Uint8Array(1), new DataView(new ArrayBuffer(2)), new Blob(['x'])]) {
      expect(checkData(value)).toBe(value);
    }
  });
});
