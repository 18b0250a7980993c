import { SteadySocketError } from '../errors';

/** `nodeOptions.headers` as a function: called before every attempt, with the attempt's signal. */
export type HeadersFunction = (signal: AbortSignal) => Record<string, string> | Promise<Record<string, string>>;

/**
 * What a headers function that threw or rejected (a token service down) fails its attempt with,
 * over HTTP/1.1 and HTTP/2 alike: retried, as a url function's failure is.
 */
export const headersFailed = (cause: unknown, attempt: number): SteadySocketError =>
  new SteadySocketError('invalid-options', `nodeOptions.headers function failed: ${String(cause)}`, { cause, retryable: true, attempt });
