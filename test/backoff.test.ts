import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backoffDelay, type BackoffOptions } from '../src/backoff';

const options = fc.record<BackoffOptions>({
  initialDelay: fc.integer({ min: 0, max: 10000 }),
  maxDelay: fc.integer({ min: 0, max: 120000 }),
  factor: fc.double({ min: 1, max: 5, noNaN: true }),
  jitter: fc.constantFrom('full', 'equal', 'none'),
}).map((o) => ({ ...o, maxDelay: Math.max(o.maxDelay, o.initialDelay) }));

describe('backoffDelay', () => {
  it('keeps every delay within [0, min(maxDelay, initialDelay * factor^(attempt-1))]', () => {
    fc.assert(
      fc.property(options, fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (o, attempt, r) => {
        const delay = backoffDelay(attempt, o, 0, () => r);
        const cap = Math.min(o.maxDelay, o.initialDelay * o.factor ** (attempt - 1));
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(Math.round(cap));
        expect(delay).toBeLessThanOrEqual(o.maxDelay);
        if (o.jitter === 'none') expect(delay).toBe(Math.round(cap));
        if (o.jitter === 'equal') expect(delay).toBeGreaterThanOrEqual(Math.floor(cap / 2));
      }),
    );
  });

  it('never goes below a server-requested minimum, clamped to maxDelay', () => {
    fc.assert(
      fc.property(options, fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 10 ** 7 }), (o, attempt, floor) => {
        const delay = backoffDelay(attempt, o, floor, () => 0);
        expect(delay).toBeGreaterThanOrEqual(Math.min(floor, o.maxDelay));
        expect(delay).toBeLessThanOrEqual(Math.max(o.maxDelay, 0));
      }),
    );
  });

  it('grows exponentially without jitter', () => {
    const o: BackoffOptions = { initialDelay: 100, maxDelay: 1000, factor: 2, jitter: 'none' };
    expect([1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, o))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads full jitter over the whole range', () => {
    const o: BackoffOptions = { initialDelay: 1000, maxDelay: 1000, factor: 2, jitter: 'full' };
    expect(backoffDelay(1, o, 0, () => 0)).toBe(0);
    expect(backoffDelay(1, o, 0, () => 0.5)).toBe(500);
    expect(backoffDelay(1, o, 0, () => 0.999)).toBe(999);
  });
});
