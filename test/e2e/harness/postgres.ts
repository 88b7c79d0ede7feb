import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { logFile } from './paths.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);

/** The machine's PostgreSQL: 127.0.0.1:5432, superuser `postgres`, trust auth (override with PG* env). */
export const PG = {
  host: process.env.PGHOST ?? '127.0.0.1',
  port: process.env.PGPORT ?? '5432',
  user: process.env.PGUSER ?? 'postgres',
  password: process.env.PGPASSWORD ?? '',
} as const;

/** Runs SQL with psql and returns its unaligned, tuples-only output. */
export async function psql(sql: string, database = 'postgres'): Promise<string> {
  try {
    const { stdout } = await run(
      'psql',
      [
        '-h',
        PG.host,
        '-p',
        PG.port,
        '-U',
        PG.user,
        '-d',
        database,
        '-X',
        '-q',
        '-A',
        '-t',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        sql,
      ],
      { timeout: 30_000, env: { ...process.env, PGPASSWORD: PG.password, PGCONNECT_TIMEOUT: '5' } },
    );
    return stdout.trim();
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(`psql -d ${database} -c ${JSON.stringify(sql)} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** A table's rows as JSON objects ordered by `orderBy`, as PostgreSQL's `row_to_json` writes them. */
export async function tableRows(
  database: string,
  table: string,
  orderBy = 'id',
): Promise<Record<string, unknown>[]> {
  const out = await psql(
    `SELECT coalesce(json_agg(row_to_json(t) ORDER BY ${orderBy}), '[]'::json) FROM ${table} t`,
    database,
  );
  return JSON.parse(out) as Record<string, unknown>[];
}

/**
 * Makes sure `wal_level` is `logical` (Debezium's pgoutput needs it). If it is not, sets it with
 * ALTER SYSTEM (which only writes postgresql.auto.conf) and restarts the Debian cluster; the
 * change is noted in `.e2e/logs/postgres-changes.log` and kept (restarting back would cost another
 * restart for nothing the tests need undone). Needs root for pg_ctlcluster.
 */
export async function ensureLogicalWal(log: (line: string) => void = () => {}): Promise<void> {
  let level: string;
  try {
    level = await psql('SHOW wal_level');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable as ${PG.user}@${PG.host}:${PG.port} (the e2e suite needs a superuser there): ${(error as Error).message}`,
    );
  }
  if (level === 'logical') return;
  const version = (await psql('SHOW server_version_num')).slice(0, -4);
  const dataDirectory = await psql('SHOW data_directory');
  const note = `${new Date().toISOString()} wal_level was '${level}': ran ALTER SYSTEM SET wal_level = logical (postgresql.auto.conf in ${dataDirectory}) and restarted cluster ${version}/main`;
  log(note);
  await psql('ALTER SYSTEM SET wal_level = logical');
  try {
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], {
      timeout: 120_000,
    });
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(
      `wal_level is '${level}' and restarting PostgreSQL failed (run as root, or set wal_level=logical and restart it yourself): ${e.stderr ?? e.message}`,
    );
  }
  appendFileSync(logFile('postgres-changes'), `${note}\n`);
  await waitFor(
    'PostgreSQL to come back with wal_level=logical',
    async () => (await psql('SHOW wal_level')) === 'logical',
    {
      timeoutMs: 60_000,
      intervalMs: 500,
    },
  );
}

/** Drops and re-creates a database for this run. */
export async function recreateDatabase(database: string): Promise<void> {
  await dropSlots(database);
  await psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await psql(`CREATE DATABASE ${database}`);
}

/**
 * Drops the inactive replication slots of `database` (a killed Connect leaves its slot, which
 * pins WAL forever and blocks DROP DATABASE). Active slots are left: another run owns them.
 */
export async function dropSlots(database: string): Promise<void> {
  await psql(
    `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '${database}' AND NOT active`,
  );
}

export async function dropDatabase(database: string): Promise<void> {
  await waitFor(
    `the replication slots of ${database} to be released`,
    async () => {
      await dropSlots(database);
      return (await psql(`SELECT count(*) FROM pg_replication_slots WHERE database = '${database}'`)) === '0';
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  await psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
}

/**
 * The rows of `table` ordered by `orderBy`, every column as PostgreSQL's own output text (the
 * type's output function, as psql prints it: char(n) keeps its padding, money its currency
 * format) or null, read with TimeZone UTC. Text keeps every digit, which `tableRows` (JSON
 * numbers) cannot for bigint and numeric.
 */
export async function tableTextRows(
  database: string,
  table: string,
  columns: readonly string[],
  orderBy = 'id',
): Promise<Record<string, string | null>[]> {
  const select = columns
    .map((c) => `CASE WHEN t.${c} IS NULL THEN NULL ELSE format('%s', t.${c}) END AS ${c}`)
    .join(', ');
  const out = await psql(
    `SET TimeZone TO 'UTC'; SELECT coalesce(json_agg(r), '[]'::json) FROM (SELECT ${select} FROM ${table} t ORDER BY t.${orderBy}) r`,
    database,
  );
  return JSON.parse(out) as Record<string, string | null>[];
}
