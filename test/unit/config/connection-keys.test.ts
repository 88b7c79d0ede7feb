import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { seedConfig } from '../../fixtures/events.ts';
import { problemsOf } from '../../support/config-problems.ts';

/**
 * `starrocks.redirect.hosts` (where a redirect may take the credentials, with its default derived
 * from the FE addresses) and `sink.max.concurrent.loads`.
 */

describe('starrocks.redirect.hosts', () => {
  it('defaults to each FE host on any port, and the /24 or /64 of an FE given as an IP literal', () => {
    const config = parseSinkConfig(
      seedConfig({ 'starrocks.http.url': 'FE1.example.com:8030,10.1.2.3:8030,https://[FD00:0:0:7::5]:8443' }),
    );

    expect(config.redirectHosts).toEqual({
      configured: false,
      description:
        'the FE hosts (fe1.example.com, 10.1.2.3, fd00:0:0:7::5, any port) and 10.1.2.0/24, fd00:0:0:7::/64',
      rules: [
        { kind: 'host', host: 'fe1.example.com' },
        { kind: 'host', host: '10.1.2.3' },
        { kind: 'host', host: 'fd00:0:0:7::5' },
        { kind: 'subnet', address: '10.1.2.0', prefix: 24, family: 'ipv4' },
        { kind: 'subnet', address: 'fd00:0:0:7::', prefix: 64, family: 'ipv6' },
      ],
    });
  });

  it('makes no network and no domain rule for an FE named by host name', () => {
    const config = parseSinkConfig(seedConfig({ 'starrocks.http.url': 'fe.example.com:8030' }));

    expect(config.redirectHosts.rules).toEqual([{ kind: 'host', host: 'fe.example.com' }]);
    expect(config.redirectHosts.description).toBe('the FE hosts (fe.example.com, any port)');
  });

  it('lists two FEs of one network once', () => {
    const config = parseSinkConfig(seedConfig({ 'starrocks.http.url': '10.0.0.1:8030,10.0.0.2:8030' }));

    expect(config.redirectHosts.rules.filter((rule) => rule.kind === 'subnet')).toEqual([
      { kind: 'subnet', address: '10.0.0.0', prefix: 24, family: 'ipv4' },
    ]);
  });

  it('reads hosts, ports, IPv4 and IPv6 networks and domain suffixes, in canonical form, after the FE hosts', () => {
    const config = parseSinkConfig(
      seedConfig({
        'starrocks.redirect.hosts':
          ' BE1.Example.com:8040, be2, 10.0.5.7/16, 192.168.1.9, fd00::/8, [FD00:0::1]:8040, 2001:DB8::1, *.Corp.Example, .internal ',
      }),
    );

    expect(config.redirectHosts).toEqual({
      configured: true,
      description:
        'the FE hosts (127.0.0.1, any port) and be1.example.com:8040, be2, 10.0.0.0/16, 192.168.1.9, fd00::/8, [fd00::1]:8040, 2001:db8::1, .corp.example, .internal',
      rules: [
        { kind: 'host', host: '127.0.0.1' },
        { kind: 'host', host: 'be1.example.com', port: 8040 },
        { kind: 'host', host: 'be2' },
        { kind: 'subnet', address: '10.0.0.0', prefix: 16, family: 'ipv4' },
        { kind: 'host', host: '192.168.1.9' },
        { kind: 'subnet', address: 'fd00::', prefix: 8, family: 'ipv6' },
        { kind: 'host', host: 'fd00::1', port: 8040 },
        { kind: 'host', host: '2001:db8::1' },
        { kind: 'domain', suffix: '.corp.example' },
        { kind: 'domain', suffix: '.internal' },
      ],
    });
  });

  it('takes 0.0.0.0/0 when the user writes it: the choice is theirs', () => {
    const config = parseSinkConfig(seedConfig({ 'starrocks.redirect.hosts': '0.0.0.0/0' }));

    expect(config.redirectHosts.rules).toEqual([
      { kind: 'host', host: '127.0.0.1' },
      { kind: 'subnet', address: '0.0.0.0', prefix: 0, family: 'ipv4' },
    ]);
  });

  it('keeps every FE host allowed when the key names only BEs, so an FE may redirect to another FE', () => {
    const config = parseSinkConfig(
      seedConfig({
        'starrocks.http.url': 'fe1:8030,http://10.9.8.7:8030',
        'starrocks.redirect.hosts': '10.1.0.0/16',
      }),
    );

    expect(config.redirectHosts.rules).toEqual([
      { kind: 'host', host: 'fe1' },
      { kind: 'host', host: '10.9.8.7' },
      { kind: 'subnet', address: '10.1.0.0', prefix: 16, family: 'ipv4' },
    ]);
    expect(config.redirectHosts.description).toBe('the FE hosts (fe1, 10.9.8.7, any port) and 10.1.0.0/16');
  });

  it.each([
    ['', 'is empty; list where the FEs may redirect loads'],
    ['be1,,be2', 'has an empty entry'],
    ['be 1', '"be 1" is not a host, host:port'],
    ['http://be1:8040', '"http://be1:8040" is a URL'],
    ['1.2.3', '"1.2.3" is not a host'],
    ['10.0.0.010', '"10.0.0.010" is not a host'],
    ['10.0.0.0/33', '"10.0.0.0/33" is not a CIDR'],
    ['fd00::/129', '"fd00::/129" is not a CIDR'],
    ['be1.example.com/24', '"be1.example.com/24" is not a CIDR'],
    ['be1:0', '"be1:0" has port 0; a port is 1-65535'],
    ['be1:65536', '"be1:65536" has port 65536'],
    ['[10.0.0.1]:8040', '"[10.0.0.1]:8040" is not a host'],
    ['fe80::1%eth0', '"fe80::1%eth0" is not a host'],
    ['*.', '"*." is not a domain suffix'],
    ['.10', '".10" is not a domain suffix'],
    ['be*.example.com', '"be*.example.com" is not a host'],
  ])('refuses %j, naming the entry', (value, message) => {
    const problems = problemsOf(seedConfig({ 'starrocks.redirect.hosts': value }));

    expect(problems).toHaveLength(1);
    expect(problems[0]?.key).toBe('starrocks.redirect.hosts');
    expect(problems[0]?.message).toContain(message);
  });

  it('refuses an entry with user info without showing it', () => {
    const problems = problemsOf(seedConfig({ 'starrocks.redirect.hosts': 'be1, loader:s3cr/et?x@be2:8040' }));

    expect(problems).toEqual([
      {
        key: 'starrocks.redirect.hosts',
        message: expect.stringContaining('"***@be2:8040" has an "@" (user info, not shown)'),
      },
    ]);
    expect(JSON.stringify(problems)).not.toContain('s3cr');
  });
});

describe('sink.max.concurrent.loads', () => {
  it('defaults to 8', () => {
    expect(parseSinkConfig(seedConfig()).maxConcurrentLoads).toBe(8);
  });

  it.each([
    ['1', 1],
    [' 256 ', 256],
    ['32', 32],
  ])('reads %j', (value, expected) => {
    expect(parseSinkConfig(seedConfig({ 'sink.max.concurrent.loads': value })).maxConcurrentLoads).toBe(
      expected,
    );
  });

  it.each(['0', '257', '-1', '1.5', '0x8', '1e1', '', 'eight'])('refuses %j', (value) => {
    expect(problemsOf(seedConfig({ 'sink.max.concurrent.loads': value }))).toEqual([
      { key: 'sink.max.concurrent.loads', message: `"${value}" is not an integer in [1, 256]` },
    ]);
  });
});
