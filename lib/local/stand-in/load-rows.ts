import { defaultFor, type RowError, type RowOp, type Table } from './catalog.ts';
import { convertValue, type StoredValue } from './column-types.ts';
import type { ColumnDef } from './ddl.ts';
import {
  isJsonObject,
  JsonNumber,
  JsonSyntaxError,
  type JsonValue,
  parseJsonDocuments,
  stringifyJson,
} from './json-text.ts';
import { type ColumnItem, type JsonPath, type LoadSpec, OP_COLUMN } from './load-spec.ts';

/** Rows read from one body: ops to apply, and the rows filtered with their reasons. */
export interface ReadRows {
  readonly ops: RowOp[];
  readonly errors: RowError[];
}

export type ReadResult =
  | ({ readonly ok: true } & ReadRows)
  | { readonly ok: false; readonly message: string };

/** Source fields of one row by name; `undefined` means absent (NULL), `null` an explicit NULL. */
type Fields = ReadonlyMap<string, JsonValue | undefined>;

interface SourceRow {
  readonly fields: Fields;
  readonly source: () => string;
}

class FatalLoadError extends Error {}

function itemsFor(spec: LoadSpec, table: Table): readonly ColumnItem[] {
  if (spec.columns !== undefined) return spec.columns;
  const items: ColumnItem[] = table.definition.columns.map((column) => ({ name: column.name }));
  // StarRocks projects the JSON key __op automatically for primary key tables when no columns are given.
  if (spec.format === 'json' && table.isPrimaryKey) items.push({ name: OP_COLUMN });
  return items;
}

function evaluatePath(value: JsonValue | undefined, path: JsonPath): JsonValue | undefined {
  let current = value;
  for (const segment of path) {
    if (typeof segment === 'number') current = Array.isArray(current) ? current[segment] : undefined;
    else current = isJsonObject(current) ? current.get(segment) : undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

function* jsonRows(
  text: string,
  spec: LoadSpec,
  sources: readonly string[],
): Generator<SourceRow | RowError> {
  let documents: JsonValue[];
  try {
    documents = parseJsonDocuments(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError)
      throw new FatalLoadError(`Failed to parse json data: ${error.message}`);
    throw error;
  }
  const toRow = (record: JsonValue): SourceRow | RowError => {
    const source = (): string => stringifyJson(record);
    if (!isJsonObject(record)) {
      return { reason: 'The value should be object type in json document stream', source: source() };
    }
    const fields = new Map<string, JsonValue | undefined>();
    sources.forEach((name, index) => {
      const path = spec.jsonPaths?.[index];
      fields.set(name, spec.jsonPaths === undefined ? record.get(name) : path && evaluatePath(record, path));
    });
    return { fields, source };
  };
  for (const document of documents) {
    const root = spec.jsonRoot === undefined ? document : evaluatePath(document, spec.jsonRoot);
    if (root === undefined) {
      yield { reason: 'JSON Root not found', source: stringifyJson(document) };
      continue;
    }
    if (spec.stripOuterArray) {
      if (!Array.isArray(root))
        throw new FatalLoadError('JSON data is an object, strip_outer_array must be set false');
      for (const element of root) yield toRow(element);
    } else if (Array.isArray(root)) {
      throw new FatalLoadError(
        'The value is array type in json document stream, you can set strip_outer_array=true to parse each element of the array as individual rows',
      );
    } else if (!isJsonObject(root)) {
      throw new FatalLoadError('The value should be object type in json document stream');
    } else {
      yield toRow(root);
    }
  }
}

/** Splits CSV text into records of fields, honouring `enclose`/`escape` when set. */
function splitCsv(text: string, spec: LoadSpec): string[][] {
  const { columnSeparator: sep, rowDelimiter: delim, enclose, escape: escapeChar } = spec;
  if (enclose === undefined) {
    const lines = text.split(delim);
    if (lines.at(-1) === '') lines.pop();
    return lines.map((line) => line.split(sep));
  }
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (escapeChar !== undefined && ch === escapeChar && i + 1 < text.length) {
        field += text[i + 1];
        i += 2;
      } else if (ch === enclose && text[i + 1] === enclose) {
        field += enclose;
        i += 2;
      } else if (ch === enclose) {
        quoted = false;
        i++;
      } else {
        field += ch;
        i++;
      }
    } else if (ch === enclose && field === '') {
      quoted = true;
      i++;
    } else if (text.startsWith(sep, i)) {
      fields.push(field);
      field = '';
      i += sep.length;
    } else if (text.startsWith(delim, i)) {
      fields.push(field);
      records.push(fields);
      fields = [];
      field = '';
      i += delim.length;
    } else {
      field += ch;
      i++;
    }
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    records.push(fields);
  }
  return records;
}

function* csvRows(text: string, spec: LoadSpec, sources: readonly string[]): Generator<SourceRow | RowError> {
  const records = splitCsv(text, spec).slice(spec.skipHeader);
  for (const record of records) {
    const source = (): string => record.join(spec.columnSeparator);
    if (record.length !== sources.length) {
      yield {
        reason: `Value count does not match column count. Expect ${sources.length}, but got ${record.length}`,
        source: source(),
      };
      continue;
    }
    const fields = new Map<string, JsonValue>();
    sources.forEach((name, index) => {
      const raw = record[index] as string;
      const value = spec.trimSpace ? raw.trim() : raw;
      fields.set(name, value === '\\N' ? null : value);
    });
    yield { fields, source };
  }
}

function isRowError(row: SourceRow | RowError): row is RowError {
  return 'reason' in row;
}

interface Target {
  readonly column: ColumnDef;
  readonly item: ColumnItem | undefined;
}

function rawValue(item: ColumnItem, fields: Fields): JsonValue | undefined {
  if (item.expr === undefined) return fields.get(item.name);
  return item.expr.kind === 'const' ? item.expr.value : fields.get(item.expr.source);
}

function decodeOp(raw: JsonValue | undefined): 'upsert' | 'delete' | undefined {
  if (raw === undefined || raw === null) return 'upsert';
  const text = raw instanceof JsonNumber ? raw.text : typeof raw === 'string' ? raw.trim() : undefined;
  if (text === '0') return 'upsert';
  if (text === '1') return 'delete';
  return undefined;
}

function buildOp(
  row: SourceRow,
  targets: readonly Target[],
  opItem: ColumnItem | undefined,
  table: Table,
  spec: LoadSpec,
): RowOp | RowError {
  const fail = (reason: string): RowError => ({ reason, source: row.source() });
  const op = opItem === undefined || !table.isPrimaryKey ? 'upsert' : decodeOp(rawValue(opItem, row.fields));
  if (op === undefined) return fail(`Invalid ${OP_COLUMN} value, it should be 0 (upsert) or 1 (delete)`);
  const values: StoredValue[] = [];
  const present: boolean[] = [];
  const keyColumns = table.keyMask;
  for (const [index, { column, item }] of targets.entries()) {
    const isKey = keyColumns[index] === true;
    // A delete needs only the key; whatever else the row carries is ignored.
    if (op === 'delete' && !isKey) {
      values.push(null);
      present.push(false);
      continue;
    }
    if (item === undefined) {
      values.push(spec.partialUpdate ? null : defaultFor(column));
      present.push(false);
      if (!spec.partialUpdate && !column.nullable && values[index] === null) {
        return fail(`NULL value in non-nullable column '${column.name}'`);
      }
      continue;
    }
    const raw = rawValue(item, row.fields);
    let value: StoredValue = null;
    if (raw !== undefined && raw !== null) {
      const converted = convertValue(column.type, raw, column.name, spec.format);
      if (converted.ok) value = converted.value;
      else if (spec.strictMode || converted.alwaysFilters) return fail(converted.reason);
    }
    if (value === null && !column.nullable) return fail(`NULL value in non-nullable column '${column.name}'`);
    values.push(value);
    present.push(true);
  }
  return spec.partialUpdate
    ? { op, values, present, source: row.source }
    : { op, values, source: row.source };
}

/**
 * Reads a (decompressed) body into row operations for `table`, the way the BE's scanners do: JSON keys
 * or CSV positions → load columns → `columns` mappings → conversion to the column types.
 */
export function readRows(body: string, spec: LoadSpec, table: Table): ReadResult {
  const items = itemsFor(spec, table);
  const sources = items.filter((item) => item.expr === undefined).map((item) => item.name);
  const byName = (name: string): ColumnItem | undefined => {
    const exact = items.find((item) => item.name === name);
    return exact ?? items.find((item) => item.name.toLowerCase() === name.toLowerCase());
  };
  const targets = table.definition.columns.map((column) => ({ column, item: byName(column.name) }));
  const opItem = byName(OP_COLUMN);

  const ops: RowOp[] = [];
  const errors: RowError[] = [];
  try {
    const rows = spec.format === 'json' ? jsonRows(body, spec, sources) : csvRows(body, spec, sources);
    for (const row of rows) {
      const built = isRowError(row) ? row : buildOp(row, targets, opItem, table, spec);
      if ('reason' in built) errors.push(built);
      else ops.push(built);
    }
  } catch (error) {
    if (error instanceof FatalLoadError) return { ok: false, message: error.message };
    throw error;
  }
  return { ok: true, ops, errors };
}
