/**
 * Kafka's TimestampConverter (`$Key`/`$Value`): a timestamp, the whole key or value or one
 * top-level field, converted between text (a SimpleDateFormat pattern, UTC), Unix time (in
 * `unix.precision` units) and Connect's Date, Time and Timestamp.
 *
 * The source type comes from the schema (Connect's Timestamp/Date/Time names, else string → text,
 * int64 → Unix) or, schemaless, from the value (a `Date` → Timestamp, a whole number → Unix, text).
 * With a schema the logical types are in their wire form (Timestamp and Time epoch/day
 * milliseconds, Date days since the epoch); schemaless, Date/Time/Timestamp targets are JS `Date`s.
 * Conversions to coarser units truncate toward zero as Java's TimeUnit does; Date keeps the UTC
 * day, Time the UTC time of day.
 */

import { compileJavaDateFormat, type JavaDateFormat } from '../../config/java-date-format.ts';
import type { TimestampConverterSpec, TimestampType } from '../../config/transform-classes/kafka-types.ts';
import type { ConnectSchema } from '../connect-schema.ts';
import { isRawJson } from '../exact-json.ts';
import { int64Value } from '../json-numbers.ts';
import type { TransformStep } from './connect-record.ts';
import {
  asField,
  DataShapeError,
  fieldName,
  fieldsOf,
  guardDataErrors,
  requireMap,
  requireStructOrNull,
  schemaCache,
  structFieldValue,
  structSchema,
} from './field-path.ts';
import { readPart, withPart } from './kafka-records-part.ts';

const PURPOSE = 'converting timestamp formats';
const DATE = 'org.apache.kafka.connect.data.Date';
const TIME = 'org.apache.kafka.connect.data.Time';
const TIMESTAMP = 'org.apache.kafka.connect.data.Timestamp';
const MILLIS_PER_DAY = 86_400_000;
/** The instants a JS Date holds (Java's reach further; beyond these the record is refused). */
const MAX_MILLIS = 8_640_000_000_000_000;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** Where the step reads and writes, compiled once. */
interface Converter {
  readonly spec: TimestampConverterSpec;
  readonly format: JavaDateFormat | undefined;
}

/** The schema of a converted timestamp (Kafka's typeSchema). */
function typeSchema(type: TimestampType, optional: boolean): ConnectSchema {
  switch (type) {
    case 'string':
      return { type: 'string', optional };
    case 'unix':
      return { type: 'int64', optional };
    case 'Date':
      return { type: 'int32', optional, name: DATE, version: 1 };
    case 'Time':
      return { type: 'int32', optional, name: TIME, version: 1 };
    default:
      return { type: 'int64', optional, name: TIMESTAMP, version: 1 };
  }
}

/** The timestamp type a schema holds, or Kafka's error for one that holds none. */
function typeFromSchema(schema: ConnectSchema): TimestampType {
  if (schema.name === TIMESTAMP) return 'Timestamp';
  if (schema.name === DATE) return 'Date';
  if (schema.name === TIME) return 'Time';
  if (schema.type === 'string') return 'string';
  if (schema.type === 'int64') return 'unix';
  throw new DataShapeError(
    `Schema ${schema.type}${schema.name === undefined ? '' : ` (${schema.name})`} does not correspond to a known timestamp type format`,
  );
}

/** A schemaless value's timestamp type, as Kafka infers it from the Java class. */
function inferType(value: unknown): TimestampType {
  if (value instanceof Date) return 'Timestamp';
  if (isWholeNumber(value)) return 'unix';
  if (typeof value === 'string') return 'string';
  throw new DataShapeError(`TimestampConverter does not support ${javaClassOf(value)} objects as timestamps`);
}

function isWholeNumber(value: unknown): boolean {
  return (
    (typeof value === 'number' && Number.isSafeInteger(value)) ||
    (isRawJson(value) && /^-?\d+$/.test(value.rawJSON))
  );
}

/** The Java class schemaless JSON data has, for Kafka's error texts. */
function javaClassOf(value: unknown): string {
  if (typeof value === 'number' || isRawJson(value))
    return isWholeNumber(value) ? 'class java.lang.Long' : 'class java.lang.Double';
  if (typeof value === 'boolean') return 'class java.lang.Boolean';
  if (typeof value === 'string') return 'class java.lang.String';
  if (value instanceof Date) return 'class java.util.Date';
  if (Buffer.isBuffer(value)) return 'class [B';
  if (Array.isArray(value)) return 'class java.util.ArrayList';
  return 'class java.util.HashMap';
}

function clampLong(value: bigint): bigint {
  return value < LONG_MIN ? LONG_MIN : value > LONG_MAX ? LONG_MAX : value;
}

function toMillisNumber(millis: bigint): number {
  if (millis < -BigInt(MAX_MILLIS) || millis > BigInt(MAX_MILLIS)) {
    throw new DataShapeError(
      `${millis} ms since the epoch is beyond the instants this sink converts (±8.64e15 ms)`,
    );
  }
  return Number(millis);
}

/** An epoch-millisecond or day number in the wire form (a number, or digits). */
function wireInteger(value: unknown, what: string): bigint {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (isRawJson(value) && /^-?\d+$/.test(value.rawJSON)) return BigInt(value.rawJSON);
  if (value instanceof Date) return BigInt(value.getTime());
  throw new DataShapeError(`Expected ${what} to be a java.util.Date, but found ${javaClassOf(value)}`);
}

/** The instant a timestamp of `type` names, in epoch milliseconds (Kafka's toRaw). */
function toRaw(converter: Converter, type: TimestampType, value: unknown): number {
  switch (type) {
    case 'string': {
      if (typeof value !== 'string') {
        throw new DataShapeError(`Expected string timestamp to be a String, but found ${javaClassOf(value)}`);
      }
      const { format } = converter;
      if (format === undefined) {
        throw new DataShapeError(
          `the timestamp is text, and reading text needs the "format" option (a SimpleDateFormat pattern); set transforms.<name>.format`,
        );
      }
      const millis = format.parse(value);
      if (millis === undefined) {
        throw new DataShapeError(
          `Could not parse timestamp: value (${value}) does not match pattern (${format.pattern})`,
        );
      }
      return millis;
    }
    case 'unix':
      return toMillisNumber(unixToMillis(converter, value));
    case 'Date':
      if (value instanceof Date) return value.getTime();
      return toMillisNumber(wireInteger(value, 'Date') * BigInt(MILLIS_PER_DAY));
    default:
      if (value instanceof Date) return value.getTime();
      return toMillisNumber(wireInteger(value, type));
  }
}

function unixToMillis(converter: Converter, value: unknown): bigint {
  if (!isWholeNumber(value)) {
    throw new DataShapeError(`Expected Unix timestamp to be a Long, but found ${javaClassOf(value)}`);
  }
  const unix = BigInt(isRawJson(value) ? value.rawJSON : (value as number));
  switch (converter.spec.unixPrecision) {
    case 'seconds':
      return clampLong(unix * 1000n);
    case 'microseconds':
      return unix / 1000n;
    case 'nanoseconds':
      return unix / 1_000_000n;
    default:
      return unix;
  }
}

/** The instant as a timestamp of the target type (Kafka's toType), schemaless or in wire form. */
function toType(converter: Converter, millis: number, withSchema: boolean): unknown {
  const { spec } = converter;
  switch (spec.targetType) {
    case 'string':
      return (converter.format as JavaDateFormat).format(millis);
    case 'unix':
      return int64Value(millisToUnix(spec, BigInt(millis)));
    case 'Date': {
      const days = Math.floor(millis / MILLIS_PER_DAY);
      return withSchema ? days : new Date(days * MILLIS_PER_DAY);
    }
    case 'Time': {
      const timeOfDay = millis - Math.floor(millis / MILLIS_PER_DAY) * MILLIS_PER_DAY;
      return withSchema ? timeOfDay : new Date(timeOfDay);
    }
    default:
      return withSchema ? millis : new Date(millis);
  }
}

function millisToUnix(spec: TimestampConverterSpec, millis: bigint): bigint {
  switch (spec.unixPrecision) {
    case 'seconds':
      return millis / 1000n;
    case 'microseconds':
      return clampLong(millis * 1000n);
    case 'nanoseconds':
      return clampLong(millis * 1_000_000n);
    default:
      return millis;
  }
}

/** Kafka's convertTimestamp: null stays null; `type` undefined: inferred from the value. */
function convert(
  converter: Converter,
  value: unknown,
  type: TimestampType | undefined,
  withSchema: boolean,
): unknown {
  if (value === null || value === undefined) return null;
  const millis = toRaw(converter, type ?? inferType(value), value);
  return toType(converter, millis, withSchema);
}

function updatedStructSchema(
  spec: TimestampConverterSpec,
  converter: Converter,
  schema: ConnectSchema,
): ConnectSchema {
  const fields = fieldsOf(schema).map((field) =>
    fieldName(field) === spec.field
      ? asField(typeSchema(spec.targetType, field.optional === true), spec.field)
      : field,
  );
  const updated: ConnectSchema = { ...structSchema(schema, fields), optional: schema.optional === true };
  if (schema.default === undefined || schema.default === null) return updated;
  return { ...updated, default: convertStruct(converter, schema, schema.default) };
}

/** A struct with the timestamp field converted (Kafka's applyValueWithSchema). */
function convertStruct(
  converter: Converter,
  schema: ConnectSchema,
  value: unknown,
): Record<string, unknown> | null {
  const struct = requireStructOrNull(schema, value, PURPOSE);
  if (struct === null) return null;
  const { spec } = converter;
  const converted: Record<string, unknown> = {};
  for (const field of fieldsOf(schema)) {
    const name = fieldName(field);
    const original = structFieldValue(struct, field, spec.replaceNullWithDefault);
    converted[name] =
      name === spec.field ? convert(converter, original, typeFromSchema(field), true) : original;
  }
  return converted;
}

/** Kafka's TimestampConverter: see the file comment. */
export function timestampConverterStep(spec: TimestampConverterSpec, transformName: string): TransformStep {
  const converter: Converter = {
    spec,
    format: spec.format === '' ? undefined : compileJavaDateFormat(spec.format),
  };
  const updatedSchema = schemaCache((schema) => updatedStructSchema(spec, converter, schema));
  return guardDataErrors(transformName, (record) => {
    const { schema, value } = readPart(record, spec.part);
    if (schema === null) {
      if (value === null || value === undefined || spec.field === '') {
        return withPart(
          record,
          spec.part,
          null,
          convert(converter, value, undefined, false),
          spec.field !== '',
        );
      }
      const map = { ...requireMap(value, PURPOSE) };
      map[spec.field] = convert(converter, map[spec.field] ?? null, undefined, false);
      return withPart(record, spec.part, null, map);
    }
    if (spec.field === '') {
      const sourceType = typeFromSchema(schema);
      const newSchema = typeSchema(spec.targetType, schema.optional === true);
      return withPart(record, spec.part, newSchema, convert(converter, value, sourceType, true), false);
    }
    return withPart(record, spec.part, updatedSchema(schema), convertStruct(converter, schema, value));
  });
}
