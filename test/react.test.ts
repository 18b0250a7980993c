import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { useSteadySocket, type UseSteadySocketOptions } from '../src/react/index';
import { optionsKey, readThrough } from '../src/react/options';
import { Outbox } from '../src/react/outbox';
import { startServer } from './helpers/servers';

describe('optionsKey', () => {
  it('is the same for equal values in new objects, whatever the key order or undefined fields', () => {
    const a = { reconnect: { maxDelay: 5000, initialDelay: 100 }, protocols: ['chat.v2'], nodeOptions: { headers: { a: '1' } } };
    const b = { protocols: ['chat.v2'], nodeOptions: { headers: { a: '1' } }, reconnect: { initialDelay: 100, maxDelay: 5000 }, heartbeat: undefined };
    expect(optionsKey(a)).toBe(optionsKey(b));
    expect(optionsKey({})).toBe(optionsKey({ buffer: undefined }));
  });

  it('differs when a value, a type or the order of an array differs', () => {
    const base = optionsKey({ reconnect: { maxDelay: 5000 }, protocols: ['a', 'b'] });
    expect(optionsKey({ reconnect: { maxDelay: 5001 }, protocols: ['a', 'b'] })).not.toBe(base);
    expect(optionsKey({ reconnect: { maxDelay: '5000' }, protocols: ['a', 'b'] })).not.toBe(base);
    expect(optionsKey({ reconnect: { maxDelay: 5000 }, protocols: ['b', 'a'] })).not.toBe(base);
    expect(optionsKey({ reconnect: false })).not.toBe(optionsKey({ reconnect: {} }));
    expect(optionsKey({ reconnect: { maxAttempts: Infinity } })).not.toBe(optionsKey({ reconnect: { maxAttempts: null } }));
  });

  it('counts a function as a function, whatever its identity, and its presence', () => {
    expect(optionsKey({ onMessage: () => 1, reconnect: { shouldReconnect: () => true } })).toBe(
      optionsKey({ onMessage: () => 2, reconnect: { shouldReconnect: () => false } }),
    );
    expect(optionsKey({ reconnect: { shouldReconnect: () => true } })).not.toBe(optionsKey({ reconnect: {} }));
  });

  it('compares WebSocket and objects that are not plain (an agent, a Blob) by identity', () => {
    class Agent {}
    class FakeSocket {}
    const agent = new Agent();
    expect(optionsKey({ WebSocket: FakeSocket, nodeOptions: { agent } })).toBe(optionsKey({ WebSocket: FakeSocket, nodeOptions: { agent } }));
    expect(optionsKey({ WebSocket: FakeSocket })).not.toBe(optionsKey({ WebSocket: class extends FakeSocket {} }));
    expect(optionsKey({ nodeOptions: { agent } })).not.toBe(optionsKey({ nodeOptions: { agent: new Agent() } }));
  });
});

describe('readThrough', () => {
  it('calls the function at the same place in the latest options, with its holder as this', () => {
    let latest: Record<string, any> = { reconnect: { shouldReconnect: () => 'first' } };
    const read = readThrough(latest, () => latest);
    latest = { reconnect: { tag: 'second', shouldReconnect(this: { tag: string }) { return this.tag; } } };
    expect(read.reconnect.shouldReconnect()).toBe('second');
  });

  it('falls back to the original when the latest options have no function there', () => {
    let latest: Record<string, any> = { heartbeat: { message: () => 'ping' } };
    const read = readThrough(latest, () => latest);
    latest = {};
    expect(read.heartbeat.message()).toBe('ping');
  });

  it('passes the arguments, and wraps a function given as the whole value (a url function)', () => {
    let url = (signal: AbortSignal) => `ws://a/${signal.aborted}`;
    const read = readThrough(url, () => url);
    url = (signal) => `ws://b/${signal.aborted}`;
    expect(read(new AbortController().signal)).toBe('ws://b/false');
  });

  it('keeps WebSocket, arrays and other objects as they are', () => {
    class FakeSocket {}
    const protocols = ['a'];
    const agent = new (class Agent {})();
    const read = readThrough({ WebSocket: FakeSocket, protocols, nodeOptions: { agent } }, () => ({}));
    expect(read.WebSocket).toBe(FakeSocket);
    expect(read.protocols).toBe(protocols);
    expect(read.nodeOptions.agent).toBe(agent);
  });
});

describe('Outbox', () => {
  const a = { name: 'a' };
  const b = { name: 'b' };

  it('hands what was sent for the URL over to the next socket, in order, and drops what was for another', () => {
    const outbox = new Outbox<object, string>();
    outbox.push('1', 'url:a', a);
    outbox.push('for b', 'url:b');
    outbox.push('2', 'url:a');
    const sent: string[] = [];
    expect(outbox.handOver('url:a', b, (data) => sent.push(data))).toBeUndefined();
    expect(sent).toEqual(['1', '2']);
    expect(outbox.size).toBe(2);
  });

  it('forgets only what the socket that opened had queued', () => {
    const outbox = new Outbox<object, string>();
    outbox.push('queued by a', 'url:x', a);
    outbox.push('sent before b existed', 'url:x');
    outbox.flushed(a);
    expect(outbox.size).toBe(1);
    const sent: string[] = [];
    outbox.handOver('url:x', b, (data) => sent.push(data));
    expect(sent).toEqual(['sent before b existed']);
    outbox.flushed(b);
    expect(outbox.size).toBe(0);
  });

  it('stops at the first message the new socket refuses, drops it and the rest, and returns why', () => {
    const outbox = new Outbox<object, string>();
    for (const data of ['1', '2', '3']) outbox.push(data, 'url:x');
    const full = new Error('buffer-full');
    const error = outbox.handOver('url:x', a, (data) => {
      if (data === '2') throw full;
    });
    expect(error).toBe(full);
    expect(outbox.size).toBe(1);
  });
});

describe('useSteadySocket on the server', () => {
  function View({ url, options }: { url: string | null; options?: UseSteadySocketOptions }) {
    const { socket, state, error } = useSteadySocket(url, options);
    return createElement('p', null, `${state} ${socket === null} ${error?.kind ?? 'none'}`);
  }

  it('renders without a socket, a timer or an error: connecting with a URL, closed without', () => {
    let made = 0;
    const WebSocket = class {
      constructor() {
        made++;
      }
    };
    const handles = (): number => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    const before = handles();
    const html = renderToString(createElement(View, { url: 'ws://127.0.0.1:9/never', options: { WebSocket: WebSocket as never, reconnect: { initialDelay: 10 } } }));
    expect(html).toBe('<p>connecting true none</p>');
    expect(renderToString(createElement(View, { url: null }))).toBe('<p>closed true none</p>');
    expect(made).toBe(0);
    expect(handles()).toBe(before);
  });

  it('renders with the built package in a Node process that exits at once, and the server sees no connection', async () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    expect(existsSync(`${root}dist/react.mjs`), 'dist/ is missing: run `npm run build` first').toBe(true);
    const server = await startServer();
    let connections = 0;
    server.wss.on('connection', () => connections++);
    // As an app's server does it: the package by its name (resolved from package.json "exports").
    const script = `
      import { createElement } from 'react';
      import { renderToString } from 'react-dom/server';
      import { useSteadySocket } from 'steadysocket/react';
      function App() {
        const { state, socket } = useSteadySocket(${JSON.stringify(server.url)}, { reconnect: { maxDelay: 1000 } });
        return createElement('p', null, state + ' ' + (socket === null));
      }
      console.log(renderToString(createElement(App)));`;
    try {
      const started = Date.now();
      const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
        execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root, timeout: 15000 }, (error, stdout, stderr) =>
          error ? reject(error) : resolve({ stdout, stderr }),
        ),
      );
      expect(stdout.trim()).toBe('<p>connecting true</p>');
      expect(stderr).toBe('');
      // Nothing keeps the process alive: it ends as soon as the render is printed.
      expect(Date.now() - started).toBeLessThan(5000);
      expect(connections).toBe(0);
    } finally {
      await server.close();
    }
  });
});
