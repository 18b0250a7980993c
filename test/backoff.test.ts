import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backoffDelay, type BackoffOptions } from '../src/backoff';

const options = fc.record<BackoffOptions>({
  initialDelay: fc.integer({ min: 0, max: 10000 }),
  maxDelay: fc.integer({ min: 0, max: 120000 }),
  factor: fc.double({ min: 1, max: 5, noNaN: true }),
  jitter: fc.constantFrom('staggered', 'full', 'equal', 'none'),
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
        if (o.jitter === 'staggered' && attempt > 1) expect(delay).toBeGreaterThanOrEqual(Math.floor(Math.min(o.maxDelay, cap / o.factor)));
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

  it('spreads clients past a floor they all got (Retry-After, 1013) over one initialDelay, in their order', () => {
    fc.assert(
      fc.property(options, fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 120000 }), (o, wait, floor) => {
        fc.pre(o.jitter !== 'none' && o.initialDelay >= 100 && floor + o.initialDelay <= o.maxDelay);
        const delays = Array.from({ length: 400 }, (_, i) => backoffDelay(wait, o, floor, () => 0, (i + 0.5) / 400));
        const past = delays.filter((delay) => delay >= floor + o.initialDelay / 2).length;
        // Where the floor is longer than the backoff, nobody comes back before it and the clients keep
        // the order of their phases; they do not all come back at the same instant: half of them
        // wait at least half an initialDelay more.
        expect(Math.min(...delays)).toBeGreaterThanOrEqual(floor);
        expect(delays.every((delay, i) => i === 0 || delay >= delays[i - 1]!)).toBe(true);
        if (delays.every((delay) => delay <= floor + o.initialDelay)) expect(past).toBeGreaterThanOrEqual(195);
      }),
    );
    const o: BackoffOptions = { initialDelay: 1500, maxDelay: 30000, factor: 1.3, jitter: 'staggered' };
    const delays = Array.from({ length: 500 }, (_, i) => backoffDelay(1, o, 10000, Math.random, (i + 0.5) / 500));
    // 500 clients told "Retry-After: 10": at most 34 in any 100 ms after it, none before it.
    for (let t = 10000; t < 11500; t += 100) expect(delays.filter((d) => d >= t && d < t + 100).length).toBeLessThanOrEqual(34);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(10000);
    expect(backoffDelay(1, { ...o, jitter: 'none' }, 10000)).toBe(10000);
  });

  it('caps a floor past maxDelay first, then spreads past the cap, so a long Retry-After brings no herd', () => {
    const o: BackoffOptions = { initialDelay: 1500, maxDelay: 30000, factor: 1.3, jitter: 'staggered' };
    // 500 clients told "Retry-After: 3600", and 500 told 1013 (a 5 s floor) with maxDelay 3000.
    for (const [options, floor, cap] of [
      [o, 3_600_000, 30000],
      [{ ...o, maxDelay: 3000 }, 5000, 3000],
    ] as const) {
      const delays = Array.from({ length: 500 }, (_, i) => backoffDelay(1, options, floor, Math.random, (i + 0.5) / 500));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(cap);
      expect(Math.max(...delays)).toBeLessThanOrEqual(cap + o.initialDelay);
      for (let t = cap; t < cap + o.initialDelay; t += 100) expect(delays.filter((d) => d >= t && d < t + 100).length).toBeLessThanOrEqual(40);
      expect(backoffDelay(1, { ...options, jitter: 'none' }, floor)).toBe(cap);
    }
  });

  it('never returns a delay a timer cannot take (2^31 - 1 ms)', () => {
    const o: BackoffOptions = { initialDelay: 1500, maxDelay: 2147483647, factor: 2, jitter: 'staggered' };
    expect(backoffDelay(3, o, 2147483647, Math.random, 0.99)).toBe(2147483647);
    expect(backoffDelay(60, o, 0, Math.random, 0.5)).toBeLessThanOrEqual(2147483647);
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

  it('staggers: one phase per streak, each attempt at t + initialDelay + (factor - 1) * t', () => {
    const o: BackoffOptions = { initialDelay: 1000, maxDelay: 30000, factor: 1.5, jitter: 'staggered' };
    const at = (phase: number, attempts: number): number[] => {
      const times = [backoffDelay(1, o, 0, Math.random, phase)];
      for (let wait = 2; wait <= attempts; wait++) times.push(times.at(-1)! + backoffDelay(wait, o, 0, Math.random, phase));
      return times;
    };
    const times = at(0.4, 6);
    expect(times[0]).toBe(400);
    for (let k = 1; k < times.length; k++) expect(Math.abs(times[k]! - (times[k - 1]! + 1000 + 0.5 * times[k - 1]!))).toBeLessThanOrEqual(k);
    // A later phase is later at every attempt: clients keep the order they drew.
    expect(at(0.41, 6).every((t, k) => t > times[k]!)).toBe(true);
  });

  it('staggers clients so that, whenever the server returns, the next attempts are spread evenly over one delay', () => {
    const o: BackoffOptions = { initialDelay: 1500, maxDelay: 30000, factor: 1.3, jitter: 'staggered' };
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 60000 }), (back) => {
        // 400 clients at evenly spaced phases: the first attempt of each at or after `back`.
        const returns = Array.from({ length: 400 }, (_, i) => {
          let t = 0;
          for (let wait = 1; t < back; wait++) t += backoffDelay(wait, o, 0, Math.random, (i + 0.5) / 400);
          return t - back;
        }).sort((a, b) => a - b);
        const span = returns.at(-1)! - returns[0]!;
        // Within one delay at this time; the density varies by at most `factor` over it (the attempts
        // fall in two consecutive rounds), so no tenth of it holds more than 13 % of the clients.
        expect(span).toBeLessThanOrEqual(Math.min(30000, 1500 + 0.3 * back) + 1);
        for (let i = 0; i + 53 < returns.length; i++) expect(returns[i + 53]! - returns[i]!).toBeGreaterThan(span / 10 - 2);
      }),
    );
  });
});
