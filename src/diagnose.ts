import { responseError } from './classify';
import { SteadySocketError, type ErrorKind } from './errors';
import type { DiagnoseContext } from './extensions';
import { HANDSHAKE_KINDS } from './runtime/dom';

const unknown = (context: DiagnoseContext, what: string, candidates: ErrorKind[]): SteadySocketError =>
  new SteadySocketError('unknown', `handshake failed; ${what}`, { attempt: context.attempt, candidates });

/**
 * Finds out what the browser would not say about a failed handshake, and reports only what the
 * evidence proves (see the evidence table in docs/errors.md). Never throws: the worst answer is `unknown`.
 */
export async function diagnose(context: DiagnoseContext): Promise<SteadySocketError> {
  const { url, protocols, signal } = context;
  const deadline = Date.now() + context.budget;
  // Each probe gets what is left of the budget, and stops when the socket is closed.
  const withDeadline = async <T>(run: (probeSignal: AbortSignal) => Promise<T>): Promise<T> => {
    const controller = new AbortController();
    const stop = (): void => controller.abort();
    const timer = setTimeout(stop, Math.max(0, deadline - Date.now()));
    signal.addEventListener('abort', stop);
    try {
      return await run(controller.signal);
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', stop);
    }
  };
  const candidates = HANDSHAKE_KINDS.filter((kind) => kind !== 'tls' || url.startsWith('wss:'));

  // Whether the endpoint opens now, offering `offered`.
  const opens = (offered?: string[]): Promise<boolean> =>
    withDeadline(
      (probeSignal) =>
        new Promise<boolean>((resolve) => {
          const socket = new context.WebSocket(url, offered);
          const done = (result: boolean): void => {
            socket.onopen = socket.onerror = socket.onclose = null;
            // Without a code it cannot throw, even before open (WHATWG close(), step 1 checks only a given code).
            socket.close();
            resolve(result);
          };
          socket.onopen = () => done(true);
          // The probe signal is this probe's own: its onabort is free to take.
          socket.onerror = socket.onclose = probeSignal.onabort = () => done(false);
        }),
    );
  if (protocols.length) {
    // The same endpoint without subprotocols: if that opens, the subprotocols were the problem,
    // unless it opens with them too (a server back from a restart, a dropped connection): then the
    // failure did not last, and the probes below say what they can.
    const opened = (await opens()) && !(await opens(protocols));
    if (opened) {
      return new SteadySocketError('subprotocol-mismatch', 'server accepts none of the offered subprotocols', {
        attempt: context.attempt,
        header: 'sec-websocket-protocol',
      });
    }
    // A probe that fails proves nothing: a server that sends a subprotocol to everyone fails it too.
  }
  if (signal.aborted) return unknown(context, 'diagnosis cancelled', candidates);

  const httpUrl = 'http' + url.slice(2);
  // A WebSocket sends the target's cookies, so the probe does too (an auth check answers alike).
  const probe = (mode: RequestMode): Promise<Response | Error> =>
    withDeadline((probeSignal) =>
      // Fetch refuses a no-cors request that does not follow redirects, so only cors mode sets 'manual'.
      fetch(httpUrl, { mode, cache: 'no-store', credentials: 'include', redirect: mode === 'cors' ? 'manual' : 'follow', signal: probeSignal }).then(
        (response) => {
          // Firefox reads non-HTTP bytes as a body that never ends: never wait for one.
          response.body?.cancel().catch(() => {});
          return response;
        },
        (error: Error) => error,
      ),
    );
  let answer = await probe('cors');
  if (answer instanceof Error && answer.name !== 'AbortError' && !signal.aborted) {
    // Cross-origin without CORS looks like a network error; an opaque answer at least proves HTTP.
    const opaque = await probe('no-cors');
    if (!(opaque instanceof Error)) {
      return unknown(context, 'the server answers HTTP, its status hidden from this origin', candidates.filter((k) => k !== 'network' && k !== 'tls'));
    }
    answer = opaque;
  }
  if (answer instanceof Error) {
    // No answer in time proves nothing (Chromium never settles a fetch answered by 101, nor a 401
    // with a Basic challenge, nor some cross-origin redirects): every candidate stays.
    return answer.name === 'AbortError'
      ? unknown(context, 'the probe got no answer in time', [...candidates, 'timeout'])
      : // A failed fetch: no HTTP at all (refused, TLS, other bytes), or a 407, which Chromium's fetch
        // refuses to deliver from a server that is not a proxy (measured by e2e/diagnosis-matrix).
        unknown(context, 'the server is unreachable over HTTP', candidates.filter((k) => k === 'network' || k === 'tls' || k === 'no-protocol-support' || k === 'unauthorized'));
  }
  if (answer.type === 'opaqueredirect') {
    return new SteadySocketError('no-protocol-support', 'server answered with a redirect', {
      attempt: context.attempt,
    });
  }
  // 426 is how a healthy WebSocket server answers a plain GET, and Firefox shows a 101: the endpoint
  // speaks WebSocket, so the upgrade itself was refused for a reason the probe cannot see.
  if (answer.status === 426 || answer.status === 101) {
    const refusals: ErrorKind[] = ['bad-upgrade-header', 'subprotocol-mismatch', 'extension-mismatch'];
    return unknown(context, `the endpoint speaks WebSocket (plain GET: ${answer.status})`, refusals.filter((k) => candidates.includes(k)));
  }
  return responseError(answer.status, Object.fromEntries(answer.headers as unknown as Iterable<[string, string]>), context.attempt);
}
