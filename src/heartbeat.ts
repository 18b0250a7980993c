import type { Clock } from './clock';

/** What a heartbeat needs from its connection. An object, not three callbacks: no closures per socket. */
export interface HeartbeatOwner {
  ping(): void;
  /** No answer within `timeout` of a ping. */
  dead(): void;
  answeredIn(rtt: number): void;
}

/**
 * Liveness of one open connection: a ping every `interval` ms, and the peer counts as dead when no
 * answer comes within `timeout` ms of a ping. A peer that dies right after answering is therefore
 * noticed at most `interval + timeout` ms later.
 */
export class Heartbeat {
  private timer: unknown;
  /** When the outstanding ping left; 0 while none is out, so one timer serves both waits. */
  private sentAt = 0;
  private readonly tick = (): void => (this.sentAt ? this.owner.dead() : this.beat());

  constructor(
    private readonly interval: number,
    private readonly timeout: number,
    private readonly clock: Clock,
    private readonly owner: HeartbeatOwner,
  ) {
    this.timer = clock.setTimeout(this.tick, interval);
  }

  /** The peer answered; the next ping goes out `interval` after the previous one. */
  answered(): void {
    if (!this.sentAt) return;
    const rtt = this.clock.now() - this.sentAt;
    this.sentAt = 0;
    this.arm(Math.max(0, this.interval - rtt));
    this.owner.answeredIn(rtt);
  }

  /** Pings at once unless a ping is already out: for when the link may have died unseen. */
  check(): void {
    if (!this.sentAt) this.beat();
  }

  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.sentAt = 0;
  }

  private arm(ms: number): void {
    this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(this.tick, ms);
  }

  private beat(): void {
    this.sentAt = this.clock.now() || 1;
    this.arm(this.timeout);
    this.owner.ping();
  }
}
