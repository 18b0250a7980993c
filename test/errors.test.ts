import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
// The full entry: its errors carry hints.
import { SteadySocketError, isSteadySocketError } from '../src/index';
import { closeCodeRetryable } from '../src/policy';

// Another copy of the package: the built one, with a class of its own.
const built: string = '../dist/steadysocket.mjs';
const { SteadySocketError: BuiltError } = (await import(built)) as typeof import('../src/index');

describe('SteadySocketError', () => {
  it('prints as one line with kind, status and hint', () => {
    const error = new SteadySocketError('server-error', 'server answered 503 instead of 101 Switching Protocols', { status: 503 });
    const text = String(error);
    expect(text).not.toContain('\n');
    expect(text).toContain('[server-error 503]');
    expect(text).toContain(error.hint!);
    expect(error).toBeInstanceOf(Error);
    expect(error.retryable).toBe(true);
  });

  it('passes cause to Error itself, so runtimes print it as the cause', () => {
    const cause = new Error('token service down');
    const error = new SteadySocketError('invalid-url', 'url function failed', { cause });
    expect(Object.getOwnPropertyDescriptor(error, 'cause')).toMatchObject({ value: cause, enumerable: false });
    expect(new SteadySocketError('network', 'x')).not.toHaveProperty('cause');
  });

  it('carries the close code as closeCode (code means a string id in Node and the DOM)', () => {
    const error = new SteadySocketError('closed', 'x', { closeCode: 1008 });
    expect(error.closeCode).toBe(1008);
    expect(error).not.toHaveProperty('code');
  });

  it('lets details override the default retryable', () => {
    expect(new SteadySocketError('invalid-url', 'x', { retryable: true }).retryable).toBe(true);
    expect(new SteadySocketError('invalid-url', 'x').retryable).toBe(false);
  });
});

describe('isSteadySocketError', () => {
  it('recognises errors of another copy of the package, where instanceof says no', () => {
    const other = new BuiltError('network', 'refused');
    expect(other instanceof SteadySocketError).toBe(false);
    expect(isSteadySocketError(other)).toBe(true);
  });

  it('recognises errors made in another realm (an iframe, a vm context)', () => {
    const foreign = runInNewContext("class SteadySocketError extends Error { name = 'SteadySocketError'; kind = 'timeout' }; new SteadySocketError('x')");
    expect(foreign instanceof Error).toBe(false);
    expect(isSteadySocketError(foreign)).toBe(true);
  });

  it('says no to anything else', () => {
    for (const value of [null, undefined, 'SteadySocketError', new Error('x'), { name: 'SteadySocketError' }, Object.assign(new Error('x'), { kind: 'network' })]) {
      expect(isSteadySocketError(value)).toBe(false);
    }
  });
});

describe('closeCodeRetryable', () => {
  it.each([
    [1000, true],
    [1001, true],
    [1005, true],
    [1006, true],
    [1009, true],
    [1011, true],
    [1012, true],
    [1013, true],
    [1014, true],
    [1002, false],
    [1003, false],
    [1007, false],
    [1008, false],
    [1010, false],
    [1015, false],
    [4000, false],
    [4999, false],
  ])('%i: %s', (code, retry) => expect(closeCodeRetryable(code)).toBe(retry));
});
