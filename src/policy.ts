import { backoffDelay, type BackoffOptions } from './backoff';
import { SteadySocketError } from './errors';
import { byteSize } from './queue';

/** What `shouldReconnect` is told about the end of a connection or a failed attempt. */
export interface ReconnectInfo {
  /** Close code; 1006 when the connection was lost or never opened. */
  code: number;
  /** Close reason ('' when none). */
  reason: string;
  /** The error that ended it, if any: its `retryable` is the default policy's answer. */
  error?: SteadySocketError;
  /** The attempt that just ended (1-based within the current failure streak). */
  attempt: number;
}

/** The reconnect options after defaults. */
export interface ReconnectPolicy extends BackoffOptions {
  maxAttempts: number;
  resetAfter: number;
  shouldReconnect?: (info: ReconnectInfo) => boolean;
}

/**
 * What to do after an attempt failed or a connection ended: wait `delay` ms and try again, or stop.
 * `wanted` says, when stopping, that the policy wanted another attempt but none was left.
 */
export type Decision = { delay: number; floor: number } | { delay?: undefined; wanted: boolean };

/** 1013 Try Again Later: the server is overloaded, so the next attempt waits at least this long (ms). */
export const TRY_AGAIN_LATER_DELAY = 5000;

/** Refuses what a client may not close with: codes other than 1000 and 3000-4999 (what browsers allow), a long reason. */
export function checkClose(code: number, reason: string): void {
  if (code !== 1000 && !(Number.isInteger(code) && code >= 3000 && code <= 4999)) {
    throw new SteadySocketError('invalid-data', `close code must be 1000 or 3000-4999, got ${code}`);
  }
  // RFC 6455 §5.5: a control frame's payload is at most 125 bytes, 2 of them the code.
  if (typeof reason !== 'string' || byteSize(reason) > 123) {
    throw new SteadySocketError('invalid-data', 'close reason must be a string of at most 123 UTF-8 bytes');
  }
}

/**
 * Whether a connection closed by the peer with `code` is worth reconnecting to (RFC 6455 §7.4.1,
 * IANA registry). The reasoning per code is in the close-code table of docs/errors.md.
 */
export function closeCodeRetryable(code: number): boolean {
  // 1002 protocol error, 1003 unsupported data, 1007 bad payload, 1008 policy, 1010 missing extension,
  // 1015 TLS, and the IANA-registered 3000 Unauthorized and 3003 Forbidden (the close-code twins of
  // 401 and 403): the same client would be refused the same way again. 4000-4999 belong to the
  // application, which opts in with shouldReconnect.
  return code < 4000 && ![1002, 1003, 1007, 1008, 1010, 1015, 3000, 3003].includes(code);
}

/**
 * The reconnect decision, without I/O: the policy (or the user's `shouldReconnect`), the attempts
 * left, the floor the server asked for (Retry-After, or 1013) and the backoff for the `wait`-th wait
 * of the streak (1-based), with the streak's `phase` for staggered jitter. `floor` is returned so
 * that a wake-up (online, a visible tab) may come early but never before the server's floor.
 */
export function decide(
  policy: ReconnectPolicy | false,
  info: ReconnectInfo,
  wait = info.attempt,
  random: () => number = Math.random,
  phase?: number,
): Decision {
  if (!policy) return { wanted: false };
  const wanted = policy.shouldReconnect
    ? policy.shouldReconnect(info) === true
    : info.error
      ? info.error.retryable
      : closeCodeRetryable(info.code);
  if (!wanted || info.attempt >= policy.maxAttempts) return { wanted };
  const floor = Math.min(info.code === 1013 ? TRY_AGAIN_LATER_DELAY : (info.error?.retryAfter ?? 0), policy.maxDelay);
  // The n-th wait of a failure streak lasts up to initialDelay × factor^(n-1), whether the streak
  // began with a failed first connect or with the drop of a connection that lasted.
  // Past 1013 (the same 5 s for every client) each keeps its place, its phase. Past a Retry-After, a
  // fresh draw: a server that paces hands out its floors in the order clients came, which is the
  // order of their phases, and the same phase again would bring each second's clients back in one
  // burst (bench/RESULTS.md, the fleet model, refused by `ticket`).
  return { delay: backoffDelay(wait, policy, floor, random, phase, floor && info.code !== 1013 ? random() : phase), floor };
}
