import { describe, expect, it } from 'vitest';
import { SteadySocketError } from '../src/errors';
import { parseProxy, proxyFromEnv } from '../src/doctor/proxy';

// Which proxy the environment gives, as curl reads it, and what a proxy URL means. No I/O: the
// tunnels themselves are tested through squid (test/integration/proxy.test.ts).

describe('proxyFromEnv', () => {
  const env = { HTTPS_PROXY: 'http://secure.proxy:3128', HTTP_PROXY: 'http://plain.proxy:3128' };

  it('HTTPS_PROXY for wss: and https:, HTTP_PROXY for ws: and http:', () => {
    expect(proxyFromEnv('wss://chat.example/', env)).toBe('http://secure.proxy:3128');
    expect(proxyFromEnv('https://chat.example/', env)).toBe('http://secure.proxy:3128');
    expect(proxyFromEnv('ws://chat.example/', env)).toBe('http://plain.proxy:3128');
    expect(proxyFromEnv('http://chat.example/', env)).toBe('http://plain.proxy:3128');
    expect(proxyFromEnv('ws://chat.example/', { HTTPS_PROXY: 'http://secure.proxy:3128' })).toBeUndefined();
    expect(proxyFromEnv('ws://chat.example/', {})).toBeUndefined();
  });

  it('the lower-case names first, as curl reads them; an empty one counts as unset', () => {
    expect(proxyFromEnv('wss://chat.example/', { ...env, https_proxy: 'http://lower:1' })).toBe('http://lower:1');
    expect(proxyFromEnv('ws://chat.example/', { ...env, http_proxy: 'http://lower:2' })).toBe('http://lower:2');
    expect(proxyFromEnv('ws://chat.example/', { ...env, http_proxy: '' })).toBe('http://plain.proxy:3128');
  });

  it.each([
    ['*', 'wss://chat.example/', true],
    ['chat.example', 'wss://chat.example/', true],
    ['example', 'wss://chat.example/', true],
    ['.example', 'wss://chat.example/', true],
    ['*.example', 'wss://a.chat.example/', true],
    ['hat.example', 'wss://chat.example/', false],
    ['other.example, chat.example', 'wss://chat.example/', true],
    ['CHAT.Example', 'wss://chat.example/', true],
    ['chat.example:443', 'wss://chat.example/', true],
    ['chat.example:8443', 'wss://chat.example/', false],
    ['chat.example:8443', 'wss://chat.example:8443/', true],
    ['127.0.0.1', 'ws://127.0.0.1:8080/', true],
    ['localhost,127.0.0.1', 'ws://localhost:8080/', true],
    ['::1', 'ws://[::1]:8080/', true],
    ['[::1]:8080', 'ws://[::1]:8080/', true],
    ['[::1]:9', 'ws://[::1]:8080/', false],
  ])('NO_PROXY=%s for %s: bypassed %s', (list, url, bypassed) => {
    const proxy = proxyFromEnv(url, { ...env, NO_PROXY: list });
    expect(proxy === undefined).toBe(bypassed);
    expect(proxyFromEnv(url, { ...env, no_proxy: list }) === undefined).toBe(bypassed);
  });
});

describe('parseProxy', () => {
  it('reads credentials into Proxy-Authorization and shows them masked', () => {
    expect(parseProxy('http://alice:p%40ss@proxy.example:3128')).toEqual({
      host: 'proxy.example',
      port: 3128,
      authorization: `Basic ${Buffer.from('alice:p@ss').toString('base64')}`,
      shown: 'http://***@proxy.example:3128',
    });
  });

  it('host:port alone is http://, port 80 by default, IPv6 without brackets', () => {
    expect(parseProxy('proxy.example:8080')).toMatchObject({ host: 'proxy.example', port: 8080, authorization: undefined, shown: 'http://proxy.example:8080' });
    expect(parseProxy('http://proxy.example')).toMatchObject({ port: 80 });
    expect(parseProxy('http://[::1]:3128')).toMatchObject({ host: '::1', port: 3128, shown: 'http://[::1]:3128' });
  });

  it.each(['https://proxy.example:443', 'socks5://proxy.example:1080', 'http://', 'http://user:s3cret@[bad'])('%s is refused without showing a password', (text) => {
    let error: unknown;
    try {
      parseProxy(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SteadySocketError);
    expect((error as SteadySocketError).kind).toBe('invalid-options');
    expect((error as SteadySocketError).message).not.toContain('s3cret');
  });
});

describe('a proxy URL that does not parse', () => {
  it.each(['http://alice:se/cret@proxy.example:3128', 'http://alice:se?cret@proxy.example:3128', 'http://alice:se#cret@proxy.example'])(
    'is refused without quoting any of its password: %s',
    (text) => {
      let error: unknown;
      try {
        parseProxy(text);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SteadySocketError);
      expect(String(error)).not.toMatch(/cret/);
    },
  );
});
