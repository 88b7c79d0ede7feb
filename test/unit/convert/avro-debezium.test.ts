import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ConverterConfig } from '../../../lib/config/converters.ts';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { compileAvroReader } from '../../../lib/convert/avro.ts';
import { isRawJson, parseJsonExact } from '../../../lib/convert/exact-json.ts';
import { convertValue } from '../../../lib/convert/json-converter.ts';
import type { KafkaRecord } from '../../../lib/decode/event.ts';
import { seedDebeziumSettings } from '../../../lib/local/seed.ts';
import {
  encoderOf,
  framed,
  registrySchema,
  VARIABLE_SCALE_DECIMAL,
} from '../../fixtures/avro/avro-values.ts';
import { seedConfig } from '../../fixtures/events.ts';
import { recordWithValue } from '../../support/records.ts';
import { applyTransforms } from '../../support/transforms.ts';

/**
 * Debezium with Avro gives the rows Debezium with JSON gives: the real JSON change events captured
 * from Debezium 3.6.1 (test/fixtures/debezium) and the same data in Avro, under the schema Kafka
 * Connect's AvroData writes for that Connect schema (test/fixtures/avro), through the seed's CDC
 * transforms (addfield + unwrap with delete.handling.mode=rewrite).
 */

const JSON_ENVELOPE: ConverterConfig = { kind: 'json', schemasEnable: true, replaceNullWithDefault: true };
const TOPIC = 'e2e_mwwq93qr.public.customers';
const TRANSFORMS = parseSinkConfig(seedConfig(seedDebeziumSettings(TOPIC, 'customers'))).transforms;

function fixture(path: string): string {
  return readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8');
}

function kafkaRecord(value: Buffer, offset: number): KafkaRecord {
  return recordWithValue(value, { topic: TOPIC, partition: 0, offset });
}

/** The row the JSON path loads for a JsonConverter envelope (schemas.enable=true). */
function jsonRow(envelope: string, offset: number): unknown {
  const record = kafkaRecord(Buffer.from(envelope), offset);
  const converted = convertValue(record, JSON_ENVELOPE, { needObject: true, unwrap: true });
  if (converted?.kind !== 'object') throw new Error(`expected an object, got ${converted?.kind}`);
  return applyTransforms(record, converted.value, TRANSFORMS, converted.schemaName);
}

/** The row the Avro path loads for the same payload, encoded with the Avro schema. */
function avroRow(avroSchema: object, payload: unknown, offset: number): unknown {
  const value = framed(
    31,
    encoderOf(avroSchema).toBuffer(avroValueOf(avroSchema, payload, namedTypes(avroSchema))),
  );
  const record = kafkaRecord(value, offset);
  const read = compileAvroReader(registrySchema(31, avroSchema)).read(record, value, 5);
  return applyTransforms(record, read.value as Record<string, unknown>, TRANSFORMS, read.schemaName);
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/**
 * A Connect JSON payload as the value avsc encodes for an Avro schema: unions wrapped by branch
 * name, bytes from base64, longs exact.
 */
function avroValueOf(type: unknown, value: unknown, names: Map<string, object>): unknown {
  if (typeof type === 'string' && !PRIMITIVES.has(type)) return avroValueOf(names.get(type), value, names);
  if (Array.isArray(type)) {
    if (value === null) return null;
    const declared: unknown = type.find((t) => t !== 'null');
    const branch = typeof declared === 'string' ? (names.get(declared) ?? declared) : declared;
    return { [branchName(branch)]: avroValueOf(branch, value, names) };
  }
  const schema = (typeof type === 'string' ? { type } : type) as {
    type: string;
    name?: string;
    namespace?: string;
    fields?: { name: string; type: unknown }[];
    items?: unknown;
  };
  switch (schema.type) {
    case 'record': {
      const source = value as Record<string, unknown>;
      return Object.fromEntries(
        (schema.fields ?? []).map((f) => [f.name, avroValueOf(f.type, source[f.name], names)]),
      );
    }
    case 'array':
      return (value as unknown[]).map((v) => avroValueOf(schema.items, v, names));
    case 'long':
      return BigInt(isRawJson(value) ? value.rawJSON : (value as number));
    case 'bytes':
      return Buffer.from(value as string, 'base64');
    default:
      return value;
  }
}

/** The named types of a schema, by full and by simple name (the test schemas repeat no simple name). */
function namedTypes(type: unknown, names = new Map<string, object>()): Map<string, object> {
  if (Array.isArray(type)) for (const branch of type) namedTypes(branch, names);
  if (typeof type !== 'object' || type === null || Array.isArray(type)) return names;
  const schema = type as { name?: string; fields?: { type: unknown }[]; items?: unknown };
  if (schema.name !== undefined) {
    names.set(branchName(schema), schema);
    names.set(schema.name, schema);
  }
  for (const field of schema.fields ?? []) namedTypes(field.type, names);
  if (schema.items !== undefined) namedTypes(schema.items, names);
  return names;
}

function branchName(type: unknown): string {
  if (typeof type === 'string') return type;
  const named = type as { type: string; name?: string; namespace?: string };
  if (named.name === undefined) return named.type;
  return named.namespace === undefined ? named.name : `${named.namespace}.${named.name}`;
}

describe('Debezium change events in Avro', () => {
  const envelopeSchema = JSON.parse(fixture('avro/debezium-customers-envelope.avsc')) as object;

  it.each([
    ['snapshot-read', 0],
    ['insert', 1],
    ['update', 2],
    ['delete', 3],
  ])('gives the %s event the row the JSON path gives', (name, offset) => {
    const captured = JSON.parse(fixture(`debezium/${name}.json`)) as { value: string };
    const payload = (parseJsonExact(captured.value) as { payload: unknown }).payload;
    const expected = jsonRow(captured.value, offset);
    expect(expected).toMatchObject({ kind: 'row' });
    expect(avroRow(envelopeSchema, payload, offset)).toEqual(expected);
  });

  it('names the envelope by its connect.name and keeps every digit of its longs', () => {
    const captured = JSON.parse(fixture('debezium/insert.json')) as { value: string };
    const payload = (parseJsonExact(captured.value) as { payload: unknown }).payload;
    const value = framed(
      31,
      encoderOf(envelopeSchema).toBuffer(avroValueOf(envelopeSchema, payload, namedTypes(envelopeSchema))),
    );
    const read = compileAvroReader(registrySchema(31, envelopeSchema)).read(kafkaRecord(value, 1), value, 5);
    expect(read.schemaName).toBe('e2e_mwwq93qr.public.customers.Envelope');
    expect(read.value).toMatchObject({ op: 'c', source: { snapshot: 'false' } });
    // A nanosecond timestamp past 2^53 keeps every digit.
    expect(JSON.stringify(read.value)).toContain('"ts_ns":1795647664957260000,');
  });
});

/** Debezium's logical types, in the Connect schema JsonConverter writes and the Avro AvroData writes. */
const TYPED_COLUMNS = [
  {
    connect: { type: 'int64', optional: false, field: 'id' },
    avro: { name: 'id', type: 'long' },
    value: parseJsonExact('9007199254740993'),
  },
  {
    connect: {
      type: 'bytes',
      optional: true,
      name: 'org.apache.kafka.connect.data.Decimal',
      version: 1,
      parameters: { scale: '2', 'connect.decimal.precision': '10' },
      field: 'amount',
    },
    avro: {
      name: 'amount',
      type: [
        'null',
        {
          type: 'bytes',
          scale: 2,
          precision: 10,
          'connect.version': 1,
          'connect.parameters': { scale: '2', 'connect.decimal.precision': '10' },
          'connect.name': 'org.apache.kafka.connect.data.Decimal',
          logicalType: 'decimal',
        },
      ],
      default: null,
    },
    value: 'MDk=',
  },
  {
    connect: {
      type: 'struct',
      fields: [
        { type: 'int32', optional: false, field: 'scale' },
        { type: 'bytes', optional: false, field: 'value' },
      ],
      optional: true,
      name: 'io.debezium.data.VariableScaleDecimal',
      version: 1,
      doc: 'Variable scaled decimal',
      field: 'price',
    },
    avro: {
      name: 'price',
      type: ['null', VARIABLE_SCALE_DECIMAL],
      default: null,
    },
    value: { scale: 3, value: 'AeI=' },
  },
  ...[
    ['created', 'int64', 'long', 'io.debezium.time.MicroTimestamp', 1704067200123456],
    ['updated', 'string', 'string', 'io.debezium.time.ZonedTimestamp', '2024-01-01T00:00:00.5Z'],
    ['day', 'int32', 'int', 'io.debezium.time.Date', 19723],
    ['at', 'int64', 'long', 'io.debezium.time.MicroTime', 3723000001],
    ['doc', 'string', 'string', 'io.debezium.data.Json', '{"k":[1,2]}'],
  ].map(([field, connectType, avroType, name, value]) => ({
    connect: { type: connectType, optional: true, name, version: 1, field },
    avro: {
      name: field,
      type: ['null', { type: avroType, 'connect.version': 1, 'connect.name': name }],
      default: null,
    },
    value,
  })),
  {
    connect: { type: 'float', optional: true, field: 'ratio' },
    avro: { name: 'ratio', type: ['null', 'float'], default: null },
    value: 0.1,
  },
  {
    connect: { type: 'array', items: { type: 'string', optional: true }, optional: true, field: 'tags' },
    avro: { name: 'tags', type: ['null', { type: 'array', items: ['null', 'string'] }], default: null },
    value: ['a', null],
  },
];

describe('Debezium logical types in Avro', () => {
  const rowConnect = {
    type: 'struct',
    fields: TYPED_COLUMNS.map((c) => c.connect),
    optional: true,
    name: 'srv.public.typed.Value',
    field: 'after',
  };
  const connectSchema = {
    type: 'struct',
    fields: [
      { ...rowConnect, field: 'before' },
      rowConnect,
      { type: 'string', optional: false, field: 'op' },
    ],
    optional: false,
    name: 'srv.public.typed.Envelope',
    version: 2,
  };
  const rowAvro = {
    type: 'record',
    name: 'Value',
    namespace: 'srv.public.typed',
    fields: TYPED_COLUMNS.map((c) => c.avro),
    'connect.name': 'srv.public.typed.Value',
  };
  const avroSchema = {
    type: 'record',
    name: 'Envelope',
    namespace: 'srv.public.typed',
    fields: [
      { name: 'before', type: ['null', rowAvro], default: null },
      { name: 'after', type: ['null', 'Value'], default: null },
      { name: 'op', type: 'string' },
    ],
    'connect.version': 2,
    'connect.name': 'srv.public.typed.Envelope',
  };
  const image = Object.fromEntries(TYPED_COLUMNS.map((c) => [c.connect.field, c.value]));

  it.each([
    ['an insert', { before: null, after: image, op: 'c' }],
    ['a delete', { before: image, after: null, op: 'd' }],
  ])('gives %s the row the JSON path gives', (_case, payload) => {
    const envelope = `{"schema":${JSON.stringify(connectSchema)},"payload":${JSON.stringify(payload)}}`;
    const expected = jsonRow(envelope, 5);
    expect(JSON.stringify(avroRow(avroSchema, payload, 5))).toBe(JSON.stringify(expected));
    expect(JSON.stringify(expected)).toContain(
      '"id":9007199254740993,"amount":123.45,"price":0.482,"created":"2024-01-01 00:00:00.123456","updated":"2024-01-01 00:00:00.5","day":"2024-01-01","at":"01:02:03.000001","doc":"{\\"k\\":[1,2]}","ratio":0.1,"tags":["a",null]',
    );
  });
});
