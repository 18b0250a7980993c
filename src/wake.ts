import type { Clock } from './clock';

/** What hears that the machine (or the page's timers) slept: a socket's session. */
export interface Sleeper {
  wake(why: 'resume'): void;
}

/** ms between two looks at the clock. */
export const TICK = 5000;

interface Watch {
  /** An array rather than a Set: 4 bytes a socket, where thousands of idle ones count. */
  sleepers: Sleeper[];
  looking: unknown;
  lookedAt: number;
}

// One timer per clock (the system clock: one per process or page), however many sockets listen.
const WATCHES = new Map<Clock, Watch>();

/**
 * A machine that sleeps wakes with dead connections and with timers that fire late. A timer that
 * fires more than a TICK late means the clock jumped: every socket watching hears `wake('resume')`.
 * A throttled hidden tab looks the same, and costs one check.
 */
export function watchSleep(clock: Clock, sleeper: Sleeper): void {
  let watch = WATCHES.get(clock);
  if (!watch) {
    WATCHES.set(clock, (watch = { sleepers: [], looking: undefined, lookedAt: 0 }));
    look(clock, watch);
  }
  watch.sleepers.push(sleeper);
}

/** The last socket to leave stops the timer: nothing is left to keep a process alive. */
export function unwatchSleep(clock: Clock, sleeper: Sleeper): void {
  const watch = WATCHES.get(clock);
  if (!watch) return;
  const { sleepers } = watch;
  const index = sleepers.indexOf(sleeper);
  if (index < 0) return;
  // Order does not matter: the last one takes the leaver's place.
  sleepers[index] = sleepers[sleepers.length - 1]!;
  sleepers.pop();
  if (!sleepers.length) {
    clock.clearTimeout(watch.looking);
    WATCHES.delete(clock);
  }
}

function look(clock: Clock, watch: Watch): void {
  watch.lookedAt = clock.now();
  const timer = (watch.looking = clock.setTimeout(() => {
    const late = clock.now() - watch.lookedAt - TICK;
    look(clock, watch);
    if (late > TICK) for (const sleeper of [...watch.sleepers]) sleeper.wake('resume');
  }, TICK));
  // Node: the watch alone never keeps a process running (sockets' own timers and I/O do).
  (timer as { unref?: () => void } | undefined)?.unref?.();
}
