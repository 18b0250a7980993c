/** How the delays before reconnect attempts are spread; see docs/api.md, "Options". */
export type Jitter = 'staggered' | 'full' | 'equal' | 'none';

export interface BackoffOptions {
  /** Ceiling of the first delay (ms). */
  initialDelay: number;
  /** No delay is ever longer (ms). */
  maxDelay: number;
  /** Growth per attempt. */
  factor: number;
  jitter: Jitter;
}

/** The longest delay a timer takes: Node and browsers turn a longer one into 1 ms. */
export const MAX_TIMER = 2147483647;

/**
 * Delay before the `wait`-th reconnect attempt of a streak (1-based), in ms; `minDelay` is a floor
 * the server asked for (Retry-After, close code 1013), capped at `maxDelay` so that a hostile header
 * cannot park a client for a day, then spread over one initialDelay past that (except with jitter
 * 'none').
 *
 * 'staggered' draws one `phase` in [0, 1) per streak: the first wait is phase × initialDelay, and
 * each later one is initialDelay × (1 + (factor − 1) × phase) × factor^(wait − 2), so that the
 * attempt times follow t → t + initialDelay + (factor − 1) × t. Every client maps time the same
 * increasing way from its own random start, so their attempts never bunch up: whenever the server
 * comes back, the next attempts are spread evenly over one wait, the shortest return for the
 * flattest peak (bench/herd-model.mjs). 'full' picks in [0, cap], 'equal' in [cap/2, cap].
 */
export function backoffDelay(
  wait: number,
  options: BackoffOptions,
  minDelay = 0,
  random: () => number = Math.random,
  phase = random(),
  spread = phase,
): number {
  const { initialDelay, maxDelay, factor, jitter } = options;
  const grown = initialDelay * factor ** Math.max(0, wait - 2);
  const cap = Math.min(maxDelay, wait > 1 ? grown * factor : grown);
  const delay =
    jitter === 'staggered'
      ? Math.min(maxDelay, wait > 1 ? grown * (1 + (factor - 1) * phase) : phase * initialDelay)
      : jitter === 'none'
        ? cap
        : jitter === 'equal'
          ? cap / 2 + (random() * cap) / 2
          : random() * cap;
  // A floor the server sent to every client would bring them all back at the same instant, just when
  // it said it was overloaded: past the floor, each spreads over one initialDelay, at `spread`.
  // The floor is capped first and the spread added after, or a floor past maxDelay (Retry-After:
  // 3600) would bring every client back at exactly maxDelay. Timers take at most 2^31 - 1 ms.
  return Math.round(Math.min(MAX_TIMER, Math.max(delay, minDelay && Math.min(maxDelay, minDelay) + (jitter === 'none' ? 0 : spread * initialDelay))));
}
