/**
 * The connection keys: the FE URLs (`starrocks.http.url`), the database, the credentials (a user and
 * password, or a Secrets Manager secret) and `connect.timeoutms`.
 */
import { SINK_KEYS } from './keys.ts';
import { type ConfigSource, DATABASE_NAME_MAX, isValidDatabaseName, type Report } from './values.ts';

export type CredentialsSource =
  | { readonly kind: 'static'; readonly username: string; readonly password: string }
  | { readonly kind: 'secret'; readonly secretArn: string };

/** Where and as whom the sink connects. */
export interface Connection {
  /** FE base URLs (`http://host:port`), in the configured order. */
  readonly feUrls: readonly string[];
  readonly database: string;
  readonly credentials: CredentialsSource;
}

/** Reads `starrocks.http.url`, `starrocks.database.name` and the credentials, in that order. */
export function parseConnection(source: ConfigSource): Connection {
  const feUrls = parseFeUrls(source.get('starrocks.http.url'), source.problem);
  const database = parseDatabase(source.get('starrocks.database.name'), source.problem);
  const credentials = parseCredentials(source);
  return { feUrls, database, credentials };
}

/** `connect.timeoutms`, in the catalogue's range. */
export function parseConnectTimeout(source: ConfigSource): number {
  const key = 'connect.timeoutms';
  const { default: fallback, range } = SINK_KEYS[key];
  const text = source.get(key);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < range[0] || n > range[1]) {
    source.problem(key, `"${text}" is not an integer in [${range.join(', ')}] (milliseconds)`);
    return fallback;
  }
  return n;
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
