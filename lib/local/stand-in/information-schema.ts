import type { Catalog, Table } from './catalog.ts';
import { type ColumnType, STRING_MAX_BYTES, type StoredValue } from './column-types.ts';
import { type ColumnDef, KEYS_TYPES } from './ddl.ts';
import type { ResultColumn, VirtualTable } from './virtual-table.ts';

/**
 * `information_schema.columns` over the stand-in's tables, with the fields StarRocks documents
 * (docs/en/sql-reference/information_schema/columns.md): one row per column of every table,
 * in database, table and column order.
 */

const TEXT = 'text' as const;
const INTEGER = 'integer' as const;

const COLUMNS: readonly ResultColumn[] = [
  { name: 'TABLE_CATALOG', kind: TEXT },
  { name: 'TABLE_SCHEMA', kind: TEXT },
  { name: 'TABLE_NAME', kind: TEXT },
  { name: 'COLUMN_NAME', kind: TEXT },
  { name: 'ORDINAL_POSITION', kind: INTEGER },
  { name: 'COLUMN_DEFAULT', kind: TEXT },
  { name: 'IS_NULLABLE', kind: TEXT },
  { name: 'DATA_TYPE', kind: TEXT },
  { name: 'CHARACTER_MAXIMUM_LENGTH', kind: INTEGER },
  { name: 'CHARACTER_OCTET_LENGTH', kind: INTEGER },
  { name: 'NUMERIC_PRECISION', kind: INTEGER },
  { name: 'NUMERIC_SCALE', kind: INTEGER },
  { name: 'DATETIME_PRECISION', kind: INTEGER },
  { name: 'CHARACTER_SET_NAME', kind: TEXT },
  { name: 'COLLATION_NAME', kind: TEXT },
  { name: 'COLUMN_TYPE', kind: TEXT },
  { name: 'COLUMN_KEY', kind: TEXT },
  { name: 'EXTRA', kind: TEXT },
  { name: 'PRIVILEGES', kind: TEXT },
  { name: 'COLUMN_COMMENT', kind: TEXT },
  { name: 'COLUMN_SIZE', kind: INTEGER },
  { name: 'DECIMAL_DIGITS', kind: INTEGER },
  { name: 'GENERATION_EXPRESSION', kind: TEXT },
  { name: 'SRS_ID', kind: INTEGER },
];

/** Display widths and precisions as MySQL-compatible servers print integer types. */
const INTEGER_SHAPES: Partial<Record<ColumnType['name'], { width: number; precision: number }>> = {
  TINYINT: { width: 4, precision: 3 },
  SMALLINT: { width: 6, precision: 5 },
  INT: { width: 11, precision: 10 },
  BIGINT: { width: 20, precision: 19 },
  LARGEINT: { width: 40, precision: 39 },
};

/** DATA_TYPE (the bare name) and COLUMN_TYPE (with length, precision or display width). */
export function sqlTypeNames(type: ColumnType): { dataType: string; columnType: string } {
  const integer = INTEGER_SHAPES[type.name];
  if (integer !== undefined) {
    const name = type.name.toLowerCase();
    return { dataType: name, columnType: `${name}(${integer.width})` };
  }
  switch (type.name) {
    case 'DECIMAL':
      return { dataType: 'decimal', columnType: `decimal(${type.precision},${type.scale})` };
    case 'CHAR':
    case 'VARCHAR': {
      const name = type.name.toLowerCase();
      return { dataType: name, columnType: `${name}(${type.length})` };
    }
    case 'STRING':
      return { dataType: 'varchar', columnType: `varchar(${STRING_MAX_BYTES})` };
    default: {
      const name = type.name.toLowerCase();
      return { dataType: name, columnType: name };
    }
  }
}

function columnKey(table: Table, index: number): string {
  if (!table.keyMask[index]) return '';
  switch (table.definition.keysType) {
    case KEYS_TYPES.primary:
      return 'PRI';
    case KEYS_TYPES.unique:
      return 'UNI';
    default:
      return 'DUP';
  }
}

function defaultText(column: ColumnDef): string | null {
  const value = column.defaultValue;
  if (value === undefined) return null;
  if (value.kind === 'currentTimestamp') return 'CURRENT_TIMESTAMP';
  if (value.value === null) return null;
  if (typeof value.value === 'boolean') return value.value ? '1' : '0';
  return String(value.value);
}

function numericShape(type: ColumnType): { precision: number | null; scale: number | null } {
  const integer = INTEGER_SHAPES[type.name];
  if (integer !== undefined) return { precision: integer.precision, scale: 0 };
  if (type.name === 'DECIMAL') return { precision: type.precision ?? null, scale: type.scale ?? null };
  if (type.name === 'FLOAT') return { precision: 12, scale: null };
  if (type.name === 'DOUBLE') return { precision: 22, scale: null };
  return { precision: null, scale: null };
}

function columnRow(table: Table, column: ColumnDef, index: number): Record<string, StoredValue> {
  const { dataType, columnType } = sqlTypeNames(column.type);
  const stringLength =
    column.type.name === 'STRING'
      ? STRING_MAX_BYTES
      : column.type.name === 'CHAR' || column.type.name === 'VARCHAR'
        ? (column.type.length ?? null)
        : null;
  const numeric = numericShape(column.type);
  return {
    TABLE_CATALOG: null,
    TABLE_SCHEMA: table.database,
    TABLE_NAME: table.definition.name,
    COLUMN_NAME: column.name,
    ORDINAL_POSITION: index + 1,
    COLUMN_DEFAULT: defaultText(column),
    IS_NULLABLE: column.nullable ? 'YES' : 'NO',
    DATA_TYPE: dataType,
    CHARACTER_MAXIMUM_LENGTH: stringLength,
    CHARACTER_OCTET_LENGTH: stringLength,
    NUMERIC_PRECISION: numeric.precision,
    NUMERIC_SCALE: numeric.scale,
    DATETIME_PRECISION: column.type.name === 'DATETIME' ? 0 : null,
    CHARACTER_SET_NAME: stringLength === null ? null : 'utf8',
    COLLATION_NAME: stringLength === null ? null : 'utf8_general_ci',
    COLUMN_TYPE: columnType,
    COLUMN_KEY: columnKey(table, index),
    EXTRA: '',
    PRIVILEGES: '',
    COLUMN_COMMENT: column.comment ?? '',
    COLUMN_SIZE: stringLength ?? numeric.precision,
    DECIMAL_DIGITS: numeric.scale,
    GENERATION_EXPRESSION: null,
    SRS_ID: null,
  };
}

/** `information_schema.columns` as a {@link VirtualTable} over the catalog's current schemas. */
export function informationSchemaColumns(catalog: Catalog): VirtualTable {
  const rows: Record<string, StoredValue>[] = [];
  for (const database of catalog.databaseNames()) {
    for (const name of catalog.tableNames(database)) {
      const table = catalog.table(database, name);
      if (table === undefined) continue;
      table.definition.columns.forEach((column, index) => {
        rows.push(columnRow(table, column, index));
      });
    }
  }
  return { name: 'columns', columns: COLUMNS, rows };
}
