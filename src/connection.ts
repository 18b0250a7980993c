import { deliver } from '#runtime';
import { SteadySocketError } from './errors';
import { Heartbeat } from './heartbeat';
import type { HeartbeatOptions, ResolvedOptions } from './options';
import { checkData } from './queue';
import type { MessageEmitter, Transport, TransportEvents } from './runtime/types';
import type { MessageData } from './options';
import type { Watcher } from './extensions';

/** Where an open connection reports. `connectionClosed` comes once, unless the owner dropped it first. */
export interface ConnectionOwner {
  connectionClosed(code: number, reason: string, wasClean: boolean, error?: SteadySocketError): void;
  heartbeatAnswered(rtt: number): void;
  /** Where messages and pings are counted (the full entry). */
  readonly monitor?: Watcher;
}

/**
 * One open connection: its transport, its heartbeat, and the timeout of a graceful close. Messages go
 * straight to the socket's listeners; the end goes to the owner, with the error that explains it.
 */
export class Connection extends Heartbeat implements TransportEvents {
  /** When it opened (clock ms). */
  readonly openedAt: number;
  /** Cleared when the connection ends or is dropped: late callbacks find nobody to report to. */
  #owner?: ConnectionOwner;
  /** A transport error or a dead heartbeat: reported with the close it causes. */
  #lost?: SteadySocketError;
  #closeTimer: unknown;

  constructor(
    readonly transport: Transport,
    private readonly socket: MessageEmitter,
    private readonly options: ResolvedOptions,
    /** The heartbeat options when heartbeats are application messages. */
    private readonly app: HeartbeatOptions | undefined,
    owner: ConnectionOwner,
  ) {
    super(options.clock);
    const { heartbeat } = options;
    this.#owner = owner;
    this.openedAt = this.clock.now();
    transport.listen(this);
    if (app?.mode === 'server') {
      this.startHeartbeat(0, app.timeout!);
      transport.hearPings?.();
    } else if (heartbeat && (app || transport.ping)) this.startHeartbeat(heartbeat.interval, heartbeat.timeout);
  }

  /**
   * Closes gracefully: a close frame, then the peer's. A peer that does not answer within `timeout`
   * ms is cut off, and the end is reported as 1006.
   */
  shutdown(code: number, reason: string, timeout: number): void {
    this.stopHeartbeat();
    this.#closeTimer = this.clock.setTimeout(() => this.#end(1006, '', false), timeout);
    this.transport.close(code, reason);
  }

  /** Lets it go without a report; with a code, the peer gets a close frame saying why. */
  drop(code?: number, reason?: string): void {
    this.#stop();
    this.transport.destroy(code, reason);
  }

  /** The hot path of every incoming message: one check, then the listeners. */
  message(data: MessageData, bytes: number): void {
    const app = this.app;
    if (app) {
      // Without isPong any message proves the peer alive; with it, only pongs count and stay hidden.
      // Server-driven, every message does, and a ping the `answer` function replies to stays hidden.
      if (!app.isPong) this.answered();
      else if (this.#beat('isPong', app.isPong, data)) return this.answered();
      if (app.answer && this.#beat('answer', app.answer, data)) return;
    }
    const monitor = this.#owner?.monitor;
    if (monitor) {
      monitor.messagesIn++;
      monitor.bytesIn += bytes;
      // logPayloads first: the one check a message pays when payloads are not logged.
      if (this.options.logPayloads) monitor.payload('receive', data, bytes);
    }
    deliver(this.socket, data);
  }

  // It opened before it was handed over.
  open(): void {}

  pong(answered?: boolean): void {
    if (answered) this.#count();
    this.answered();
  }

  error(error: SteadySocketError): void {
    this.#lost = error;
  }

  close(code: number, reason: string, wasClean: boolean): void {
    this.#end(code, reason, wasClean);
  }

  protected ping(): void {
    const { transport, app } = this;
    // The peer's close frame arrived: its close is on the way, and nothing more goes out.
    if (!transport.ready) return;
    if (!app) return this.#count(), transport.ping!();
    const { message } = app;
    this.#beat('message', typeof message === 'function' ? message : () => message);
  }

  protected dead(): void {
    const { timeout, mode } = this.options.heartbeat as Required<HeartbeatOptions>;
    this.#lost = new SteadySocketError('heartbeat-timeout', `no heartbeat ${mode === 'server' ? 'from the server' : 'answer'} within ${timeout} ms`);
    this.#end(1006, '', false);
  }

  #count(): void {
    const monitor = this.#owner?.monitor;
    if (monitor) monitor.pings++;
  }

  /**
   * Runs user code on a heartbeat: a ping to send (`heartbeat.message`), the reply to the server's
   * ping (`heartbeat.answer`), or whether a message is the pong (`heartbeat.isPong`, which sends
   * nothing). False when it made none (not a ping, not a pong). Code that fails would fail again:
   * the connection ends with the reason, not a crash. The reason names the error's class only: its
   * message may quote the payload (`JSON.parse`), which only `logPayloads` may show.
   */
  #beat(what: string, make: (data: MessageData) => unknown, data?: MessageData): boolean {
    let out;
    try {
      out = make(data!);
      if (what === 'isPong' || out === undefined) return !!out;
      out = checkData(out);
    } catch (cause) {
      const why = cause instanceof SteadySocketError ? cause.message : `threw ${(cause as Error)?.name || typeof cause}`;
      this.#lost = new SteadySocketError('invalid-options', `heartbeat.${what} failed: ${why}`, { cause });
      this.#end(1006, '', false, 1011);
      return true;
    }
    if (this.transport.ready) {
      this.#count();
      this.transport.send(out);
    }
    return true;
  }

  protected answeredIn(rtt: number): void {
    this.#owner?.heartbeatAnswered(rtt);
  }

  #stop(): void {
    this.#owner = undefined;
    this.stopHeartbeat();
    this.clock.clearTimeout(this.#closeTimer);
  }

  /** Reports the end once, and lets the transport go (with a close frame `sending`, if given). */
  #end(code: number, reason: string, wasClean: boolean, sending?: number): void {
    const owner = this.#owner;
    if (!owner) return;
    this.drop(sending);
    owner.connectionClosed(code, reason, wasClean, this.#lost);
  }
}
