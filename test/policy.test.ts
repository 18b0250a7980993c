import { describe, expect, it } from 'vitest';
import { decide, type ReconnectPolicy } from '../src/policy';
import { SteadySocketError } from '../src/errors';

const policy: ReconnectPolicy = { initialDelay: 100, maxDelay: 1000, factor: 2, jitter: 'none', maxAttempts: 4, resetAfter: 5000 };
const failed = (attempt: number, error = new SteadySocketError('network', 'refused')) => ({ code: 1006, reason: '', error, attempt });

describe('decide', () => {
  it('waits up to initialDelay the first time, then grows by factor per wait, capped at maxDelay', () => {
    expect([1, 2, 3].map((wait) => decide(policy, failed(wait), wait).delay)).toEqual([100, 200, 400]);
    expect(decide({ ...policy, maxAttempts: Infinity }, failed(10), 10).delay).toBe(1000);
  });

  it('counts waits, not attempts: a drop after a lasting connection (attempt 0) is the first wait too', () => {
    expect(decide(policy, { code: 1001, reason: 'going away', attempt: 0 }, 1).delay).toBe(100);
    expect(decide(policy, failed(1), 2).delay).toBe(200);
  });

  it('stops when the policy says no, and says when it wanted more than maxAttempts allow', () => {
    expect(decide(policy, failed(1, new SteadySocketError('unauthorized', '401')))).toEqual({ wanted: false });
    expect(decide(policy, failed(4))).toEqual({ wanted: true });
    expect(decide(false, failed(1))).toEqual({ wanted: false });
  });

  it('never goes below the floor the server asked for (Retry-After, 1013), itself capped at maxDelay', () => {
    const retryAfter = new SteadySocketError('rate-limited', '429', { retryAfter: 700 });
    expect(decide(policy, failed(1, retryAfter))).toEqual({ delay: 700, floor: 700 });
    expect(decide(policy, { code: 1013, reason: '', attempt: 1 })).toEqual({ delay: 1000, floor: 1000 });
  });

  it('does not hammer a server that closed with 3000 Unauthorized or 3003 Forbidden (IANA registry)', () => {
    expect(decide(policy, { code: 3000, reason: 'unauthorized', attempt: 1 })).toEqual({ wanted: false });
    expect(decide(policy, { code: 3003, reason: 'forbidden', attempt: 1 })).toEqual({ wanted: false });
    expect(decide(policy, { code: 3008, reason: 'timeout', attempt: 1 }).delay).toBe(100);
    expect(decide({ ...policy, shouldReconnect: () => true }, { code: 3000, reason: '', attempt: 1 }).delay).toBe(100);
  });

  it('spreads clients past a Retry-After with a fresh draw, and past 1013 by their phase', () => {
    const staggered: ReconnectPolicy = { ...policy, jitter: 'staggered', initialDelay: 1000, maxDelay: 30000 };
    const retryAfter = new SteadySocketError('server-error', '503', { retryAfter: 5000 });
    // A pacing server hands out floors in the order clients came, the order of their phases: the
    // spread past a Retry-After must not repeat the phase, or each second's clients come back together.
    let draws = 0;
    const random = (): number => [0.1, 0.9][draws++ % 2]!;
    const delays = [0, 1].map(() => decide(staggered, failed(1, retryAfter), 1, random, 0.5).delay);
    expect(delays).toEqual([5100, 5900]);
    // 1013: the same 5 s for everyone, and their order is what keeps them apart: the phase.
    const closes = [0, 1].map(() => decide(staggered, { code: 1013, reason: '', attempt: 1 }, 1, random, 0.5).delay);
    expect(closes).toEqual([5500, 5500]);
  });

  it('follows close codes when no error explains the end, and shouldReconnect over both', () => {
    expect(decide(policy, { code: 1008, reason: 'policy', attempt: 1 })).toEqual({ wanted: false });
    expect(decide(policy, { code: 1001, reason: '', attempt: 1 }).delay).toBe(100);
    const always = { ...policy, shouldReconnect: () => true };
    expect(decide(always, { code: 1008, reason: 'policy', attempt: 1 }).delay).toBe(100);
    // Only `true` counts: a truthy non-boolean from a careless function does not reconnect.
    expect(decide({ ...policy, shouldReconnect: () => 1 as never }, failed(1))).toEqual({ wanted: false });
  });
});
