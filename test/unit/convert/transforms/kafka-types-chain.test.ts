import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../../../lib/config/sink-config.ts';
import { readConnectRecord, renderTransformedRow } from '../../../../lib/convert/transformed-values.ts';
import { transformChain } from '../../../../lib/convert/transforms/chain.ts';
import { decodeRecord } from '../../../../lib/decode/event.ts';
import { seedConfig } from '../../../fixtures/events.ts';

/**
 * Cast, TimestampConverter and Flatten in the sink's own chain: a Kafka record read by
 * JsonConverter (with and without schemas), transformed, and rendered as the row StarRocks loads.
 */

const T = 'org.apache.kafka.connect.transforms.';

function kafkaRecord(valueJson: string) {
  return decodeRecord({
    topic: 'orders',
    partition: 2,
    offset: 41,
    timestamp: 1_700_000_000_000,
    timestampType: 'CREATE_TIME',
    key: null,
    value: Buffer.from(valueJson).toString('base64'),
    headers: [],
  });
}

/** The row the configured transforms make of the JSON text `valueJson`. */
function rowOf(transforms: Record<string, string>, schemas: boolean, valueJson: string) {
  const config = parseSinkConfig(
    seedConfig({
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable': String(schemas),
      ...transforms,
    }),
  );
  const record = readConnectRecord(kafkaRecord(valueJson), config, undefined, true);
  const outcome = transformChain(config.transforms, config.predicates)(record);
  if (!('source' in outcome)) throw new Error(`skipped: ${outcome.reason}`);
  return renderTransformedRow(outcome, config);
}

const CHAIN = {
  transforms: 'flat,cast,ts',
  'transforms.flat.type': `${T}Flatten$Value`,
  'transforms.flat.delimiter': '_',
  'transforms.cast.type': `${T}Cast$Value`,
  'transforms.cast.spec': 'id:string,order_qty:int16',
  'transforms.ts.type': `${T}TimestampConverter$Value`,
  'transforms.ts.field': 'order_at',
  'transforms.ts.target.type': 'Timestamp',
  'transforms.ts.format': "yyyy-MM-dd'T'HH:mm:ssXXX",
};

describe('type transforms in the chain', () => {
  it('flattens, casts and converts a value with a schema into the row', () => {
    const envelope = `{
      "schema": {"type": "struct", "fields": [
        {"type": "int64", "optional": false, "field": "id"},
        {"type": "struct", "optional": false, "field": "order", "fields": [
          {"type": "string", "optional": false, "field": "qty"},
          {"type": "string", "optional": true, "field": "at"}
        ]}
      ]},
      "payload": {"id": 9007199254740993, "order": {"qty": "12", "at": "2024-01-02T04:04:05+01:00"}}
    }`;
    expect(rowOf(CHAIN, true, envelope)).toEqual({
      id: '9007199254740993',
      order_qty: 12,
      order_at: '2024-01-02 03:04:05',
    });
  });

  it('flattens, casts and converts a schemaless value into the row', () => {
    const value = '{"id": 9007199254740993, "order": {"qty": "12", "at": "2024-01-02T03:04:05Z"}}';
    expect(rowOf(CHAIN, false, value)).toEqual({
      id: '9007199254740993',
      order_qty: 12,
      order_at: '2024-01-02 03:04:05',
    });
  });

  it('renders a Date target with a schema as a date', () => {
    const transforms = {
      transforms: 'ts',
      'transforms.ts.type': `${T}TimestampConverter$Value`,
      'transforms.ts.field': 'day',
      'transforms.ts.target.type': 'Date',
      'transforms.ts.unix.precision': 'seconds',
    };
    const envelope =
      '{"schema": {"type": "struct", "fields": [{"type": "int64", "optional": true, "field": "day"}]}, "payload": {"day": 1700000000}}';
    expect(rowOf(transforms, true, envelope)).toEqual({ day: '2023-11-14' });
  });
});
