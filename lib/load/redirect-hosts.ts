import { BlockList, isIP } from 'node:net';
import type { HostRule, RedirectHosts } from '../config/connection.ts';

/**
 * Whether a redirect may take a request, with its credentials, to a URL: the host rules of
 * `starrocks.redirect.hosts` (one host, a CIDR, a DNS suffix) matched against the URL's host and
 * port. Host names compare lower-case; IP literals by address, so `::1` and `[0:0::1]` are one host.
 */

/** The subnets of a rule list, compiled once per list. */
const subnetsOf = new WeakMap<readonly HostRule[], BlockList>();

/**
 * Whether `url` is a host `hosts` allows.
 *
 * @example
 * allowsHost(config.redirectHosts, new URL('http://10.0.3.7:8040/api/db/t/_stream_load'))
 */
export function allowsHost(hosts: RedirectHosts, url: URL): boolean {
  const host = hostOf(url);
  const family = isIP(host);
  const port = portOf(url);
  return hosts.rules.some((rule) => {
    switch (rule.kind) {
      case 'host':
        return sameHost(rule.host, host, family) && (rule.port === undefined || rule.port === port);
      case 'subnet':
        return family !== 0 && subnets(hosts.rules).check(host, family === 4 ? 'ipv4' : 'ipv6');
      case 'domain':
        return family === 0 && host.endsWith(`.${rule.suffix.replace(/^\*?\.?/, '')}`);
    }
    return false;
  });
}

/** The URL's host, lower-case, an IPv6 literal without its brackets. */
function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}

function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

function sameHost(ruleHost: string, host: string, family: number): boolean {
  const wanted = ruleHost.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (family === 0 || isIP(wanted) !== family) return wanted === host;
  const list = new BlockList();
  list.addAddress(wanted, family === 4 ? 'ipv4' : 'ipv6');
  return list.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

function subnets(rules: readonly HostRule[]): BlockList {
  let list = subnetsOf.get(rules);
  if (list === undefined) {
    list = new BlockList();
    for (const rule of rules)
      if (rule.kind === 'subnet') list.addSubnet(rule.address, rule.prefix, rule.family);
    subnetsOf.set(rules, list);
  }
  return list;
}
