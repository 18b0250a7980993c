/**
 * Whether a connection closed by the peer with `code` is worth reconnecting to (RFC 6455 §7.4.1,
 * IANA registry). The reasoning per code is in the README's close-code table.
 */
export function closeCodeRetryable(code: number): boolean {
  // 1002 protocol error, 1003 unsupported data, 1007 bad payload, 1008 policy, 1010 missing extension,
  // 1015 TLS: the same client would be refused the same way again. 4000-4999 belong to the
  // application, which opts in with shouldReconnect.
  return !(code === 1002 || code === 1003 || code === 1007 || code === 1008 || code === 1010 || code === 1015 || code >= 4000);
}

/** 1013 Try Again Later: the server is overloaded, so the next attempt waits at least this long (ms). */
export const TRY_AGAIN_LATER_DELAY = 5000;
