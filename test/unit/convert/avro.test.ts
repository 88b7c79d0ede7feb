import { describe, expect, it } from 'vitest';
import { compileAvroReader } from '../../../lib/convert/avro.ts';
import { JsonOutput } from '../../../lib/convert/avro-json-output.ts';
import { RecordError } from '../../../lib/errors.ts';
import {
  avroRecord,
  encoderOf,
  framed,
  registrySchema,
  VARIABLE_SCALE_DECIMAL,
} from '../../fixtures/avro/avro-values.ts';

const SCHEMA_ID = 7;

/** A one-field record schema `shop.Row` whose field `v` has `type`. */
function rowSchema(type: unknown, extraFields: object[] = []) {
  return {
    type: 'record',
    name: 'Row',
    namespace: 'shop',
    fields: [{ name: 'v', type }, ...extraFields],
  };
}

/** Encodes `value` with `schema`, frames it, and reads it back both ways. */
function readBoth(schema: unknown, value: unknown, id = SCHEMA_ID) {
  const reader = compileAvroReader(registrySchema(id, schema));
  const bytes = framed(id, encoderOf(schema).toBuffer(value));
  const record = avroRecord(bytes);
  const read = reader.read(record, bytes, 5);
  return { read, json: reader.readJson(record, bytes, 5) };
}

/** The row of `{ v: value }` both ways, as JSON text; fails the test if the two ways differ. */
function rowText(type: unknown, value: unknown): string {
  const { read, json } = readBoth(rowSchema(type), { v: value });
  expect(json).toBe(JSON.stringify(read.value));
  return json;
}

const bytes = (...b: number[]) => Buffer.from(b);

describe('compileAvroReader: each Avro type', () => {
  it.each([
    ['a boolean', 'boolean', true, 'true'],
    ['an int', 'int', -2147483648, '-2147483648'],
    ['a long a double holds', 'long', 9007199254740991, '9007199254740991'],
    ['a long past 2^53, with every digit', 'long', 2n ** 60n + 1n, '1152921504606846977'],
    ['the smallest long', 'long', -(2n ** 63n), '-9223372036854775808'],
    ['a float, as its shortest decimal', 'float', Math.fround(0.1), '0.1'],
    ['a float NaN, as JsonConverter writes it', 'float', Number.NaN, '"NaN"'],
    ['a double', 'double', 1.5e300, '1.5e+300'],
    ['a double +Infinity, as JsonConverter writes it', 'double', Number.POSITIVE_INFINITY, '"Infinity"'],
    ['a double -Infinity', 'double', Number.NEGATIVE_INFINITY, '"-Infinity"'],
    ['a string needing JSON escapes', 'string', 'a"b\\c\n\u0001é😀', JSON.stringify('a"b\\c\n\u0001é😀')],
    ['bytes, as base64', 'bytes', bytes(0, 1, 254, 255), '"AAH+/w=="'],
    ['a fixed, as base64', { type: 'fixed', name: 'F4', size: 4 }, bytes(1, 2, 3, 4), '"AQIDBA=="'],
    [
      'an enum, as its symbol',
      { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] },
      'GREEN',
      '"GREEN"',
    ],
  ])('reads %s', (_case, type, value, expected) => {
    expect(rowText(type, value)).toBe(`{"v":${expected}}`);
  });

  it.each([
    [
      'decimal on bytes',
      { type: 'bytes', logicalType: 'decimal', precision: 6, scale: 2 },
      bytes(0x04, 0xd2),
      '12.34',
    ],
    [
      'a negative decimal',
      { type: 'bytes', logicalType: 'decimal', precision: 6, scale: 2 },
      bytes(0xfb, 0x2e),
      '-12.34',
    ],
    [
      'a decimal past a double, exact',
      { type: 'bytes', logicalType: 'decimal', precision: 30, scale: 3 },
      Buffer.from('0123456789abcdef0123456789', 'hex'),
      '90144042682896311822508713.865',
    ],
    [
      'decimal on fixed',
      { type: 'fixed', name: 'Money', size: 3, logicalType: 'decimal', precision: 7, scale: 1 },
      bytes(0xff, 0xff, 0xf6),
      '-1.0',
    ],
    [
      'decimal without a scale (0)',
      { type: 'bytes', logicalType: 'decimal', precision: 4 },
      bytes(0x7f),
      '127',
    ],
    ['date', { type: 'int', logicalType: 'date' }, 19723, '"2024-01-01"'],
    ['a date before 1970', { type: 'int', logicalType: 'date' }, -1, '"1969-12-31"'],
    ['the first date of year 0', { type: 'int', logicalType: 'date' }, -719_528, '"0000-01-01"'],
    ['the last date of year 9999', { type: 'int', logicalType: 'date' }, 2_932_896, '"9999-12-31"'],
    ['a date past year 9999', { type: 'int', logicalType: 'date' }, 2_932_897, '"10000-01-01"'],
    ['a date before year 0', { type: 'int', logicalType: 'date' }, -719_529, '"-0001-12-31"'],
    [
      'a decimal below 1, with its leading zero',
      { type: 'bytes', logicalType: 'decimal', precision: 6, scale: 4 },
      bytes(0xfb),
      '-0.0005',
    ],
    [
      'a decimal of a negative scale, with its zeros',
      { type: 'fixed', name: 'Big', size: 2, logicalType: 'decimal', precision: 9, scale: -3 },
      bytes(0x01, 0x00),
      '256000',
    ],
    [
      'timestamp-micros at the last safe microsecond',
      { type: 'long', logicalType: 'timestamp-micros' },
      2 ** 53 - 1,
      '"2255-06-05 23:47:34.740991"',
    ],
    [
      'timestamp-micros at the first safe microsecond',
      { type: 'long', logicalType: 'timestamp-micros' },
      -(2 ** 53 - 1),
      '"1684-07-28 00:12:25.259009"',
    ],
    [
      'timestamp-micros a microsecond before a second, near 2^53',
      { type: 'long', logicalType: 'timestamp-micros' },
      8_999_999_999_999_999,
      '"2255-03-14 15:59:59.999999"',
    ],
    [
      'timestamp-millis before 1970',
      { type: 'long', logicalType: 'timestamp-millis' },
      -1,
      '"1969-12-31 23:59:59.999"',
    ],
    [
      'timestamp-millis whose microseconds a double cannot hold',
      { type: 'long', logicalType: 'timestamp-millis' },
      9_007_199_254_741,
      '"2255-06-05 23:47:34.741"',
    ],
    ['time-millis', { type: 'int', logicalType: 'time-millis' }, 45_296_789, '"12:34:56.789"'],
    ['time-micros', { type: 'long', logicalType: 'time-micros' }, 45_296_000_001, '"12:34:56.000001"'],
    [
      'timestamp-millis (UTC)',
      { type: 'long', logicalType: 'timestamp-millis' },
      1_704_067_200_123,
      '"2024-01-01 00:00:00.123"',
    ],
    [
      'timestamp-micros',
      { type: 'long', logicalType: 'timestamp-micros' },
      1_704_067_200_123_456,
      '"2024-01-01 00:00:00.123456"',
    ],
    [
      'local-timestamp-millis (wall clock, same text)',
      { type: 'long', logicalType: 'local-timestamp-millis' },
      1_704_067_200_000,
      '"2024-01-01 00:00:00"',
    ],
    [
      'local-timestamp-micros',
      { type: 'long', logicalType: 'local-timestamp-micros' },
      -1,
      '"1969-12-31 23:59:59.999999"',
    ],
    [
      'uuid on a string',
      { type: 'string', logicalType: 'uuid' },
      '2f1c7c4e-97a5-4a8d-9d1f-5c1b2f0e6a10',
      '"2f1c7c4e-97a5-4a8d-9d1f-5c1b2f0e6a10"',
    ],
    [
      'uuid on a 16-byte fixed',
      { type: 'fixed', name: 'Uuid', size: 16, logicalType: 'uuid' },
      Buffer.from('2f1c7c4e97a54a8d9d1f5c1b2f0e6a10', 'hex'),
      '"2f1c7c4e-97a5-4a8d-9d1f-5c1b2f0e6a10"',
    ],
    [
      'an unknown logical type, as its underlying type',
      { type: 'string', logicalType: 'varchar' },
      'x',
      '"x"',
    ],
    [
      'a logical type on a type it cannot annotate, as that type',
      { type: 'string', logicalType: 'date' },
      '7',
      '"7"',
    ],
    [
      'decimal on an int, as the int',
      { type: 'int', logicalType: 'decimal', precision: 4, scale: 2 },
      1234,
      '1234',
    ],
  ])('renders Avro %s as the JSON path does', (_case, type, value, expected) => {
    expect(rowText(type, value)).toBe(`{"v":${expected}}`);
  });

  it.each([
    [
      'Connect Decimal (scale from connect.parameters)',
      {
        type: 'bytes',
        'connect.name': 'org.apache.kafka.connect.data.Decimal',
        'connect.version': 1,
        'connect.parameters': { scale: '3', 'connect.decimal.precision': '10' },
        logicalType: 'decimal',
        precision: 10,
        scale: 3,
      },
      bytes(0x30, 0x39),
      '12.345',
    ],
    [
      'Connect Date',
      { type: 'int', 'connect.name': 'org.apache.kafka.connect.data.Date' },
      0,
      '"1970-01-01"',
    ],
    [
      'Connect Time',
      { type: 'int', 'connect.name': 'org.apache.kafka.connect.data.Time' },
      1_000,
      '"00:00:01"',
    ],
    [
      'Connect Timestamp',
      { type: 'long', 'connect.name': 'org.apache.kafka.connect.data.Timestamp' },
      86_400_000,
      '"1970-01-02 00:00:00"',
    ],
    [
      'io.debezium.time.Date',
      { type: 'int', 'connect.name': 'io.debezium.time.Date' },
      19723,
      '"2024-01-01"',
    ],
    [
      'io.debezium.time.MicroTime',
      { type: 'long', 'connect.name': 'io.debezium.time.MicroTime' },
      3_600_000_001,
      '"01:00:00.000001"',
    ],
    [
      'io.debezium.time.MicroTimestamp',
      { type: 'long', 'connect.name': 'io.debezium.time.MicroTimestamp' },
      1_704_067_200_000_001,
      '"2024-01-01 00:00:00.000001"',
    ],
    [
      'io.debezium.time.NanoTimestamp past 2^53',
      { type: 'long', 'connect.name': 'io.debezium.time.NanoTimestamp' },
      1_704_067_200_000_001_999n,
      '"2024-01-01 00:00:00.000001"',
    ],
    [
      'io.debezium.time.MicroTimestamp infinity, clamped',
      { type: 'long', 'connect.name': 'io.debezium.time.MicroTimestamp' },
      9_223_372_036_825_200_000n,
      '"9999-12-31 23:59:59.999999"',
    ],
    [
      'io.debezium.time.ZonedTimestamp',
      { type: 'string', 'connect.name': 'io.debezium.time.ZonedTimestamp' },
      '2024-01-02T03:04:05.123456Z',
      '"2024-01-02 03:04:05.123456"',
    ],
    [
      'io.debezium.data.Json, as its text',
      { type: 'string', 'connect.name': 'io.debezium.data.Json', 'connect.version': 1 },
      '{"a":1}',
      JSON.stringify('{"a":1}'),
    ],
    [
      'io.debezium.data.Enum, as its text',
      { type: 'string', 'connect.name': 'io.debezium.data.Enum', 'connect.parameters': { allowed: 'a,b' } },
      'b',
      '"b"',
    ],
    [
      'io.debezium.data.VariableScaleDecimal (a record of scale and bytes)',
      VARIABLE_SCALE_DECIMAL,
      { scale: 4, value: bytes(0xff, 0x85, 0xee) },
      '-3.1250',
    ],
    [
      'connect.name over logicalType when both are present',
      { type: 'long', logicalType: 'timestamp-millis', 'connect.name': 'io.debezium.time.MicroTimestamp' },
      1_000_001,
      '"1970-01-01 00:00:01.000001"',
    ],
  ])('renders %s by its connect.name, as the JSON path does', (_case, type, value, expected) => {
    expect(rowText(type, value)).toBe(`{"v":${expected}}`);
  });
});

describe('compileAvroReader: unions', () => {
  it.each([
    ['["null", T] holding null', ['null', 'string'], null, 'null'],
    ['["null", T] holding a value', ['null', 'string'], { string: 'a' }, '"a"'],
    ['[T, "null"] holding a value', ['long', 'null'], { long: 2n ** 62n }, '4611686018427387904'],
    ['a one-branch union, flattened', ['int'], { int: 3 }, '3'],
    [
      "a union of several types, as Confluent's Union struct",
      ['int', 'string', { type: 'record', name: 'Point', fields: [{ name: 'x', type: 'int' }] }],
      { string: 'a' },
      '{"int":null,"string":"a","Point":null}',
    ],
    [
      'a Union struct holding a record, named by its simple name',
      [
        'null',
        'int',
        { type: 'record', name: 'Point', namespace: 'geo', fields: [{ name: 'x', type: 'int' }] },
      ],
      { 'geo.Point': { x: 4 } },
      '{"int":null,"Point":{"x":4}}',
    ],
    ['an optional Union struct holding null', ['null', 'int', 'string'], null, 'null'],
    [
      'a Union struct holding a logical type, named by its Avro type',
      ['string', { type: 'long', logicalType: 'timestamp-millis' }],
      { long: 0 },
      '{"string":null,"long":"1970-01-01 00:00:00"}',
    ],
  ])('reads %s', (_case, type, value, expected) => {
    expect(rowText(type, value)).toBe(`{"v":${expected}}`);
  });

  it('gives a null field its Avro default, as Connect does for a field with a default', () => {
    const schema = rowSchema(['string', 'null'], [{ name: 'w', type: ['null', 'int'], default: null }]);
    schema.fields[0] = { name: 'v', type: ['string', 'null'], default: 'false' } as never;
    const { read, json } = readBoth(schema, { v: null, w: null });
    expect(read.value).toEqual({ v: 'false', w: null });
    expect(json).toBe('{"v":"false","w":null}');
  });
});

describe('compileAvroReader: nested types', () => {
  const lineSchema = {
    type: 'record',
    name: 'Line',
    fields: [
      { name: 'sku', type: 'string' },
      { name: 'qty', type: 'int' },
    ],
  };

  it('reads records in records, arrays and maps, fields in schema order', () => {
    const schema = {
      type: 'record',
      name: 'Order',
      namespace: 'shop',
      fields: [
        { name: 'lines', type: { type: 'array', items: lineSchema } },
        { name: 'tags', type: { type: 'map', values: { type: 'array', items: 'string' } } },
        { name: 'first', type: ['null', 'Line'], default: null },
        { name: 'empty', type: { type: 'array', items: 'long' } },
      ],
    };
    const value = {
      lines: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2 },
      ],
      tags: { red: ['x'], blue: [] },
      first: { 'shop.Line': { sku: 'a', qty: 1 } },
      empty: [],
    };
    const { read, json } = readBoth(schema, value);
    expect(read.value).toEqual({ ...value, first: { sku: 'a', qty: 1 } });
    expect(json).toBe(JSON.stringify(read.value));
    expect(read.schemaName).toBe('shop.Order');
  });

  it('writes map keys in the order the object path holds them: integer keys first, a repeated key once', () => {
    const json = rowText({ type: 'map', values: 'int' }, { b: 1, 10: 2, 2: 3 });
    expect(json).toBe('{"v":{"2":3,"10":2,"b":1}}');
    // A key written twice (possible in Avro's bytes) keeps its first place and its last value.
    const schema = rowSchema({ type: 'map', values: 'int' });
    const twice = Buffer.from([4, 2, 0x61, 2, 2, 0x62, 4, 2, 2, 0x61, 6, 0]);
    const reader = compileAvroReader(registrySchema(SCHEMA_ID, schema));
    const value = framed(SCHEMA_ID, twice);
    expect(reader.readJson(avroRecord(value), value, 5)).toBe('{"v":{"a":3,"b":2}}');
    expect(reader.read(avroRecord(value), value, 5).value).toEqual({ v: { a: 3, b: 2 } });
  });

  it('keeps a map key named __proto__, as JSON.parse and Java keep it', () => {
    const map = Object.defineProperty({} as Record<string, number>, '__proto__', {
      value: 4,
      enumerable: true,
    });
    expect(rowText({ type: 'map', values: 'int' }, map)).toBe('{"v":{"__proto__":4}}');
  });

  it('reads a map Connect wrote as MapEntry records: pairs for int keys, an object for string keys', () => {
    const entry = (name: string, key: string) => ({
      type: 'array',
      items: {
        type: 'record',
        name,
        namespace: 'custom',
        fields: [
          { name: 'key', type: key },
          { name: 'value', type: 'string' },
        ],
        'connect.internal.type': 'MapEntry',
      },
    });
    expect(rowText(entry('MapEntry', 'int'), [{ key: 1, value: 'a' }])).toBe('{"v":[[1,"a"]]}');
    expect(rowText(entry('MapEntry', 'string'), [{ key: 'k', value: 'a' }])).toBe('{"v":{"k":"a"}}');
  });

  it('reads blocks written with their byte size (a negative count), as Avro allows', () => {
    const reader = compileAvroReader(registrySchema(SCHEMA_ID, rowSchema({ type: 'array', items: 'int' })));
    // Block of -2 items (zig-zag 3) of 2 bytes (zig-zag 4): 1, 2; then a block of 1 item: 3; then the end.
    const value = framed(SCHEMA_ID, bytes(3, 4, 2, 4, 2, 6, 0));
    expect(reader.read(avroRecord(value), value, 5).value).toEqual({ v: [1, 2, 3] });
    expect(reader.readJson(avroRecord(value), value, 5)).toBe('{"v":[1,2,3]}');
  });

  it('reads a recursive record', () => {
    const schema = {
      type: 'record',
      name: 'Node',
      fields: [
        { name: 'id', type: 'int' },
        { name: 'next', type: ['null', 'Node'], default: null },
      ],
    };
    const { read, json } = readBoth(schema, { id: 1, next: { Node: { id: 2, next: null } } });
    expect(read.value).toEqual({ id: 1, next: { id: 2, next: null } });
    expect(json).toBe('{"id":1,"next":{"id":2,"next":null}}');
  });

  it('names the schema by connect.name when present, else by the record full name', () => {
    const named = { ...rowSchema('int'), 'connect.name': 'server.public.orders.Value' };
    expect(readBoth(named, { v: 1 }).read.schemaName).toBe('server.public.orders.Value');
    expect(readBoth(rowSchema('int'), { v: 1 }).read.schemaName).toBe('shop.Row');
    expect(readBoth('string', 'plain').read).toEqual({ value: 'plain', schemaName: undefined });
  });
});

describe('compileAvroReader: references and evolution', () => {
  const address = {
    type: 'record',
    name: 'Address',
    namespace: 'com.acme',
    fields: [
      { name: 'city', type: 'string' },
      { name: 'country', type: 'com.acme.Country' },
    ],
  };
  const country = { type: 'enum', name: 'Country', namespace: 'com.acme', symbols: ['FR', 'US'] };

  it('registers referenced types, depth first, so the schema names them', () => {
    const customer = {
      type: 'record',
      name: 'Customer',
      namespace: 'com.acme',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'home', type: 'com.acme.Address' },
      ],
    };
    const schema = registrySchema(20, customer, [
      {
        name: 'com.acme.Address',
        schema: registrySchema(19, address, [
          { name: 'com.acme.Country', schema: registrySchema(18, country) },
        ]),
      },
    ]);
    const reader = compileAvroReader(schema);
    const body = encoderOf(customer, [country, address]).toBuffer({
      id: 5,
      home: { city: 'Paris', country: 'FR' },
    });
    const value = framed(20, body);
    expect(reader.read(avroRecord(value), value, 5).value).toEqual({
      id: 5,
      home: { city: 'Paris', country: 'FR' },
    });
    expect(reader.readJson(avroRecord(value), value, 5)).toBe(
      '{"id":5,"home":{"city":"Paris","country":"FR"}}',
    );
  });

  it('reads each version of an evolved schema with its own reader', () => {
    const v1 = rowSchema('int');
    const v2 = rowSchema('int', [{ name: 'note', type: ['null', 'string'], default: null }]);
    const reader1 = compileAvroReader(registrySchema(1, v1));
    const reader2 = compileAvroReader(registrySchema(2, v2));
    const old = framed(1, encoderOf(v1).toBuffer({ v: 1 }));
    const current = framed(2, encoderOf(v2).toBuffer({ v: 2, note: { string: 'n' } }));
    expect(reader1.read(avroRecord(old), old, 5).value).toEqual({ v: 1 });
    expect(reader2.read(avroRecord(current), current, 5).value).toEqual({ v: 2, note: 'n' });
    expect(reader2.readJson(avroRecord(current), current, 5)).toBe('{"v":2,"note":"n"}');
    // A value read with the other version's schema does not match it.
    expect(() => reader1.read(avroRecord(current), current, 5)).toThrow(
      'follow the Avro value of schema id 1',
    );
  });

  it.each([
    ['text that is not JSON', '{"type":', 'the Avro schema is not valid JSON'],
    [
      'an unknown type name',
      JSON.stringify(rowSchema('com.acme.Missing')),
      'the Avro schema is not valid: undefined type name',
    ],
    [
      'a record without fields',
      JSON.stringify({ type: 'record', name: 'R' }),
      'the Avro schema is not valid',
    ],
  ])('refuses a schema that is %s', (_case, text, message) => {
    const schema = { ...registrySchema(3, {}), text };
    expect(() => compileAvroReader(schema)).toThrow(message);
  });
});

describe('compileAvroReader: bytes that do not match the schema', () => {
  const schema = rowSchema('string', [
    { name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED'] } },
    { name: 'opt', type: ['null', 'int'] },
  ]);
  const good = encoderOf(schema).toBuffer({ v: 'abc', color: 'RED', opt: { int: 1 } });
  const position = 'record orders.avro-2@41 (topic "orders.avro", partition 2, offset 41)';

  it.each([
    [
      'truncated',
      good.subarray(0, good.length - 1),
      'the Avro value ends before its schema id 9 says it does',
    ],
    ['cut inside a string', good.subarray(0, 2), 'the Avro value ends before its schema id 9 says it does'],
    [
      'followed by trailing bytes',
      Buffer.concat([good, bytes(0)]),
      '1 byte follow the Avro value of schema id 9',
    ],
    ['an enum index out of range', bytes(0, 2, 0), 'not a value of Avro schema id 9'],
    ['a union branch out of range', bytes(0, 0, 6, 2), 'not a value of Avro schema id 9'],
    ['a negative string length', bytes(1), 'schema id 9'],
  ])('fails a value %s, naming the record and the schema id', (_case, avroBytes, message) => {
    const reader = compileAvroReader(registrySchema(9, schema));
    const value = framed(9, avroBytes);
    const body = new JsonOutput();
    for (const read of [
      () => reader.read(avroRecord(value), value, 5),
      () => reader.readJson(avroRecord(value), value, 5),
      () => reader.appendJson(avroRecord(value), value, 5, body),
    ]) {
      expect(read).toThrow(RecordError);
      expect(read).toThrow(position);
      expect(read).toThrow(message);
    }
    // A row that fails leaves nothing of itself in the body.
    expect(body.len).toBe(0);
  });

  it.each([
    ['an array', { type: 'array', items: 'string' }],
    ['a map', { type: 'map', values: 'string' }],
    ['an array of nulls', { type: 'array', items: 'null' }],
  ])(
    'fails %s whose block count is past what its bytes could hold, without reading that many items',
    (_case, type) => {
      const reader = compileAvroReader(registrySchema(9, rowSchema(type)));
      // A count of 2^40 - 1 (zig-zag varint), then nothing.
      const value = framed(9, bytes(0xfe, 0xff, 0xff, 0xff, 0xff, 0x3f));
      expect(() => reader.read(avroRecord(value), value, 5)).toThrow('schema id 9');
      expect(() => reader.readJson(avroRecord(value), value, 5)).toThrow('schema id 9');
    },
  );

  it('fails a recursive value nested deeper than the stack, naming the record', () => {
    const list = {
      type: 'record',
      name: 'Node',
      fields: [{ name: 'next', type: ['null', 'Node'] }],
    };
    const reader = compileAvroReader(registrySchema(9, list));
    // Branch 1 (a Node) a million times, then branch 0 (null).
    const value = framed(9, Buffer.concat([Buffer.alloc(1_000_000, 2), bytes(0)]));
    for (const read of [
      () => reader.read(avroRecord(value), value, 5),
      () => reader.readJson(avroRecord(value), value, 5),
    ]) {
      expect(read).toThrow(RecordError);
      expect(read).toThrow('a recursive type nests too deep to read');
    }
  });

  it('names a Glue schema by its version', () => {
    const reader = compileAvroReader({
      ...registrySchema(9, rowSchema('int')),
      registry: 'glue',
      id: 'b7f3c0de-1',
    });
    const value = Buffer.concat([Buffer.alloc(18), bytes()]);
    expect(() => reader.readJson(avroRecord(value), value, 18)).toThrow(
      'ends before its schema version b7f3c0de-1 says',
    );
  });

  it('fails a logical value that cannot be rendered, naming its field path and logical type', () => {
    const decimal = { type: 'bytes', logicalType: 'decimal', precision: 4, scale: 2 };
    const nested = rowSchema({
      type: 'record',
      name: 'Inner',
      fields: [{ name: 'amounts', type: { type: 'array', items: decimal } }],
    });
    const reader = compileAvroReader(registrySchema(9, nested));
    const value = framed(9, encoderOf(nested).toBuffer({ v: { amounts: [bytes(1), bytes()] } }));
    const message =
      'field "v.amounts[1]" of logical type org.apache.kafka.connect.data.Decimal (Avro schema id 9): empty decimal bytes';
    expect(() => reader.read(avroRecord(value), value, 5)).toThrow(message);
    expect(() => reader.readJson(avroRecord(value), value, 5)).toThrow(message);
  });
});
