/**
 * Apache Kafka's field transforms, ready to run: each spec kind of
 * config/transform-classes/kafka-records.ts → its step. ValueToKey, ExtractField and HoistField are
 * here; InsertField and ReplaceField in kafka-records-fields.ts, MaskField in kafka-records-mask.ts.
 */
import type { KafkaRecordTransformSpec } from '../../config/transform-classes/kafka-records.ts';
import type { TransformConfig } from '../../config/transforms.ts';
import type { ConnectSchema } from '../connect-schema.ts';
import { type TransformStep, withChanges } from './connect-record.ts';
import {
  asField,
  DataShapeError,
  fieldSchemaAt,
  guardDataErrors,
  requireMap,
  requireMapOrNull,
  requireStruct,
  requireStructOrNull,
  schemaCache,
  structField,
  structFieldValue,
  structSchema,
  structValueAtPath,
  valueAtPath,
} from './field-path.ts';
import { insertFieldStep, replaceFieldStep } from './kafka-records-fields.ts';
import { maskFieldStep } from './kafka-records-mask.ts';
import { readPart, withPart } from './kafka-records-part.ts';
import type { StepFactories } from './step-factories.ts';

/**
 * ValueToKey: the key becomes a struct (with a schema) or Map of the listed value fields; the value
 * is unchanged. A null value is refused, as Kafka refuses it.
 */
function valueToKeyStep(config: Extract<TransformConfig, { kind: 'valueToKey' }>): TransformStep {
  const purpose = 'copying fields from value to key';
  const { fields, replaceNullWithDefault } = config;
  const keyFieldsOf = schemaCache((valueSchema) =>
    fields.map((name) => {
      const field = structField(valueSchema, name);
      if (field === undefined) throw new DataShapeError(`Field does not exist: ${name}`);
      return asField(field, name);
    }),
  );
  const keySchemaOf = schemaCache((valueSchema) => structSchema(undefined, keyFieldsOf(valueSchema)));
  return guardDataErrors(config.name, (record) => {
    const { valueSchema, value } = record;
    if (valueSchema === null) {
      const map = requireMap(value, purpose);
      const key: Record<string, unknown> = {};
      for (const name of fields) key[name] = map[name] ?? null;
      return withChanges(record, { keySchema: null, key });
    }
    const struct = requireStruct(valueSchema, value, purpose);
    const keySchema = keySchemaOf(valueSchema);
    const key: Record<string, unknown> = {};
    for (const field of keyFieldsOf(valueSchema)) {
      key[field.field as string] = structFieldValue(struct, field, replaceNullWithDefault);
    }
    return withChanges(record, { keySchema, key });
  });
}

/** A field's schema as the schema of a value of its own (without the field's name). */
function standalone(field: ConnectSchema): ConnectSchema {
  const { field: _name, ...schema } = field;
  return schema;
}

/**
 * ExtractField: the key or value becomes the field at the configured path (null where the field or
 * a struct on the way is missing or null), with that field's schema; a schema without the field is
 * Kafka's "Unknown field" error. A null key or value stays null.
 */
function extractFieldStep(config: Extract<TransformConfig, { kind: 'extractField' }>): TransformStep {
  const purpose = 'field extraction';
  const { part, field: path, replaceNullWithDefault } = config;
  const extractedSchemaOf = schemaCache((schema) => {
    const field = fieldSchemaAt(schema, path);
    if (field === undefined) throw new DataShapeError(`Unknown field: ${path.text}`);
    return standalone(field);
  });
  return guardDataErrors(config.name, (record) => {
    const { schema, value } = readPart(record, part);
    if (schema === null) {
      const map = requireMapOrNull(value, purpose);
      return withPart(record, part, null, map === null ? null : valueAtPath(map, path), false);
    }
    const struct = requireStructOrNull(schema, value, purpose);
    const extractedSchema = extractedSchemaOf(schema);
    const extracted =
      struct === null ? null : structValueAtPath(struct, schema, path, replaceNullWithDefault);
    return withPart(record, part, extractedSchema, extracted, false);
  });
}

/**
 * HoistField: the key or value (null included) becomes the one field of a new struct (with a
 * schema: a required struct whose field has the old schema) or Map.
 */
function hoistFieldStep(config: Extract<TransformConfig, { kind: 'hoistField' }>): TransformStep {
  const { part, field } = config;
  const hoistedSchemaOf = schemaCache((schema) => structSchema(undefined, [asField(schema, field)]));
  return guardDataErrors(config.name, (record) => {
    const { schema, value } = readPart(record, part);
    if (schema === null) return withPart(record, part, null, { [field]: value ?? null }, false);
    if ((value === null || value === undefined) && schema.optional !== true && schema.default == null) {
      throw new DataShapeError(
        `Invalid value: null used for required field: "${field}", schema type: ${schema.type.toUpperCase()}`,
      );
    }
    return withPart(record, part, hoistedSchemaOf(schema), { [field]: value ?? null }, false);
  });
}

export const KAFKA_RECORD_STEPS: StepFactories<KafkaRecordTransformSpec> = {
  insertField: insertFieldStep,
  replaceField: replaceFieldStep,
  maskField: maskFieldStep,
  valueToKey: valueToKeyStep,
  extractField: extractFieldStep,
  hoistField: hoistFieldStep,
};
