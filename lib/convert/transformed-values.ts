import type { ConverterConfig } from '../config/converters.ts';
import type { SinkConfig } from '../config/sink-config.ts';
import type { KafkaRecord } from '../decode/event.ts';
import { ErrorCode, RecordError } from '../errors.ts';
import type { ConnectSchema } from './connect-schema.ts';
import { isRawJson } from './exact-json.ts';
import {
  type ConnectData,
  readJsonConnectData,
  renderConnectValue,
  requireRowObject,
} from './json-converter.ts';
import { formatEpochMillis } from './logical-types.ts';
import { convertRegistryValue, type PreparedValues } from './registry-values.ts';
import { schemalessRecord, timestampTypeOf } from './transforms/chain.ts';
import type { ConnectRecord } from './transforms/connect-record.ts';

/**
 * Records through the general transform path: a Kafka record read into Connect data (the converter's
 * `toConnectData`: key and value each with its schema, unconverted), and a transformed value
 * rendered into the row StarRocks loads.
 *
 * Registry values (Avro, Protobuf, JSON Schema) reach the transforms as schemaless data already
 * rendered for StarRocks (their Connect schema is not kept): a transform that needs a schema sees
 * them as schemaless values (docs/transforms.md).
 */

const STRING_SCHEMA: ConnectSchema = { type: 'string', optional: true };

/** The record as the transforms see it. `withKey`: the key is read too (a transform reads or writes it). */
export function readConnectRecord(
  record: KafkaRecord,
  config: SinkConfig,
  registry: PreparedValues | undefined,
  withKey: boolean,
): ConnectRecord {
  const value = readValue(record, config.valueConverter, registry);
  const key = withKey ? readKey(record, config.keyConverter) : { schema: null, value: null };
  return {
    ...schemalessRecord(record, value.value),
    valueSchema: value.schema,
    valueSchemaName: value.renderedSchemaName,
    keySchema: key.schema,
    key: key.value,
    timestampType: timestampTypeOf(record),
  };
}

function readValue(
  record: KafkaRecord,
  converter: ConverterConfig,
  registry: PreparedValues | undefined,
): ConnectData & { readonly renderedSchemaName?: string | undefined } {
  const bytes = record.value;
  if (bytes === null) return { schema: null, value: null };
  switch (converter.kind) {
    case 'string':
      return { schema: STRING_SCHEMA, value: decodeText(record, bytes, 'the value') };
    case 'json':
      return readJsonConnectData(record, bytes, converter.schemasEnable, 'the value');
    case 'registry': {
      if (registry === undefined)
        throw new Error('a registry converter needs the batch prepared (registry-values.ts)');
      const converted = convertRegistryValue(record, registry, true);
      if (converted === null) return { schema: null, value: null };
      if (converted.kind !== 'object')
        throw new Error(`a registry value converted to ${converted.kind}, not an object`);
      return { schema: null, value: converted.value, renderedSchemaName: converted.schemaName };
    }
  }
}

function readKey(record: KafkaRecord, converter: ConverterConfig): ConnectData {
  const bytes = record.key;
  if (bytes === null) return { schema: null, value: null };
  switch (converter.kind) {
    case 'string':
      return { schema: STRING_SCHEMA, value: decodeText(record, bytes, 'the key') };
    case 'json':
      return readJsonConnectData(record, bytes, converter.schemasEnable, 'the key');
    case 'registry':
      throw new RecordError(
        ErrorCode.TRANSFORM_FAILED,
        record,
        'a transform reads the record key, and keys through a schema-registry key.converter are not read by this sink; use StringConverter or JsonConverter for keys, or a transform on the value',
      );
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeText(record: KafkaRecord, bytes: Buffer, what: string): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new RecordError(ErrorCode.DECODE_VALUE, record, `${what} is not valid UTF-8 text`);
  }
}

/**
 * The row of a transformed record: its value rendered with its schema (as the converter renders
 * one with no transforms), or schemaless data with what the transforms put in made JSON (a `Date`
 * as StarRocks' DATETIME text in UTC, a `Buffer` as base64). Null for a tombstone.
 */
export function renderTransformedRow(
  record: ConnectRecord,
  config: SinkConfig,
): Record<string, unknown> | null {
  const { value, valueSchema } = record;
  if (value === null || value === undefined) return null;
  const converter = config.valueConverter;
  const replaceNullWithDefault = converter.kind === 'json' && converter.replaceNullWithDefault;
  const rendered =
    valueSchema === null
      ? renderSchemaless(value)
      : renderConnectValue(record.source, valueSchema, value, replaceNullWithDefault);
  if (rendered === null) return null;
  return requireRowObject(record.source, rendered);
}

/** Schemaless data as JSON: Dates and Buffers written as StarRocks reads them, the rest unchanged. */
export function renderSchemaless(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || isRawJson(value)) return value;
  if (value instanceof Date) return formatEpochMillis(value.getTime());
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(renderSchemaless);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = renderSchemaless(v);
  return out;
}
