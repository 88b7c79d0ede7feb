/**
 * InsertField and ReplaceField, as Kafka Connect's transforms of those names behave: a struct (with
 * a schema, whose updated schema is derived once per input schema) or a Map (schemaless) gains
 * fields from the record's metadata, or loses and renames fields. A null key or value passes through.
 */
import type {
  InsertedField,
  InsertFieldSpec,
  ReplaceFieldSpec,
} from '../../config/transform-classes/kafka-records.ts';
import type { TransformConfig } from '../../config/transforms.ts';
import type { ConnectSchema } from '../connect-schema.ts';
import type { ConnectRecord, TransformStep } from './connect-record.ts';
import {
  asField,
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

/** One field InsertField adds: its name, its schema, and its value for a record. */
interface Insertion {
  readonly name: string;
  readonly schema: ConnectSchema;
  /** The value; undefined when the record has none to give (no timestamp): the field is left null. */
  readonly valueFor: (record: ConnectRecord) => unknown;
}

/** Each metadata field InsertField can add, in Kafka's order: its spec key, schema and value. */
const METADATA_FIELDS: readonly {
  readonly key: 'topicField' | 'partitionField' | 'offsetField' | 'timestampField';
  readonly schema: Omit<ConnectSchema, 'optional' | 'field'>;
  readonly valueFor: (record: ConnectRecord) => unknown;
}[] = [
  { key: 'topicField', schema: { type: 'string' }, valueFor: (r) => r.topic },
  { key: 'partitionField', schema: { type: 'int32' }, valueFor: (r) => r.partition },
  { key: 'offsetField', schema: { type: 'int64' }, valueFor: (r) => r.offset },
  // Epoch milliseconds either way: the Timestamp logical type's wire form with a schema, and the
  // record's `Long` timestamp as Kafka puts it into a Map without one.
  {
    key: 'timestampField',
    schema: { type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp', version: 1 },
    valueFor: (r) => r.timestamp ?? undefined,
  },
];

function fieldSchema(schema: Omit<ConnectSchema, 'optional' | 'field'>, field: InsertedField): ConnectSchema {
  return { ...schema, optional: field.optional, field: field.name };
}

/** The insertions in Kafka's order: topic, partition, offset, timestamp, static. */
function insertionsOf(spec: InsertFieldSpec): Insertion[] {
  const insertions: Insertion[] = [];
  for (const { key, schema, valueFor } of METADATA_FIELDS) {
    const field = spec[key];
    if (field !== undefined)
      insertions.push({ name: field.name, schema: fieldSchema(schema, field), valueFor });
  }
  const { staticField, staticValue } = spec;
  if (staticField !== undefined && staticValue !== undefined) {
    insertions.push({
      name: staticField.name,
      schema: fieldSchema({ type: 'string' }, staticField),
      valueFor: () => staticValue,
    });
  }
  return insertions;
}

/** InsertField$Key / InsertField$Value. */
export function insertFieldStep(config: Extract<TransformConfig, { kind: 'insertField' }>): TransformStep {
  const purpose = 'field insertion';
  const { part, replaceNullWithDefault } = config;
  const insertions = insertionsOf(config);
  const updatedSchema = schemaCache((schema) =>
    structSchema(schema, [...fieldsOf(schema), ...insertions.map((i) => i.schema)]),
  );
  return guardDataErrors(config.name, (record) => {
    const { schema, value } = readPart(record, part);
    if (value === null || value === undefined) return record;
    if (schema === null) {
      const updated: Record<string, unknown> = { ...requireMap(value, purpose) };
      for (const insertion of insertions) {
        const inserted = insertion.valueFor(record);
        if (inserted !== undefined) updated[insertion.name] = inserted;
      }
      return withPart(record, part, null, updated);
    }
    const struct = requireStruct(schema, value, purpose);
    const newSchema = updatedSchema(schema);
    const updated: Record<string, unknown> = {};
    for (const field of fieldsOf(schema)) {
      updated[fieldName(field)] = structFieldValue(struct, field, replaceNullWithDefault);
    }
    for (const insertion of insertions) updated[insertion.name] = insertion.valueFor(record) ?? null;
    return withPart(record, part, newSchema, updated);
  });
}

/** How ReplaceField maps an input struct schema: the new schema, and each new field's source field. */
interface Replacement {
  readonly schema: ConnectSchema;
  readonly sources: readonly { readonly to: string; readonly from: ConnectSchema }[];
}

/** ReplaceField$Key / ReplaceField$Value. */
export function replaceFieldStep(config: Extract<TransformConfig, { kind: 'replaceField' }>): TransformStep {
  const purpose = 'field replacement';
  const { part, replaceNullWithDefault, renames } = config;
  const kept = keptField(config);
  const renamed = (name: string) => renames.get(name) ?? name;
  const replacementOf = schemaCache((schema): Replacement => {
    const sources = fieldsOf(schema)
      .filter((f) => kept(fieldName(f)))
      .map((from) => ({ to: renamed(fieldName(from)), from }));
    return {
      schema: structSchema(
        schema,
        sources.map((s) => asField(s.from, s.to)),
      ),
      sources,
    };
  });
  return guardDataErrors(config.name, (record) => {
    const { schema, value } = readPart(record, part);
    if (value === null || value === undefined) return record;
    if (schema === null) {
      const updated: Record<string, unknown> = {};
      for (const [name, fieldValue] of Object.entries(requireMap(value, purpose))) {
        if (kept(name)) updated[renamed(name)] = fieldValue;
      }
      return withPart(record, part, null, updated);
    }
    const struct = requireStruct(schema, value, purpose);
    const replacement = replacementOf(schema);
    const updated: Record<string, unknown> = {};
    for (const { to, from } of replacement.sources) {
      updated[to] = structFieldValue(struct, from, replaceNullWithDefault);
    }
    return withPart(record, part, replacement.schema, updated);
  });
}

/** Whether ReplaceField keeps a field: not excluded, and included when `include` lists any. */
function keptField(spec: ReplaceFieldSpec): (name: string) => boolean {
  const { exclude, include } = spec;
  return (name) => !exclude.has(name) && (include.size === 0 || include.has(name));
}
