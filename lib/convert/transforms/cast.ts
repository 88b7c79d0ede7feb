/**
 * Kafka's Cast (`$Key`/`$Value`): the whole key or value, or top-level fields, cast to int8–int64,
 * float32/64, boolean or string with Java's conversions: integers narrowed by keeping their low
 * bits, floats truncated toward zero and saturated, text parsed as Java's `parseInt`/`parseDouble`
 * read it (a number out of range is an error), anything non-zero true, `"true"` in any case true.
 * Casting to text writes numbers as Java's `toString` does (`1.0`, `1.0E10`), a Decimal as
 * `BigDecimal.toString`, bytes as base64 and Connect's Date/Time/Timestamp as ISO 8601 text.
 *
 * An int64 keeps every digit: one beyond 2^53 is read from and written as its digits (RawJson),
 * and cast to text digit for digit.
 */

import { compileJavaDateFormat } from '../../config/java-date-format.ts';
import type { CastSpec, CastType } from '../../config/transform-classes/kafka-types.ts';
import type { ConnectSchema } from '../connect-schema.ts';
import { isRawJson } from '../exact-json.ts';
import { doubleValue, floatValue, int64Value } from '../json-numbers.ts';
import type { TransformStep } from './connect-record.ts';
import {
  asField,
  DataShapeError,
  describeValue,
  fieldName,
  fieldsOf,
  guardDataErrors,
  requireMap,
  requireStruct,
  schemaCache,
  structFieldValue,
  structSchema,
} from './field-path.ts';
import { readPart, withPart } from './kafka-records-part.ts';

const PURPOSE = 'cast types';
const DECIMAL = 'org.apache.kafka.connect.data.Decimal';
const DATE = 'org.apache.kafka.connect.data.Date';
const TIME = 'org.apache.kafka.connect.data.Time';
const TIMESTAMP = 'org.apache.kafka.connect.data.Timestamp';
const MILLIS_PER_DAY = 86_400_000;

/** A value as Java sees it when Cast reads it: the class Cast's conversions switch on. */
type JavaValue =
  | { readonly kind: 'integer'; readonly value: bigint }
  | { readonly kind: 'float'; readonly value: number; readonly float32: boolean }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'bytes'; readonly value: Buffer }
  | { readonly kind: 'decimal'; readonly unscaled: bigint; readonly scale: number }
  | { readonly kind: 'date'; readonly millis: number };

const INPUT_TYPES = 'INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES';

function unsupportedInput(type: string): DataShapeError {
  return new DataShapeError(
    `Cast transformation does not support casting from ${type.toUpperCase()}; supported types are [${INPUT_TYPES}]`,
  );
}

// ---------------------------------------------------------------------------------------------
// Reading values

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function integerOf(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (isRawJson(value) && /^-?\d+$/.test(value.rawJSON)) return BigInt(value.rawJSON);
  throw new DataShapeError(`expected ${what} to be an integer, found ${describeValue(value)}`);
}

function floatOf(value: unknown, float32: boolean): number {
  // JsonConverter writes NaN and the infinities as text.
  const n = isRawJson(value)
    ? Number(value.rawJSON)
    : typeof value === 'string' && /^(NaN|-?Infinity)$/.test(value)
      ? Number(value)
      : value;
  if (typeof n !== 'number') throw new DataShapeError(`expected a float, found ${describeValue(value)}`);
  return float32 ? Math.fround(n) : n;
}

/** `[-]digits[.digits][e±n]` as an unscaled integer and a scale. */
function decimalFromText(text: string): { unscaled: bigint; scale: number } | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (m === null || `${m[2]}${m[3] ?? ''}` === '') return undefined;
  const fraction = m[3] ?? '';
  const unscaled = BigInt(`${m[1] === '-' ? '-' : ''}${m[2]}${fraction}`);
  return { unscaled, scale: fraction.length - Number(m[4] ?? '0') };
}

/** A Decimal in its wire form (base64 two's-complement bytes, or a number with NUMERIC format). */
function decimalOf(schema: ConnectSchema, value: unknown): JavaValue {
  const schemaScale = Number(schema.parameters?.scale ?? '0');
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'base64');
    let unscaled = 0n;
    for (const b of bytes) unscaled = (unscaled << 8n) | BigInt(b);
    if (bytes.length > 0 && ((bytes[0] as number) & 0x80) !== 0) unscaled -= 1n << BigInt(bytes.length * 8);
    return { kind: 'decimal', unscaled, scale: schemaScale };
  }
  const parsed =
    typeof value === 'number' || isRawJson(value)
      ? decimalFromText(isRawJson(value) ? value.rawJSON : String(value))
      : undefined;
  if (parsed === undefined) throw new DataShapeError(`expected a Decimal, found ${describeValue(value)}`);
  // A number lost its trailing zeros in JSON: the schema's scale says how many there were.
  const widen = Math.max(0, schemaScale - parsed.scale);
  return { kind: 'decimal', unscaled: parsed.unscaled * 10n ** BigInt(widen), scale: parsed.scale + widen };
}

/** A value with a schema, as Java holds it; Connect's Date/Time/Timestamp as a Date only for text. */
function readWithSchema(schema: ConnectSchema, value: unknown, target: CastType): JavaValue {
  if (schema.name === DECIMAL && schema.type === 'bytes') return decimalOf(schema, value);
  if (target === 'string' && (schema.name === DATE || schema.name === TIME || schema.name === TIMESTAMP)) {
    const n = Number(integerOf(value, schema.name));
    return { kind: 'date', millis: schema.name === DATE ? n * MILLIS_PER_DAY : n };
  }
  switch (schema.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
      return { kind: 'integer', value: integerOf(value, schema.type) };
    case 'float32':
    case 'float64':
      return {
        kind: 'float',
        value: floatOf(value, schema.type === 'float32'),
        float32: schema.type === 'float32',
      };
    case 'boolean':
      if (typeof value !== 'boolean')
        throw new DataShapeError(`expected a boolean, found ${describeValue(value)}`);
      return { kind: 'boolean', value };
    case 'string':
      if (typeof value !== 'string')
        throw new DataShapeError(`expected a string, found ${describeValue(value)}`);
      return { kind: 'string', value };
    case 'bytes':
      if (Buffer.isBuffer(value)) return { kind: 'bytes', value };
      if (typeof value !== 'string')
        throw new DataShapeError(`expected bytes, found ${describeValue(value)}`);
      return { kind: 'bytes', value: Buffer.from(value, 'base64') };
    default:
      throw unsupportedInput(schema.type);
  }
}

/**
 * Schemaless data as JsonConverter hands it to Java: a whole number is a Long, any other number a
 * Double, bytes a byte array; a Date is no Connect type (Kafka refuses it too).
 */
function readSchemaless(value: unknown): JavaValue {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value)
      ? { kind: 'integer', value: BigInt(value) }
      : { kind: 'float', value, float32: false };
  }
  if (isRawJson(value)) {
    if (!/^-?\d+$/.test(value.rawJSON))
      return { kind: 'float', value: Number(value.rawJSON), float32: false };
    const integer = BigInt(value.rawJSON);
    if (integer < INT64_MIN || integer > INT64_MAX) {
      throw new DataShapeError(`${value.rawJSON} is beyond int64, the widest integer Connect reads`);
    }
    return { kind: 'integer', value: integer };
  }
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (typeof value === 'string') return { kind: 'string', value };
  if (Buffer.isBuffer(value)) return { kind: 'bytes', value };
  if (value instanceof Date) {
    throw new DataShapeError(
      "Cast transformation was passed a value of type java.util.Date which is not supported by Connect's data API",
    );
  }
  throw unsupportedInput(Array.isArray(value) ? 'array' : 'map');
}

// ---------------------------------------------------------------------------------------------
// Casting

const BITS: Readonly<Record<string, number>> = { int8: 8, int16: 16, int32: 32, int64: 64 };

/** Java's narrowing of a double to int (bits ≤ 32) or long: NaN is 0, beyond the range saturates. */
function truncateFloat(value: number, bits: number): bigint {
  if (Number.isNaN(value)) return 0n;
  const wide = bits === 64 ? 64 : 32;
  const min = -(2n ** BigInt(wide - 1));
  const max = 2n ** BigInt(wide - 1) - 1n;
  if (value === Number.POSITIVE_INFINITY) return max;
  if (value === Number.NEGATIVE_INFINITY) return min;
  const truncated = BigInt(Math.trunc(value));
  return truncated < min ? min : truncated > max ? max : truncated;
}

function outOfRange(text: string): DataShapeError {
  return new DataShapeError(`Value (${text}) was out of range for requested data type`);
}

function unexpectedBytes(): DataShapeError {
  return new DataShapeError('Unexpected type in Cast transformation: bytes');
}

/** The integer of `bits` Java's `Number.xxxValue()` or `parseXxx` gives. */
function castToInteger(value: JavaValue, bits: number): bigint {
  switch (value.kind) {
    case 'integer':
      return BigInt.asIntN(bits, value.value);
    case 'float':
      return BigInt.asIntN(bits, truncateFloat(value.value, bits));
    case 'decimal':
      return BigInt.asIntN(
        bits,
        (value.unscaled / 10n ** BigInt(Math.max(0, value.scale))) * 10n ** BigInt(Math.max(0, -value.scale)),
      );
    case 'boolean':
      return value.value ? 1n : 0n;
    case 'string': {
      if (!/^[+-]?\d+$/.test(value.value)) throw outOfRange(value.value);
      const parsed = BigInt(value.value);
      if (BigInt.asIntN(bits, parsed) !== parsed) throw outOfRange(value.value);
      return parsed;
    }
    case 'bytes':
      throw unexpectedBytes();
    default:
      return BigInt(value.millis);
  }
}

/** Java's `Double.parseDouble` grammar (decimal forms; the trailing f/d type letter allowed). */
const JAVA_FLOATING = /^[+-]?(NaN|Infinity|((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)[fFdD]?)$/;

function castToFloating(value: JavaValue): number {
  switch (value.kind) {
    case 'integer':
      return Number(value.value);
    case 'float':
      return value.value;
    case 'decimal':
      return Number(`${value.unscaled}e${-value.scale}`);
    case 'boolean':
      return value.value ? 1 : 0;
    case 'string': {
      const text = value.value.trim();
      if (!JAVA_FLOATING.test(text)) throw outOfRange(value.value);
      return Number(text.replace(/[fFdD]$/, ''));
    }
    case 'bytes':
      throw unexpectedBytes();
    default:
      return value.millis;
  }
}

function castToBoolean(value: JavaValue): boolean {
  switch (value.kind) {
    case 'boolean':
      return value.value;
    case 'string':
      return value.value.toLowerCase() === 'true';
    case 'bytes':
      throw unexpectedBytes();
    default:
      return castToInteger(value, 64) !== 0n;
  }
}

/** `Double.toString` / `Float.toString` (Java 19+, shortest digits): `1.0`, `0.001`, `1.0E-4`, `1.0E7`. */
export function javaFloatingText(value: number, float32: boolean): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const shortest = float32 ? (floatValue(value) as number) : value;
  const [mantissa = '', exponentText = '0'] = shortest.toExponential().split('e');
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace(/^-/, '').replace('.', '');
  const exponent = Number(exponentText);
  const magnitude = Math.abs(shortest);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
    const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
    return `${sign}${whole}.${digits.slice(exponent + 1) || '0'}`;
  }
  return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${exponent}`;
}

/** `BigDecimal.toString`: plain unless the scale is negative or the number is below 1E-6. */
export function bigDecimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  const adjusted = digits.length - 1 - scale;
  const sign = negative ? '-' : '';
  if (scale >= 0 && adjusted >= -6) {
    if (scale === 0) return `${sign}${digits}`;
    const padded = digits.padStart(scale + 1, '0');
    return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
  }
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

/** Connect's ISO 8601 text of a Date: a time of day below one day, a date at midnight, else both. */
const ISO_TIME = compileJavaDateFormat("HH:mm:ss.SSS'Z'");
const ISO_DATE = compileJavaDateFormat('yyyy-MM-dd');
const ISO_TIMESTAMP = compileJavaDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");

function isoText(millis: number): string {
  if (millis < MILLIS_PER_DAY) return ISO_TIME.format(millis);
  if (millis % MILLIS_PER_DAY === 0) return ISO_DATE.format(millis);
  return ISO_TIMESTAMP.format(millis);
}

function castToString(value: JavaValue): string {
  switch (value.kind) {
    case 'integer':
      return value.value.toString();
    case 'float':
      return javaFloatingText(value.value, value.float32);
    case 'decimal':
      return bigDecimalText(value.unscaled, value.scale);
    case 'boolean':
      return String(value.value);
    case 'string':
      return value.value;
    case 'bytes':
      return value.value.toString('base64');
    default:
      return isoText(value.millis);
  }
}

/** The value cast, in Connect's form for `target` (int64 beyond 2^53 as digits). */
function castTo(value: JavaValue, target: CastType): unknown {
  switch (target) {
    case 'int8':
    case 'int16':
    case 'int32':
      return Number(castToInteger(value, BITS[target] as number));
    case 'int64':
      return int64Value(castToInteger(value, 64));
    case 'float32':
      return floatValue(Math.fround(castToFloating(value)));
    case 'float64':
      return doubleValue(castToFloating(value));
    case 'boolean':
      return castToBoolean(value);
    default:
      return castToString(value);
  }
}

/** Cast's `castValueToType`: null stays null; `schema` null for schemaless data. */
function castValue(schema: ConnectSchema | null, value: unknown, target: CastType): unknown {
  if (value === null || value === undefined) return null;
  const java = schema === null ? readSchemaless(value) : readWithSchema(schema, value, target);
  return castTo(java, target);
}

// ---------------------------------------------------------------------------------------------
// Schemas and the step

/** Name, version, doc and parameters of `source` on a schema of `type` (SchemaUtil.copySchemaBasics). */
function copyBasics(source: ConnectSchema, type: string): ConnectSchema {
  const doc = (source as { doc?: string }).doc;
  return {
    type,
    ...(source.name === undefined ? {} : { name: source.name }),
    ...(source.version === undefined ? {} : { version: source.version }),
    ...(doc === undefined ? {} : { doc }),
    ...(source.parameters === undefined ? {} : { parameters: source.parameters }),
  };
}

/**
 * `schema` optional like `source`, with `source`'s default cast to `target` (a struct's default
 * cannot be: Cast refuses struct input, so Kafka's Cast fails on a struct schema with a default).
 */
function withOptionalityAndDefault(
  schema: ConnectSchema,
  source: ConnectSchema,
  target: CastType | 'struct',
): ConnectSchema {
  const optional = source.optional === true;
  if (source.default === undefined || source.default === null) return { ...schema, optional };
  if (target === 'struct') throw unsupportedInput(source.type);
  return { ...schema, optional, default: castValue(source, source.default, target) };
}

function updatedSchemaFor(spec: CastSpec, schema: ConnectSchema): ConnectSchema {
  if (spec.wholeValue !== undefined) {
    return withOptionalityAndDefault(copyBasics(schema, spec.wholeValue), schema, spec.wholeValue);
  }
  const fields = fieldsOf(schema).map((field) => {
    const target = spec.fields.get(fieldName(field));
    if (target === undefined) return field;
    return asField(withOptionalityAndDefault({ type: target }, field, target), fieldName(field));
  });
  return withOptionalityAndDefault(structSchema(schema, fields), schema, 'struct');
}

/** Kafka's Cast: see the file comment. */
export function castStep(spec: CastSpec, transformName: string): TransformStep {
  const updatedSchema = schemaCache((schema) => updatedSchemaFor(spec, schema));
  return guardDataErrors(transformName, (record) => {
    const { schema, value } = readPart(record, spec.part);
    if (value === null || value === undefined) return record;
    if (schema === null) {
      return withPart(record, spec.part, null, castSchemaless(spec, value), spec.wholeValue === undefined);
    }
    const newSchema = updatedSchema(schema);
    if (spec.wholeValue !== undefined) {
      return withPart(record, spec.part, newSchema, castValue(schema, value, spec.wholeValue), false);
    }
    const struct = requireStruct(schema, value, PURPOSE);
    const cast: Record<string, unknown> = {};
    for (const field of fieldsOf(schema)) {
      const name = fieldName(field);
      const original = structFieldValue(struct, field, spec.replaceNullWithDefault);
      const target = spec.fields.get(name);
      cast[name] =
        target === undefined ? original : castField(name, () => castValue(field, original, target));
    }
    return withPart(record, spec.part, newSchema, cast);
  });
}

function castSchemaless(spec: CastSpec, value: unknown): unknown {
  if (spec.wholeValue !== undefined) return castValue(null, value, spec.wholeValue);
  const map = requireMap(value, PURPOSE);
  const cast: Record<string, unknown> = { ...map };
  for (const [name, target] of spec.fields) {
    cast[name] = castField(name, () => castValue(null, map[name] ?? null, target));
  }
  return cast;
}

/** A field's cast, its error naming the field. */
function castField(name: string, cast: () => unknown): unknown {
  try {
    return cast();
  } catch (error) {
    if (error instanceof DataShapeError) throw new DataShapeError(`field "${name}": ${error.message}`);
    throw error;
  }
}
