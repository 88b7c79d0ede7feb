/**
 * The `sink.properties.*` keys: the Stream Load headers every load sends, the body format they
 * decide (`format`, `strip_outer_array`, `row_delimiter`), what CSV needs from the other keys, and
 * merge commit's headers. Compression is in compression.ts.
 */
import type { ConverterConfig } from './converters.ts';
import { CONVERTER_CLASSES, RESERVED_LOAD_HEADERS, SINK_PROPERTIES, SINK_PROPERTIES_PREFIX } from './keys.ts';
import type { TransformConfig } from './transforms.ts';
import { type ConfigSource, checkBoolean, parseBoolean, type Report } from './values.ts';

/** The headers to send, and the key each was written as, so a problem names what the user wrote. */
export interface LoadHeaders {
  /** Every valid `sink.properties.*` key, lower-cased; the body format's defaults are added later. */
  readonly headers: Record<string, string>;
  readonly keyOf: ReadonlyMap<string, string>;
}

/** How each body is written. */
export interface BodyFormat {
  readonly format: 'json' | 'csv';
  /** JSON bodies: `[r1,r2]` when true, newline-delimited objects when the user turned it off. */
  readonly stripOuterArray: boolean;
  /** CSV row delimiter as bytes to write (the `\x0A` hex form decoded). */
  readonly rowDelimiter: string;
}

const reservedHeaders = new Set<string>(RESERVED_LOAD_HEADERS);

/** Every `sink.properties.*` key as a header, refusing the names the sink sets itself. */
export function parseLoadHeaders(source: ConfigSource): LoadHeaders {
  const headers: Record<string, string> = {};
  const keyOf = new Map<string, string>();
  for (const [key, value] of source.raw) {
    if (!key.startsWith(SINK_PROPERTIES_PREFIX)) continue;
    const header = key.slice(SINK_PROPERTIES_PREFIX.length).toLowerCase();
    keyOf.set(header, key);
    if (!/^[a-z0-9_.-]+$/.test(header)) {
      source.problem(key, `"${header}" is not a valid Stream Load header name (letters, digits, _ . -)`);
    } else if (reservedHeaders.has(header)) {
      source.problem(
        key,
        `"${header}" is set by the sink for every load (labels are derived from Kafka offsets); remove "${key}"`,
      );
    } else if (/[\r\n\0]/.test(value)) {
      source.problem(key, 'contains a line break or NUL, which an HTTP header cannot carry');
    } else {
      headers[header] = value;
    }
  }
  return { headers, keyOf };
}

/**
 * `format`, `strip_outer_array` and `row_delimiter`, with their catalogue defaults. Writes the
 * format (and, for JSON, `strip_outer_array` when unset) into `headers`, as StarRocks needs them.
 */
export function parseBodyFormat(headers: Record<string, string>, problem: Report): BodyFormat {
  const defaults = {
    format: SINK_PROPERTIES.format.default,
    stripOuterArray: SINK_PROPERTIES.strip_outer_array.default,
    rowDelimiter: SINK_PROPERTIES.row_delimiter.default,
  };
  const formatText = (headers.format ?? defaults.format).toLowerCase();
  let format: 'json' | 'csv' = defaults.format;
  if (formatText === 'json' || formatText === 'csv') format = formatText;
  else
    problem(
      'sink.properties.format',
      `"${headers.format}" is not supported; valid values: ${SINK_PROPERTIES.format.values.join(', ')}`,
    );
  headers.format = format;

  let stripOuterArray: boolean = defaults.stripOuterArray;
  if (format === 'json') {
    const strip = headers.strip_outer_array;
    if (strip === undefined) headers.strip_outer_array = String(defaults.stripOuterArray);
    else
      stripOuterArray = checkBoolean('sink.properties.strip_outer_array', strip, problem) ?? stripOuterArray;
  }
  let rowDelimiter: string = defaults.rowDelimiter;
  if (headers.row_delimiter !== undefined) {
    const decoded = decodeDelimiter(headers.row_delimiter);
    if (decoded === undefined || decoded === '') {
      problem(
        'sink.properties.row_delimiter',
        `"${headers.row_delimiter}" is not a delimiter; use characters or hex such as \\x0A`,
      );
    } else rowDelimiter = decoded;
  }
  return { format, stripOuterArray, rowDelimiter };
}

/** CSV loads each record value as one line: it needs StringConverter, and no Debezium transform. */
export function checkCsvInputs(
  format: 'json' | 'csv',
  valueConverter: ConverterConfig,
  transforms: readonly TransformConfig[],
  source: ConfigSource,
): void {
  if (format !== 'csv') return;
  if (valueConverter.kind !== 'string') {
    source.problem(
      'value.converter',
      `sink.properties.format=csv loads each record value as one CSV line, which needs ${CONVERTER_CLASSES.string}; got ${source.get('value.converter') ?? `${CONVERTER_CLASSES.json} (the default)`}`,
    );
  }
  if (transforms.length > 0) {
    source.problem(
      'transforms',
      'Debezium transforms produce JSON rows; use sink.properties.format=json with them',
    );
  }
}

/** Whether `enable_merge_commit` turns merge commit on (its catalogue default when unset). */
export function isMergeCommitEnabled(headers: Readonly<Record<string, string>>): boolean {
  const enabled = headers.enable_merge_commit;
  if (enabled === undefined) return SINK_PROPERTIES.enable_merge_commit.default;
  return parseBoolean(enabled) === true;
}

/**
 * Merge commit (StarRocks 3.4+) refuses a load without its interval and parallelism, and a typo in
 * them would fail every load; checking at cold start names the key instead.
 */
export function checkMergeCommit(headers: Readonly<Record<string, string>>, problem: Report): void {
  const enabled = headers.enable_merge_commit;
  if (enabled === undefined) return;
  const on = checkBoolean('sink.properties.enable_merge_commit', enabled, problem);
  if (on !== true) return;
  for (const name of ['merge_commit_interval_ms', 'merge_commit_parallel']) {
    const value = headers[name];
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n <= 0) {
      problem(
        `${SINK_PROPERTIES_PREFIX}${name}`,
        `${value === undefined ? 'is required' : `"${value}" is not a positive integer`} with sink.properties.enable_merge_commit=true (StarRocks refuses every load without it)`,
      );
    }
  }
  const asyncText = headers.merge_commit_async;
  if (asyncText !== undefined) checkBoolean('sink.properties.merge_commit_async', asyncText, problem);
}

/** `\x0A`/`\X0a` style hex as the Java connector parses it; anything else is taken literally. */
function decodeDelimiter(text: string): string | undefined {
  if (/^\\x/i.test(text)) {
    const hex = text.slice(2);
    if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(hex)) return undefined;
    return Buffer.from(hex, 'hex').toString('latin1');
  }
  return text;
}
