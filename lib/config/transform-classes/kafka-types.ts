/**
 * Apache Kafka's built-in transforms that change the types of values: Cast, TimestampConverter and
 * Flatten (class names under `org.apache.kafka.connect.transforms.`, each with `$Key`/`$Value`),
 * their options with Kafka's defaults, and the checks Kafka makes when it configures them (a cast
 * spec's types, a SimpleDateFormat pattern) made at cold start.
 */

import { javaDateFormatProblem } from '../java-date-format.ts';
import type { TransformClass, TransformOptionReader } from '../transform-spec.ts';
import {
  KAFKA_TRANSFORMS_PACKAGE,
  keyAndValue,
  type PartSpec,
  partOf,
  REPLACE_NULL_WITH_DEFAULT,
  REPLACE_NULL_WITH_DEFAULT_DOC,
  readReplaceNullWithDefault,
} from './kafka-classes.ts';

const _PACKAGE = KAFKA_TRANSFORMS_PACKAGE;

/** The types Cast casts to (Connect's schema types, lower case). */
export const CAST_TYPES = [
  'int8',
  'int16',
  'int32',
  'int64',
  'float32',
  'float64',
  'boolean',
  'string',
] as const;
export type CastType = (typeof CAST_TYPES)[number];

/** Connect schema types Cast cannot cast to: named so that the error says so rather than "invalid". */
const OTHER_SCHEMA_TYPES = ['bytes', 'array', 'map', 'struct'];

/** TimestampConverter's `target.type` values, as Kafka spells them (case matters). */
export const TIMESTAMP_TYPES = ['string', 'unix', 'Date', 'Time', 'Timestamp'] as const;
export type TimestampType = (typeof TIMESTAMP_TYPES)[number];

export const UNIX_PRECISIONS = ['seconds', 'milliseconds', 'microseconds', 'nanoseconds'] as const;
export type UnixPrecision = (typeof UNIX_PRECISIONS)[number];

export type CastSpec = PartSpec & {
  readonly kind: 'cast';
  /** The type the whole key or value is cast to (a spec of one bare type). */
  readonly wholeValue?: CastType | undefined;
  /** Field name → type, for a spec of `field:type` pairs (top-level fields only, as Kafka's). */
  readonly fields: ReadonlyMap<string, CastType>;
  readonly replaceNullWithDefault: boolean;
};

export type TimestampConverterSpec = PartSpec & {
  readonly kind: 'timestampConverter';
  /** The top-level field holding the timestamp; empty: the whole key or value. */
  readonly field: string;
  readonly targetType: TimestampType;
  /** The SimpleDateFormat pattern (checked here, compiled by the step); empty when not given. */
  readonly format: string;
  readonly unixPrecision: UnixPrecision;
  readonly replaceNullWithDefault: boolean;
};

export type FlattenSpec = PartSpec & {
  readonly kind: 'flatten';
  readonly delimiter: string;
};

export type KafkaTypeTransformSpec = CastSpec | TimestampConverterSpec | FlattenSpec;

// ---------------------------------------------------------------------------------------------
// Cast

/**
 * A `spec` entry's type, or undefined after reporting why it is not one Cast casts to (Kafka
 * compares the type's upper-case name with Connect's schema types).
 */
function readCastType(options: TransformOptionReader, entry: string, text: string): CastType | undefined {
  const type = text.trim().toLowerCase();
  const found = CAST_TYPES.find((t) => t === type);
  if (found !== undefined) return found;
  const supported = `supported types: ${CAST_TYPES.join(', ')}`;
  options.problem(
    'spec',
    OTHER_SCHEMA_TYPES.includes(type)
      ? `"${entry}": Cast does not cast to ${type}; ${supported}`
      : `"${entry}": "${text.trim()}" is not a type; ${supported}`,
  );
  return undefined;
}

/** Java's `String.split(":")`: trailing empty parts dropped. */
function splitColons(entry: string): string[] {
  const parts = entry.split(':');
  while (parts.length > 0 && parts.at(-1) === '') parts.pop();
  return parts;
}

function readCastSpec(options: TransformOptionReader): Pick<CastSpec, 'wholeValue' | 'fields'> | undefined {
  if (options.raw('spec') === undefined) {
    options.problem('spec', 'is required: `type` to cast the whole key or value, or `field:type,…`');
    return undefined;
  }
  const entries = options.list('spec');
  if (entries.length === 0) {
    options.problem(
      'spec',
      'must specify at least one field to cast (`field:type,…`) or a type for the whole value',
    );
    return undefined;
  }
  const fields = new Map<string, CastType>();
  let wholeValue: CastType | undefined;
  let valid = true;
  for (const entry of entries) {
    const parts = splitColons(entry);
    if (parts.length > 2 || parts.length === 0) {
      options.problem('spec', `"${entry}" is not \`field:type\` or a single type`);
      valid = false;
      continue;
    }
    const type = readCastType(options, entry, parts.at(-1) as string);
    if (type === undefined) valid = false;
    else if (parts.length === 1) wholeValue = type;
    else fields.set((parts[0] as string).trim(), type);
  }
  if (entries.some((e) => splitColons(e).length === 1) && entries.length > 1) {
    options.problem(
      'spec',
      `"${entries.join(',')}": a type for the whole value must be the spec's only entry (cast fields with \`field:type\`)`,
    );
    valid = false;
  }
  return valid ? { wholeValue, fields } : undefined;
}

const cast: TransformClass<CastSpec> = {
  classes: keyAndValue('Cast'),
  options: {
    spec: {
      doc: 'A type for the whole key or value, or `field:type,…` for top-level fields; types: int8, int16, int32, int64, float32, float64, boolean, string (bytes cast only to string, as base64).',
    },
    [REPLACE_NULL_WITH_DEFAULT]: REPLACE_NULL_WITH_DEFAULT_DOC,
  },
  parse(className, options) {
    const spec = readCastSpec(options);
    const replaceNullWithDefault = readReplaceNullWithDefault(options);
    if (spec === undefined) return undefined;
    return { kind: 'cast', ...partOf(className), ...spec, replaceNullWithDefault };
  },
};

// ---------------------------------------------------------------------------------------------
// TimestampConverter

/** A choice Kafka validates with ValidString.in (case-sensitive); required when `fallback` is undefined. */
function readExactChoice<T extends string>(
  options: TransformOptionReader,
  option: string,
  values: readonly T[],
  fallback: T | undefined,
): T | undefined {
  const text = options.string(option);
  if (text === undefined) {
    if (fallback === undefined) options.problem(option, `is required; valid values: ${values.join(', ')}`);
    return fallback;
  }
  const found = values.find((v) => v === text);
  if (found === undefined) {
    options.problem(option, `"${text}" is not valid; valid values (case matters): ${values.join(', ')}`);
  }
  return found;
}

function readFormat(
  options: TransformOptionReader,
  targetType: TimestampType | undefined,
): string | undefined {
  const format = options.string('format', '') as string;
  if (format === '') {
    if (targetType === 'string') {
      options.problem(
        'format',
        'is required when target.type is string: a SimpleDateFormat pattern such as yyyy-MM-dd HH:mm:ss',
      );
      return undefined;
    }
    return format;
  }
  const problem = javaDateFormatProblem(format);
  if (problem !== undefined) {
    options.problem('format', `is not a SimpleDateFormat pattern this sink reads: ${problem}`);
    return undefined;
  }
  return format;
}

const timestampConverter: TransformClass<TimestampConverterSpec> = {
  classes: keyAndValue('TimestampConverter'),
  options: {
    field: { default: '', doc: 'The top-level field holding the timestamp; empty: the whole key or value.' },
    'target.type': { doc: 'What the timestamp becomes: string, unix, Date, Time or Timestamp.' },
    format: {
      default: '',
      doc: 'A SimpleDateFormat pattern (UTC) that writes string targets and reads string inputs; required for target.type=string.',
    },
    'unix.precision': {
      default: 'milliseconds',
      doc: 'The unit of unix timestamps read and written: seconds, milliseconds, microseconds or nanoseconds.',
    },
    [REPLACE_NULL_WITH_DEFAULT]: REPLACE_NULL_WITH_DEFAULT_DOC,
  },
  parse(className, options) {
    const targetType = readExactChoice(options, 'target.type', TIMESTAMP_TYPES, undefined);
    const format = readFormat(options, targetType);
    const unixPrecision = readExactChoice(options, 'unix.precision', UNIX_PRECISIONS, 'milliseconds');
    const replaceNullWithDefault = readReplaceNullWithDefault(options);
    if (targetType === undefined || format === undefined || unixPrecision === undefined) return undefined;
    return {
      kind: 'timestampConverter',
      ...partOf(className),
      field: options.string('field', '') as string,
      targetType,
      format,
      unixPrecision,
      replaceNullWithDefault,
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Flatten

const flatten: TransformClass<FlattenSpec> = {
  classes: keyAndValue('Flatten'),
  options: {
    delimiter: {
      default: '.',
      doc: 'Put between the names of a nested field and its parents to name the flattened field.',
    },
  },
  // Kafka's ConfigDef trims string options, the delimiter too.
  parse: (className, options) => ({
    kind: 'flatten',
    ...partOf(className),
    delimiter: options.string('delimiter', '.') as string,
  }),
};

export const KAFKA_TYPE_TRANSFORMS: readonly TransformClass<KafkaTypeTransformSpec>[] = [
  cast,
  timestampConverter,
  flatten,
] as readonly TransformClass[] as readonly TransformClass<KafkaTypeTransformSpec>[];
