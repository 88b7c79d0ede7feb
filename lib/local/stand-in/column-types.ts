import { JsonNumber, type JsonValue, parseJsonValue, stringifyJson } from './json-text.ts';

const TYPE_NAMES = [
  'TINYINT',
  'SMALLINT',
  'INT',
  'BIGINT',
  'LARGEINT',
  'FLOAT',
  'DOUBLE',
  'DECIMAL',
  'BOOLEAN',
  'CHAR',
  'VARCHAR',
  'STRING',
  'DATE',
  'DATETIME',
  'JSON',
] as const;

export type TypeName = (typeof TYPE_NAMES)[number];

export interface ColumnType {
  readonly name: TypeName;
  /** CHAR/VARCHAR/STRING: maximum length in bytes. */
  readonly length?: number;
  /** DECIMAL only. */
  readonly precision?: number;
  readonly scale?: number;
}

/**
 * A value as the stand-in stores it and as `rows()` returns it: integers as numbers (BIGINT and LARGEINT
 * as decimal strings when outside the safe-integer range), DECIMAL as a string with exactly `scale`
 * fraction digits, FLOAT/DOUBLE as numbers, BOOLEAN as booleans, DATE as `YYYY-MM-DD`, DATETIME as
 * `YYYY-MM-DD HH:MM:SS[.ffffff]`, JSON as compact JSON text.
 */
export type StoredValue = null | number | string | boolean;

export type Conversion =
  | { readonly ok: true; readonly value: StoredValue }
  | {
      readonly ok: false;
      readonly reason: string;
      /** True when StarRocks filters the row even in non-strict mode (over-long strings). */
      readonly alwaysFilters?: boolean;
    };

export const STRING_MAX_BYTES = 65533;

const INTEGER_BITS: Partial<Record<TypeName, bigint>> = {
  TINYINT: 8n,
  SMALLINT: 16n,
  INT: 32n,
  BIGINT: 64n,
  LARGEINT: 128n,
};

const FLOAT_MAX = 3.4028234663852886e38;

function isIntegerType(type: ColumnType): boolean {
  return INTEGER_BITS[type.name] !== undefined;
}

/** Types a MySQL client right-aligns. */
export function isNumericType(type: ColumnType): boolean {
  return (
    isIntegerType(type) ||
    type.name === 'FLOAT' ||
    type.name === 'DOUBLE' ||
    type.name === 'DECIMAL' ||
    type.name === 'BOOLEAN'
  );
}

export function isStringType(type: ColumnType): boolean {
  return type.name === 'CHAR' || type.name === 'VARCHAR' || type.name === 'STRING';
}

/** The type as StarRocks prints it in DESC, e.g. `varchar(65533)`, `decimal(10,2)`. */
function describeType(type: ColumnType): string {
  switch (type.name) {
    case 'DECIMAL':
      return `decimal(${type.precision},${type.scale})`;
    case 'CHAR':
    case 'VARCHAR':
      return `${type.name.toLowerCase()}(${type.length})`;
    case 'STRING':
      return `varchar(${STRING_MAX_BYTES})`;
    case 'BOOLEAN':
      return 'boolean';
    default:
      return type.name.toLowerCase();
  }
}

interface DecimalText {
  readonly negative: boolean;
  /** Digits without sign; the value is digits × 10^-scale. */
  readonly digits: bigint;
  readonly scale: number;
}

/** Parses `-12.5e3`-style text exactly. Exponents beyond ±400 are refused rather than expanded. */
function parseDecimalText(text: string): DecimalText | undefined {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (match === null) return undefined;
  const intPart = match[2] ?? '';
  const fracPart = match[3] ?? '';
  if (intPart === '' && fracPart === '') return undefined;
  const exponent = match[4] === undefined ? 0 : Number(match[4]);
  if (Math.abs(exponent) > 400) return undefined;
  return {
    negative: match[1] === '-',
    digits: BigInt(`${intPart}${fracPart}` || '0'),
    scale: fracPart.length - exponent,
  };
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Rounds half away from zero to `scale` fraction digits; returns the scaled integer (signed). */
function toScaled(decimal: DecimalText, scale: number): bigint {
  let magnitude: bigint;
  if (decimal.scale <= scale) {
    magnitude = decimal.digits * pow10(scale - decimal.scale);
  } else {
    const divisor = pow10(decimal.scale - scale);
    magnitude = decimal.digits / divisor;
    if ((decimal.digits % divisor) * 2n >= divisor) magnitude += 1n;
  }
  return decimal.negative ? -magnitude : magnitude;
}

function isIntegral(decimal: DecimalText): boolean {
  return decimal.scale <= 0 || decimal.digits % pow10(decimal.scale) === 0n;
}

function integerValue(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}

function formatScaled(scaled: bigint, scale: number): string {
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

/** Text form of a scalar JSON value for conversions that start from text. */
function scalarText(raw: JsonValue): string | undefined {
  if (typeof raw === 'string') return raw;
  if (raw instanceof JsonNumber) return raw.text;
  return undefined;
}

function failed(type: ColumnType, raw: JsonValue, why = ''): Conversion {
  const shown = typeof raw === 'string' ? raw : stringifyJson(raw);
  return { ok: false, reason: `Value '${shown}' cannot be converted to ${describeType(type)}${why}` };
}

const SHORT_INTEGER = /^-?\d{1,15}$/;

function convertInteger(type: ColumnType, raw: JsonValue): Conversion {
  const bits = INTEGER_BITS[type.name] ?? 32n;
  const text = scalarText(raw);
  // Fast path for the common case; exact (BigInt) arithmetic below handles the rest.
  if (text !== undefined && SHORT_INTEGER.test(text)) {
    const value = Number(text);
    const limit = 2 ** (Number(bits) - 1);
    if (value < -limit || value >= limit) return failed(type, raw, ': out of range');
    return { ok: true, value: value === 0 ? 0 : value };
  }
  const decimal = text === undefined ? undefined : parseDecimalText(text);
  if (decimal === undefined || !isIntegral(decimal)) return failed(type, raw);
  const value = toScaled(decimal, 0);
  const limit = 1n << (bits - 1n);
  if (value < -limit || value >= limit) return failed(type, raw, ': out of range');
  return { ok: true, value: integerValue(value) };
}

function convertFloat(type: ColumnType, raw: JsonValue): Conversion {
  const text = scalarText(raw)?.trim();
  if (text === undefined || parseDecimalText(text) === undefined) return failed(type, raw);
  const value = Number(text);
  if (!Number.isFinite(value)) return failed(type, raw, ': out of range');
  if (type.name === 'FLOAT' && Math.abs(value) > FLOAT_MAX) return failed(type, raw, ': out of range');
  return { ok: true, value };
}

function convertDecimal(type: ColumnType, raw: JsonValue): Conversion {
  const precision = type.precision ?? 10;
  const scale = type.scale ?? 0;
  const text = scalarText(raw);
  const decimal = text === undefined ? undefined : parseDecimalText(text);
  if (decimal === undefined) return failed(type, raw);
  const scaled = toScaled(decimal, scale);
  const magnitude = scaled < 0n ? -scaled : scaled;
  if (magnitude >= pow10(precision)) return failed(type, raw, ': out of range');
  return { ok: true, value: formatScaled(scaled, scale) };
}

function convertBoolean(type: ColumnType, raw: JsonValue): Conversion {
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  const text = scalarText(raw)?.trim().toLowerCase();
  if (text === 'true') return { ok: true, value: true };
  if (text === 'false') return { ok: true, value: false };
  const decimal = text === undefined ? undefined : parseDecimalText(text);
  if (decimal === undefined) return failed(type, raw);
  return { ok: true, value: decimal.digits !== 0n };
}

function convertString(type: ColumnType, raw: JsonValue, column: string): Conversion {
  const value = typeof raw === 'string' ? raw : stringifyJson(raw);
  const capacity = type.name === 'STRING' ? STRING_MAX_BYTES : (type.length ?? STRING_MAX_BYTES);
  if (Buffer.byteLength(value, 'utf8') > capacity) {
    return {
      ok: false,
      reason: `Value length is beyond the capacity. column=${column}, capacity=${capacity}`,
      alwaysFilters: true,
    };
  }
  return { ok: true, value };
}

const DATE_PART = String.raw`(\d{4})-(\d{1,2})-(\d{1,2})`;
const DATE_ONLY = new RegExp(`^${DATE_PART}$`);
const COMPACT_DATE = /^(\d{4})(\d{2})(\d{2})$/;
const DATE_TIME = new RegExp(`^${DATE_PART}[ T](\\d{1,2}):(\\d{1,2})(?::(\\d{1,2})(?:\\.(\\d{1,9}))?)?Z?$`);

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

function pad(value: number | string, width: number): string {
  return String(value).padStart(width, '0');
}

interface ParsedDateTime {
  readonly date: string;
  readonly time: string;
}

function parseDateTime(text: string): ParsedDateTime | undefined {
  const trimmed = text.trim();
  const dateOnly = DATE_ONLY.exec(trimmed) ?? COMPACT_DATE.exec(trimmed);
  const full = dateOnly === null ? DATE_TIME.exec(trimmed) : null;
  const match = dateOnly ?? full;
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (!validDate(year, month, day)) return undefined;
  const date = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
  if (full === null) return { date, time: '00:00:00' };
  const [hour, minute, second] = [Number(full[4]), Number(full[5]), Number(full[6] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const micros = (full[7] ?? '').slice(0, 6).padEnd(6, '0');
  const time = `${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${/^0*$/.test(micros) ? '' : `.${micros}`}`;
  return { date, time };
}

function convertDate(type: ColumnType, raw: JsonValue): Conversion {
  // Epoch numbers are not dates to StarRocks: only text converts.
  const parsed = typeof raw === 'string' ? parseDateTime(raw) : undefined;
  if (parsed === undefined) return failed(type, raw);
  return { ok: true, value: type.name === 'DATE' ? parsed.date : `${parsed.date} ${parsed.time}` };
}

function convertJson(type: ColumnType, raw: JsonValue, fromCsv: boolean): Conversion {
  if (typeof raw !== 'string') return { ok: true, value: stringifyJson(raw) };
  try {
    return { ok: true, value: stringifyJson(parseJsonValue(raw)) };
  } catch {
    // A JSON string field that is not JSON text is kept as a JSON string; CSV text must be JSON.
    return fromCsv ? failed(type, raw) : { ok: true, value: JSON.stringify(raw) };
  }
}

/**
 * Converts one non-null source value (a JSON value, or a CSV field as a string) to the column type.
 *
 * @example convertValue({ name: 'INT' }, new JsonNumber('42'), 'id', 'json') // { ok: true, value: 42 }
 */
export function convertValue(
  type: ColumnType,
  raw: Exclude<JsonValue, null>,
  column: string,
  format: 'json' | 'csv',
): Conversion {
  if (isIntegerType(type)) return convertInteger(type, raw);
  switch (type.name) {
    case 'FLOAT':
    case 'DOUBLE':
      return convertFloat(type, raw);
    case 'DECIMAL':
      return convertDecimal(type, raw);
    case 'BOOLEAN':
      return convertBoolean(type, raw);
    case 'CHAR':
    case 'VARCHAR':
    case 'STRING':
      return convertString(type, raw, column);
    case 'DATE':
    case 'DATETIME':
      return convertDate(type, raw);
    case 'JSON':
      return convertJson(type, raw, format === 'csv');
    default:
      return failed(type, raw);
  }
}

function compareBigInts(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders two stored values of one column type; NULL sorts first. */
export function compareValues(type: ColumnType, a: StoredValue, b: StoredValue): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (isIntegerType(type)) return compareBigInts(BigInt(a), BigInt(b));
  if (type.name === 'DECIMAL') {
    const scale = type.scale ?? 0;
    const left = parseDecimalText(String(a));
    const right = parseDecimalText(String(b));
    if (left === undefined || right === undefined) return 0;
    return compareBigInts(toScaled(left, scale), toScaled(right, scale));
  }
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const left = Buffer.from(String(a));
  return left.compare(Buffer.from(String(b)));
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, for `DEFAULT CURRENT_TIMESTAMP`. */
export function currentDateTime(now = new Date()): string {
  return now.toISOString().slice(0, 19).replace('T', ' ');
}
