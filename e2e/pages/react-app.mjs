// A React app as users write one (without JSX, so it bundles without a compiler): StrictMode on,
// the hook from `steadysocket/react`. e2e/react.spec.ts bundles it with rollup and drives it through
// `window.app`; what it renders (#state, #error, #url) is what the tests read.
import { StrictMode, createElement as h, useEffect, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useSteadySocket } from 'steadysocket/react';

const app = (window.app = { received: [], renders: 0 });

function Connection({ url, protocols }) {
  app.renders++;
  // A new options object on every render, with an inline onMessage: neither may reconnect.
  const { state, error, send } = useSteadySocket(url, {
    protocols,
    reconnect: { initialDelay: 50, maxDelay: 200 },
    heartbeat: false,
    onMessage: (data) => app.received.push(String(data)),
  });
  // Sent once per mount, as an app greets its server: StrictMode's second mount must not lose it.
  const greeted = useRef(false);
  useEffect(() => {
    app.send = send;
    if (greeted.current) return;
    greeted.current = true;
    send('hello');
  }, [send]);
  return h(
    'div',
    null,
    h('p', { id: 'state' }, state),
    h('p', { id: 'error' }, error ? `${error.kind}${error.status ? ' ' + error.status : ''}` : ''),
    h('p', { id: 'url' }, url),
  );
}

function App() {
  const [props, setProps] = useState(null);
  const [, setTick] = useState(0);
  useEffect(() => {
    app.show = (next) => setProps(next && { ...next });
    app.rerender = () => setTick((tick) => tick + 1);
    app.ready = true;
  }, []);
  return props ? h(Connection, props) : h('p', { id: 'state' }, 'unmounted');
}

createRoot(document.getElementById('root')).render(h(StrictMode, null, h(App)));
