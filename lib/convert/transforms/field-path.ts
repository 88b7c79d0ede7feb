/**
 * What the field transforms share about Connect data (connect-record.ts's representation): the
 * shape checks Kafka's transforms make (a Map when schemaless, a Struct with a schema), reading a
 * struct field with or without its default, reading a value or a field's schema at a field path
 * (config/field-syntax.ts parses the paths), building a struct schema, a per-schema cache, and the
 * wrapper that turns a shape problem into the record's error.
 */
import type { FieldPath } from '../../config/field-syntax.ts';
import type { ConnectSchema } from '../connect-schema.ts';
import { isRawJson } from '../exact-json.ts';
import { type TransformStep, transformError } from './connect-record.ts';

export {
  FIELD_SYNTAX_VERSIONS,
  type FieldPath,
  type FieldSyntaxVersion,
  parseFieldPath,
} from '../../config/field-syntax.ts';

/**
 * Connect data that is not the shape a transform needs (Kafka's DataException): thrown by the
 * helpers here, turned into the record's TRANSFORM_FAILED error by {@link guardDataErrors}.
 */
export class DataShapeError extends Error {}

/**
 * The step, with every {@link DataShapeError} it throws reported as the record's error naming the
 * transform (`transformName`: the name in `transforms`).
 */
export function guardDataErrors(transformName: string, step: TransformStep): TransformStep {
  return (record) => {
    try {
      return step(record);
    } catch (error) {
      if (error instanceof DataShapeError) throw transformError(record, transformName, error.message);
      throw error;
    }
  };
}

/** Whether schemaless data is a Map (a plain object: not an array, Date, Buffer or exact number). */
export function isSchemalessMap(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !Buffer.isBuffer(value) &&
    !isRawJson(value)
  );
}

/** What a value is, for errors: `null`, `string`, `number`, `boolean`, `array`, `map`, `Date`, `bytes`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'Date';
  if (Buffer.isBuffer(value)) return 'bytes';
  if (isRawJson(value)) return 'number';
  if (typeof value === 'object') return 'map';
  return typeof value;
}

/**
 * Schemaless data as a Map, or Kafka's error: "Only Map objects supported in absence of schema for
 * [purpose], found: …".
 */
export function requireMap(value: unknown, purpose: string): Record<string, unknown> {
  if (isSchemalessMap(value)) return value;
  throw new DataShapeError(
    `Only Map objects supported in absence of schema for [${purpose}], found: ${describeValue(value)}`,
  );
}

/** {@link requireMap}, letting null through. */
export function requireMapOrNull(value: unknown, purpose: string): Record<string, unknown> | null {
  return value === null || value === undefined ? null : requireMap(value, purpose);
}

/**
 * A value with a struct schema (a plain object keyed by field name), or Kafka's error: "Only Struct
 * objects supported for [purpose], found: …" (the schema's type when it is not a struct).
 */
export function requireStruct(
  schema: ConnectSchema,
  value: unknown,
  purpose: string,
): Record<string, unknown> {
  if (schema.type === 'struct' && isSchemalessMap(value)) return value;
  const found =
    value === null || value === undefined ? 'null' : `${describeValue(value)} with a ${schema.type} schema`;
  throw new DataShapeError(`Only Struct objects supported for [${purpose}], found: ${found}`);
}

/** {@link requireStruct}, letting null through. */
export function requireStructOrNull(
  schema: ConnectSchema,
  value: unknown,
  purpose: string,
): Record<string, unknown> | null {
  return value === null || value === undefined ? null : requireStruct(schema, value, purpose);
}

/** A struct schema's fields (empty for a struct that declares none). */
export function fieldsOf(schema: ConnectSchema): readonly ConnectSchema[] {
  return schema.fields ?? [];
}

/** A struct field's name. */
export function fieldName(field: ConnectSchema): string {
  return field.field ?? '';
}

/**
 * The field of a struct schema called `name`, or undefined; Kafka's error when the schema is not a
 * struct ("Cannot look up fields on non-struct type").
 */
export function structField(schema: ConnectSchema, name: string): ConnectSchema | undefined {
  if (schema.type !== 'struct') {
    throw new DataShapeError(`Cannot look up field "${name}" on non-struct type ${schema.type}`);
  }
  return fieldsOf(schema).find((f) => f.field === name);
}

/**
 * A struct field's value: with `withDefault`, a null or missing value reads as the field's schema
 * default (Connect's `Struct.get`), else as null (`getWithoutDefault`).
 */
export function structFieldValue(
  struct: Readonly<Record<string, unknown>>,
  field: ConnectSchema,
  withDefault: boolean,
): unknown {
  const value = struct[fieldName(field)];
  if (value !== null && value !== undefined) return value;
  if (withDefault && field.default !== undefined && field.default !== null) return field.default;
  return null;
}

/** The field at `path` in a struct schema (each step a struct field), or undefined when a step is absent. */
export function fieldSchemaAt(schema: ConnectSchema, path: FieldPath): ConnectSchema | undefined {
  let current: ConnectSchema | undefined = schema;
  for (const step of path.steps) {
    if (current === undefined) return undefined;
    current = structField(current, step);
  }
  return current;
}

/**
 * The value at `path` in schemaless data: null when a step is missing or null; Kafka's error when a
 * step before the last is not a Map.
 */
export function valueAtPath(map: Readonly<Record<string, unknown>>, path: FieldPath): unknown {
  let current: Readonly<Record<string, unknown>> = map;
  const last = path.steps.length - 1;
  for (let i = 0; i < last; i++) {
    const next = requireMapOrNull(current[path.steps[i] as string], 'nested field access');
    if (next === null) return null;
    current = next;
  }
  return current[path.steps[last] as string] ?? null;
}

/**
 * The value at `path` in a struct with `schema`: null when a step is absent or null; structs on the
 * way read with their defaults, the last field with its default only when `withDefault`.
 */
export function structValueAtPath(
  struct: Readonly<Record<string, unknown>>,
  schema: ConnectSchema,
  path: FieldPath,
  withDefault: boolean,
): unknown {
  let current = struct;
  let currentSchema = schema;
  const last = path.steps.length - 1;
  for (let i = 0; i < last; i++) {
    const field = structField(currentSchema, path.steps[i] as string);
    if (field === undefined) return null;
    const next = requireStructOrNull(field, structFieldValue(current, field, true), 'nested field access');
    if (next === null) return null;
    current = next;
    currentSchema = field;
  }
  const field = structField(currentSchema, path.steps[last] as string);
  return field === undefined ? null : structFieldValue(current, field, withDefault);
}

/** `schema` as the schema of a struct field called `name`. */
export function asField(schema: ConnectSchema, name: string): ConnectSchema {
  return { ...schema, field: name };
}

/**
 * A new struct schema with `fields`, keeping the name, version and parameters of `basis` but not its
 * optionality or default (Kafka's transforms build required structs: SchemaUtil.copySchemaBasics).
 * Kafka's error on two fields of one name ("Cannot create field because of field name duplication").
 */
export function structSchema(
  basis: ConnectSchema | undefined,
  fields: readonly ConnectSchema[],
): ConnectSchema {
  const seen = new Set<string>();
  for (const field of fields) {
    const name = fieldName(field);
    if (seen.has(name)) {
      throw new DataShapeError(`Cannot create field because of field name duplication ${name}`);
    }
    seen.add(name);
  }
  return {
    type: 'struct',
    ...(basis?.name === undefined ? {} : { name: basis.name }),
    ...(basis?.version === undefined ? {} : { version: basis.version }),
    ...(basis?.parameters === undefined ? {} : { parameters: basis.parameters }),
    optional: false,
    fields,
  };
}

/**
 * A cache of what a transform derives from an input schema (its updated schema), keyed by the schema
 * object: the converters reuse one object per topic while its schema text stays the same.
 */
export function schemaCache<T>(derive: (schema: ConnectSchema) => T): (schema: ConnectSchema) => T {
  const cache = new WeakMap<ConnectSchema, T>();
  return (schema) => {
    let derived = cache.get(schema);
    if (derived === undefined) {
      derived = derive(schema);
      cache.set(schema, derived);
    }
    return derived;
  };
}
