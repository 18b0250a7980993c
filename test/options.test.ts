import { describe, expect, it } from 'vitest';
import { checkProtocols, resolveOptions } from '../src/options';
import { SteadySocket } from '../src/index';

describe('resolveOptions', () => {
  it('fills defaults', () => {
    const options = resolveOptions();
    expect(options.connectTimeout).toBe(10000);
    expect(options.reconnect).toMatchObject({ initialDelay: 1500, maxDelay: 30000, factor: 1.3, jitter: 'staggered', maxAttempts: Infinity, resetAfter: 5000 });
    expect(options.heartbeat).toMatchObject({ interval: 25000, timeout: 10000 });
    expect(options.buffer).toEqual({ maxMessages: 1000, maxBytes: 1048576 });
    // The Node runtime adds its own (maxPayload 16 MiB, test/integration/faults.test.ts): browsers never read them.
    expect(options.nodeOptions).toBeUndefined();
  });

  it('merges partial sections over defaults', () => {
    const options = resolveOptions({ reconnect: { initialDelay: 10 }, heartbeat: false, buffer: { maxMessages: 5 } });
    expect(options.reconnect).toMatchObject({ initialDelay: 10, maxDelay: 30000 });
    expect(options.heartbeat).toBe(false);
    expect(options.buffer).toEqual({ maxMessages: 5, maxBytes: 1048576 });
  });

  it.each([
    [{ connectTimeout: -1 }, 'connectTimeout'],
    [{ connectTimeout: NaN }, 'connectTimeout'],
    [{ connectTimeout: '10' }, 'connectTimeout'],
    [{ reconnect: { initialDelay: -5 } }, 'reconnect.initialDelay'],
    [{ reconnect: { initialDelay: NaN } }, 'reconnect.initialDelay'],
    [{ reconnect: { initialDelay: 500, maxDelay: 100 } }, 'reconnect.maxDelay'],
    [{ reconnect: { factor: 0.5 } }, 'reconnect.factor'],
    [{ reconnect: { maxAttempts: 0 } }, 'reconnect.maxAttempts'],
    [{ reconnect: { jitter: 'some' } }, 'reconnect.jitter'],
    [{ reconnect: { shouldReconnect: true } }, 'reconnect.shouldReconnect'],
    [{ reconnect: { delay: 1 } }, 'reconnect.delay'],
    [{ reconnect: 'yes' }, 'reconnect'],
    [{ heartbeat: { interval: 0 } }, 'heartbeat.interval'],
    [{ heartbeat: { timeout: -1 } }, 'heartbeat.timeout'],
    [{ heartbeat: { isPong: 'pong' } }, 'heartbeat.isPong'],
    [{ heartbeat: { mode: 'peer' } }, 'heartbeat.mode'],
    [{ heartbeat: { mode: 'server' } }, 'heartbeat.timeout'],
    [{ heartbeat: { mode: 'server', timeout: 5000, interval: 1000 } }, 'heartbeat.interval'],
    [{ heartbeat: { mode: 'server', timeout: 5000, message: 'ping' } }, 'heartbeat.message'],
    [{ heartbeat: { mode: 'server', timeout: 5000, isPong: () => true } }, 'heartbeat.isPong'],
    [{ heartbeat: { mode: 'server', timeout: 5000, answer: '3' } }, 'heartbeat.answer'],
    [{ heartbeat: { answer: () => '3' } }, 'heartbeat.answer'],
    [{ buffer: { maxBytes: -1 } }, 'buffer.maxBytes'],
    [{ binaryType: 'nodebuffer' }, 'binaryType'],
    [{ WebSocket: {} }, 'WebSocket'],
    [{ reconect: {} }, 'reconect'],
  ])('refuses %j naming %s', (options, field) => {
    expect(() => resolveOptions(options as never)).toThrow(expect.objectContaining({ kind: 'invalid-options', message: expect.stringContaining(`options.${field} `) }));
  });
});

describe('checkProtocols', () => {
  it('accepts tokens', () => {
    expect(checkProtocols('chat.v2')).toEqual(['chat.v2']);
    expect(checkProtocols(['a', 'b~c'])).toEqual(['a', 'b~c']);
    expect(checkProtocols(undefined)).toEqual([]);
  });

  it.each([
    [['a', 'a'], 'twice'],
    [['a,b'], 'token'],
    [['a b'], 'token'],
    [[''], 'token'],
    [['chät'], 'token'],
    [[1], 'token'],
    [{}, 'array'],
  ])('refuses %j with invalid-protocols', (value, words) => {
    expect(() => checkProtocols(value)).toThrow(expect.objectContaining({ kind: 'invalid-protocols', message: expect.stringContaining(words) }));
  });
});

describe('SteadySocket constructor', () => {
  it.each([
    ['', 'invalid-url'],
    ['/relative', 'invalid-url'],
    ['ftp://example.com', 'invalid-url'],
    ['ws://example.com/#x', 'invalid-url'],
    ['ws://exa mple.com/', 'invalid-url'],
  ])('throws at the call for url %j', (url, kind) => {
    expect(() => new SteadySocket(url)).toThrow(expect.objectContaining({ kind }));
  });

  it('throws invalid-protocols at the call', () => {
    expect(() => new SteadySocket('ws://127.0.0.1:1', { protocols: ['x', 'x'] })).toThrow(expect.objectContaining({ kind: 'invalid-protocols' }));
    expect(() => new SteadySocket('ws://127.0.0.1:1', { protocols: 'a b' })).toThrow(expect.objectContaining({ kind: 'invalid-protocols' }));
  });

  it('throws invalid-options at the call', () => {
    expect(() => new SteadySocket('ws://127.0.0.1:1', { reconnect: { maxDelay: -1 } })).toThrow(expect.objectContaining({ kind: 'invalid-options' }));
  });

  // Node and browsers turn a timer past 2^31 - 1 ms into 1 ms: connectTimeout 3e9 would time out at once.
  it.each([
    ['connectTimeout', { connectTimeout: 3e9 }],
    ['heartbeat.interval', { heartbeat: { interval: 3e9 } }],
    ['heartbeat.timeout', { heartbeat: { timeout: 2 ** 31 } }],
    ['reconnect.initialDelay', { reconnect: { initialDelay: 3e9, maxDelay: 4e9 } }],
    ['reconnect.maxDelay', { reconnect: { maxDelay: Infinity } }],
    ['reconnect.resetAfter', { reconnect: { resetAfter: 3e9 } }],
  ])('refuses %s past 2^31 - 1 ms, naming the field and the limit', (field, options) => {
    expect(() => new SteadySocket('ws://127.0.0.1:1', options as never)).toThrow(
      expect.objectContaining({ kind: 'invalid-options', message: expect.stringMatching(new RegExp(`^options\\.${field.replace('.', '\\.')} must be a number >= \\d+ and <= 2147483647, got `)) }),
    );
  });

  it('takes 2^31 - 1 ms, and an unbounded maxAttempts', () => {
    expect(() => new SteadySocket('ws://127.0.0.1:1', { connectTimeout: 2147483647, reconnect: { maxAttempts: Infinity } }).close()).not.toThrow();
    expect(() => new SteadySocket('ws://127.0.0.1:1', { reconnect: { maxAttempts: 3e9 } }).close()).not.toThrow();
  });
});
