import WebSocket from 'isomorphic-ws';
import { domTransport, type DomSocket } from './dom';
import type { MessageData } from '../options';
import type { EnvironmentEvents, MessageEmitter, Transport, TransportEvents, TransportOptions } from './types';

export { diagnose } from '../diagnose';

/** Browsers: the native WebSocket, which hides why a handshake failed (the socket diagnoses). */
export function openTransport(options: TransportOptions, events: TransportEvents): Transport {
  const Constructor = (options.WebSocket ?? WebSocket) as unknown as new (url: string, protocols: string[]) => DomSocket;
  return domTransport(new Constructor(options.url, options.protocols), options, events);
}

const nothing = (): void => {};

/**
 * Browsers know when the network goes and comes back, and when a hidden tab returns (its timers
 * were throttled, so its connection may have died unnoticed).
 */
export function watchEnvironment(events: EnvironmentEvents): () => void {
  if (typeof addEventListener !== 'function' || typeof document === 'undefined') return nothing;
  const visible = (): void => {
    if (document.visibilityState === 'visible') events.visible();
  };
  addEventListener('online', events.online);
  addEventListener('offline', events.offline);
  document.addEventListener('visibilitychange', visible);
  return () => {
    removeEventListener('online', events.online);
    removeEventListener('offline', events.offline);
    document.removeEventListener('visibilitychange', visible);
  };
}

/** Browsers dispatch at the pace of their own events: a plain emit keeps up with native (bench/). */
export function deliver(socket: MessageEmitter, data: MessageData): void {
  socket.emit('message', data);
}

export const isOnline = (): boolean => typeof navigator === 'undefined' || navigator.onLine !== false;
