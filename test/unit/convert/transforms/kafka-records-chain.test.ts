import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../../../lib/config/sink-config.ts';
import { readConnectRecord, renderTransformedRow } from '../../../../lib/convert/transformed-values.ts';
import { transformChain } from '../../../../lib/convert/transforms/chain.ts';
import { decodeRecord } from '../../../../lib/decode/event.ts';
import { seedConfig } from '../../../fixtures/events.ts';

/**
 * The field transforms in the sink's own chain: a Kafka record read by the configured converter,
 * transformed, and rendered as the row StarRocks loads.
 */

const T = 'org.apache.kafka.connect.transforms.';
const TIMESTAMP = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

function kafkaRecord(value: unknown, key: unknown = null) {
  const base64 = (v: unknown) => (v === null ? null : Buffer.from(JSON.stringify(v)).toString('base64'));
  return decodeRecord({
    topic: 'orders',
    partition: 2,
    offset: 41,
    timestamp: TIMESTAMP,
    timestampType: 'CREATE_TIME',
    key: base64(key),
    value: base64(value),
    headers: [],
  });
}

/** The transformed record and the row the configured transforms make of `value` (and `key`), with schemas on or off. */
function transformed(
  transforms: Record<string, string>,
  schemas: boolean,
  value: unknown,
  key: unknown = null,
) {
  const config = parseSinkConfig(
    seedConfig({
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': String(schemas),
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable': 'false',
      ...transforms,
    }),
  );
  const record = readConnectRecord(kafkaRecord(value, key), config, undefined, true);
  const outcome = transformChain(config.transforms, config.predicates)(record);
  if (!('source' in outcome)) throw new Error(`skipped: ${outcome.reason}`);
  return { record: outcome, row: renderTransformedRow(outcome, config) };
}

function rowOf(transforms: Record<string, string>, schemas: boolean, value: unknown) {
  return transformed(transforms, schemas, value).row;
}

const INSERT_METADATA = {
  transforms: 'meta',
  'transforms.meta.type': `${T}InsertField$Value`,
  'transforms.meta.topic.field': 'kafka_topic',
  'transforms.meta.offset.field': 'kafka_offset',
  'transforms.meta.timestamp.field': 'kafka_ts',
};

describe('field transforms in the chain', () => {
  it('renders an inserted timestamp with a schema as DATETIME text', () => {
    const envelope = {
      schema: { type: 'struct', fields: [{ type: 'int32', optional: false, field: 'id' }] },
      payload: { id: 1 },
    };
    expect(rowOf(INSERT_METADATA, true, envelope)).toEqual({
      id: 1,
      kafka_topic: 'orders',
      kafka_offset: 41,
      kafka_ts: '2024-01-02 03:04:05.678',
    });
  });

  it('loads an inserted timestamp without a schema as epoch milliseconds, as Kafka puts it', () => {
    expect(rowOf(INSERT_METADATA, false, { id: 1 })).toEqual({
      id: 1,
      kafka_topic: 'orders',
      kafka_offset: 41,
      kafka_ts: TIMESTAMP,
    });
  });

  it('reads the key when a transform needs it: ValueToKey replaces it, ExtractField$Key unwraps it', () => {
    const transforms = {
      transforms: 'copy,extract,hoist',
      'transforms.copy.type': `${T}ValueToKey`,
      'transforms.copy.fields': 'id',
      'transforms.extract.type': `${T}ExtractField$Key`,
      'transforms.extract.field': 'id',
      'transforms.hoist.type': `${T}HoistField$Value`,
      'transforms.hoist.field': 'doc',
    };
    const { record, row } = transformed(transforms, false, { id: 7, name: 'x' }, 'old-key');
    expect(record.key).toBe(7);
    expect(row).toEqual({ doc: { id: 7, name: 'x' } });
  });

  it('drops, renames and masks fields of a struct before the row is rendered', () => {
    const envelope = {
      schema: {
        type: 'struct',
        fields: [
          { type: 'int32', optional: false, field: 'id' },
          { type: 'string', optional: true, field: 'email' },
          { type: 'string', optional: true, field: 'internal' },
        ],
      },
      payload: { id: 1, email: 'a@b.c', internal: 'x' },
    };
    const transforms = {
      transforms: 'replace,mask',
      'transforms.replace.type': `${T}ReplaceField$Value`,
      'transforms.replace.exclude': 'internal',
      'transforms.replace.renames': 'email:contact',
      'transforms.mask.type': `${T}MaskField$Value`,
      'transforms.mask.fields': 'contact',
      'transforms.mask.replacement': '<hidden>',
    };
    expect(rowOf(transforms, true, envelope)).toEqual({ id: 1, contact: '<hidden>' });
  });
});
