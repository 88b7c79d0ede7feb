import { randomBytes } from 'node:crypto';
import { type StandIn, startStandIn } from '../../lib/local/stand-in/index.ts';

/**
 * Where StarRocks-facing tests load: the stand-in by default, or a real cluster when
 * STARROCKS_HTTP_URL (FE, e.g. http://fe:8030), STARROCKS_USER and STARROCKS_PASSWORD are set;
 * STARROCKS_MYSQL_PORT (default 9030) and STARROCKS_MYSQL_HOST (default: the FE host) reach the
 * FE's MySQL port for DDL and reads. A real cluster gets a fresh database per target, dropped on close.
 */
export interface StarRocksTarget {
  readonly kind: 'stand-in' | 'starrocks';
  /** Printed once per suite, so a run says what it ran against. */
  readonly description: string;
  readonly feUrl: string;
  readonly user: string;
  readonly password: string;
  /** A database that exists and is empty when the target opens. */
  readonly database: string;
  /** Runs `;`-separated DDL in `database`. */
  execute(sql: string): Promise<void>;
  /** Table content, ordered by the first column. */
  rows(table: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export const REAL_STARROCKS =
  process.env.STARROCKS_HTTP_URL !== undefined && process.env.STARROCKS_HTTP_URL !== '';

export interface TargetOptions {
  /** Users the stand-in accepts (ignored for a real cluster, which uses STARROCKS_USER). */
  readonly standInUsers?: Record<string, string>;
  readonly database?: string;
}

export async function openTarget(options: TargetOptions = {}): Promise<StarRocksTarget> {
  return REAL_STARROCKS ? openRealStarRocks(options) : openStandIn(options);
}

/** The stand-in itself, for tests that inject faults (a real cluster cannot). */
export async function openStandIn(
  options: TargetOptions = {},
): Promise<StarRocksTarget & { standIn: StandIn }> {
  const users = options.standInUsers ?? { root: '' };
  const [user, password] = Object.entries(users)[0] ?? ['root', ''];
  const standIn = await startStandIn({ users });
  const database = options.database ?? 'example_db';
  standIn.execute(`CREATE DATABASE ${database}`);
  return {
    kind: 'stand-in',
    description: `the StarRocks stand-in at ${standIn.feUrl} (set STARROCKS_HTTP_URL, STARROCKS_USER, STARROCKS_PASSWORD to use a real cluster)`,
    feUrl: standIn.feUrl,
    user,
    password,
    database,
    standIn,
    execute: async (sql) => standIn.execute(`USE ${database}; ${sql}`),
    rows: async (table) => sortByFirstColumn(standIn.rows(database, table)),
    close: () => standIn.close(),
  };
}

async function openRealStarRocks(options: TargetOptions): Promise<StarRocksTarget> {
  const { createConnection } = await import('mysql2/promise');
  const feUrl = new URL(
    /^https?:\/\//.test(process.env.STARROCKS_HTTP_URL ?? '')
      ? (process.env.STARROCKS_HTTP_URL as string)
      : `http://${process.env.STARROCKS_HTTP_URL}`,
  );
  const user = process.env.STARROCKS_USER ?? 'root';
  const password = process.env.STARROCKS_PASSWORD ?? '';
  const database = `${options.database ?? 'sink_test'}_${randomBytes(4).toString('hex')}`;
  const connection = await createConnection({
    host: process.env.STARROCKS_MYSQL_HOST ?? feUrl.hostname,
    port: Number(process.env.STARROCKS_MYSQL_PORT ?? 9030),
    user,
    password,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
    multipleStatements: false,
  });
  await connection.query(`CREATE DATABASE ${database}`);
  await connection.query(`USE ${database}`);
  return {
    kind: 'starrocks',
    description: `StarRocks at ${feUrl.origin} (database ${database})`,
    feUrl: feUrl.origin,
    user,
    password,
    database,
    execute: async (sql) => {
      for (const statement of sql.split(';').map((s) => s.trim())) {
        if (statement !== '' && !/^use\s/i.test(statement)) await connection.query(statement);
      }
    },
    rows: async (table) => {
      const [rows] = await connection.query(`SELECT * FROM ${table} ORDER BY 1`);
      return rows as Record<string, unknown>[];
    },
    close: async () => {
      await connection.query(`DROP DATABASE IF EXISTS ${database} FORCE`);
      await connection.end();
    },
  };
}

function sortByFirstColumn(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  const key = Object.keys(rows[0] ?? {})[0];
  if (key === undefined) return rows;
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x).localeCompare(String(y));
  });
}

/** Connection keys of `SINK_CONFIG` that point the sink at this target. */
export function targetConfigKeys(target: StarRocksTarget): Record<string, string> {
  return {
    'starrocks.http.url': target.feUrl,
    'starrocks.username': target.user,
    'starrocks.password': target.password,
    'starrocks.database.name': target.database,
  };
}
