import type { ConnectSchema } from './connect-schema.ts';
import { isRawJson, type RawJson, rawJson } from './exact-json.ts';

/**
 * Kafka Connect and Debezium logical types, rendered as values StarRocks loads into the natural
 * column type: dates as `YYYY-MM-DD`, times as `HH:MM:SS[.ffffff]`, instants as
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC, the form DATETIME parses), decimals as exact JSON numbers,
 * JSON documents as their text. The Java connector passed the epoch numbers through, which StarRocks
 * loads as NULL.
 *
 * Time zones: Debezium reads `timestamp` (without zone) wall-clock values as UTC epoch numbers and
 * `timestamptz` as ISO instants in UTC; both are written here in UTC, so a `timestamp` keeps its
 * wall-clock value and a `timestamptz` is stored as UTC. StarRocks DATETIME has no zone.
 */

export type LogicalConverter = (value: unknown, schema: ConnectSchema) => unknown;

const MS_PER_DAY = 86_400_000;
const US_PER_DAY = 86_400_000_000n;
/** DATETIME's range; Debezium sends ±infinity as extreme epoch values or strings. */
const DATETIME_MAX = '9999-12-31 23:59:59.999999';
const DATETIME_MIN = '0000-01-01 00:00:00';
/** The epoch microseconds Debezium uses for PostgreSQL's ±infinity timestamps. */
const MICRO_INFINITY = 9_223_372_036_825_200_000n;
const MICRO_NEG_INFINITY = -9_223_372_036_832_400_000n;

export const LOGICAL_TYPES: ReadonlyMap<string, LogicalConverter> = new Map<string, LogicalConverter>([
  ['org.apache.kafka.connect.data.Decimal', (v, s) => decimalValue(v, Number(s.parameters?.scale ?? '0'))],
  ['org.apache.kafka.connect.data.Date', (v) => formatEpochDays(v)],
  ['org.apache.kafka.connect.data.Time', (v) => formatTimeOfDay(toBigInt(v) * 1000n)],
  ['org.apache.kafka.connect.data.Timestamp', (v) => formatEpochInstant(v, 1000)],
  ['io.debezium.time.Date', (v) => formatEpochDays(v)],
  ['io.debezium.time.Time', (v) => formatTimeOfDay(toBigInt(v) * 1000n)],
  ['io.debezium.time.MicroTime', (v) => formatTimeOfDay(toBigInt(v))],
  ['io.debezium.time.NanoTime', (v) => formatTimeOfDay(toBigInt(v) / 1000n)],
  ['io.debezium.time.Timestamp', (v) => formatEpochInstant(v, 1000)],
  ['io.debezium.time.MicroTimestamp', (v) => formatEpochInstant(v, 1)],
  ['io.debezium.time.NanoTimestamp', (v) => formatNanoInstant(toBigInt(v))],
  ['io.debezium.time.ZonedTimestamp', (v) => formatZonedTimestamp(v)],
  ['io.debezium.time.IsoTimestamp', (v) => formatZonedTimestamp(v)],
  ['io.debezium.time.ZonedTime', (v) => stripZone(v)],
  ['io.debezium.time.IsoTime', (v) => stripZone(v)],
  ['io.debezium.time.IsoDate', (v) => stripZone(v)],
  ['io.debezium.data.VariableScaleDecimal', (v) => variableScaleDecimal(v)],
  ['io.debezium.data.Json', (v) => jsonDocument(v)],
]);

function toBigInt(value: unknown): bigint {
  if (isRawJson(value) && /^-?\d+$/.test(value.rawJSON)) return BigInt(value.rawJSON);
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw new Error(`expected an integer, got ${JSON.stringify(isRawJson(value) ? value.rawJSON : value)}`);
}

/** Decimal as JsonConverter writes it: base64 two's-complement unscaled bytes, or a number. */
export function decimalValue(value: unknown, scale: number): unknown {
  if (isRawJson(value) || typeof value === 'number') return value;
  if (typeof value !== 'string')
    throw new Error(`expected base64 bytes or a number, got ${JSON.stringify(value)}`);
  return rawJson(formatUnscaled(unscaledFromBase64(value), scale));
}

function unscaledFromBase64(text: string): bigint {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0) throw new Error('empty decimal bytes');
  let unscaled = 0n;
  for (const b of bytes) unscaled = (unscaled << 8n) | BigInt(b);
  if ((bytes[0] as number) & 0x80) unscaled -= 1n << BigInt(bytes.length * 8);
  return unscaled;
}

/** `{"scale": 2, "value": "<base64>"}`, Debezium's decimal without declared precision. */
function variableScaleDecimal(value: unknown): RawJson {
  const v = value as { scale?: unknown; value?: unknown } | null;
  if (v === null || typeof v !== 'object' || typeof v.value !== 'string') {
    throw new Error(`expected {"scale", "value"}, got ${JSON.stringify(value)}`);
  }
  const scale = isRawJson(v.scale) ? Number(v.scale.rawJSON) : Number(v.scale);
  if (!Number.isInteger(scale)) throw new Error(`scale ${JSON.stringify(v.scale)} is not an integer`);
  return rawJson(formatUnscaled(unscaledFromBase64(v.value), scale));
}

export function formatUnscaled(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  } else if (scale < 0) {
    digits = digits + '0'.repeat(-scale);
  }
  return negative ? `-${digits}` : digits;
}

/**
 * json/jsonb arrive as the document's text. It is loaded as that text: StarRocks parses a string
 * loaded into a JSON column as JSON, and a VARCHAR column keeps PostgreSQL's text. Parsing it here
 * would lose a document that is itself a string (`"42"` would load as the number 42).
 */
function jsonDocument(value: unknown): unknown {
  return value;
}

function pad(n: number | bigint, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD` of an instant given in epoch microseconds, UTC. */
export function formatDate(epochMicros: bigint): string {
  return formatDays(Number(floorDiv(epochMicros, US_PER_DAY)));
}

/** A date given as days since the epoch (a JSON number, or digits beyond a double's). */
function formatEpochDays(value: unknown): string {
  // A day count a double holds exactly needs no BigInt arithmetic.
  if (typeof value === 'number' && Number.isSafeInteger(value)) return formatDays(value);
  return formatDate(toBigInt(value) * US_PER_DAY);
}

function formatDays(days: number): string {
  // Years 0 to 9999 (every date StarRocks' DATE holds) need no Date object.
  if (days >= MIN_CIVIL_DAYS && days <= MAX_CIVIL_DAYS) return civilDateText(days);
  const d = new Date(days * MS_PER_DAY);
  if (Number.isNaN(d.getTime())) throw new Error(`${days} days is out of the date range`);
  const year = d.getUTCFullYear();
  const y = year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
  return `${y}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `HH:MM:SS[.ffffff]` of microseconds since midnight (fraction trimmed to what is set). */
export function formatTimeOfDay(micros: bigint): string {
  // PostgreSQL's time '24:00:00' (end of day) is a valid value, not midnight.
  if (micros === US_PER_DAY) return '24:00:00';
  const us = ((micros % US_PER_DAY) + US_PER_DAY) % US_PER_DAY;
  const seconds = us / 1_000_000n;
  const base = `${pad(seconds / 3600n)}:${pad((seconds / 60n) % 60n)}:${pad(seconds % 60n)}`;
  const fraction = us % 1_000_000n;
  if (fraction === 0n) return base;
  return `${base}.${pad(fraction, 6).replace(/0+$/, '')}`;
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` of epoch microseconds, UTC; ±infinity clamp to DATETIME's range. */
export function formatInstant(epochMicros: bigint): string {
  if (epochMicros >= MICRO_INFINITY) return DATETIME_MAX;
  if (epochMicros <= MICRO_NEG_INFINITY) return DATETIME_MIN;
  const dayStart = floorDiv(epochMicros, US_PER_DAY) * US_PER_DAY;
  return `${formatDate(dayStart)} ${formatTimeOfDay(epochMicros - dayStart)}`;
}

/**
 * An instant in epoch units of `microsPerUnit` microseconds (1000: milliseconds). When its
 * microseconds are a safe integer (years 1684–2255) it is written with number arithmetic, about
 * 2.5× faster than {@link formatInstant}'s BigInts on the hottest logical type of CDC and Avro rows;
 * other values (±infinity's extremes, digits beyond a double's) take formatInstant.
 */
function formatEpochInstant(value: unknown, microsPerUnit: 1 | 1000): string {
  if (typeof value === 'number') {
    const micros = value * microsPerUnit;
    if (Number.isSafeInteger(micros)) return formatSafeMicros(micros);
  }
  return formatInstant(toBigInt(value) * BigInt(microsPerUnit));
}

const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const US_PER_DAY_NUMBER = 86_400_000_000;
const MS_PER_DAY_NUMBER = 86_400_000;
/** `.f`, `.ff` or `.fff` of each millisecond count, trailing zeros trimmed ('' for 0). */
const MILLI_FRACTIONS = Array.from({ length: 1000 }, (_, n) =>
  n === 0 ? '' : `.${String(n).padStart(3, '0').replace(/0+$/, '')}`,
);

/** `YYYY-MM-DD HH:MM:SS[.ffffff]` of safe-integer epoch microseconds. */
function formatSafeMicros(micros: number): string {
  const days = Math.floor(micros / US_PER_DAY_NUMBER);
  const ofDay = micros - days * US_PER_DAY_NUMBER;
  const seconds = Math.floor(ofDay / 1_000_000);
  const text = `${civilDateText(days)} ${secondsOfDayText(seconds)}`;
  const fraction = ofDay - seconds * 1_000_000;
  if (fraction === 0) return text;
  let digits = fraction;
  let width = 6;
  while (digits % 10 === 0) {
    digits /= 10;
    width--;
  }
  return `${text}.${String(digits).padStart(width, '0')}`;
}

/**
 * `YYYY-MM-DD HH:MM:SS[.fff]` (UTC, fraction trimmed) of epoch milliseconds in years 1 to 9999:
 * {@link formatInstant}'s text for the same instant, in number arithmetic (Protobuf Timestamps).
 */
export function formatEpochMillis(millis: number): string {
  const days = Math.floor(millis / MS_PER_DAY_NUMBER);
  const msOfDay = millis - days * MS_PER_DAY_NUMBER;
  const seconds = Math.floor(msOfDay / 1000);
  return `${civilDateText(days)} ${secondsOfDayText(seconds)}${MILLI_FRACTIONS[msOfDay - seconds * 1000]}`;
}

/** The day counts of 0000-01-01 and 9999-12-31, the years {@link civilDate} is written for. */
export const MIN_CIVIL_DAYS = -719_528;
export const MAX_CIVIL_DAYS = 2_932_896;

/** `YYYY-MM-DD` of a day count since 1970-01-01 in years 0 to 9999 (see {@link civilDate}). */
function civilDateText(days: number): string {
  const date = civilDate(days);
  const year = Math.floor(date / 10_000);
  const monthDay = date - year * 10_000;
  const month = Math.floor(monthDay / 100);
  return `${TWO_DIGITS[Math.floor(year / 100)]}${TWO_DIGITS[year % 100]}-${TWO_DIGITS[month]}-${TWO_DIGITS[monthDay - month * 100]}`;
}

/**
 * The date of a day count since 1970-01-01 in years 0 to 9999 (proleptic Gregorian), as the
 * number `year * 10000 + month * 100 + day`: counted in 400-year eras from 0000-03-01 as in
 * Howard Hinnant's `civil_from_days`, with no Date, BigInt or string, so that the Avro writer can
 * put its digits straight into a row.
 */
export function civilDate(days: number): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return year * 10_000 + month * 100 + day;
}

function secondsOfDayText(seconds: number): string {
  return `${TWO_DIGITS[Math.floor(seconds / 3600)]}:${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}`;
}

/** Nanoseconds: DATETIME holds microseconds, so the last three digits are dropped (floored). */
function formatNanoInstant(epochNanos: bigint): string {
  if (epochNanos >= 9_223_372_036_854_775_807n) return DATETIME_MAX;
  if (epochNanos <= -9_223_372_036_854_775_808n) return DATETIME_MIN;
  return formatInstant(floorDiv(epochNanos, 1000n));
}

/** `2024-01-02T03:04:05.123456Z` (always UTC from Debezium) → `2024-01-02 03:04:05.123456`. */
function formatZonedTimestamp(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`expected an ISO-8601 string, got ${JSON.stringify(value)}`);
  if (value === 'infinity') return DATETIME_MAX;
  if (value === '-infinity') return DATETIME_MIN;
  const match = /^(\d{4,}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.exec(value);
  if (match === null) throw new Error(`"${value}" is not an ISO-8601 instant`);
  const [, date, time, fraction = '', zone] = match;
  if (zone === 'Z' || zone === '+00:00' || zone === '+0000') return `${date} ${time}${fraction.slice(0, 7)}`;
  // Another offset: normalise to UTC through the epoch, keeping microseconds.
  const micros =
    BigInt(Date.parse(`${date}T${time}${zone}`)) * 1000n +
    BigInt((fraction.slice(1) || '0').padEnd(6, '0').slice(0, 6));
  return formatInstant(micros);
}

function stripZone(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  return value.replace(/Z$/, '');
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}
