import type { Clock } from './clock';

/**
 * Liveness of one open connection: a ping every `interval` ms, and the peer counts as dead when no
 * answer comes within `timeout` ms of a ping. A peer that dies right after answering is therefore
 * noticed at most `interval + timeout` ms later. With no interval the server drives the heartbeat:
 * nothing is sent, every sign of life restarts the wait, and `timeout` ms of silence is death. The
 * connection is a Heartbeat: it says how to ping, what death means and who hears the round trip, and
 * no separate object or closure per connection is kept for it.
 */
export abstract class Heartbeat {
  #timer: unknown;
  /** When the outstanding ping left; 0 while none is out, so one timer serves both waits. */
  #sentAt = 0;
  #interval = 0;
  #timeout = 0;

  constructor(protected readonly clock: Clock) {}

  /** Sends one ping (protocol frame or application message). */
  protected abstract ping(): void;
  /** No answer within `timeout` of a ping. */
  protected abstract dead(): void;
  protected abstract answeredIn(rtt: number): void;

  /** Starts beating (interval 0: only listening); until then (or without heartbeats) the other methods do nothing. */
  protected startHeartbeat(interval: number, timeout: number): void {
    this.#interval = interval;
    this.#timeout = timeout;
    this.#arm(interval || timeout);
  }

  /** The peer answered; the next ping goes out `interval` after the previous one. */
  answered(): void {
    // Server-driven: any sign of life starts the wait again.
    if (!this.#interval) return void (this.#timeout && this.#arm(this.#timeout));
    if (!this.#sentAt) return;
    const rtt = this.clock.now() - this.#sentAt;
    this.#sentAt = 0;
    this.#arm(Math.max(0, this.#interval - rtt));
    this.answeredIn(rtt);
  }

  /**
   * Pings at once unless a ping is already out: for when the link may have died unseen. False when
   * this connection cannot ping (no heartbeat, or one the server drives).
   */
  check(): boolean {
    if (this.#interval && !this.#sentAt) this.#beat();
    return !!this.#interval;
  }

  stopHeartbeat(): void {
    this.clock.clearTimeout(this.#timer);
    this.#sentAt = this.#interval = this.#timeout = 0;
  }

  #arm(ms: number): void {
    this.clock.clearTimeout(this.#timer);
    this.#timer = this.clock.setTimeout(() => (this.#sentAt || !this.#interval ? this.dead() : this.#beat()), ms);
  }

  #beat(): void {
    this.#sentAt = this.clock.now() || 1;
    this.#arm(this.#timeout);
    this.ping();
  }
}
