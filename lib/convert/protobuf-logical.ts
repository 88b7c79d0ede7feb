import { rawJson } from './exact-json.ts';
import { int64Value } from './json-numbers.ts';
import { formatEpochMillis, formatTimeOfDay, formatUnscaled } from './logical-types.ts';

/**
 * The Protobuf messages ProtobufData turns into Connect logical types (Timestamp, google.type.Date
 * and TimeOfDay, confluent.type.Decimal), rendered as the JSON path renders those types, and the
 * exact reading of 64-bit integers they and the plain fields share.
 */

/** A value that does not fit its Connect type (a Timestamp out of range, …); `path` names the field. */
export class ProtobufValueError extends Error {
  readonly path: string[] = [];
}

/** A 64-bit integer as protobufjs reads it (a long.js Long). */
export interface LongBits {
  readonly low: number;
  readonly high: number;
  readonly unsigned: boolean;
}

const TWO_POW_32 = 4_294_967_296;

/** A 64-bit integer: a number while a double holds it exactly, else its exact digits as raw JSON. */
export function longValue(value: number | LongBits, unsigned: boolean): unknown {
  if (typeof value === 'number') return value;
  const high = unsigned ? value.high >>> 0 : value.high;
  const number = high * TWO_POW_32 + (value.low >>> 0);
  if (Number.isSafeInteger(number)) return number;
  const bits = (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return int64Value(unsigned ? bits : BigInt.asIntN(64, bits));
}

/**
 * The messages ProtobufData maps to Connect logical types (TO_CONNECT_LOGICAL_CONVERTERS), rendered
 * as the JSON path renders those types (logical-types.ts).
 */
export const LOGICAL_MESSAGES: ReadonlyMap<string, (message: unknown) => unknown> = new Map<
  string,
  (message: unknown) => unknown
>([
  ['google.protobuf.Timestamp', (value) => timestampText(value as TimestampMessage)],
  ['google.type.Date', (value) => dateText(value as DateMessage)],
  ['google.type.TimeOfDay', (value) => timeOfDayText(value as TimeOfDayMessage)],
  ['confluent.type.Decimal', (value) => decimalNumber(value as DecimalMessage)],
]);

interface TimestampMessage {
  readonly seconds: number | LongBits;
  readonly nanos: number;
}
interface DateMessage {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}
interface TimeOfDayMessage {
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
  readonly nanos: number;
}
interface DecimalMessage {
  readonly value: Uint8Array;
  readonly precision: number;
  readonly scale: number;
}

/** Timestamps.toMillis' range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
const MIN_TIMESTAMP_SECONDS = -62_135_596_800;
const MAX_TIMESTAMP_SECONDS = 253_402_300_799;

/**
 * Connect Timestamp is milliseconds: ProtobufData keeps `seconds * 1000 + nanos / 10^6`
 * (Timestamps.toMillis, which refuses a Timestamp outside its range). The sink keeps that
 * millisecond value rather than the microseconds DATETIME could hold, so a topic loads the same rows
 * through this sink as through the Kafka connector with ProtobufConverter.
 */
function timestampText(message: TimestampMessage): string {
  const seconds = longValue(message.seconds, false);
  const nanos = message.nanos;
  if (
    typeof seconds !== 'number' ||
    seconds < MIN_TIMESTAMP_SECONDS ||
    seconds > MAX_TIMESTAMP_SECONDS ||
    nanos < 0 ||
    nanos > 999_999_999
  ) {
    throw new ProtobufValueError(
      `google.protobuf.Timestamp {seconds: ${String(seconds)}, nanos: ${nanos}} is not a valid timestamp (seconds from 0001-01-01 to 9999-12-31, nanos 0 to 999999999)`,
    );
  }
  return formatEpochMillis(seconds * 1000 + Math.trunc(nanos / 1_000_000));
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * google.type.Date → Connect Date: ProtobufData builds a non-lenient UTC calendar from the three
 * fields, so a zero year, month or day (the type's "unspecified") fails the record there too.
 */
function dateText(message: DateMessage): string {
  const { year, month, day } = message;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (year < 1 || year > 9999 || day < 1 || day > monthDays) {
    throw new ProtobufValueError(
      `google.type.Date {year: ${year}, month: ${month}, day: ${day}} is not a calendar date (year 1 to 9999, month 1 to 12, a day of that month)`,
    );
  }
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** google.type.TimeOfDay → Connect Time, milliseconds (LocalTime.of refuses 24:00 and leap seconds). */
function timeOfDayText(message: TimeOfDayMessage): string {
  const { hours, minutes, seconds, nanos } = message;
  if (
    hours < 0 ||
    hours > 23 ||
    minutes < 0 ||
    minutes > 59 ||
    seconds < 0 ||
    seconds > 59 ||
    nanos < 0 ||
    nanos > 999_999_999
  ) {
    throw new ProtobufValueError(
      `google.type.TimeOfDay {hours: ${hours}, minutes: ${minutes}, seconds: ${seconds}, nanos: ${nanos}} is not a time of day (hours 0 to 23, minutes and seconds 0 to 59, nanos 0 to 999999999)`,
    );
  }
  const millis = ((hours * 60 + minutes) * 60 + seconds) * 1000 + Math.trunc(nanos / 1_000_000);
  return formatTimeOfDay(BigInt(millis) * 1000n);
}

/**
 * confluent.type.Decimal → an exact number: the unscaled two's-complement bytes at the message's
 * own scale, rounded half-up to its precision when one is set (DecimalUtils.toBigDecimal,
 * confluentinc/schema-registry protobuf-types); empty bytes are refused there ("Zero length BigInteger").
 */
function decimalNumber(message: DecimalMessage): unknown {
  const bytes = message.value;
  if (bytes.length === 0) {
    throw new ProtobufValueError(
      'confluent.type.Decimal has no value bytes (an empty unscaled value is not a number)',
    );
  }
  let unscaled = 0n;
  for (const byte of bytes) unscaled = (unscaled << 8n) | BigInt(byte);
  if ((bytes[0] as number) & 0x80) unscaled -= 1n << BigInt(bytes.length * 8);
  let scale = message.scale;
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().length;
  if (message.precision > 0 && digits > message.precision) {
    const drop = digits - message.precision;
    unscaled = roundHalfUp(unscaled, 10n ** BigInt(drop));
    scale -= drop;
    // 999 to two digits rounds up to 100: one digit more than the precision, dropped exactly.
    if ((unscaled < 0n ? -unscaled : unscaled).toString().length > message.precision) {
      unscaled /= 10n;
      scale -= 1;
    }
  }
  return rawJson(formatUnscaled(unscaled, scale));
}

function roundHalfUp(value: bigint, divisor: bigint): bigint {
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const rounded = (magnitude + divisor / 2n) / divisor;
  return negative ? -rounded : rounded;
}
