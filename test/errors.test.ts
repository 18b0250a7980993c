import { describe, expect, it } from 'vitest';
import { SteadySocketError } from '../src/errors';
import { closeCodeRetryable } from '../src/policy';

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

  it('lets details override the default retryable', () => {
    expect(new SteadySocketError('invalid-url', 'x', { retryable: true }).retryable).toBe(true);
    expect(new SteadySocketError('invalid-url', 'x').retryable).toBe(false);
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
