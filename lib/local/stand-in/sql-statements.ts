import { ALTER_JOB_COLUMNS } from './alter-jobs.ts';
import type { Catalog } from './catalog.ts';
import { isNumericType, type StoredValue } from './column-types.ts';
import { DdlError, SQL_ERRORS } from './ddl.ts';
import { informationSchemaColumns } from './information-schema.ts';
import { type ResultColumn, type ResultSet, selectFrom, type ValueKind } from './virtual-table.ts';

/**
 * The SQL the stand-in answers over its MySQL port (and, for reads, its HTTP SQL API): session
 * statements a driver sends, version probes, SHOW DATABASES/TABLES, SHOW ALTER TABLE COLUMN,
 * `information_schema.columns`, `SELECT <columns> FROM <table>`, and the DDL `Catalog` runs
 * (CREATE/DROP/USE/TRUNCATE/ALTER TABLE … ADD COLUMN). Anything else is refused with a
 * {@link DdlError} naming the statement.
 */

/** One MySQL connection's state. */
export interface SqlSession {
  readonly user: string;
  database: string | undefined;
}

export interface SqlServerInfo {
  readonly catalog: Catalog;
  /** What `current_version()` answers, e.g. `4.0.1`. */
  readonly version: string;
  readonly connectionId: number;
}

export type StatementResult =
  | { readonly kind: 'rows'; readonly result: ResultSet }
  | { readonly kind: 'ok'; readonly affectedRows: number };

/** What `SELECT version()` and the handshake report: StarRocks speaks as MySQL 8.0.33. */
export const MYSQL_SERVER_VERSION = '8.0.33';

const OK: StatementResult = { kind: 'ok', affectedRows: 0 };

function rows(
  columns: readonly ResultColumn[],
  values: readonly (readonly StoredValue[])[],
): StatementResult {
  return { kind: 'rows', result: { columns, rows: values } };
}

function text(name: string): ResultColumn {
  return { name, kind: 'text' };
}

/** Strips comments around the statement and one trailing `;`. */
function normalize(sql: string): string {
  return sql
    .replace(/^\s*(?:\/\*[\s\S]*?\*\/\s*)+/, '')
    .trim()
    .replace(/;\s*$/, '')
    .trim();
}

function systemVariable(info: SqlServerInfo, name: string): StoredValue {
  const variables: Record<string, StoredValue> = {
    version_comment: `StarRocks version ${info.version}`,
    version: MYSQL_SERVER_VERSION,
    auto_increment_increment: 1,
    character_set_client: 'utf8',
    character_set_connection: 'utf8',
    character_set_results: 'utf8',
    character_set_server: 'utf8',
    collation_connection: 'utf8_general_ci',
    init_connect: '',
    interactive_timeout: 3600,
    lower_case_table_names: 0,
    max_allowed_packet: 33554432,
    net_buffer_length: 16384,
    net_write_timeout: 60,
    query_timeout: 300,
    sql_mode: 'ONLY_FULL_GROUP_BY',
    system_time_zone: 'UTC',
    time_zone: 'UTC',
    transaction_isolation: 'REPEATABLE-READ',
    tx_isolation: 'REPEATABLE-READ',
    wait_timeout: 28800,
    autocommit: 1,
  };
  const key = name.replace(/^(?:session|global|local)\./i, '').toLowerCase();
  if (!(key in variables))
    throw new DdlError(`Unknown system variable '${key}'`, { errno: 1193, sqlState: 'HY000' });
  return variables[key] ?? null;
}

function functionValue(info: SqlServerInfo, session: SqlSession, name: string): StoredValue {
  switch (name.toLowerCase()) {
    case 'current_version':
      return info.version;
    case 'version':
      return MYSQL_SERVER_VERSION;
    case 'database':
    case 'schema':
      return session.database ?? null;
    case 'connection_id':
      return info.connectionId;
    case 'current_user':
      return `'${session.user}'@'%'`;
    case 'user':
      return `'${session.user}'@'127.0.0.1'`;
    default:
      throw new DdlError(`The stand-in does not run the function ${name}()`);
  }
}

/** `SELECT @@x, version(), 1 [LIMIT n]`: variables, a few functions and numbers, no FROM. */
function selectWithoutFrom(
  info: SqlServerInfo,
  session: SqlSession,
  list: string,
): StatementResult | undefined {
  const items = list.split(',').map((item) => item.trim());
  const columns: ResultColumn[] = [];
  const values: StoredValue[] = [];
  for (const item of items) {
    const match = /^(?:(@@[\w.]+)|(\w+)\s*\(\s*\)|(-?\d+))(?:\s+(?:as\s+)?(`[^`]+`|\w+))?$/i.exec(item);
    if (match === null) return undefined;
    const [, variable, fn, number, alias] = match;
    const label = alias === undefined ? item : alias.replace(/`/g, '');
    if (variable !== undefined) {
      const value = systemVariable(info, variable.slice(2));
      columns.push({ name: label, kind: typeof value === 'number' ? 'integer' : 'text' });
      values.push(value);
    } else if (fn !== undefined) {
      const value = functionValue(info, session, fn);
      columns.push({ name: label, kind: typeof value === 'number' ? 'integer' : 'text' });
      values.push(value);
    } else {
      columns.push({ name: label, kind: 'integer' });
      values.push(Number(number));
    }
  }
  return rows(columns, [values]);
}

function requireDatabase(catalog: Catalog, name: string | undefined): string {
  if (name === undefined) throw new DdlError('No database selected', SQL_ERRORS.noDatabase);
  if (!catalog.hasDatabase(name)) throw new DdlError(`Unknown database '${name}'`, SQL_ERRORS.badDatabase);
  return name;
}

function unquoteName(name: string): string {
  return name.replace(/`/g, '');
}

const SELECT_CLAUSES =
  /^select\s+([\s\S]+?)\s+from\s+(`?\w+`?)(?:\s*\.\s*(`?\w+`?))?(?:\s+(?:as\s+)?(?!where\b|order\b|limit\b)\w+)?(?:\s+where\s+([\s\S]+?))?(?:\s+order\s+by\s+([\s\S]+?))?(?:\s+limit\s+(\S+))?$/i;

const SHOW_ALTER =
  /^show\s+alter\s+table\s+column(?:\s+(?:from|in)\s+(`?\w+`?))?(?:\s+where\s+([\s\S]+?))?(?:\s+order\s+by\s+([\s\S]+?))?(?:\s+limit\s+(\S+))?$/i;

function kindOf(type: Parameters<typeof isNumericType>[0]): ValueKind {
  switch (type.name) {
    case 'FLOAT':
    case 'DOUBLE':
      return 'double';
    case 'DECIMAL':
      return 'decimal';
    case 'BOOLEAN':
      return 'boolean';
    case 'DATE':
      return 'date';
    case 'DATETIME':
      return 'datetime';
    default:
      return isNumericType(type) ? 'integer' : 'text';
  }
}

/** `SELECT …` from information_schema.columns, or from one table (all of its rows). */
function select(info: SqlServerInfo, session: SqlSession, match: RegExpExecArray): StatementResult {
  const [, list = '', first = '', second, where, orderBy, limit] = match;
  const clauses = { list, where, orderBy, limit };
  const database = second === undefined ? session.database : unquoteName(first);
  const name = unquoteName(second ?? first);
  if (database?.toLowerCase() === 'information_schema') {
    if (name.toLowerCase() !== 'columns') {
      throw new DdlError(`The stand-in's information_schema has only the table columns, not ${name}`);
    }
    return { kind: 'rows', result: selectFrom(informationSchemaColumns(info.catalog), clauses) };
  }
  const db = requireDatabase(info.catalog, database);
  const table = info.catalog.table(db, name);
  if (table === undefined) throw new DdlError(`Unknown table '${db}.${name}'`, SQL_ERRORS.badTable);
  const columns = table.definition.columns.map((column) => ({
    name: column.name,
    kind: kindOf(column.type),
  }));
  return { kind: 'rows', result: selectFrom({ name, columns, rows: table.records() }, clauses) };
}

function showAlter(info: SqlServerInfo, session: SqlSession, match: RegExpExecArray): StatementResult {
  const [, from, where, orderBy, limit] = match;
  const database = requireDatabase(info.catalog, from === undefined ? session.database : unquoteName(from));
  const jobs = info.catalog.alterJobs.poll(database);
  const table = { name: 'alter', columns: ALTER_JOB_COLUMNS.map((name) => text(name)), rows: jobs };
  return { kind: 'rows', result: selectFrom(table, { list: '*', where, orderBy, limit }) };
}

/**
 * Runs one read statement (SELECT or SHOW), as the HTTP SQL API does: it refuses DDL and SET.
 */
export function runQuery(info: SqlServerInfo, session: SqlSession, sql: string): ResultSet {
  const statement = normalize(sql);
  if (!/^(?:select|show)\s/i.test(statement)) {
    throw new DdlError(`The SQL API runs only SELECT and SHOW statements: ${statement}`);
  }
  const result = runStatement(info, session, statement);
  if (result.kind !== 'rows') throw new DdlError(`Not a query: ${statement}`);
  return result.result;
}

/**
 * Runs one statement for a session. Throws a {@link DdlError} (with its MySQL error number) for
 * anything refused.
 */
export function runStatement(info: SqlServerInfo, session: SqlSession, sql: string): StatementResult {
  const statement = normalize(sql);
  if (statement === '') throw new DdlError('Empty query', { errno: 1065, sqlState: '42000' });
  if (/^set\s/i.test(statement)) return OK;
  if (/^(?:begin|commit|rollback)$/i.test(statement)) return OK;
  if (/^show\s+databases$/i.test(statement)) {
    const names = ['information_schema', ...info.catalog.databaseNames()];
    return rows(
      [text('Database')],
      names.map((name) => [name]),
    );
  }
  const showTables = /^show\s+tables(?:\s+(?:from|in)\s+(`?\w+`?))?$/i.exec(statement);
  if (showTables !== null) {
    const from = showTables[1];
    const database = requireDatabase(info.catalog, from === undefined ? session.database : unquoteName(from));
    return rows(
      [text(`Tables_in_${database}`)],
      info.catalog.tableNames(database).map((name) => [name]),
    );
  }
  const showAlterMatch = SHOW_ALTER.exec(statement);
  if (showAlterMatch !== null) return showAlter(info, session, showAlterMatch);
  const selectNoFrom = /^select\s+([\s\S]+?)(?:\s+limit\s+\d+)?$/i.exec(statement);
  if (selectNoFrom !== null && !/\sfrom\s/i.test(statement)) {
    const answer = selectWithoutFrom(info, session, selectNoFrom[1] ?? '');
    if (answer !== undefined) return answer;
  }
  const selectMatch = SELECT_CLAUSES.exec(statement);
  if (selectMatch !== null) return select(info, session, selectMatch);
  if (/^(?:create|drop|use|truncate|alter)\s/i.test(statement)) {
    session.database = info.catalog.executeIn(statement, session.database);
    return OK;
  }
  const shown = statement.length > 80 ? `${statement.slice(0, 77)}...` : statement;
  throw new DdlError(
    `The stand-in does not run "${shown}": it runs SET, SELECT @@variables/version()/current_version(), SHOW DATABASES, SHOW TABLES, SHOW ALTER TABLE COLUMN, SELECT … FROM information_schema.columns or a table, and CREATE/DROP/USE/TRUNCATE/ALTER TABLE … ADD COLUMN`,
  );
}
