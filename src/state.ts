/** The life of a SteadySocket. */
export type SocketState = 'connecting' | 'open' | 'closing' | 'reconnecting' | 'closed';

/**
 * Every transition the socket may take; anything else is a bug. `closed → connecting` is an explicit
 * `reconnect()` after the socket ended. The session takes only these by construction; the tests check
 * every emitted change against this table.
 */
export const TRANSITIONS: Record<SocketState, readonly SocketState[]> = {
  connecting: ['open', 'reconnecting', 'closing', 'closed'],
  open: ['closing', 'reconnecting', 'closed'],
  closing: ['closed'],
  reconnecting: ['connecting', 'closing', 'closed'],
  closed: ['connecting'],
};
