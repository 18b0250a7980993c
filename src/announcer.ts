import type EventEmitter from 'eventemitter3';
import { SteadySocketError } from './errors';
import type { Announcement, SteadySocketEvents } from './events';
import type { Watcher } from './extensions';
import type { SocketState } from './state';

let ids = 0;
// Ids are handed out when first asked for (a log record, a diagnostics message, `socket.id`): a
// socket nobody names carries no field for one.
const IDS = new WeakMap<object, string>();

// Restarts within one synchronous turn after which listeners are taken to be looping (reconnect() on
// every `connecting`, or close() and reconnect() in turn): the socket ends instead of spinning.
const RESTARTS = 100;

/**
 * How a socket's life reaches the outside: its state and id, its events in order, and the promises
 * of connected(). Re-entrancy is safe by construction: the session commits every change first
 * (state, timers, attempt or connection, queue) and announces it after, so listeners see a
 * consistent socket and may call anything. Events a listener causes are queued behind the ones being
 * emitted, so every listener sees every event in the order the changes happened.
 */
export abstract class Announcer {
  state: SocketState = 'connecting';
  /** Counters, log records and diagnostics channels (the full entry). */
  declare monitor?: Watcher;
  /** Events waiting while others are being emitted. */
  #pending?: Announcement[];
  /** Attempts started while emitting, this turn. */
  #restarts = 0;
  #waiters?: [() => void, (error: SteadySocketError) => void][];
  /** The error that ended the socket, while it is closing or closed (connected() rejects with it). */
  ending?: SteadySocketError;

  constructor(readonly socket: EventEmitter<SteadySocketEvents>) {}

  /** A short id for log records and diagnostics channels. */
  get id(): string {
    let id = IDS.get(this);
    if (!id) IDS.set(this, (id = 's' + ++ids));
    return id;
  }

  connected(): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    // Only a socket that ended rejects: one not started yet (autoConnect: false) waits for connect().
    if (this.ending) return Promise.reject(this.ending);
    return new Promise((resolve, reject) => (this.#waiters ??= []).push([resolve, reject]));
  }

  /** The socket opened (no error) or ended: every caller of connected() hears it. */
  protected settle(error?: SteadySocketError): void {
    const waiters = this.#waiters;
    this.#waiters = undefined;
    waiters?.forEach(([resolve, reject]) => (error ? reject(error) : resolve()));
  }

  // Every move is one of TRANSITIONS (src/state.ts) by construction; the tests check each emitted
  // change against that table rather than throwing from a user's timer here.
  protected move(next: SocketState): Announcement {
    const previous = this.state;
    this.state = next;
    return ['state', next, previous];
  }

  /**
   * Counts an attempt started while emitting: 0 while all is well, 1 at the first restart too many
   * (end the socket), more after (do nothing: it is ending).
   */
  protected looping(): number {
    return this.#pending && ++this.#restarts > RESTARTS ? this.#restarts - RESTARTS : 0;
  }

  /**
   * Emits events in order. Called while emitting (a listener acted on the socket), it queues them
   * behind the current ones. A listener that throws stops this round as a plain emit would; the
   * socket is consistent already, since every change was committed before.
   */
  protected announce(entries: Announcement[]): void {
    const monitor = this.monitor;
    if (monitor) for (const entry of entries) monitor.note(entry);
    if (this.#pending) {
      this.#pending.push(...entries);
      return;
    }
    this.#pending = entries;
    try {
      for (const [event, ...args] of entries) {
        // A state event for a move that changed nothing (connecting -> connecting) is not news.
        if (event !== 'state' || args[0] !== args[1]) (this.socket.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
      }
    } finally {
      this.#pending = undefined;
      this.#restarts = 0;
    }
  }
}
