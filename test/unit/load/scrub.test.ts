import { describe, expect, it } from 'vitest';
import { basicAuth } from '../../../lib/load/http.ts';
import { allowsHost } from '../../../lib/load/redirect-hosts.ts';
import { credentialScrub, noScrub, withoutUserinfo } from '../../../lib/load/scrub.ts';
import { redirectHostsFor } from '../../support/scripted-starrocks.ts';

describe('credentialScrub', () => {
  const password = 'p@ss w/"rd';
  const authorization = basicAuth({ username: 'loader', password });
  const scrub = credentialScrub(authorization);

  it.each([
    ['the Authorization header value', authorization],
    ['the base64 of user:password', Buffer.from(`loader:${password}`).toString('base64')],
    ['the password raw', password],
    ['the password URL-encoded', encodeURIComponent(password)],
    ['the password form-encoded', new URLSearchParams({ p: password }).toString().slice(2)],
    ['the password JSON-escaped', JSON.stringify(password).slice(1, -1)],
    ['the password in base64', Buffer.from(password).toString('base64')],
    ['the password in base64url', Buffer.from(password).toString('base64url')],
  ])('replaces %s', (_name, secret) => {
    expect(scrub(`before ${secret} after`)).toBe('before *** after');
  });

  it('leaves text without credentials as it is, and the user name', () => {
    expect(scrub('Access denied for user loader@10.0.0.1')).toBe('Access denied for user loader@10.0.0.1');
  });

  it('has nothing to scrub for an empty password but the header itself', () => {
    const empty = basicAuth({ username: 'root', password: '' });
    expect(credentialScrub(empty)(`got ${empty}`)).toBe('got ***');
    expect(credentialScrub('')).toBe(noScrub);
  });
});

describe('withoutUserinfo', () => {
  it.each([
    ['http://u:pw@be:8040/x', 'http://be:8040/x'],
    ['see http://loader:ab/cd?ef@fe:8030 now', 'see http://fe:8030 now'],
    ['http://be:8040/x', 'http://be:8040/x'],
  ])('writes %s as %s', (text, expected) => {
    expect(withoutUserinfo(text)).toBe(expected);
  });
});

describe('allowsHost', () => {
  it('allows by default each FE host on any port and, for an IP literal, its /24', () => {
    const hosts = redirectHostsFor(['http://10.0.3.7:8030', 'https://fe.example.com:8443']);
    expect(allowsHost(hosts, new URL('http://10.0.3.200:8040/'))).toBe(true);
    expect(allowsHost(hosts, new URL('https://FE.example.com/'))).toBe(true);
    expect(allowsHost(hosts, new URL('http://10.0.4.1:8040/'))).toBe(false);
    expect(allowsHost(hosts, new URL('http://be.example.com:8040/'))).toBe(false);
  });

  it('matches IPv6 literals by address and subnet, and a host rule on its port only', () => {
    const hosts = redirectHostsFor(['http://[fd00::1]:8030'], 'fd00:1::/64, [fd00::9]:8040, be1:8040');
    expect(allowsHost(hosts, new URL('http://[fd00:1::abcd]:8040/'))).toBe(true);
    expect(allowsHost(hosts, new URL('http://[fd00:0:0:0::9]:8040/'))).toBe(true);
    expect(allowsHost(hosts, new URL('http://[fd00::9]:9999/'))).toBe(false);
    expect(allowsHost(hosts, new URL('http://[fd00:2::1]:8040/'))).toBe(false);
    expect(allowsHost(hosts, new URL('http://be1:8040/'))).toBe(true);
    expect(allowsHost(hosts, new URL('http://be1/'))).toBe(false);
  });
});
