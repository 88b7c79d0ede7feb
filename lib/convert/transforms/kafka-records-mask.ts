/**
 * MaskField, as Kafka Connect's transform of that name behaves: each listed field becomes the empty
 * value of its type (0, false, "", an empty array or map, the epoch), or the configured
 * `replacement` converted to its type (numbers and strings only). The type is the field schema's
 * (with a schema) or the value's own (schemaless: an integer is a Long, other numbers Doubles). A
 * null field stays null; bytes and structs cannot be masked; a null key or value is refused, as
 * Kafka refuses it.
 */
import type { TransformConfig } from '../../config/transforms.ts';
import type { ConnectSchema } from '../connect-schema.ts';
import { isRawJson, type RawJson, rawJson } from '../exact-json.ts';
import { formatUnscaled } from '../logical-types.ts';
import type { TransformStep } from './connect-record.ts';
import {
  DataShapeError,
  fieldName,
  fieldsOf,
  guardDataErrors,
  requireMap,
  requireStruct,
  structFieldValue,
} from './field-path.ts';
import { readPart, withPart } from './kafka-records-part.ts';

const DECIMAL = 'org.apache.kafka.connect.data.Decimal';
const DATE_LIKE = new Set([
  'org.apache.kafka.connect.data.Timestamp',
  'org.apache.kafka.connect.data.Date',
  'org.apache.kafka.connect.data.Time',
]);

/** The type a masked value is treated as: the Java class Kafka would see, by its Connect name. */
type MaskedType =
  | 'boolean'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'float32'
  | 'float64'
  | 'string'
  | 'decimal'
  | 'date'
  | 'array'
  | 'map'
  | 'bytes'
  | 'struct';

const INTEGER_BITS: Partial<Record<MaskedType, number>> = { int8: 8, int16: 16, int32: 32, int64: 64 };

/** The type of a field with a schema: its logical type's, else its schema type's. */
function typeOfField(schema: ConnectSchema): MaskedType {
  if (schema.name === DECIMAL) return 'decimal';
  if (schema.name !== undefined && DATE_LIKE.has(schema.name)) return 'date';
  return schema.type as MaskedType;
}

/** The type of a schemaless value, as JsonConverter reads JSON without a schema (integers are Longs). */
function typeOfValue(value: unknown): MaskedType {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  if (isRawJson(value)) return /^-?\d+$/.test(value.rawJSON) ? 'int64' : 'float64';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (Buffer.isBuffer(value)) return 'bytes';
  return 'map';
}

/** A decimal number as Java's `new BigDecimal(text)` reads it: `unscaled × 10^-scale`. */
interface ExactDecimal {
  readonly unscaled: bigint;
  readonly scale: number;
}

const BIG_DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,9}))?$/;

function parseBigDecimal(text: string): ExactDecimal | undefined {
  const m = BIG_DECIMAL.exec(text);
  if (m === null) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  if (whole === '' && fraction === '') return undefined;
  return { unscaled: BigInt(`${sign}${whole}${fraction}` || '0'), scale: fraction.length - Number(exponent) };
}

/** `BigDecimal.longValue()`: truncated toward zero, then the low 64 bits. */
function truncatedLong(decimal: ExactDecimal): bigint {
  const { unscaled, scale } = decimal;
  // 10^k is a multiple of 2^64 from k = 64: the low 64 bits are then zero.
  if (scale <= -64) return 0n;
  if (scale <= 0) return BigInt.asIntN(64, unscaled * 10n ** BigInt(-scale));
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().length;
  return scale > digits ? 0n : BigInt.asIntN(64, unscaled / 10n ** BigInt(scale));
}

/** An int64 in its wire form: a number, or its digits when a double cannot hold it. */
function int64Value(value: bigint): number | RawJson {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : rawJson(value.toString());
}

/** Two's-complement big-endian bytes of `n`, as few as hold it (Java's `BigInteger.toByteArray`). */
function twosComplementBase64(n: bigint): string {
  const magnitudeBits = (n < 0n ? -n - 1n : n).toString(2).length;
  const bytes = Math.ceil((magnitudeBits + 1) / 8);
  const hex = BigInt.asUintN(bytes * 8, n)
    .toString(16)
    .padStart(bytes * 2, '0');
  return Buffer.from(hex, 'hex').toString('base64');
}

/** The replacement as each type takes it, converted once. */
interface Replacement {
  readonly text: string;
  readonly decimal: ExactDecimal | undefined;
  readonly double: number | undefined;
}

function replacementOf(text: string | undefined): Replacement | undefined {
  if (text === undefined) return undefined;
  const decimal = parseBigDecimal(text);
  const double = decimal === undefined ? undefined : Number(text);
  return { text, decimal, double };
}

/** How one field is masked: the field's name (for errors) and its schema (null: schemaless). */
interface Masking {
  readonly name: string;
  readonly schema: ConnectSchema | null;
}

/** The empty value of a type (Kafka's per-class "null value"). */
function emptyValue(type: MaskedType, value: unknown, masking: Masking): unknown {
  switch (type) {
    case 'boolean':
      return false;
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'float32':
    case 'float64':
      return 0;
    case 'string':
      return '';
    case 'decimal':
      return typeof value === 'string'
        ? twosComplementBase64(0n)
        : rawJson(formatUnscaled(0n, scaleOf(masking)));
    case 'date':
      return masking.schema === null ? new Date(0) : 0;
    case 'array':
      return [];
    case 'map':
      return Array.isArray(value) ? [] : {};
    case 'bytes':
    case 'struct':
      throw new DataShapeError(
        `Cannot mask field "${masking.name}": a ${type} value has no empty value to mask with (Kafka's MaskField masks only primitives, arrays and maps)`,
      );
  }
}

function scaleOf(masking: Masking): number {
  return Number(masking.schema?.parameters?.scale ?? '0');
}

/** The replacement converted to a numeric or string type, as Kafka's Values converts text. */
function replacedValue(
  type: MaskedType,
  value: unknown,
  replacement: Replacement,
  masking: Masking,
): unknown {
  if (type === 'string') return replacement.text;
  const notNumber = () =>
    new DataShapeError(
      `Cannot mask field "${masking.name}" (${type}) with replacement "${replacement.text}": it is not a number`,
    );
  const bits = INTEGER_BITS[type];
  if (bits !== undefined) {
    if (replacement.decimal === undefined) throw notNumber();
    const long = BigInt.asIntN(bits, truncatedLong(replacement.decimal));
    return bits === 64 ? int64Value(long) : Number(long);
  }
  if (type === 'float32' || type === 'float64') {
    if (replacement.double === undefined) throw notNumber();
    return type === 'float32' ? Math.fround(replacement.double) : replacement.double;
  }
  if (type === 'decimal') {
    if (replacement.decimal === undefined) throw notNumber();
    return decimalReplacement(replacement.decimal, replacement.text, value, masking);
  }
  throw new DataShapeError(
    `Cannot mask field "${masking.name}" (${type}) with custom replacement "${replacement.text}": a replacement applies to numbers and strings only`,
  );
}

const MAX_DECIMAL_SHIFT = 1000;

/** The replacement at the Decimal field's scale, in the value's wire form (base64 bytes or a number). */
function decimalReplacement(decimal: ExactDecimal, text: string, value: unknown, masking: Masking): unknown {
  const scale = scaleOf(masking);
  // A shift past any real decimal's digits (the text's exponent can be nine digits long).
  if (Math.abs(scale - decimal.scale) > MAX_DECIMAL_SHIFT && decimal.unscaled !== 0n) {
    throw new DataShapeError(
      `Cannot mask field "${masking.name}" (Decimal, scale ${scale}) with replacement "${text}": it is out of range`,
    );
  }
  let unscaled: bigint;
  if (decimal.unscaled === 0n) {
    unscaled = 0n;
  } else if (scale >= decimal.scale) {
    unscaled = decimal.unscaled * 10n ** BigInt(scale - decimal.scale);
  } else {
    const divisor = 10n ** BigInt(decimal.scale - scale);
    if (decimal.unscaled % divisor !== 0n) {
      throw new DataShapeError(
        `Cannot mask field "${masking.name}" (Decimal, scale ${scale}) with replacement "${text}": it has more decimal places than the field's scale`,
      );
    }
    unscaled = decimal.unscaled / divisor;
  }
  return typeof value === 'string'
    ? twosComplementBase64(unscaled)
    : rawJson(formatUnscaled(unscaled, scale));
}

/** MaskField$Key / MaskField$Value. */
export function maskFieldStep(config: Extract<TransformConfig, { kind: 'maskField' }>): TransformStep {
  const purpose = 'mask fields';
  const { part, fields, replaceNullWithDefault } = config;
  const replacement = replacementOf(config.replacement);
  const masked = (value: unknown, masking: Masking): unknown => {
    if (value === null || value === undefined) return null;
    const type = masking.schema === null ? typeOfValue(value) : typeOfField(masking.schema);
    return replacement === undefined
      ? emptyValue(type, value, masking)
      : replacedValue(type, value, replacement, masking);
  };
  return guardDataErrors(config.name, (record) => {
    const { schema, value } = readPart(record, part);
    if (schema === null) {
      const map = requireMap(value, purpose);
      const updated: Record<string, unknown> = { ...map };
      for (const name of fields) updated[name] = masked(map[name], { name, schema: null });
      return withPart(record, part, null, updated);
    }
    const struct = requireStruct(schema, value, purpose);
    const updated: Record<string, unknown> = {};
    for (const field of fieldsOf(schema)) {
      const name = fieldName(field);
      const original = structFieldValue(struct, field, replaceNullWithDefault);
      updated[name] = fields.has(name) ? masked(original, { name, schema: field }) : original;
    }
    return withPart(record, part, schema, updated);
  });
}
