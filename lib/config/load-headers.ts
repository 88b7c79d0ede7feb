/**
 * The `sink.properties.*` keys: the Stream Load headers every load sends, the body format they
 * decide (`format`, `strip_outer_array`, `row_delimiter`), what CSV needs from the other keys, and
 * merge commit's headers. Compression is in compression.ts.
 */
import type { ConverterConfig } from './converters.ts';
import { CONVERTER_CLASSES, RESERVED_LOAD_HEADERS, SINK_PROPERTIES, SINK_PROPERTIES_PREFIX } from './keys.ts';
import { shortened } from './shown-values.ts';
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
    const checked = readLoadHeader(key, header, value, source.problem);
    if (checked !== undefined) headers[header] = checked;
  }
  return { headers, keyOf };
}

/**
 * One Stream Load header as it is sent (`header` lower-cased), or undefined after reporting `key`:
 * a name that is no header, one the sink sets itself, or a value a header cannot carry. The check of
 * `sink.properties.*` and of the per-table `sink.table.<table>.properties.*` keys.
 */
export function readLoadHeader(
  key: string,
  header: string,
  value: string,
  problem: Report,
): string | undefined {
  if (!/^[a-z0-9_.-]+$/.test(header)) {
    problem(key, `"${header}" is not a valid Stream Load header name (letters, digits, _ . -)`);
    return undefined;
  }
  if (reservedHeaders.has(header)) {
    problem(
      key,
      `"${header}" is set by the sink for every load (labels are derived from Kafka offsets); remove "${key}"`,
    );
    return undefined;
  }
  const checked = checkHeaderValue(header, value);
  if ('problem' in checked) {
    problem(key, checked.problem);
    return undefined;
  }
  return checked.value;
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
        `"${headers.row_delimiter}" is not a delimiter; ${DELIMITER_FORMS}`,
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

/**
 * `\x0A`/`\X0a` style hex as the Java connector parses it, read as UTF-8 (the body is written in
 * UTF-8, so the delimiter written must be these bytes); anything else is taken literally.
 * Undefined for hex that is malformed or not UTF-8.
 */
export function decodeDelimiter(text: string): string | undefined {
  if (/^\\x/i.test(text)) {
    const hex = text.slice(2);
    if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(hex)) return undefined;
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(hex, 'hex'));
    } catch {
      return undefined;
    }
  }
  return text;
}

/** What a separator or delimiter may be, for messages. */
const DELIMITER_FORMS =
  'use characters, or the hex of their UTF-8 bytes such as \\x0A (the rows are written in UTF-8)';

/** The headers StarRocks reads in the `\xNN` hex form (the bytes of the value, in hex). */
const HEX_FORM_HEADERS: ReadonlySet<string> = new Set(['column_separator', 'row_delimiter']);

/** StarRocks' limit on `column_separator`, in bytes. */
const COLUMN_SEPARATOR_MAX_BYTES = 50;

/** The headers whose non-ASCII text is a column name: a JSON body can name the column instead. */
const COLUMN_NAME_HEADERS: ReadonlySet<string> = new Set(['columns', 'jsonpaths']);

type CheckedValue = { readonly value: string } | { readonly problem: string };

/**
 * A header value as it can be sent, or why it cannot. Node refuses, at every request, a value with
 * a control character (but tab) or DEL, or a character above U+00FF (`http.validateHeaderValue`);
 * it sends U+0080–U+00FF as single Latin-1 bytes, which StarRocks does not read as those characters
 * (it documents no encoding for header values). So only printable ASCII and tab pass; a separator
 * or delimiter with anything else is written in StarRocks' hex form instead (see checkSeparator).
 */
function checkHeaderValue(header: string, value: string): CheckedValue {
  if (HEX_FORM_HEADERS.has(header)) return checkSeparator(header, value);
  const index = [...value].findIndex((c) => !isHeaderText(c));
  if (index < 0) return { value };
  const character = [...value][index] ?? '';
  const where = `at character ${index + 1} of "${shortened(printable(value))}"`;
  if (isControl(character)) {
    return {
      problem: `has the control character ${describeCharacter(character)} ${where}, which an HTTP header cannot carry; remove it`,
    };
  }
  const fix = COLUMN_NAME_HEADERS.has(header)
    ? 'with sink.properties.format=json, leave it out and let each JSON key name its column (a key may be any text), or give the column an ASCII name'
    : 'use ASCII only';
  return {
    problem: `has ${describeCharacter(character)} ${where}: a header carries only ASCII text (Node sends other characters as Latin-1 bytes or refuses them, and StarRocks documents no encoding for header values); ${fix}`,
  };
}

/**
 * A separator or delimiter as sent: as it is when it is printable ASCII with no space at either end
 * (HTTP trims those), else in StarRocks' hex form of its UTF-8 bytes, the bytes the body is
 * written with: a raw U+0001 becomes `\x01`, a tab `\x09`, `§` `\xC2A7`.
 */
function checkSeparator(header: string, value: string): CheckedValue {
  if (value === '') return { problem: 'is empty; give the characters, or their bytes in hex such as \\x01' };
  // row_delimiter's hex is decoded and checked with the body format.
  if (/^\\x/i.test(value)) {
    if (header === 'row_delimiter' || decodeDelimiter(value) !== undefined) return { value };
    return { problem: `"${shortened(value)}" is not a delimiter; ${DELIMITER_FORMS}` };
  }
  if (!value.isWellFormed()) return { problem: 'has a lone UTF-16 surrogate, which is no character' };
  const bytes = Buffer.from(value, 'utf8');
  if (header === 'column_separator' && bytes.length > COLUMN_SEPARATOR_MAX_BYTES) {
    return { problem: `is ${bytes.length} bytes; StarRocks takes at most ${COLUMN_SEPARATOR_MAX_BYTES}` };
  }
  const chars = [...value];
  const plain = chars.every(isHeaderText) && !/^[ \t]|[ \t]$/.test(value) && !value.includes('\t');
  return { value: plain ? value : `\\x${bytes.toString('hex').toUpperCase()}` };
}

/** Printable ASCII or tab: what a header value carries as itself. */
function isHeaderText(character: string): boolean {
  const code = character.codePointAt(0) ?? 0;
  return code === 0x09 || (code >= 0x20 && code <= 0x7e);
}

/** C0 and C1 control characters and DEL. */
function isControl(character: string): boolean {
  const code = character.codePointAt(0) ?? 0;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/** `"城" (U+57CE)`, or `U+0001` for a character that prints as nothing. */
function describeCharacter(character: string): string {
  const codePoint = `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  return isControl(character) ? codePoint : `"${character}" (${codePoint})`;
}

/** `text` with control characters shown as `\uXXXX`, so a message prints on one line. */
function printable(text: string): string {
  return [...text]
    .map((c) => (isControl(c) ? `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}` : c))
    .join('');
}
