import { describe, expect, it, vi } from 'vitest';
import type { Clock } from '../src/clock';
import { Heartbeat } from '../src/heartbeat';
import { ManualClock } from './helpers/clock';

/** The least a connection does with its heartbeat: say how to ping, and report. */
class Probe extends Heartbeat {
  constructor(
    clock: Clock,
    private readonly calls: { ping(): void; dead(): void; answeredIn(rtt: number): void },
    interval = 1000,
  ) {
    super(clock);
    this.startHeartbeat(interval, 300);
  }
  protected ping(): void {
    this.calls.ping();
  }
  protected dead(): void {
    this.calls.dead();
  }
  protected answeredIn(rtt: number): void {
    this.calls.answeredIn(rtt);
  }
}

describe('Heartbeat', () => {
  const setup = () => {
    const clock = new ManualClock();
    const ping = vi.fn();
    const dead = vi.fn();
    const rtt = vi.fn();
    const heartbeat = new Probe(clock, { ping, dead, answeredIn: rtt });
    return { clock, ping, dead, rtt, heartbeat };
  };

  it('pings every interval while answered, reporting the round trip', () => {
    const { clock, ping, dead, rtt, heartbeat } = setup();
    clock.advance(999);
    expect(ping).not.toHaveBeenCalled();
    clock.advance(1);
    expect(ping).toHaveBeenCalledTimes(1);
    clock.advance(40);
    heartbeat.answered();
    expect(rtt).toHaveBeenCalledWith(40);
    clock.advance(959);
    expect(ping).toHaveBeenCalledTimes(1);
    clock.advance(1);
    expect(ping).toHaveBeenCalledTimes(2);
    expect(dead).not.toHaveBeenCalled();
  });

  it('declares the peer dead within interval + timeout of its last answer', () => {
    const { clock, dead, heartbeat } = setup();
    clock.advance(1000);
    heartbeat.answered();
    clock.advance(1000 + 299);
    expect(dead).not.toHaveBeenCalled();
    clock.advance(1);
    expect(dead).toHaveBeenCalledTimes(1);
  });

  it('pings at once on check, and not twice', () => {
    const { clock, ping, heartbeat } = setup();
    heartbeat.check();
    heartbeat.check();
    expect(ping).toHaveBeenCalledTimes(1);
    expect(clock.pending).toBe(1);
  });

  it('leaves no timer after stop', () => {
    const { clock, heartbeat } = setup();
    clock.advance(1000);
    heartbeat.stopHeartbeat();
    expect(clock.pending).toBe(0);
  });

  it('ignores answers nobody asked for', () => {
    const { rtt, heartbeat } = setup();
    heartbeat.answered();
    expect(rtt).not.toHaveBeenCalled();
  });
});

describe('Heartbeat driven by the server (no interval)', () => {
  const setup = () => {
    const clock = new ManualClock();
    const calls = { ping: vi.fn(), dead: vi.fn(), answeredIn: vi.fn() };
    return { clock, calls, heartbeat: new Probe(clock, calls, 0) };
  };

  it('sends nothing, and each sign of life starts the wait for the next again', () => {
    const { clock, calls, heartbeat } = setup();
    for (let i = 0; i < 10; i++) {
      clock.advance(299);
      heartbeat.answered();
    }
    heartbeat.check();
    expect(calls.ping).not.toHaveBeenCalled();
    expect(calls.answeredIn).not.toHaveBeenCalled();
    expect(calls.dead).not.toHaveBeenCalled();
  });

  it('declares the peer dead after timeout ms of silence, and never after stop', () => {
    const { clock, calls, heartbeat } = setup();
    clock.advance(200);
    heartbeat.answered();
    clock.advance(299);
    expect(calls.dead).not.toHaveBeenCalled();
    clock.advance(1);
    expect(calls.dead).toHaveBeenCalledTimes(1);
    heartbeat.stopHeartbeat();
    heartbeat.answered();
    clock.advance(10000);
    expect(calls.dead).toHaveBeenCalledTimes(1);
    expect(clock.pending).toBe(0);
  });
});
