/**
 * InsertHeader's `value.literal`, typed as Kafka Connect's `Values.parseString` types a top-level
 * text: `null`, `true`/`false`, ISO dates and times, the smallest integer type that holds a whole
 * number, float32/float64 for a fraction, a Decimal beyond those; anything else is the text itself.
 * The value is Connect data in this sink's form (connect-record.ts): Date as days, Time as
 * milliseconds of the day, Timestamp as epoch milliseconds, Decimal as base64 unscaled bytes.
 */
import type { ConnectSchema } from '../connect-schema.ts';
import { rawJson } from '../exact-json.ts';

/** A header's schema and value (Connect's SchemaAndValue). */
export interface HeaderValue {
  readonly schema: ConnectSchema | null;
  readonly value: unknown;
}

const NULL_HEADER: HeaderValue = { schema: null, value: null };

const schemaOf = (type: string): ConnectSchema => ({ type, optional: false });

const LOGICAL_VERSION = 1;
const DATE_SCHEMA: ConnectSchema = {
  type: 'int32',
  optional: false,
  name: 'org.apache.kafka.connect.data.Date',
  version: LOGICAL_VERSION,
};
const TIME_SCHEMA: ConnectSchema = {
  type: 'int32',
  optional: false,
  name: 'org.apache.kafka.connect.data.Time',
  version: LOGICAL_VERSION,
};
const TIMESTAMP_SCHEMA: ConnectSchema = {
  type: 'int64',
  optional: false,
  name: 'org.apache.kafka.connect.data.Timestamp',
  version: LOGICAL_VERSION,
};

/** Characters that end a token in Connect's value syntax, unless escaped with a backslash. */
const DELIMITERS = new Set([':', ',', '{', '}', '[', ']', '"']);

const MILLIS_PER_DAY = 86_400_000;

/**
 * The header value a literal stands for. `text` is the option as Kafka's ConfigDef gives it
 * (trimmed). A text starting with `[` or `{` stays text (Kafka reads it as an array or a map when
 * it can; docs/transforms.md says so).
 *
 * @example parseHeaderLiteral('42') // { schema: { type: 'int8', optional: false }, value: 42 }
 */
export function parseHeaderLiteral(text: string): HeaderValue {
  if (text === '') return { schema: schemaOf('string'), value: '' };
  if (text === 'null') return NULL_HEADER;
  if (text === 'true' || text === 'false') return { schema: schemaOf('boolean'), value: text === 'true' };
  const tokens = tokenize(text);
  const first = (tokens[0] as string).trim();
  const firstChar = first[0] as string;
  const isDigit = /[0-9]/.test(firstChar);
  if (isDigit) {
    const temporal = temporalOf(tokens);
    if (temporal !== undefined) return temporal;
  }
  if (isDigit || firstChar === '+' || firstChar === '-') {
    const number = numberOf(first);
    if (number !== undefined) return number;
  }
  // Only the first token was read, but a text that is not a value stays whole.
  return { schema: schemaOf('string'), value: text };
}

/** The text split as Connect's parser splits it: runs between delimiters, and each delimiter. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let start = 0;
  let escaped = false;
  for (let at = 0; at < text.length; at++) {
    const c = text[at] as string;
    if (c === '\\') {
      escaped = !escaped;
      continue;
    }
    if (DELIMITERS.has(c) && !escaped) {
      if (start < at) tokens.push(text.slice(start, at));
      tokens.push(c);
      start = at + 1;
    }
    escaped = false;
  }
  if (start < text.length) tokens.push(text.slice(start));
  return tokens;
}

/**
 * A date, time or timestamp: the first five tokens (a time's colons split it) or else the first
 * alone, of the length of one of Connect's ISO forms.
 */
function temporalOf(tokens: readonly string[]): HeaderValue | undefined {
  const first = (tokens[0] as string).trim();
  if (tokens.length >= 5) {
    const joined = temporalAt(`${first}${tokens.slice(1, 5).join('')}`);
    if (joined !== undefined) return joined;
  }
  return temporalAt(first);
}

function temporalAt(token: string): HeaderValue | undefined {
  const text = token.replaceAll('\\:', ':');
  const date = /^(\d{4})-(\d{2})-(\d{2})/;
  const time = /(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;
  if (text.length === 10) {
    const d = date.exec(text);
    if (d === null) return undefined;
    return { schema: DATE_SCHEMA, value: Math.floor(utcMillis(d.slice(1, 4)) / MILLIS_PER_DAY) };
  }
  if (text.length === 13) {
    const t = /^(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/.exec(text);
    if (t === null) return undefined;
    return { schema: TIME_SCHEMA, value: utcMillis(['1970', '01', '01', ...t.slice(1, 5)]) };
  }
  if (text.length === 24) {
    const d = date.exec(text);
    const t = time.exec(text);
    if (d === null || t === null || text[10] !== 'T') return undefined;
    return { schema: TIMESTAMP_SCHEMA, value: utcMillis([...d.slice(1, 4), ...t.slice(1, 5)]) };
  }
  return undefined;
}

/**
 * Epoch milliseconds of the fields (year, month, day, hour, minute, second, millisecond) read in
 * UTC. Out-of-range fields roll over (month 13 is January of the next year), as Java's lenient
 * calendar does.
 */
function utcMillis(fields: readonly string[]): number {
  const [year, month, day, hour = 0, minute = 0, second = 0, milli = 0] = fields.map(Number) as number[];
  const date = new Date(0);
  date.setUTCFullYear(year as number, (month as number) - 1, day);
  date.setUTCHours(hour, minute, second, milli);
  return date.getTime();
}

/** Java's BigDecimal syntax. */
const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * A number, typed as Connect types it: a whole number is int8, int16, int32 or int64 (the first
 * that holds it); a fraction is float32 if finite as one, else float64; anything else (a whole
 * number beyond int64 without an exponent, or beyond float64) is a Decimal of the text's scale.
 */
function numberOf(token: string): HeaderValue | undefined {
  const parts = DECIMAL_TEXT.exec(token);
  if (parts === null) return undefined;
  const [, sign = '', whole = '', fraction = '', exponentText = '0'] = parts;
  if (whole === '' && fraction === '') return undefined;
  const exponent = Number(exponentText);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 2_147_483_647) return undefined;
  const unscaled = BigInt(`${sign}${whole}${fraction}` || '0');
  const scale = fraction.length - exponent;
  const integral = wholeValueOf(unscaled, scale);
  if (integral !== undefined && integral >= INT64_MIN && integral <= INT64_MAX) return integerValue(integral);
  const double = Number(token);
  if (scale !== 0 && Number.isFinite(Math.fround(double))) {
    return { schema: schemaOf('float32'), value: Math.fround(double) };
  }
  if (scale !== 0 && Number.isFinite(double)) return { schema: schemaOf('float64'), value: double };
  return { schema: decimalSchema(scale), value: twosComplementBase64(unscaled) };
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * The integer `unscaled × 10^-scale` is; undefined when it has a fraction or is surely beyond
 * int64 (more than 19 digits), so a literal such as 1e999999999 is not expanded.
 */
function wholeValueOf(unscaled: bigint, scale: number): bigint | undefined {
  if (unscaled === 0n) return 0n;
  if (scale <= 0) return -scale > 19 ? undefined : unscaled * 10n ** BigInt(-scale);
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().length;
  if (scale > digits) return undefined;
  const divisor = 10n ** BigInt(scale);
  return unscaled % divisor === 0n ? unscaled / divisor : undefined;
}

const INTEGER_TYPES: readonly (readonly [string, bigint])[] = [
  ['int8', 2n ** 7n],
  ['int16', 2n ** 15n],
  ['int32', 2n ** 31n],
];

function integerValue(value: bigint): HeaderValue {
  for (const [type, bound] of INTEGER_TYPES) {
    if (value >= -bound && value < bound) return { schema: schemaOf(type), value: Number(value) };
  }
  const number = Number(value);
  return {
    schema: schemaOf('int64'),
    value: Number.isSafeInteger(number) ? number : rawJson(value.toString()),
  };
}

function decimalSchema(scale: number): ConnectSchema {
  return {
    type: 'bytes',
    optional: false,
    name: 'org.apache.kafka.connect.data.Decimal',
    version: LOGICAL_VERSION,
    parameters: { scale: String(scale) },
  };
}

/** The shortest big-endian two's-complement bytes of `value` (Java's BigInteger.toByteArray), in base64. */
function twosComplementBase64(value: bigint): string {
  let bytes = 1;
  while (value < -(2n ** BigInt(bytes * 8 - 1)) || value >= 2n ** BigInt(bytes * 8 - 1)) bytes++;
  const unsigned = BigInt.asUintN(bytes * 8, value);
  return Buffer.from(unsigned.toString(16).padStart(bytes * 2, '0'), 'hex').toString('base64');
}
