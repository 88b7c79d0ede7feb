/**
 * Kafka's Flatten (`$Key`/`$Value`): nested structs (with a schema) or Maps (schemaless) become
 * top-level fields named by joining the names on the way with `delimiter`. Arrays and their
 * contents are kept as they are; a map inside a struct is refused, as Kafka refuses it. With a
 * schema, a flattened field is optional when it or any struct above it is, and takes its own
 * default or the one its parents' defaults give it.
 */
import type { FlattenSpec } from '../../config/transform-classes/kafka-types.ts';
import { CONNECT_PRIMITIVE_TYPES, type ConnectSchema } from '../connect-schema.ts';
import type { TransformStep } from './connect-record.ts';
import {
  DataShapeError,
  fieldName,
  fieldsOf,
  guardDataErrors,
  isSchemalessMap,
  requireMap,
  requireStructOrNull,
  schemaCache,
  structFieldValue,
  structSchema,
} from './field-path.ts';
import { readPart, withPart } from './kafka-records-part.ts';

const PURPOSE = 'flattening';

/** Schema types copied as they are (primitives and arrays). */
const KEPT_TYPES = new Set<string>([...CONNECT_PRIMITIVE_TYPES, 'array']);

function unsupportedWithSchema(type: string, name: string): DataShapeError {
  return new DataShapeError(
    `Flatten transformation does not support ${type.toUpperCase()} for record with schemas (for field ${name}).`,
  );
}

/** Kafka's Flatten: see the file comment. */
export function flattenStep(spec: FlattenSpec, transformName: string): TransformStep {
  const join = (prefix: string, name: string) => (prefix === '' ? name : `${prefix}${spec.delimiter}${name}`);

  /** A field schema as flattened: its basics, optional when an ancestor is, the inherited default. */
  function flattenedField(
    field: ConnectSchema,
    name: string,
    optional: boolean,
    fallback: unknown,
  ): ConnectSchema {
    const { default: ownDefault, optional: _optional, field: _name, ...basics } = field;
    const defaultValue = ownDefault ?? fallback;
    return {
      ...basics,
      field: name,
      optional,
      ...(defaultValue === null || defaultValue === undefined ? {} : { default: defaultValue }),
    };
  }

  function flattenSchema(
    schema: ConnectSchema,
    prefix: string,
    optional: boolean,
    parentDefault: Readonly<Record<string, unknown>> | null,
    out: ConnectSchema[],
  ): void {
    for (const field of fieldsOf(schema)) {
      const name = join(prefix, fieldName(field));
      const fieldOptional = optional || field.optional === true;
      const fieldDefault = field.default ?? parentDefault?.[fieldName(field)] ?? null;
      if (KEPT_TYPES.has(field.type)) out.push(flattenedField(field, name, fieldOptional, fieldDefault));
      else if (field.type === 'struct') {
        const nestedDefault = isSchemalessMap(fieldDefault) ? fieldDefault : null;
        flattenSchema(field, name, fieldOptional, nestedDefault, out);
      } else throw unsupportedWithSchema(field.type, name);
    }
  }

  const updatedSchema = schemaCache((schema) => {
    const fields: ConnectSchema[] = [];
    const ownDefault = isSchemalessMap(schema.default) ? schema.default : null;
    flattenSchema(schema, '', schema.optional === true, ownDefault, fields);
    return structSchema(schema, fields);
  });

  function flattenStruct(
    schema: ConnectSchema,
    struct: Readonly<Record<string, unknown>> | null,
    prefix: string,
    out: Record<string, unknown>,
    flatSchema: ConnectSchema,
  ): void {
    if (struct === null) return;
    for (const field of fieldsOf(schema)) {
      const name = join(prefix, fieldName(field));
      const value = structFieldValue(struct, field, true);
      if (KEPT_TYPES.has(field.type)) out[name] = requireValid(flatSchema, name, value);
      else if (field.type === 'struct') {
        flattenStruct(field, requireStructOrNull(field, value, PURPOSE), name, out, flatSchema);
      } else throw unsupportedWithSchema(field.type, name);
    }
  }

  function flattenMap(
    map: Readonly<Record<string, unknown>>,
    prefix: string,
    out: Record<string, unknown>,
  ): void {
    for (const [key, value] of Object.entries(map)) {
      const name = join(prefix, key);
      if (value === null || value === undefined) out[name] = null;
      else if (value instanceof Date) {
        throw new DataShapeError(
          "Flatten transformation was passed a value of type class java.util.Date which is not supported by Connect's data API",
        );
      } else if (isSchemalessMap(value)) flattenMap(requireMap(value, PURPOSE), name, out);
      else out[name] = value;
    }
  }

  return guardDataErrors(transformName, (record) => {
    const { schema, value } = readPart(record, spec.part);
    if (value === null || value === undefined) return record;
    const out: Record<string, unknown> = {};
    if (schema === null) {
      flattenMap(requireMap(value, PURPOSE), '', out);
      return withPart(record, spec.part, null, out);
    }
    const struct = requireStructOrNull(schema, value, PURPOSE);
    const flatSchema = updatedSchema(schema);
    flattenStruct(schema, struct, '', out, flatSchema);
    return withPart(record, spec.part, flatSchema, out);
  });
}

/** A null where the flattened schema is required is refused, as Connect's Struct.put refuses it. */
function requireValid(flatSchema: ConnectSchema, name: string, value: unknown): unknown {
  if (value !== null && value !== undefined) return value;
  const field = fieldsOf(flatSchema).find((f) => f.field === name);
  if (field !== undefined && field.optional !== true) {
    throw new DataShapeError(
      `Invalid value: null used for required field: "${name}", schema type: ${field.type.toUpperCase()}`,
    );
  }
  return null;
}
