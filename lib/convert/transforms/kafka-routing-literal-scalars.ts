/**
 * The scalar values of Connect's value syntax (`Values.parseString`), in this sink's form of Connect
 * data (connect-record.ts): ISO dates and times (Date as days, Time as milliseconds of the day,
 * Timestamp as epoch milliseconds), and numbers typed as Connect types them (the smallest integer
 * type that holds a whole number, float32/float64 for a fraction, a Decimal as base64 unscaled
 * bytes beyond those).
 */
import type { ConnectSchema } from '../connect-schema.ts';
import { rawJson } from '../exact-json.ts';

/** A value with its schema (Connect's SchemaAndValue). */
export interface HeaderValue {
  readonly schema: ConnectSchema | null;
  readonly value: unknown;
}

/** A required schema of a primitive type, as Connect's `Schema.INT8_SCHEMA` and the like. */
export const schemaOf = (type: string): ConnectSchema => ({ type, optional: false });

const LOGICAL_VERSION = 1;
export const DATE_NAME = 'org.apache.kafka.connect.data.Date';
export const TIME_NAME = 'org.apache.kafka.connect.data.Time';
export const TIMESTAMP_NAME = 'org.apache.kafka.connect.data.Timestamp';
const DATE_SCHEMA: ConnectSchema = {
  type: 'int32',
  optional: false,
  name: DATE_NAME,
  version: LOGICAL_VERSION,
};
const TIME_SCHEMA: ConnectSchema = {
  type: 'int32',
  optional: false,
  name: TIME_NAME,
  version: LOGICAL_VERSION,
};
const TIMESTAMP_SCHEMA: ConnectSchema = {
  type: 'int64',
  optional: false,
  name: TIMESTAMP_NAME,
  version: LOGICAL_VERSION,
};

export const MILLIS_PER_DAY = 86_400_000;

/**
 * A date (`yyyy-MM-dd`), time (`HH:mm:ss.SSS'Z'`) or timestamp (`yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`),
 * told apart by length as Connect does (an escaped `\:` counts as `:`); undefined for anything else.
 */
export function temporalAt(token: string): HeaderValue | undefined {
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
export function numberOf(token: string): HeaderValue | undefined {
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
