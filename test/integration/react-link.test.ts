import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageData } from 'steadysocket';
import { Link, rendered, type Rendered, type UseSteadySocketOptions, type View } from '../../src/react/link';
import { closedPort, startServer, type EchoServer } from '../helpers/servers';

// What useSteadySocket's effects do, driven without React: open() is the effect, its result the
// cleanup, and `rendered` what the component rendered last. Real sockets to real servers.

/** A component's link: what it rendered, what it showed, and a wait for what it will show. */
function mount(url: string | null | (() => string), options: UseSteadySocketOptions = {}) {
  const waiters: (() => void)[] = [];
  const component = {
    rendered: rendered(url, options) as Rendered,
    views: [] as View[],
    get view(): View | undefined {
      return component.views[component.views.length - 1];
    },
    link: undefined as unknown as Link,
    render(next: string | null | (() => string), nextOptions: UseSteadySocketOptions = {}) {
      component.rendered = rendered(next, nextOptions);
    },
    /** Resolves once the last view passes `test`. */
    until(test: (view: View) => boolean): Promise<View> {
      return new Promise((resolve) => {
        const waiter = (): void => {
          if (!component.view || !test(component.view)) return;
          waiters.splice(waiters.indexOf(waiter) >>> 0, 1);
          resolve(component.view);
        };
        waiters.push(waiter);
        waiter();
      });
    },
  };
  component.link = new Link(
    () => component.rendered,
    (view) => {
      component.views.push(view);
      for (const waiter of [...waiters]) waiter();
    },
  );
  return component;
}

/** Messages echoed back, through onMessage. */
const echoes = () => {
  const seen: MessageData[] = [];
  return { seen, onMessage: (data: MessageData) => void seen.push(data) };
};

let server: EchoServer;
let refusing: EchoServer;
// Handshakes wait here while `held`.
let held = false;
const holding: (() => void)[] = [];
const release = (): void => {
  held = false;
  for (const done of holding.splice(0)) done();
};

beforeAll(async () => {
  server = await startServer({ verifyClient: (_info, done) => (held ? holding.push(() => done(true)) : done(true)) });
  refusing = await startServer({ verifyClient: (_info, done) => done(false, 401) });
});
afterAll(async () => {
  release();
  await Promise.all([server.close(), refusing.close()]);
});

const open = (): number => server.wss.clients.size;
const until = async (test: () => boolean): Promise<void> => {
  while (!test()) await new Promise((resolve) => setImmediate(resolve));
};

describe('useSteadySocket, its effect and send() without React', () => {
  it('a socket closed at once (StrictMode\'s first mount) never connects; the next one sends what it was given, once', async () => {
    const before = server.clients.length;
    const { seen, onMessage } = echoes();
    const component = mount(server.url, { onMessage });
    const first = component.link.open();
    component.link.send('hello');
    first();
    const second = component.link.open();
    await component.until((view) => view.state === 'open');
    await until(() => seen.length === 1);
    expect(seen).toEqual(['hello']);
    expect(server.clients.length - before).toBe(1);
    expect(open()).toBe(1);
    second();
    await until(() => open() === 0);
  });

  it('new options make a new socket, which sends what the old one had queued, once', async () => {
    server.received.length = 0;
    const { seen, onMessage } = echoes();
    held = true;
    const component = mount(server.url, { onMessage });
    const first = component.link.open();
    component.link.send('queued');
    component.render(server.url, { onMessage, reconnect: { maxDelay: 5000 } });
    // Between the render and its effect: for the new socket.
    component.link.send('after the render');
    first();
    const second = component.link.open();
    release();
    await component.until((view) => view.state === 'open');
    await until(() => seen.length === 2);
    expect(server.received).toEqual(['queued', 'after the render']);
    second();
    await until(() => open() === 0);
  });

  it('a new URL drops what was kept for the old one; what is sent after the render goes to the new socket', async () => {
    server.received.length = 0;
    const { seen, onMessage } = echoes();
    held = true;
    const component = mount(`${server.url}/a`, { onMessage });
    const first = component.link.open();
    component.link.send('for a');
    component.render(`${server.url}/b`, { onMessage });
    component.link.send('for b');
    first();
    const second = component.link.open();
    release();
    await component.until((view) => view.state === 'open');
    await until(() => seen.length === 1);
    expect(server.received).toEqual(['for b']);
    expect(component.view!.socket!.url).toBe(`${server.url}/b`);
    second();
    await until(() => open() === 0);
  });

  it('shows each failure as error, clears it once open, and calls the url and onMessage functions of the latest render', async () => {
    const dead = `ws://127.0.0.1:${await closedPort()}`;
    let target = dead;
    const component = mount(() => target, { reconnect: { initialDelay: 20, maxDelay: 50 }, onMessage: () => {} });
    const close = component.link.open();
    const failed = await component.until((view) => view.error !== undefined);
    expect(failed.error!.kind).toBe('network');
    // A new url function (and onMessage) in a later render: no new socket, but used from now on.
    const { seen, onMessage } = echoes();
    const key = component.rendered.key;
    component.render(() => target, { reconnect: { initialDelay: 20, maxDelay: 50 }, onMessage });
    expect(component.rendered.key).toBe(key);
    target = server.url;
    const opened = await component.until((view) => view.state === 'open');
    expect(opened.error).toBeUndefined();
    expect(opened.socket).toBe(failed.socket);
    component.link.send('ping');
    await until(() => seen.length === 1);
    expect(seen).toEqual(['ping']);
    close();
    await until(() => open() === 0);
  });

  it('a 401 on the upgrade ends the socket: unauthorized, closed', async () => {
    const component = mount(refusing.url);
    const close = component.link.open();
    const view = await component.until((shown) => shown.state === 'closed');
    expect(view.error!.kind).toBe('unauthorized');
    expect(view.error!.status).toBe(401);
    expect(() => component.link.send('x')).toThrow(/not-open|cannot send/);
    close();
  });

  it('a URL or options the client refuses are shown as the error, with no socket; send() throws not-open', () => {
    const component = mount('ftp://example.com/');
    const close = component.link.open();
    expect(component.view).toMatchObject({ socket: null, state: 'closed', error: { kind: 'invalid-url' } });
    expect(() => component.link.send('x')).toThrow(expect.objectContaining({ kind: 'not-open' }));
    close();
    const options = mount(server.url, { reconnect: { maxDelay: -1 } });
    options.link.open()();
    expect(options.view!.error!.kind).toBe('invalid-options');
  });

  it('without a URL there is no socket: closed, and send() throws not-open; with buffer off it does so before the socket exists', () => {
    const component = mount(null);
    const close = component.link.open();
    expect(component.view).toEqual({ socket: null, state: 'closed', error: undefined });
    expect(() => component.link.send('x')).toThrow(expect.objectContaining({ kind: 'not-open' }));
    close();
    const unbuffered = mount(server.url, { buffer: false });
    expect(() => unbuffered.link.send('x')).toThrow(expect.objectContaining({ kind: 'not-open' }));
  });
});
