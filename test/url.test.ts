import { describe, expect, it } from 'vitest';
import { normalizeUrl, redactUrl } from '../src/url';

describe('normalizeUrl', () => {
  it.each([
    ['ws://example.com/a', 'ws://example.com/a'],
    ['wss://example.com/a?b=c', 'wss://example.com/a?b=c'],
    ['http://example.com:8080/a', 'ws://example.com:8080/a'],
    ['https://example.com', 'wss://example.com/'],
  ])('accepts %s as %s', (input, output) => {
    expect(normalizeUrl(input)).toBe(output);
  });

  it.each([
    ['empty', ''],
    ['relative', '/chat'],
    ['ftp', 'ftp://example.com/'],
    ['with a fragment', 'ws://example.com/#top'],
    ['with an empty fragment', 'ws://example.com/#'],
    ['with spaces', 'ws://example.com/a b'],
    ['a number', 42],
    ['null', null],
    ['an object', {}],
  ])('refuses a URL that is %s with invalid-url', (_name, input) => {
    expect(() => normalizeUrl(input)).toThrow(expect.objectContaining({ kind: 'invalid-url', name: 'SteadySocketError' }));
  });

  it('never repeats a token in its error', () => {
    try {
      normalizeUrl('ftp://user:pw@example.com/?token=s3cret');
    } catch (error) {
      expect(String(error)).not.toContain('s3cret');
      expect(String(error)).not.toContain('pw');
    }
  });
});

describe('redactUrl', () => {
  it('hides credentials and query values but keeps names', () => {
    expect(redactUrl('wss://bob:hunter2@example.com/ws?token=abc&since=5')).toBe('wss://***@example.com/ws?token=***&since=***');
    expect(redactUrl('ws://example.com/')).toBe('ws://example.com/');
  });

  // A bare query is often the token itself (`wss://host/ws?<token>`).
  it('hides a query parameter without a name whole, and leaves & in the path alone', () => {
    expect(redactUrl('wss://example.com/ws?eyJhbGciOi.secret')).toBe('wss://example.com/ws?***');
    expect(redactUrl('ws://example.com/?flag&since=5')).toBe('ws://example.com/?***&since=***');
    expect(redactUrl('ws://example.com/a&b=c/?t=1')).toBe('ws://example.com/a&b=c/?t=***');
    expect(redactUrl('ws://example.com/ws?')).toBe('ws://example.com/ws?');
  });
});

describe('redactUrl with credentials that hold /, ? or #', () => {
  it.each([
    ['ws://alice:se/cretPW@host/', 'ws://***@host/'],
    ['ws://alice:se?cretPW@host/x?a=1', 'ws://***@host/x?a=***'],
    ['ws://alice:se#cretPW@host/', 'ws://***@host/'],
    ['ws://alice:1#cretPW@host/', 'ws://***@host/'],
    ['ws://alice:se\ncretPW@host/', 'ws://***@host/'],
    ['ws://alice@work:cretPW@host/p?x=1', 'ws://***@host/p?x=***'],
  ])('hides every character of the credentials in %j, a URL that does not parse', (input, output) => {
    expect(redactUrl(input, true)).toBe(output);
  });

  it('keeps the host of a valid URL whose path or query holds an @', () => {
    expect(redactUrl('wss://host/users/bob@x/ws')).toBe('wss://host/users/bob@x/ws');
    expect(redactUrl('wss://host/chat?email=a@b.c')).toBe('wss://host/chat?email=***');
  });

  it('quotes none of such a password when refusing the URL', () => {
    for (const input of ['ws://alice:se/cretPW@host/', 'ws://alice:se?cretPW@host/', 'ws://alice:se#cretPW@host/']) {
      expect(() => normalizeUrl(input)).toThrow(expect.objectContaining({ kind: 'invalid-url' }));
      try {
        normalizeUrl(input);
      } catch (error) {
        expect(String(error)).not.toMatch(/cret|se\/|se\?/);
      }
    }
  });
});
