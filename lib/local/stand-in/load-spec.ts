import type { IncomingHttpHeaders } from 'node:http';
import type { Table } from './catalog.ts';
import { isStringType } from './column-types.ts';
import { JsonNumber, type JsonValue, parseJsonValue } from './json-text.ts';

export const OP_COLUMN = '__op';
export const JSON_MAX_BYTES = 104_857_600;

export type JsonPath = readonly (string | number)[];

export type ColumnExpr =
  | { readonly kind: 'const'; readonly value: JsonValue }
  | { readonly kind: 'ref'; readonly source: string };

/** One item of the `columns` header: a source field (no expr) or a mapping `name=expr`. */
export interface ColumnItem {
  readonly name: string;
  readonly expr?: ColumnExpr;
}

const COMPRESSIONS = ['gzip', 'deflate', 'zstd', 'lz4_frame'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** Stream Load headers, checked against the target table. */
export interface LoadSpec {
  readonly format: 'json' | 'csv';
  readonly columns: readonly ColumnItem[] | undefined;
  readonly jsonPaths: readonly JsonPath[] | undefined;
  readonly jsonRoot: JsonPath | undefined;
  readonly stripOuterArray: boolean;
  readonly ignoreJsonSize: boolean;
  readonly columnSeparator: string;
  readonly rowDelimiter: string;
  readonly skipHeader: number;
  readonly trimSpace: boolean;
  readonly enclose: string | undefined;
  readonly escape: string | undefined;
  readonly strictMode: boolean;
  readonly maxFilterRatio: number;
  readonly partialUpdate: boolean;
  readonly mergeCondition: string | undefined;
  readonly compression: Compression | undefined;
  readonly timeoutSeconds: number;
}

export type SpecResult =
  | { readonly ok: true; readonly spec: LoadSpec }
  | { readonly ok: false; readonly message: string };

class SpecError extends Error {}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function booleanHeader(headers: IncomingHttpHeaders, name: string, message: string): boolean {
  const value = header(headers, name)?.trim().toLowerCase();
  if (value === undefined || value === '') return false;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new SpecError(message);
}

/** `\x01`-style hex and `\t`, `\n`, `\r`, `\\` escapes, as users write them in properties files. */
function parseSeparator(value: string): string {
  const hex = /^\\x((?:[0-9a-fA-F]{2})+)$/.exec(value);
  if (hex !== null) return Buffer.from(hex[1] as string, 'hex').toString('utf8');
  return value.replace(/\\([tnr\\])/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', '\\': '\\' })[c] ?? c);
}

/** Parses `$.a.b[0]['c']`. */
function parseJsonPath(path: string): JsonPath {
  const text = path.trim();
  if (!text.startsWith('$')) throw new SpecError(`Invalid json path: ${path}`);
  const segments: (string | number)[] = [];
  const pattern = /\.([^.[\]]+)|\[(\d+)\]|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]/y;
  let pos = 1;
  while (pos < text.length) {
    pattern.lastIndex = pos;
    const match = pattern.exec(text);
    if (match === null) throw new SpecError(`Invalid json path: ${path}`);
    if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push((match[1] ?? match[3] ?? match[4]) as string);
    pos = pattern.lastIndex;
  }
  return segments;
}

function splitTopLevel(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const ch of text) {
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"' || ch === '`') {
      quote = ch;
    } else if (ch === '(') {
      depth++;
    } else if (ch === ')') {
      depth--;
    } else if (ch === ',' && depth === 0) {
      items.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  items.push(current);
  return items.map((item) => item.trim());
}

function unquoteName(name: string): string {
  const trimmed = name.trim();
  return trimmed.startsWith('`') && trimmed.endsWith('`') ? trimmed.slice(1, -1) : trimmed;
}

function parseExpr(target: string, text: string): ColumnExpr {
  const quoted = /^'(.*)'$|^"(.*)"$/s.exec(text);
  let expr: ColumnExpr;
  if (quoted !== null) expr = { kind: 'const', value: quoted[1] ?? quoted[2] ?? '' };
  else if (/^-?\d+(\.\d+)?$/.test(text)) expr = { kind: 'const', value: new JsonNumber(text) };
  else if (/^`[^`]+`$|^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) expr = { kind: 'ref', source: unquoteName(text) };
  else throw new SpecError(`The stand-in does not support the column expression: ${target}=${text}`);

  if (target !== OP_COLUMN || expr.kind !== 'const') return expr;
  // StarRocks turns the literals 'upsert'/'delete' into 0/1 for __op and refuses anything else.
  const value = expr.value;
  if (typeof value === 'string') {
    const op = value.toLowerCase();
    if (op === 'upsert') return { kind: 'const', value: new JsonNumber('0') };
    if (op === 'delete') return { kind: 'const', value: new JsonNumber('1') };
    throw new SpecError(`load op type string not supported: ${value}`);
  }
  if (value instanceof JsonNumber && (value.text === '0' || value.text === '1')) return expr;
  throw new SpecError('const load op type column should only be upsert(0)/delete(1)');
}

function parseColumns(text: string, table: Table): ColumnItem[] {
  return splitTopLevel(text).map((item) => {
    if (item === '') throw new SpecError(`Invalid columns header: ${text}`);
    const eq = item.indexOf('=');
    if (eq < 0) return { name: unquoteName(item) };
    const name = unquoteName(item.slice(0, eq));
    if (name !== OP_COLUMN && table.columnIndex(name) < 0) {
      throw new SpecError(`Unknown column '${name}' in '${table.definition.name}'`);
    }
    return { name, expr: parseExpr(name, item.slice(eq + 1).trim()) };
  });
}

function parseCompression(headers: IncomingHttpHeaders, format: string): Compression | undefined {
  const compression = header(headers, 'compression');
  const encoding = header(headers, 'content-encoding');
  if (compression !== undefined && encoding !== undefined) {
    throw new SpecError('Only one of http header content-encoding and compression can be set');
  }
  // Compressed CSV is announced through `format` (gzip, deflate, zstd, ...), JSON through a header.
  const name = (
    compression ??
    encoding ??
    (format === 'csv' || format === 'json' ? undefined : format)
  )?.toLowerCase();
  if (name === undefined || name === '' || name === 'identity') return undefined;
  // CSV names LZ4 frames `lz4` in `format`; JSON `lz4_frame` in the header.
  if (name === 'lz4' && compression === undefined && encoding === undefined) return 'lz4_frame';
  if ((COMPRESSIONS as readonly string[]).includes(name)) return name as Compression;
  if (['bzip2', 'lz4'].includes(name)) {
    throw new SpecError(`The stand-in cannot decompress ${name}: use gzip, deflate, zstd or lz4_frame`);
  }
  throw new SpecError(`Unknown compression type: ${name}`);
}

function parseSpec(headers: IncomingHttpHeaders, table: Table): LoadSpec {
  const formatHeader = (header(headers, 'format') ?? 'csv').trim().toLowerCase();
  if (!['csv', 'json', 'gzip', 'deflate', 'zstd', 'bzip2', 'lz4'].includes(formatHeader)) {
    throw new SpecError(`unknown data format, format=${header(headers, 'format')}`);
  }
  const format = formatHeader === 'json' ? 'json' : 'csv';
  if (header(headers, 'where') !== undefined)
    throw new SpecError('The stand-in does not support the where header');

  const timeoutText = header(headers, 'timeout');
  const timeoutSeconds = timeoutText === undefined ? 600 : Number(timeoutText);
  if (!Number.isInteger(timeoutSeconds)) throw new SpecError('Invalid timeout format');

  const ratioText = header(headers, 'max_filter_ratio');
  const maxFilterRatio = ratioText === undefined ? 0 : Number(ratioText);
  if (!Number.isFinite(maxFilterRatio) || maxFilterRatio < 0 || maxFilterRatio > 1) {
    throw new SpecError(`Invalid max_filter_ratio: ${ratioText}`);
  }

  const strictMode = booleanHeader(headers, 'strict_mode', 'Invalid strict mode format. Must be bool type');
  const partialUpdate = booleanHeader(
    headers,
    'partial_update',
    'Invalid partial update flag format. Must be bool type',
  );
  const mode = header(headers, 'partial_update_mode');
  if (mode !== undefined && !['row', 'column', 'auto'].includes(mode)) {
    throw new SpecError(`Invalid partial update mode: ${mode}. Must be row, column or auto`);
  }
  if (partialUpdate && !table.isPrimaryKey)
    throw new SpecError('Only primary key table support partial update');

  const columnsText = header(headers, 'columns');
  const columns =
    columnsText === undefined || columnsText.trim() === '' ? undefined : parseColumns(columnsText, table);
  if (partialUpdate) {
    if (columns === undefined)
      throw new SpecError('partial update needs the columns header to name the updated columns');
    for (const key of table.definition.keyColumns) {
      if (!columns.some((item) => item.name.toLowerCase() === key.toLowerCase())) {
        throw new SpecError(`key column ${key} is not specified in partial update`);
      }
    }
  }

  const mergeCondition = header(headers, 'merge_condition')?.trim() || undefined;
  if (mergeCondition !== undefined) {
    if (!table.isPrimaryKey) throw new SpecError('merge_condition is only supported by primary key tables');
    const index = table.columnIndex(mergeCondition);
    const column = table.definition.columns[index];
    if (column === undefined) throw new SpecError(`Merge condition column ${mergeCondition} does not exist`);
    if (table.keyIndexes.includes(index))
      throw new SpecError(`Merge condition column ${mergeCondition} can not be a key`);
    if (isStringType(column.type) || column.type.name === 'JSON') {
      throw new SpecError(`Merge condition column ${mergeCondition} can not be CHAR/VARCHAR/JSON`);
    }
  }

  const pathsText = header(headers, 'jsonpaths');
  let jsonPaths: JsonPath[] | undefined;
  if (pathsText !== undefined && pathsText.trim() !== '') {
    let parsed: JsonValue;
    try {
      parsed = parseJsonValue(pathsText);
    } catch {
      throw new SpecError(`Invalid jsonpaths: ${pathsText}`);
    }
    if (!Array.isArray(parsed) || !parsed.every((path) => typeof path === 'string')) {
      throw new SpecError(`Invalid jsonpaths: ${pathsText}`);
    }
    jsonPaths = (parsed as string[]).map(parseJsonPath);
  }
  const rootText = header(headers, 'json_root');
  const jsonRoot = rootText === undefined || rootText.trim() === '' ? undefined : parseJsonPath(rootText);

  const skipText = header(headers, 'skip_header');
  const skipHeader = skipText === undefined ? 0 : Number(skipText);
  if (!Number.isInteger(skipHeader) || skipHeader < 0)
    throw new SpecError(`Invalid skip_header: ${skipText}`);

  const columnSeparator = parseSeparator(header(headers, 'column_separator') ?? '\t');
  const rowDelimiter = parseSeparator(header(headers, 'row_delimiter') ?? '\n');
  if (columnSeparator === '' || rowDelimiter === '')
    throw new SpecError('column_separator and row_delimiter must not be empty');

  return {
    format,
    columns,
    jsonPaths,
    jsonRoot,
    stripOuterArray: booleanHeader(
      headers,
      'strip_outer_array',
      'Invalid strip_outer_array format. Must be bool type',
    ),
    ignoreJsonSize: booleanHeader(
      headers,
      'ignore_json_size',
      'Invalid ignore_json_size format. Must be bool type',
    ),
    columnSeparator,
    rowDelimiter,
    skipHeader,
    trimSpace: booleanHeader(headers, 'trim_space', 'Invalid trim_space format. Must be bool type'),
    enclose: header(headers, 'enclose') || undefined,
    escape: header(headers, 'escape') || undefined,
    strictMode,
    maxFilterRatio,
    partialUpdate,
    mergeCondition,
    compression: parseCompression(headers, formatHeader),
    timeoutSeconds,
  };
}

/** Reads the Stream Load headers; a bad header gives the message StarRocks answers with `Fail`. */
export function parseLoadSpec(headers: IncomingHttpHeaders, table: Table): SpecResult {
  try {
    return { ok: true, spec: parseSpec(headers, table) };
  } catch (error) {
    if (error instanceof SpecError) return { ok: false, message: error.message };
    throw error;
  }
}
