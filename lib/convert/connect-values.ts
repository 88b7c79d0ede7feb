import type { KafkaRecord } from '../decode/event.ts';
import { ErrorCode, RecordError } from '../errors.ts';
import type { ConnectSchema } from './connect-schema.ts';
import { isRawJson } from './exact-json.ts';
import { LOGICAL_TYPES } from './logical-types.ts';

/**
 * Kafka Connect values with their schemas turned into the JSON StarRocks loads: structs in schema
 * order, arrays, maps (an object, or `[key, value]` pairs), logical types rendered, schema defaults
 * taken, and a null where the schema is required refused as Kafka's JsonConverter refuses it.
 */

/**
 * JsonConverter's DataException for a null or missing value of a required schema, naming the field:
 * loading it as NULL would hide that the producer broke its own schema.
 */
function requiredValueMissing(
  record: KafkaRecord,
  schema: ConnectSchema,
  path: string,
  value: null | undefined,
): RecordError {
  const what =
    path === '' ? 'the payload is null' : `field "${path}" is ${value === null ? 'null' : 'missing'}`;
  return new RecordError(
    ErrorCode.DECODE_VALUE,
    record,
    `${what}, but its schema is not optional (JsonConverter: "Invalid null value for required ${String(schema.type).toUpperCase()} field"); send a value, or declare the field "optional": true or with a "default" in the producer's schema`,
  );
}

/**
 * A Connect value with its schema → the JSON StarRocks loads. Struct fields come out in schema
 * order, followed by any payload field the schema does not declare (the byte-copy path keeps them
 * too, so both paths load the same row). A null stays null where the schema is optional; where it
 * is required, the record fails as it does in Kafka's JsonConverter.
 */
export function fromConnect(
  record: KafkaRecord,
  schema: ConnectSchema,
  value: unknown,
  path: string,
  replaceNullWithDefault: boolean,
  state: { lossy: boolean },
): unknown {
  if (value === null || value === undefined) {
    if (replaceNullWithDefault && schema.default !== undefined && schema.default !== null) {
      return fromConnect(record, schema, schema.default, path, false, state);
    }
    if (schema.optional !== true) throw requiredValueMissing(record, schema, path, value);
    return null;
  }
  const logical = schema.name === undefined ? undefined : LOGICAL_TYPES.get(schema.name);
  if (
    typeof value === 'number' &&
    ((!Number.isSafeInteger(value) && (schema.type === 'int64' || Number.isInteger(value))) ||
      schema.name === 'org.apache.kafka.connect.data.Decimal')
  ) {
    // The double lost digits (or may have): the caller parses again exactly, so converting this
    // value now would only risk an error on a wrong number (e.g. an infinity timestamp).
    state.lossy = true;
    return value;
  }
  if (logical !== undefined) {
    try {
      return logical(value, schema);
    } catch (error) {
      throw new RecordError(
        ErrorCode.DECODE_VALUE,
        record,
        `field "${path || '(value)'}" of logical type ${schema.name}: ${(error as Error).message}`,
      );
    }
  }
  switch (schema.type) {
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value) || isRawJson(value)) {
        throw new RecordError(
          ErrorCode.DECODE_VALUE,
          record,
          `field "${path || '(value)'}" should be a struct (JSON object)`,
        );
      }
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const field of schema.fields ?? []) {
        const name = field.field ?? '';
        out[name] = fromConnect(
          record,
          field,
          source[name],
          path ? `${path}.${name}` : name,
          replaceNullWithDefault,
          state,
        );
      }
      for (const name of Object.keys(source)) if (!(name in out)) out[name] = source[name];
      return out;
    }
    case 'array': {
      if (!Array.isArray(value))
        throw new RecordError(ErrorCode.DECODE_VALUE, record, `field "${path}" should be an array`);
      const items = schema.items;
      return items === undefined
        ? value
        : value.map((v, i) => fromConnect(record, items, v, `${path}[${i}]`, replaceNullWithDefault, state));
    }
    case 'map':
      return mapFromConnect(record, schema, value, path, replaceNullWithDefault, state);
    default:
      return value;
  }
}

/**
 * A Connect map: a JSON object when its keys are strings, else an array of `[key, value]` pairs, as
 * JsonConverter writes it; each key and value is converted with its schema, so a null where the
 * schema is required fails the record as it does in JsonConverter.
 */
function mapFromConnect(
  record: KafkaRecord,
  schema: ConnectSchema,
  value: unknown,
  path: string,
  replaceNullWithDefault: boolean,
  state: { lossy: boolean },
): unknown {
  const { keys, values } = schema;
  if (keys === undefined || values === undefined) return value;
  const convert = (entrySchema: ConnectSchema, entry: unknown, entryPath: string) =>
    fromConnect(record, entrySchema, entry, entryPath, replaceNullWithDefault, state);
  const where = path || '(value)';
  if (keys.type === 'string' && typeof value === 'object' && !Array.isArray(value) && !isRawJson(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
      out[key] = convert(values, entry, `${where}[${JSON.stringify(key)}]`);
    }
    return out;
  }
  if (!Array.isArray(value)) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `field "${where}" should be a map: a JSON object, or an array of [key, value] pairs`,
    );
  }
  return value.map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new RecordError(
        ErrorCode.DECODE_VALUE,
        record,
        `field "${where}[${i}]" should be a [key, value] pair of a map`,
      );
    }
    return [convert(keys, pair[0], `${where}[${i}].key`), convert(values, pair[1], `${where}[${i}].value`)];
  });
}
