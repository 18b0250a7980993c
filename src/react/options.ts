// How useSteadySocket reads its options. A component re-renders with a new options object every time
// (`useSteadySocket(url, { reconnect: { maxDelay: 5000 } })`), so the hook compares their values, not
// their identity, and hands the socket functions that call the latest render's ones: an inline arrow
// neither reconnects nor goes stale.

/** Identity tokens for the values compared by identity (a constructor, an agent, a logger object). */
const ids = new WeakMap<object, number>();
let lastId = 0;
const idOf = (value: object): string => {
  let id = ids.get(value);
  if (id === undefined) ids.set(value, (id = ++lastId));
  return `#${id}`;
};

const isPlain = (value: object): value is Record<string, unknown> => {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
};

/** A constructor, not a callback: the socket calls it with `new`, so it is compared by identity. */
const byIdentity = (key: string | undefined): boolean => key === 'WebSocket';

/**
 * A string equal for two option objects exactly when the socket would behave the same with either:
 * plain objects and arrays by value (key order aside, an `undefined` field as an absent one), every
 * function as "a function" (it is read through {@link readThrough}) except `WebSocket`, and any
 * other object (a Blob, an `http.Agent`, a logger instance) by identity.
 */
export function optionsKey(value: unknown, key?: string): string {
  if (typeof value === 'function') return byIdentity(key) ? idOf(value) : 'function';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value !== 'object' || value === null) return String(value);
  if (Array.isArray(value)) return `[${value.map((item) => optionsKey(item)).join(',')}]`;
  if (!isPlain(value)) return idOf(value);
  const fields = Object.keys(value)
    .filter((name) => value[name] !== undefined)
    .sort()
    .map((name) => `${JSON.stringify(name)}:${optionsKey(value[name], name)}`);
  return `{${fields.join(',')}}`;
}

/** The value at `path` in `root`, and the object holding it (the `this` of a method). */
function at(root: unknown, path: string[]): { holder: unknown; value: unknown } {
  let holder: unknown;
  let value = root;
  for (const name of path) {
    holder = value;
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  }
  return { holder, value };
}

/**
 * A copy of `value` whose functions call the function at the same place in `latest()` (the last
 * rendered options), or the original one if that is no longer a function. Plain objects are copied
 * through; arrays, `WebSocket` and other objects are kept as they are.
 */
export function readThrough<T>(value: T, latest: () => unknown, path: string[] = []): T {
  const key = path[path.length - 1];
  if (typeof value === 'function' && !byIdentity(key)) {
    const original = value as (...args: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      const { holder, value: current } = at(latest(), path);
      return typeof current === 'function' ? (current as typeof original).apply(holder, args) : original.apply(this, args);
    } as T;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !isPlain(value)) return value;
  const copy: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) copy[name] = readThrough(field, latest, [...path, name]);
  return copy as T;
}
