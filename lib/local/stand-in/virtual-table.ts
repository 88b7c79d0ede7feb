import type { StoredValue } from './column-types.ts';
import { DdlError, SQL_ERRORS } from './ddl.ts';

/**
 * Small SELECT machinery over in-memory rows (information_schema.columns, SHOW ALTER TABLE COLUMN):
 * a column list, `WHERE col = literal [AND …]`, `ORDER BY col [ASC|DESC], …`, `LIMIT n`. Nothing
 * else (no functions, OR, LIKE, IN): anything else is refused by name.
 */

/** How a result column's values are typed on the wire (MySQL column type, SQL API meta type). */
export type ValueKind = 'text' | 'integer' | 'double' | 'decimal' | 'boolean' | 'date' | 'datetime';

export interface ResultColumn {
  readonly name: string;
  readonly kind: ValueKind;
}

/** Rows keyed by the canonical column names of `columns`. */
export interface VirtualTable {
  readonly name: string;
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly Readonly<Record<string, StoredValue>>[];
}

/** A query's answer: labelled columns and rows of values in column order. */
export interface ResultSet {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly StoredValue[])[];
}

export interface SelectClauses {
  /** The select list as written (`*`, or `a, b AS c`). */
  readonly list: string;
  readonly where?: string | undefined;
  readonly orderBy?: string | undefined;
  readonly limit?: string | undefined;
}

interface Condition {
  readonly column: string;
  readonly value: string;
}

const CONDITION =
  /\s*(`[^`]+`|[A-Za-z_][\w.]*)\s*=\s*('(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"|-?\d+(?:\.\d+)?)\s*/y;

function unquoteLiteral(text: string): string {
  const quote = text[0];
  if (quote !== "'" && quote !== '"') return text;
  return text
    .slice(1, -1)
    .replace(new RegExp(`${quote}${quote}`, 'g'), quote)
    .replace(/\\(.)/g, '$1');
}

/** The last part of `t.col` or a backquoted name. */
function bareName(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('`')) return trimmed.slice(1, -1);
  return trimmed.split('.').pop() ?? trimmed;
}

function parseWhere(text: string): Condition[] {
  const conditions: Condition[] = [];
  let pos = 0;
  for (;;) {
    CONDITION.lastIndex = pos;
    const match = CONDITION.exec(text);
    if (match === null) {
      throw new DdlError(
        `The stand-in's WHERE takes only <column> = <literal> joined by AND, not: ${text.slice(pos).trim() || text}`,
      );
    }
    conditions.push({ column: bareName(match[1] ?? ''), value: unquoteLiteral(match[2] ?? '') });
    pos = CONDITION.lastIndex;
    if (pos >= text.length) return conditions;
    const and = /and\b/iy;
    and.lastIndex = pos;
    if (and.exec(text) === null) {
      throw new DdlError(
        `The stand-in's WHERE takes only <column> = <literal> joined by AND, not: ${text.slice(pos).trim()}`,
      );
    }
    pos = and.lastIndex;
  }
}

function findColumn(table: VirtualTable, name: string, clause: string): ResultColumn {
  const column = table.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (column === undefined) {
    throw new DdlError(`Unknown column '${name}' in '${clause}'`, SQL_ERRORS.badField);
  }
  return column;
}

function valueText(value: StoredValue): string | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

function compare(a: StoredValue, b: StoredValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const [x, y] = [String(a), String(b)];
  if (/^-?\d+$/.test(x) && /^-?\d+$/.test(y)) return Number(x) - Number(y);
  return x < y ? -1 : x > y ? 1 : 0;
}

function orderRows(
  table: VirtualTable,
  rows: Readonly<Record<string, StoredValue>>[],
  orderBy: string,
): Readonly<Record<string, StoredValue>>[] {
  const keys = orderBy.split(',').map((item) => {
    const match = /^\s*(`[^`]+`|[\w.]+)(?:\s+(asc|desc))?\s*$/i.exec(item);
    if (match === null) throw new DdlError(`The stand-in's ORDER BY takes only column names: ${item.trim()}`);
    const column = findColumn(table, bareName(match[1] ?? ''), 'order clause');
    return { name: column.name, direction: match[2]?.toLowerCase() === 'desc' ? -1 : 1 };
  });
  return [...rows].sort((a, b) => {
    for (const key of keys) {
      const order = compare(a[key.name] ?? null, b[key.name] ?? null) * key.direction;
      if (order !== 0) return order;
    }
    return 0;
  });
}

function selectList(
  table: VirtualTable,
  list: string,
): { source: string; label: string; kind: ResultColumn['kind'] }[] {
  if (list.trim() === '*') return table.columns.map((c) => ({ source: c.name, label: c.name, kind: c.kind }));
  return list.split(',').map((item) => {
    const match = /^\s*(`[^`]+`|[\w.]+)(?:\s+(?:as\s+)?(`[^`]+`|\w+))?\s*$/i.exec(item);
    if (match === null) {
      throw new DdlError(`The stand-in selects only plain columns (no expressions): ${item.trim()}`);
    }
    const written = bareName(match[1] ?? '');
    const column = findColumn(table, written, 'field list');
    return {
      source: column.name,
      label: match[2] === undefined ? written : bareName(match[2]),
      kind: column.kind,
    };
  });
}

/**
 * Runs a SELECT's clauses over `table`. Labels are the names as written (or their aliases); WHERE
 * compares the value's text exactly (`table_name = 'T'` does not match `t`).
 */
export function selectFrom(table: VirtualTable, clauses: SelectClauses): ResultSet {
  const columns = selectList(table, clauses.list);
  const conditions = clauses.where === undefined ? [] : parseWhere(clauses.where);
  const checks = conditions.map((c) => ({
    name: findColumn(table, c.column, 'where clause').name,
    value: c.value,
  }));
  let rows = table.rows.filter((row) =>
    checks.every((check) => valueText(row[check.name] ?? null) === check.value),
  );
  if (clauses.orderBy !== undefined) rows = orderRows(table, rows, clauses.orderBy);
  if (clauses.limit !== undefined) {
    const limit = /^\s*(\d+)\s*$/.exec(clauses.limit);
    if (limit === null) throw new DdlError(`The stand-in's LIMIT takes one number: ${clauses.limit.trim()}`);
    rows = rows.slice(0, Number(limit[1]));
  }
  return {
    columns: columns.map((c) => ({ name: c.label, kind: c.kind })),
    rows: rows.map((row) => columns.map((c) => row[c.source] ?? null)),
  };
}
