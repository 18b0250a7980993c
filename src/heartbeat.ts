import type { Clock } from './clock';

/**
 * Liveness of one open connection: a ping every `interval` ms, and the peer counts as dead when no
 * answer comes within `timeout` ms of a ping. A peer that dies right after answering is therefore
 * noticed at most `interval + timeout` ms later.
 */
export class Heartbeat {
  private timer: unknown;
  private sentAt = 0;

  constructor(
    private readonly interval: number,
    private readonly timeout: number,
    private readonly clock: Clock,
    private readonly ping: () => void,
    private readonly onDead: () => void,
    private readonly onRoundTrip: (rtt: number) => void,
  ) {
    this.wait(interval);
  }

  /** The peer answered; the next ping goes out `interval` after the previous one. */
  answered(): void {
    if (!this.sentAt) return;
    const now = this.clock.now();
    const rtt = now - this.sentAt;
    const next = Math.max(0, this.interval - rtt);
    this.sentAt = 0;
    this.wait(next);
    this.onRoundTrip(rtt);
  }

  /** Pings at once unless a ping is already out: for when the link may have died unseen. */
  check(): void {
    if (!this.sentAt) this.beat();
  }

  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.sentAt = 0;
  }

  private wait(ms: number): void {
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => this.beat(), ms);
  }

  private beat(): void {
    this.clock.clearTimeout(this.timer);
    this.sentAt = this.clock.now() || 1;
    this.timer = this.clock.setTimeout(() => this.onDead(), this.timeout);
    this.ping();
  }
}
