/** How full, equal or no jitter spreads a delay; see the README's options table. */
export type Jitter = 'full' | 'equal' | 'none';

export interface BackoffOptions {
  /** Ceiling of the first delay (ms). */
  initialDelay: number;
  /** No delay is ever longer (ms). */
  maxDelay: number;
  /** Growth per attempt. */
  factor: number;
  jitter: Jitter;
}

/**
 * Delay before reconnect attempt `attempt` (1-based), in ms. Exponential, capped at `maxDelay`, then
 * jittered so that clients dropped together do not return together ("full jitter": a uniform pick in
 * [0, cap]). `minDelay` is a floor the server asked for (Retry-After, close code 1013), itself capped
 * at `maxDelay` so a hostile header cannot park a client for a day.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  minDelay = 0,
  random: () => number = Math.random,
): number {
  const { initialDelay, maxDelay, factor, jitter } = options;
  const cap = Math.min(maxDelay, initialDelay * Math.pow(factor, Math.max(0, attempt - 1)));
  const delay = jitter === 'none' ? cap : jitter === 'equal' ? cap / 2 + (random() * cap) / 2 : random() * cap;
  return Math.round(Math.max(delay, Math.min(minDelay, maxDelay)));
}
