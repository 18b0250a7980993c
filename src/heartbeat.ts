import type { Clock } from './clock';

/**
 * Liveness of one open connection: a ping every `interval` ms, and the peer counts as dead when no
 * answer comes within `timeout` ms of a ping. A peer that dies right after answering is therefore
 * noticed at most `interval + timeout` ms later.
 */
export class Heartbeat {
  /** When this heartbeat next needs attention (clock ms); kept by its schedule. */
  due = 0;
  /** Place in the schedule's heap, -1 when not scheduled. */
  slot = -1;
  private sentAt = 0;
  private readonly schedule: Schedule;

  constructor(
    private readonly interval: number,
    private readonly timeout: number,
    private readonly clock: Clock,
    private readonly ping: () => void,
    private readonly onDead: () => void,
    private readonly onRoundTrip: (rtt: number) => void,
  ) {
    this.schedule = scheduleOf(clock);
    this.wait(interval);
  }

  /** The peer answered; the next ping goes out `interval` after the previous one. */
  answered(): void {
    if (!this.sentAt) return;
    const rtt = this.clock.now() - this.sentAt;
    this.sentAt = 0;
    this.wait(Math.max(0, this.interval - rtt));
    this.onRoundTrip(rtt);
  }

  /** Pings at once unless a ping is already out: for when the link may have died unseen. */
  check(): void {
    if (!this.sentAt) this.beat();
  }

  stop(): void {
    this.schedule.remove(this);
    this.sentAt = 0;
  }

  /** Called by the schedule when `due` has come: time to ping, or the answer is late. */
  run(): void {
    if (this.sentAt) this.onDead();
    else this.beat();
  }

  private wait(ms: number): void {
    this.schedule.set(this, this.clock.now() + ms);
  }

  private beat(): void {
    const now = this.clock.now();
    this.sentAt = now || 1;
    this.schedule.set(this, now + this.timeout);
    this.ping();
  }
}

/**
 * One timer for every heartbeat of a clock, armed for the earliest deadline of a binary heap: a
 * process with thousands of open sockets holds one timer, and no heartbeat makes a timer object per
 * interval. With no heartbeat left the timer is cleared, so nothing keeps a process alive.
 */
class Schedule {
  private readonly heap: Heartbeat[] = [];
  private timer: unknown;
  private armedFor = Infinity;
  private firing = false;

  constructor(private readonly clock: Clock) {}

  set(beat: Heartbeat, due: number): void {
    beat.due = due;
    if (beat.slot < 0) beat.slot = this.heap.push(beat) - 1;
    this.settle(beat.slot);
    this.arm();
  }

  remove(beat: Heartbeat): void {
    this.take(beat);
    this.arm();
  }

  private take(beat: Heartbeat): void {
    const slot = beat.slot;
    if (slot < 0) return;
    beat.slot = -1;
    const last = this.heap.pop()!;
    if (last === beat) return;
    this.heap[slot] = last;
    last.slot = slot;
    this.settle(slot);
  }

  private arm(): void {
    if (this.firing) return;
    const next = this.heap[0]?.due ?? Infinity;
    if (next === this.armedFor) return;
    this.clock.clearTimeout(this.timer);
    this.armedFor = next;
    this.timer = next === Infinity ? undefined : this.clock.setTimeout(() => this.fire(), Math.max(0, next - this.clock.now()));
  }

  private fire(): void {
    this.armedFor = Infinity;
    this.timer = undefined;
    this.firing = true;
    try {
      const now = this.clock.now();
      for (let first = this.heap[0]; first && first.due <= now; first = this.heap[0]) {
        this.take(first);
        first.run();
      }
    } finally {
      this.firing = false;
      this.arm();
    }
  }

  /** Moves the heartbeat at `slot` up or down until the heap is ordered by `due` again. */
  private settle(slot: number): void {
    const heap = this.heap;
    const beat = heap[slot]!;
    for (;;) {
      const parent = (slot - 1) >> 1;
      if (slot > 0 && heap[parent]!.due > beat.due) {
        this.place(heap[parent]!, slot);
        slot = parent;
        continue;
      }
      const left = 2 * slot + 1;
      const right = left + 1;
      let child = left;
      if (right < heap.length && heap[right]!.due < heap[left]!.due) child = right;
      if (child < heap.length && heap[child]!.due < beat.due) {
        this.place(heap[child]!, slot);
        slot = child;
        continue;
      }
      this.place(beat, slot);
      return;
    }
  }

  private place(beat: Heartbeat, slot: number): void {
    this.heap[slot] = beat;
    beat.slot = slot;
  }
}

const schedules = new WeakMap<Clock, Schedule>();
const scheduleOf = (clock: Clock): Schedule => {
  let schedule = schedules.get(clock);
  if (!schedule) schedules.set(clock, (schedule = new Schedule(clock)));
  return schedule;
};
