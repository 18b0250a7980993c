import { describe, expect, it } from 'vitest';
// The full entry: its errors carry hints.
import '../src/index';
import { classifyNodeError, kindOfStatus, parseRetryAfter, responseError, safeHeaders } from '../src/classify';

describe('kindOfStatus', () => {
  it.each([
    [200, 'no-protocol-support'],
    [301, 'no-protocol-support'],
    [302, 'no-protocol-support'],
    [400, 'no-protocol-support'],
    [404, 'no-protocol-support'],
    [405, 'no-protocol-support'],
    [101, 'bad-upgrade-header'],
    [426, 'bad-upgrade-header'],
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [407, 'unauthorized'],
    [429, 'rate-limited'],
    [500, 'server-error'],
    [502, 'server-error'],
    [503, 'server-error'],
  ])('%i is %s', (status, kind) => expect(kindOfStatus(status)).toBe(kind));
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    expect(parseRetryAfter(new Date(61_000).toUTCString(), 1000)).toBe(60_000);
    expect(parseRetryAfter(new Date(0).toUTCString(), 5000)).toBe(0);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('safeHeaders', () => {
  it('keeps helpful headers, drops cookies and unknowns, redacts Location', () => {
    expect(
      safeHeaders({ 'Retry-After': '5', 'set-cookie': ['a=b'], 'x-secret': 'y', location: 'https://h/p?token=abc', upgrade: ['websocket'] }),
    ).toEqual({ 'retry-after': '5', location: 'https://h/p?token=***', upgrade: 'websocket' });
  });
});

describe('responseError', () => {
  it('carries status, headers and Retry-After', () => {
    const error = responseError(429, { 'retry-after': '3' }, 2);
    expect(error).toMatchObject({ kind: 'rate-limited', status: 429, retryAfter: 3000, attempt: 2, retryable: true });
    expect(String(error)).toMatch(/^SteadySocketError \[rate-limited 429\]: .+ Retry-After/);
  });

  it('names the missing header of a 101', () => {
    expect(responseError(101, { connection: 'Upgrade' }, 1)).toMatchObject({ kind: 'bad-upgrade-header', header: 'upgrade' });
    expect(responseError(101, { upgrade: 'websocket' }, 1)).toMatchObject({ kind: 'bad-upgrade-header', header: 'connection' });
  });
});

describe('classifyNodeError', () => {
  const withCode = (message: string, code?: string): Error & { code?: string } => Object.assign(new Error(message), { code });
  it.each([
    ['connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED', 'network'],
    ['socket hang up', 'ECONNRESET', 'network'],
    ['getaddrinfo ENOTFOUND nowhere', 'ENOTFOUND', 'network'],
    ['Parse Error: Expected HTTP/, RTSP/ or ICE/', 'HPE_INVALID_CONSTANT', 'no-protocol-support'],
    ['write EPROTO ...:wrong version number', 'EPROTO', 'tls'],
    ['self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'tls'],
    ['Invalid Upgrade header', undefined, 'bad-upgrade-header'],
    ['Invalid Sec-WebSocket-Accept header', undefined, 'bad-upgrade-header'],
    ['Server sent no subprotocol', undefined, 'subprotocol-mismatch'],
    ['Server sent an invalid subprotocol', undefined, 'subprotocol-mismatch'],
    ['Server sent a subprotocol but none was requested', undefined, 'subprotocol-mismatch'],
    ['Server indicated an extension that was not requested', undefined, 'extension-mismatch'],
    ['Server sent a Sec-WebSocket-Extensions header but no extension was requested', undefined, 'extension-mismatch'],
    ['Unexpected server response: 404', undefined, 'no-protocol-support'],
    ['Unexpected server response: 101', undefined, 'bad-upgrade-header'],
    ['Invalid WebSocket frame: invalid UTF-8 sequence', 'WS_ERR_INVALID_UTF8', 'protocol-error'],
    ['something new', undefined, 'handshake'],
  ])('%s (%s) is %s', (message, code, kind) => {
    expect(classifyNodeError(withCode(message, code), 1, false).kind).toBe(kind);
  });

  it('calls an unknown error after open a network failure', () => {
    expect(classifyNodeError(new Error('odd'), 1, true).kind).toBe('network');
  });
});
