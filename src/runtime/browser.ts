import { domTransport, type DomSocket } from './dom';
import type { MessageData } from '../options';
import type { EnvironmentEvents, MessageEmitter, Runtime, Transport, TransportEvents, TransportOptions } from './types';

/**
 * Browsers: the native WebSocket, which hides why a handshake failed (the diagnosis add-on probes).
 * It is what isomorphic-ws gives a browser, read here at each attempt so a page can swap it.
 */
export function openTransport(options: TransportOptions, events: TransportEvents): Transport {
  const Constructor = (options.WebSocket ?? globalThis.WebSocket) as unknown as new (url: string, protocols: string[]) => DomSocket;
  return domTransport(new Constructor(options.url, options.protocols), options, events);
}

const nothing = (): void => {};

/**
 * Browsers know when the network goes and comes back, when a hidden tab returns (its timers were
 * throttled, so its connection may have died unnoticed), and when the page goes into the
 * back/forward cache and comes back.
 */
export function watchEnvironment(events: EnvironmentEvents): () => void {
  if (typeof addEventListener !== 'function' || typeof document === 'undefined') return nothing;
  // Only a page that may be cached (persisted): one being unloaded has its sockets closed anyway.
  const page = globalThis as unknown as EventTarget;
  const listeners: [EventTarget, string, (event: Event) => void][] = [
    [page, 'online', () => events.wake('online')],
    [page, 'offline', () => events.offline()],
    [page, 'pagehide', (event) => (event as PageTransitionEvent).persisted && events.pagehide()],
    [page, 'pageshow', (event) => (event as PageTransitionEvent).persisted && events.wake('pageshow')],
    [document, 'visibilitychange', () => document.visibilityState === 'visible' && events.wake('visible')],
  ];
  for (const [target, name, listener] of listeners) target.addEventListener(name, listener);
  return () => {
    for (const [target, name, listener] of listeners) target.removeEventListener(name, listener);
  };
}

/** Browsers dispatch at the pace of their own events: a plain emit keeps up with native (bench/). */
export function deliver(socket: MessageEmitter, data: MessageData): void {
  socket.emit('message', data);
}

export const isOnline = (): boolean => typeof navigator === 'undefined' || navigator.onLine !== false;

/** Diagnostics channels are Node's: a page has none. */
export const publish: Runtime['publish'] = () => {};

/** Every browser has the WebSocket events' classes (`CloseEvent`, `ErrorEvent`, `MessageEvent`). */
export const makeEvent: Runtime['makeEvent'] = (name, type, init) => new (globalThis as unknown as Record<string, typeof Event>)[name]!(type, init);
