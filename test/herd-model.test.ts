import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backoffDelay, type BackoffOptions } from '../src/backoff';
import { decide, type ReconnectPolicy } from '../src/policy';

// The herd and fleet models (bench/) are plain JavaScript run by Node; they load src/policy.ts and
// src/backoff.ts by transpiling them. These tests pin that the models compute the schedule that ships.
interface Failure {
  code?: number;
  retryAfter?: number;
}
interface Schedule {
  timeout: number;
  random: boolean;
  client(random: () => number): number;
  delay(wait: number, failure: Failure, drawn: number, random: () => number): number;
}
interface Run {
  allBack: number;
  back: number;
  attemptsPerClient: number;
  admittedPerSecond: number[];
  attemptsPerSecond: number[];
}
interface Schedules {
  loadPolicy(): Promise<{ backoffDelay: typeof backoffDelay; decide: typeof decide; TRY_AGAIN_LATER_DELAY: number }>;
  schedules(policy: { decide: typeof decide }): Record<string, Schedule>;
  seeded(seed?: number): () => number;
}
interface FleetModel {
  simulate(options: { schedule: Schedule; clients: number; capacity: number; refusal: string; window?: number; random: () => number }): Run;
}
const load = async <T>(path: string): Promise<T> => (await import(/* @vite-ignore */ new URL(path, import.meta.url).href)) as T;
const { loadPolicy, schedules, seeded } = await load<Schedules>('../bench/schedules.mjs');
const { simulate } = await load<FleetModel>('../bench/fleet-model.mjs');
const loaded = await loadPolicy();

const options = fc.record<BackoffOptions>({
  initialDelay: fc.integer({ min: 0, max: 10000 }),
  maxDelay: fc.integer({ min: 0, max: 120000 }),
  factor: fc.double({ min: 1, max: 5, noNaN: true }),
  jitter: fc.constantFrom('staggered', 'full', 'equal', 'none'),
}).map((o) => ({ ...o, maxDelay: Math.max(o.maxDelay, o.initialDelay) }));
const unit = fc.double({ min: 0, max: 0.999999, noNaN: true });

describe('the herd and fleet models', () => {
  it('load the backoff and the policy from src/, computing what they compute', () => {
    fc.assert(
      fc.property(options, fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 100000 }), unit, unit, (o, wait, floor, r, phase) => {
        expect(loaded.backoffDelay(wait, o, floor, () => r, phase)).toBe(backoffDelay(wait, o, floor, () => r, phase));
        const policy: ReconnectPolicy = { ...o, maxAttempts: Infinity, resetAfter: 5000 };
        for (const info of [{ code: 1006, reason: '', attempt: wait }, { code: 1013, reason: '', attempt: wait }]) {
          expect(loaded.decide(policy, info, wait, () => r, phase)).toEqual(decide(policy, info, wait, () => r, phase));
        }
      }),
    );
  });

  it("give steadysocket's default the delays src/session.ts asks src/policy.ts for", () => {
    // The defaults of src/options.ts; test/options.test.ts pins those.
    const policy: ReconnectPolicy = { initialDelay: 1500, maxDelay: 30000, factor: 1.3, jitter: 'staggered', maxAttempts: Infinity, resetAfter: 5000 };
    const schedule = schedules(loaded)['steadysocket (default: staggered, 1.5 s × 1.3)']!;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), unit, unit, fc.constantFrom<Failure>({}, { retryAfter: 1000 }, { retryAfter: 17000 }, { code: 1013 }), (wait, phase, r, failure) => {
        // A reset or a 503 fails the attempt with an error (1006); a 1013 closes an open connection.
        const info = failure.code ? { code: failure.code, reason: '', attempt: wait } : { code: 1006, reason: '', attempt: wait, error: { retryable: true, retryAfter: failure.retryAfter } as never };
        expect(schedule.delay(wait, failure, phase, () => r)).toBe(decide(policy, info, wait, () => r, phase).delay);
      }),
    );
  });

  it('admits no more than the capacity, and brings every client back no sooner than N/C allows', () => {
    const all = schedules(loaded);
    for (const name of ['steadysocket (default: staggered, 1.5 s × 1.3)', 'partysocket']) {
      for (const refusal of ['reset', 'ticket', '1013', 'timeout']) {
        const run = simulate({ schedule: all[name]!, clients: 2000, capacity: 100, refusal, random: seeded(5) });
        // A bucket of C/20 tokens on top of C a second.
        for (const admitted of run.admittedPerSecond) expect(admitted).toBeLessThanOrEqual(105);
        if (Number.isFinite(run.allBack)) expect(run.allBack).toBeGreaterThanOrEqual(19000);
        expect(run.attemptsPerSecond.reduce((a, b) => a + b, 0)).toBe(Math.round(run.attemptsPerClient * 2000));
      }
    }
  });

  it('moves clients that share every draw as one group, as if each moved alone', () => {
    // partysocket's schedule has no randomness: the model moves its clients in groups. The same
    // schedule marked random moves them one by one, and must give the same run.
    const partysocket = schedules(loaded).partysocket!;
    for (const refusal of ['reset', 'ticket', 'timeout']) {
      for (const window of [0, 3000]) {
        const grouped = simulate({ schedule: partysocket, clients: 3000, capacity: 200, refusal, window, random: seeded(9) });
        const alone = simulate({ schedule: { ...partysocket, random: true }, clients: 3000, capacity: 200, refusal, window, random: seeded(9) });
        expect(grouped.back).toBe(alone.back);
        expect(grouped.allBack).toBe(alone.allBack);
        expect(grouped.attemptsPerSecond).toEqual(alone.attemptsPerSecond);
      }
    }
  });
});
