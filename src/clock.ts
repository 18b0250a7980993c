/** The timers the client uses, injectable so unit tests can drive time without waiting. */
export interface Clock {
  /** Calls `callback` after `ms`; returns a handle for clearTimeout. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels what setTimeout scheduled. */
  clearTimeout(handle: unknown): void;
  /** The time in ms (its origin does not matter: only differences are used). */
  now(): number;
}

export const systemClock: Clock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};
