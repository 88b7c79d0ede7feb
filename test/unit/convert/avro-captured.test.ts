import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConverterConfig } from '../../../lib/config/converters.ts';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { compileAvroReader } from '../../../lib/convert/avro.ts';
import { rawJson } from '../../../lib/convert/exact-json.ts';
import { convertValue } from '../../../lib/convert/json-converter.ts';
import { decodeRecord, type KafkaRecord } from '../../../lib/decode/event.ts';
import { seedDebeziumSettings } from '../../../lib/local/seed.ts';
import { seedConfig } from '../../fixtures/events.ts';
import { applyTransforms } from '../../support/transforms.ts';

/**
 * Real Debezium 3.6.1 records written by Apicurio's AvroConverter (test/fixtures/debezium-avro,
 * with the schemas the registry served): the customers steps give the rows the JSON captures of
 * the same steps give (test/fixtures/debezium), through the seed's CDC transforms, and the
 * all-types insert gives each PostgreSQL type the value the JSON path loads for it.
 */

interface AvroCapture {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly valueSchemaId: number;
  readonly valueBase64: string;
}

const JSON_ENVELOPE: ConverterConfig = { kind: 'json', schemasEnable: true, replaceNullWithDefault: true };
const TRANSFORMS = parseSinkConfig(seedConfig(seedDebeziumSettings('customers', 'customers'))).transforms;

function fixture<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8')) as T;
}

function readerFor(id: number) {
  const text = readFileSync(
    new URL(`../../fixtures/debezium-avro/schemas/${id}.avsc.json`, import.meta.url),
    'utf8',
  );
  return compileAvroReader({ registry: 'confluent', id: String(id), format: 'avro', text, references: [] });
}

function kafkaRecord(topic: string, offset: number, base64: string): KafkaRecord {
  return decodeRecord({ topic, partition: 0, offset, timestamp: 0, key: null, value: base64, headers: [] });
}

/** The captured Avro record read and transformed: the row (or skip) the sink loads. */
function avroOutcome(name: string) {
  const capture = fixture<AvroCapture>(`debezium-avro/${name}.json`);
  const record = kafkaRecord(capture.topic, capture.offset, capture.valueBase64);
  const bytes = record.value as Buffer;
  expect(bytes.readUInt32BE(1)).toBe(capture.valueSchemaId);
  const reader = readerFor(capture.valueSchemaId);
  const read = reader.read(record, bytes, 5);
  expect(reader.readJson(record, bytes, 5)).toBe(JSON.stringify(read.value));
  return applyTransforms(record, read.value as Record<string, unknown>, TRANSFORMS, read.schemaName);
}

/** The JSON capture of the same step through the JSON path and the same transforms. */
function jsonOutcome(name: string) {
  const capture = fixture<{ topic: string; offset: number; value: string }>(`debezium/${name}.json`);
  const record = kafkaRecord(capture.topic, capture.offset, Buffer.from(capture.value).toString('base64'));
  const converted = convertValue(record, JSON_ENVELOPE, { needObject: true, unwrap: true });
  if (converted?.kind !== 'object') throw new Error(`expected an object, got ${converted?.kind}`);
  return applyTransforms(record, converted.value, TRANSFORMS, converted.schemaName);
}

describe('captured Debezium records in Avro', () => {
  it.each(['snapshot-read', 'insert', 'update', 'delete'])(
    'gives the %s step the row its JSON capture gives',
    (name) => {
      const outcome = avroOutcome(name);
      expect(outcome).toMatchObject({ kind: 'row' });
      expect(outcome).toEqual(jsonOutcome(name));
    },
  );

  it('gives every PostgreSQL type of the all-types insert the value the JSON path loads', () => {
    const outcome = avroOutcome('all-types-insert');
    if (outcome.kind !== 'row') throw new Error(`expected a row, got ${outcome.kind}`);
    // Compared as JSON text, so the exact numbers are compared digit for digit.
    const expected = {
      id: 1,
      c_smallint: -32768,
      c_int: 2147483647,
      c_bigint: rawJson('9007199254740993'),
      c_real: 3.14,
      c_double: rawJson('123456.78901234567'),
      c_numeric: 1234.5678,
      c_numeric_wide: rawJson('1234567890123456789012345678.0123456789'),
      c_numeric_free: rawJson('3.14159'),
      c_money: 1234.56,
      c_bool: true,
      c_char: 'ab   ',
      c_varchar: 'Grüße, 世界 🎉',
      c_text: 'line 1\nline 2 "quoted" \\ it\'s',
      c_uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      c_enum: 'happy',
      c_json: '{"b": 2, "a": [1, 2.50], "big": 12345678901234567890}',
      c_jsonb: '{"a": [1, 2.50], "b": 2}',
      c_int_array: [1, 2, 3],
      c_text_array: ['a', 'b c', null, 'ü'],
      c_bytea: Buffer.from('deadbeef', 'hex').toString('base64'),
      c_date: '2024-02-29',
      c_time3: '13:45:56.789',
      c_time6: '23:59:59.999999',
      c_timetz: '11:45:56.123456',
      c_ts3: '2024-02-29 13:45:56.789',
      c_ts6: '2024-02-29 13:45:56.123456',
      c_tstz: '2024-02-29 11:45:56.123456',
      c_null: null,
      __op: 0,
      __deleted: 'false',
    };
    expect(JSON.stringify(outcome.value)).toBe(JSON.stringify(expected));
  });
});
