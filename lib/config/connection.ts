/**
 * The connection keys: the FE URLs (`starrocks.http.url`), where a redirect may take the credentials
 * (`starrocks.redirect.hosts`), the database, the credentials (a user and password, or a Secrets
 * Manager secret) and `connect.timeoutms`.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { REDIRECT_HOSTS_KEY } from './keys.ts';
import { hasUserinfo, hideUserinfo } from './shown-values.ts';
import {
  type ConfigSource,
  DATABASE_NAME_MAX,
  isValidDatabaseName,
  type Report,
  readInteger,
} from './values.ts';

export type CredentialsSource =
  | { readonly kind: 'static'; readonly username: string; readonly password: string }
  | { readonly kind: 'secret'; readonly secretArn: string };

/** Where and as whom the sink connects, and where redirects may take the credentials. */
export interface Connection {
  /** FE base URLs (`http://host:port`), in the configured order. */
  readonly feUrls: readonly string[];
  readonly redirectHosts: RedirectHosts;
  readonly database: string;
  readonly credentials: CredentialsSource;
}

/**
 * Where a redirect from an FE may take a request with its credentials: key `starrocks.redirect.hosts`.
 * A redirect carries the Authorization header and the body, and its target is the FE's choice, so
 * the user says which hosts may receive them.
 */
export interface RedirectHosts {
  /** Whether the key was set; false means the default rule derived from the FE addresses. */
  readonly configured: boolean;
  /**
   * The rule as text for messages, e.g. "the FE hosts (fe1, any port) and 10.0.0.0/16, be1.example.com".
   * The FE hosts are always in the rules: the credentials go to them in any case.
   */
  readonly description: string;
  readonly rules: readonly HostRule[];
}

/** One entry of {@link RedirectHosts}. */
export type HostRule =
  /** One host (lower-case name or IP literal, IPv6 without brackets), on any port unless `port` is set. */
  | { readonly kind: 'host'; readonly host: string; readonly port?: number }
  /**
   * An IP network (CIDR). `address` is the network's own address in canonical form (host bits
   * cleared, IPv6 compressed and lower-case), so `10.1.2.3/24` is held as `10.1.2.0`.
   */
  | {
      readonly kind: 'subnet';
      readonly address: string;
      readonly prefix: number;
      readonly family: 'ipv4' | 'ipv6';
    }
  /**
   * Every host name under a DNS suffix, written ".example.com" or "*.example.com" in the key.
   * `suffix` is lower-case with its leading dot (".example.com"): it matches `be1.example.com`,
   * not `example.com` itself.
   */
  | { readonly kind: 'domain'; readonly suffix: string };

/**
 * Reads `starrocks.http.url`, `starrocks.redirect.hosts`, `starrocks.database.name` and the
 * credentials, in that order.
 */
export function parseConnection(source: ConfigSource): Connection {
  const feUrls = parseFeUrls(source.get('starrocks.http.url'), source.problem);
  const redirectHosts = parseRedirectHosts(source, feUrls);
  const database = parseDatabase(source.get('starrocks.database.name'), source.problem);
  const credentials = parseCredentials(source);
  return { feUrls, redirectHosts, database, credentials };
}

/** `connect.timeoutms`, in the catalogue's range. */
export function parseConnectTimeout(source: ConfigSource): number {
  return readInteger(source, 'connect.timeoutms', 'milliseconds');
}

function parseFeUrls(text: string | undefined, problem: Report): string[] {
  const key = 'starrocks.http.url';
  if (text === undefined || text.trim() === '') {
    problem(
      key,
      'is required: a comma list of FE HTTP addresses, e.g. "fe1:8030,fe2:8030" or "https://fe.example.com:8030"',
    );
    return [];
  }
  if (hasUserinfo(text)) {
    // Not parsed further: a password with "/" or "?" makes the URL parser read it as a path, and
    // any message about an entry could show a piece of it.
    problem(
      key,
      `"${hideUserinfo(text)}" carries credentials in the URL (before an "@", not shown); remove them and use starrocks.username/starrocks.password or starrocks.secret.arn`,
    );
    return [];
  }
  const urls: string[] = [];
  for (const entry of text.split(',').map((s) => s.trim())) {
    if (entry === '') {
      problem(key, `"${text}" has an empty entry; separate FE addresses with single commas`);
      continue;
    }
    const url = parseFeUrl(entry, problem);
    if (url !== undefined) urls.push(url);
  }
  return urls;
}

/** One FE address as an origin (`http://host:port`), or undefined after reporting why not. */
function parseFeUrl(entry: string, problem: Report): string | undefined {
  const key = 'starrocks.http.url';
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `http://${entry}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    problem(key, `"${entry}" is not a host:port or http(s)://host:port address`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problem(key, `"${entry}" uses ${url.protocol.slice(0, -1)}; only http and https are valid`);
  } else if (url.username || url.password) {
    problem(
      key,
      `"${url.host}" carries credentials in the URL; use starrocks.username/starrocks.password or starrocks.secret.arn`,
    );
  } else if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    problem(
      key,
      `"${entry}" has a path or query; give only scheme, host and port (the FE HTTP port, default 8030)`,
    );
  } else if (url.port === '' && !/:\d+$/.test(entry)) {
    problem(key, `"${entry}" has no port; add the FE HTTP port, e.g. "${url.hostname}:8030"`);
  } else {
    return url.origin;
  }
  return undefined;
}

/** The database name; empty only when it was reported missing (then the parse throws). */
function parseDatabase(database: string | undefined, problem: Report): string {
  const key = 'starrocks.database.name';
  if (database === undefined || database.trim() === '') {
    problem(key, 'is required: the StarRocks database every table is loaded into');
    return database ?? '';
  }
  if (!isValidDatabaseName(database)) {
    problem(
      key,
      `"${database}" is not a valid StarRocks database name (letters, digits and _; starting with a letter or _; at most ${DATABASE_NAME_MAX} characters)`,
    );
  }
  return database;
}

function parseCredentials(source: ConfigSource): CredentialsSource {
  const { get, problem } = source;
  const username = get('starrocks.username');
  const password = get('starrocks.password');
  const secretArn = get('starrocks.secret.arn');
  if (secretArn !== undefined) {
    if (username !== undefined || password !== undefined) {
      problem(
        'starrocks.secret.arn',
        'is set together with starrocks.username/starrocks.password; use one source of credentials (the secret holds {"username","password"})',
      );
    }
    if (
      !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(secretArn) &&
      !/^[\w/+=.@-]{1,512}$/.test(secretArn)
    ) {
      problem('starrocks.secret.arn', `"${secretArn}" is not a Secrets Manager secret ARN or name`);
    }
    return { kind: 'secret', secretArn };
  }
  if (username === undefined || username.trim() === '') {
    problem(
      'starrocks.username',
      'is required (a StarRocks user with INSERT on the tables), unless starrocks.secret.arn names a secret holding {"username","password"}',
    );
  }
  if (password === undefined) {
    problem(
      'starrocks.password',
      'is required (it may be empty); or use starrocks.secret.arn instead of username and password',
    );
  }
  return { kind: 'static', username: username ?? '', password: password ?? '' };
}

/** What an entry of `starrocks.redirect.hosts` may be, for messages. */
const HOST_ENTRY_FORMS =
  'a host, host:port, [IPv6]:port, an IPv4 or IPv6 CIDR (10.0.0.0/16) or a domain suffix (.example.com)';

/** The prefix of the network an FE given as an IP literal shares with its BEs, by default. */
const DEFAULT_PREFIX = { ipv4: 24, ipv6: 64 } as const;

/**
 * `starrocks.redirect.hosts`, or when it is absent the default rule: each FE host (any port) and,
 * for an FE given as an IP literal, its /24 (IPv4) or /64 (IPv6). No DNS is consulted and no
 * domain rule is made by default: an FE named by host name lets redirects go only to that name.
 */
function parseRedirectHosts(source: ConfigSource, feUrls: readonly string[]): RedirectHosts {
  const text = source.get(REDIRECT_HOSTS_KEY);
  if (text === undefined) return defaultRedirectHosts(feUrls);
  const rules: HostRule[] = [];
  if (hasUserinfo(text)) {
    source.problem(
      REDIRECT_HOSTS_KEY,
      `"${hideUserinfo(text)}" has an "@" (user info, not shown); list hosts only: ${HOST_ENTRY_FORMS}`,
    );
    return { configured: true, description: '', rules };
  }
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.every((entry) => entry === '')) {
    source.problem(
      REDIRECT_HOSTS_KEY,
      `is empty; list where the FEs may redirect loads (${HOST_ENTRY_FORMS}), or remove the key for the default (the FE hosts and their /24 or /64)`,
    );
    return { configured: true, description: '', rules };
  }
  for (const entry of entries) {
    const rule = parseHostRule(entry);
    if (typeof rule === 'string') source.problem(REDIRECT_HOSTS_KEY, rule);
    else addOnce(rules, rule);
  }
  // The FE hosts get the credentials in any case; a redirect from one FE to another (a follower
  // to the leader) must not need them listed again.
  const hosts = feHostRules(feUrls);
  const description = `${describeFeHosts(hosts)} and ${rules.map(describeHostRule).join(', ')}`;
  return { configured: true, description, rules: [...hosts, ...rules] };
}

/** Each FE's host, on any port: the credentials go there whatever the redirect rule says. */
function feHostRules(feUrls: readonly string[]): HostRule[] {
  const hosts: HostRule[] = [];
  for (const host of feHostNames(feUrls)) addOnce(hosts, { kind: 'host', host });
  return hosts;
}

function feHostNames(feUrls: readonly string[]): string[] {
  return feUrls.map((feUrl) => unbracketed(new URL(feUrl).hostname));
}

function describeFeHosts(hosts: readonly HostRule[]): string {
  return `the FE hosts (${hosts.map(describeHostRule).join(', ')}, any port)`;
}

function defaultRedirectHosts(feUrls: readonly string[]): RedirectHosts {
  const hosts = feHostRules(feUrls);
  const networks: HostRule[] = [];
  for (const host of feHostNames(feUrls)) {
    const family = ipFamily(host);
    if (family !== undefined) addOnce(networks, subnetRule(host, DEFAULT_PREFIX[family], family));
  }
  const hostText = describeFeHosts(hosts);
  const description =
    networks.length === 0 ? hostText : `${hostText} and ${networks.map(describeHostRule).join(', ')}`;
  return { configured: false, description, rules: [...hosts, ...networks] };
}

function addOnce(rules: HostRule[], rule: HostRule): void {
  if (!rules.some((known) => describeHostRule(known) === describeHostRule(rule))) rules.push(rule);
}

/** One entry as a rule, or why it is not one (a sentence naming the entry). */
function parseHostRule(entry: string): HostRule | string {
  if (entry === '') return 'has an empty entry; separate entries with single commas';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
    return `"${entry}" is a URL; give ${HOST_ENTRY_FORMS}`;
  }
  if (entry.startsWith('.') || entry.startsWith('*.')) return parseDomainRule(entry);
  if (entry.includes('/')) return parseSubnetRule(entry);
  return parseHostEntry(entry);
}

function parseDomainRule(entry: string): HostRule | string {
  const suffix = entry.replace(/^\*?\./, '').toLowerCase();
  if (!isHostName(suffix)) {
    return `"${entry}" is not a domain suffix such as .example.com or *.example.com`;
  }
  return { kind: 'domain', suffix: `.${suffix}` };
}

function parseSubnetRule(entry: string): HostRule | string {
  const slash = entry.lastIndexOf('/');
  const address = entry.slice(0, slash);
  const prefixText = entry.slice(slash + 1);
  const family = ipFamily(address);
  const maxPrefix = family === 'ipv6' ? 128 : 32;
  const prefix = Number(prefixText);
  if (family === undefined || !/^\d{1,3}$/.test(prefixText) || prefix > maxPrefix) {
    return `"${entry}" is not a CIDR such as 10.0.0.0/16 or fd00:1::/64 (an IPv4 prefix is 0-32, an IPv6 prefix 0-128)`;
  }
  return subnetRule(address, prefix, family);
}

/** `host`, `host:port`, an IPv4 or IPv6 literal, or `[IPv6]:port`. */
function parseHostEntry(entry: string): HostRule | string {
  const invalid = `"${entry}" is not ${HOST_ENTRY_FORMS}`;
  if (isIPv6(entry)) return canonicalHostRule(entry, undefined) ?? invalid;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(entry);
  if (bracketed !== null) {
    const [, address = '', portText] = bracketed;
    if (!isIPv6(address)) return invalid;
    return withPort(canonicalHostRule(address, undefined), portText, entry) ?? invalid;
  }
  const plain = /^([^:[\]]+)(?::(\d{1,5}))?$/.exec(entry);
  if (plain === null) return invalid;
  const [, host = '', portText] = plain;
  const lowered = host.toLowerCase();
  if (!isIPv4(lowered) && !isHostName(lowered)) return invalid;
  return withPort({ kind: 'host', host: lowered }, portText, entry) ?? invalid;
}

function withPort(
  rule: HostRule | undefined,
  portText: string | undefined,
  entry: string,
): HostRule | string | undefined {
  if (rule === undefined || rule.kind !== 'host' || portText === undefined) return rule;
  const port = Number(portText);
  if (port < 1 || port > 65_535) return `"${entry}" has port ${portText}; a port is 1-65535`;
  return { kind: 'host', host: rule.host, port };
}

function canonicalHostRule(address: string, port: number | undefined): HostRule | undefined {
  const host = canonicalIPv6(address);
  if (host === undefined) return undefined;
  return port === undefined ? { kind: 'host', host } : { kind: 'host', host, port };
}

/**
 * A DNS name the WHATWG URL parser keeps as a name: letters, digits, `-` and `_` in labels of at
 * most 63, at most 253 in all, and a last label that is not all digits (the parser would read
 * `1.2.3` or `10.0.0.010` as an IPv4 address, so such a name could never match a redirect's host).
 */
function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  const last = labels[labels.length - 1] ?? '';
  if (/^(\d+|0x[0-9a-f]*)$/i.test(last)) return false;
  return labels.every((label) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i.test(label));
}

function ipFamily(address: string): 'ipv4' | 'ipv6' | undefined {
  if (isIPv4(address)) return 'ipv4';
  if (isIPv6(address) && canonicalIPv6(address) !== undefined) return 'ipv6';
  return undefined;
}

function unbracketed(hostname: string): string {
  return hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
}

/** The WHATWG URL parser's form of an IPv6 address (compressed, lower-case), as a redirect's host is read. */
function canonicalIPv6(address: string): string | undefined {
  try {
    return unbracketed(new URL(`http://[${address}]/`).hostname);
  } catch {
    // A zone id (fe80::1%eth0) is valid for Node but not in a URL.
    return undefined;
  }
}

/** The network of `address`/`prefix`: host bits cleared, in canonical form. */
function subnetRule(address: string, prefix: number, family: 'ipv4' | 'ipv6'): HostRule {
  const bits = family === 'ipv4' ? 32 : 128;
  const value = family === 'ipv4' ? ipv4Value(address) : ipv6Value(canonicalIPv6(address) ?? address);
  const hostBits = BigInt(bits - prefix);
  const network = (value >> hostBits) << hostBits;
  const text = family === 'ipv4' ? ipv4Text(network) : (canonicalIPv6(ipv6Text(network)) ?? address);
  return { kind: 'subnet', address: text, prefix, family };
}

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function ipv4Text(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/** An IPv6 address in the URL parser's form (`::` at most once, a dotted IPv4 tail rewritten) as a number. */
function ipv6Value(address: string): bigint {
  const [head = '', tail] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...tailGroups];
  return groups.reduce((value, group) => (value << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

function ipv6Text(value: bigint): string {
  const groups: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(((value >> shift) & 0xffffn).toString(16));
  return groups.join(':');
}

/** A rule as the key would write it. */
function describeHostRule(rule: HostRule): string {
  if (rule.kind === 'subnet') return `${rule.address}/${rule.prefix}`;
  if (rule.kind === 'domain') return rule.suffix;
  if (rule.port === undefined) return rule.host;
  return rule.host.includes(':') ? `[${rule.host}]:${rule.port}` : `${rule.host}:${rule.port}`;
}
