import { isRefusal, type Refusal } from './classify.ts';
import { runQuery, type StarRocksCall } from './starrocks-client.ts';

/**
 * A target table's columns as StarRocks lists them in `information_schema.columns`, read through
 * the HTTP SQL API (StarRocks ≥ 3.2): what the connection check compares a sample's fields with,
 * and what drift detection reads per table.
 */

/** One column of a table. */
export interface TableColumn {
  readonly name: string;
  /** `DATA_TYPE`: `int`, `varchar`, `decimal`, `datetime`, `json`, … */
  readonly dataType: string;
  readonly nullable: boolean;
  /** `COLUMN_KEY`: `PRI`, `UNI`, `DUP`, `AGG` for a key column, else empty. */
  readonly key: string;
  /** `COLUMN_DEFAULT` as text (`CURRENT_TIMESTAMP` included); undefined when it has none. */
  readonly defaultValue: string | undefined;
}

/** The table model its key columns tell; `none` when no column is a key (StarRocks picks a sort key). */
export type TableKind = 'primary' | 'unique' | 'duplicate' | 'aggregate' | 'none';

/** The columns of one table, in their order; an empty list when the table does not exist. */
export type TableColumnsVerdict = { readonly kind: 'columns'; readonly columns: TableColumn[] } | Refusal;

const COLUMN_FIELDS = ['COLUMN_NAME', 'DATA_TYPE', 'IS_NULLABLE', 'COLUMN_KEY', 'COLUMN_DEFAULT'] as const;

/**
 * The statement that reads one table's columns, in their order. Names are compared as text (no
 * LIKE), so `_` and `%` in a name match only themselves.
 *
 * @example
 * columnsQuery('example_db', 'test_tbl')
 * // → "SELECT COLUMN_NAME, … FROM information_schema.columns WHERE TABLE_SCHEMA = 'example_db' AND TABLE_NAME = 'test_tbl' ORDER BY ORDINAL_POSITION"
 */
export function columnsQuery(database: string, table: string): string {
  return `SELECT ${COLUMN_FIELDS.join(', ')} FROM information_schema.columns WHERE TABLE_SCHEMA = ${sqlString(database)} AND TABLE_NAME = ${sqlString(table)} ORDER BY ORDINAL_POSITION`;
}

/** A SQL string literal: quotes and backslashes escaped as StarRocks (MySQL) reads them. */
export function sqlString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Reads the columns of `table` in `database` (by default the call's). A table that does not exist,
 * or on which the user has no privilege, comes back with no columns (information_schema has no
 * rows for it); a refusal says why the SQL API did not answer (an FE older than 3.2 answers 404).
 */
export async function readTableColumns(
  call: StarRocksCall,
  table: string,
  database: string = call.database,
): Promise<TableColumnsVerdict> {
  const verdict = await runQuery(call, columnsQuery(database, table));
  if (isRefusal(verdict)) return verdict;
  return { kind: 'columns', columns: verdict.rows.map(columnOf) };
}

/** A row of {@link COLUMN_FIELDS} as a column. */
export function columnOf(row: readonly unknown[]): TableColumn {
  const [name, dataType, nullable, key, defaultValue] = row;
  return {
    name: String(name),
    dataType: String(dataType ?? '').toLowerCase(),
    nullable: String(nullable).toUpperCase() !== 'NO',
    key: String(key ?? '').toUpperCase(),
    defaultValue: defaultValue === null || defaultValue === undefined ? undefined : String(defaultValue),
  };
}

/** The table model, from the key columns' `COLUMN_KEY`. */
export function tableKind(columns: readonly TableColumn[]): TableKind {
  const keys = new Set(columns.map((c) => c.key));
  if (keys.has('PRI')) return 'primary';
  if (keys.has('UNI')) return 'unique';
  if (keys.has('AGG')) return 'aggregate';
  if (keys.has('DUP')) return 'duplicate';
  return 'none';
}
