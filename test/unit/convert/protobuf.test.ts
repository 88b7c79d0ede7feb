import { common, type INamespace, parse, Root, type Type, util } from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { formatEpochMillis, formatInstant } from '../../../lib/convert/logical-types.ts';
import { compileProtobufReader } from '../../../lib/convert/protobuf.ts';
import type { ProtobufReaderOptions } from '../../../lib/convert/protobuf-values.ts';
import type { KafkaRecord } from '../../../lib/decode/event.ts';
import type { RegistryKind, RegistrySchema } from '../../../lib/decode/schema-registry/registry-schema.ts';
import { RecordError } from '../../../lib/errors.ts';
import { recordWithValue } from '../../support/records.ts';

// Test messages are encoded by protobufjs from a Root the test builds itself (each file parsed,
// the well-known ones taken from protobufjs' bundle, which names Struct's fields in camelCase),
// never through the reader's own compiler.

const GLUE_VERSION = '0f8e2a3c-4b5d-4e6f-8a9b-0c1d2e3f4a5b';

function encodingRoot(texts: readonly string[], bundled: readonly string[] = []): Root {
  const root = new Root();
  for (const path of bundled) {
    const file = (common as unknown as Record<string, INamespace>)[path];
    if (file?.nested === undefined) throw new Error(`protobufjs bundles no ${path}`);
    root.addJSON(file.nested);
  }
  for (const text of texts) parse(text, root, { keepCase: true });
  root.resolveAll();
  return root;
}

function encode(root: Root, typeName: string, object: Record<string, unknown>): Buffer {
  const type: Type = root.lookupType(typeName);
  return Buffer.from(type.encode(type.fromObject(object)).finish());
}

function zigZag(n: number): number[] {
  const bytes: number[] = [];
  let v = ((n << 1) ^ (n >> 31)) >>> 0;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return bytes;
}

function unsignedVarint(n: number): number[] {
  const bytes: number[] = [];
  let v = n >>> 0;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return bytes;
}

/** Confluent's framing: magic 0, the id, the message indexes (`'shortcut'`: the single byte 0). */
function confluentFrame(id: number, indexes: readonly number[] | 'shortcut', body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  const indexBytes = indexes === 'shortcut' ? [0] : [indexes.length, ...indexes].flatMap(zigZag);
  return Buffer.concat([header, Buffer.from(indexBytes), body]);
}

/** Glue's framing: version 3, no compression, the schema version UUID, one unsigned varint index. */
function glueFrame(index: number, body: Buffer): Buffer {
  const uuid = Buffer.from(GLUE_VERSION.replaceAll('-', ''), 'hex');
  return Buffer.concat([Buffer.from([3, 0]), uuid, Buffer.from(unsignedVarint(index)), body]);
}

function kafkaRecord(value: Buffer, offset = 7): KafkaRecord {
  return recordWithValue(value, { offset });
}

function registrySchema(
  text: string,
  options: { registry?: RegistryKind; references?: Record<string, string> } = {},
): RegistrySchema {
  const registry = options.registry ?? 'confluent';
  return {
    registry,
    id: registry === 'confluent' ? '42' : GLUE_VERSION,
    format: 'protobuf',
    text,
    references: Object.entries(options.references ?? {}).map(([name, referenced]) => ({
      name,
      schema: { registry, id: `${name}-1`, format: 'protobuf', text: referenced, references: [] },
    })),
  };
}

/** Reads a Confluent-framed value with the reader compiled from `text`; the row as JSON text. */
function readConfluent(
  text: string,
  body: Buffer,
  indexes: readonly number[] | 'shortcut' = 'shortcut',
  options: ProtobufReaderOptions & { references?: Record<string, string> } = {},
): { json: string; schemaName: string | undefined } {
  const reader = compileProtobufReader(
    registrySchema(text, { references: options.references ?? {} }),
    options,
  );
  const framed = confluentFrame(42, indexes, body);
  const { value, schemaName } = reader.read(kafkaRecord(framed), framed, 5);
  return { json: JSON.stringify(value), schemaName };
}

function rowOf(
  text: string,
  typeName: string,
  object: Record<string, unknown>,
  options: ProtobufReaderOptions = {},
) {
  const body = encode(encodingRoot([text]), typeName, object);
  return JSON.parse(readConfluent(text, body, 'shortcut', options).json) as Record<string, unknown>;
}

const SCALARS = `syntax = "proto3";
package acme.v1;
message Scalars {
  int32 i32 = 1; sint32 s32 = 2; sfixed32 sf32 = 3; uint32 u32 = 4; fixed32 f32 = 5;
  int64 i64 = 6; sint64 s64 = 7; sfixed64 sf64 = 8; uint64 u64 = 9; fixed64 f64 = 10;
  float fl = 11; double db = 12; bool flag = 13; string text = 14; bytes raw = 15;
}`;

describe('compileProtobufReader: scalars', () => {
  it.each([
    ['int32', 'i32', -5, '-5'],
    ['sint32', 's32', -2147483648, '-2147483648'],
    ['sfixed32', 'sf32', 2147483647, '2147483647'],
    ['uint32 beyond 2^31', 'u32', 4294967295, '4294967295'],
    ['fixed32 beyond 2^31', 'f32', 3000000000, '3000000000'],
    ['int64 within 2^53', 'i64', '9007199254740991', '9007199254740991'],
    ['int64 beyond 2^53', 'i64', '9007199254740993', '9007199254740993'],
    ['negative int64 beyond 2^53', 'i64', '-9007199254740993', '-9007199254740993'],
    ['int64 minimum', 'i64', '-9223372036854775808', '-9223372036854775808'],
    ['sint64 beyond 2^53', 's64', '-1234567890123456789', '-1234567890123456789'],
    ['sfixed64 maximum', 'sf64', '9223372036854775807', '9223372036854775807'],
    ['uint64 beyond 2^63', 'u64', '18446744073709551615', '18446744073709551615'],
    ['uint64 just past 2^63', 'u64', '9223372036854775808', '9223372036854775808'],
    ['fixed64 beyond 2^63', 'f64', '12345678901234567890', '12345678901234567890'],
    ['small fixed64', 'f64', '12', '12'],
    ['float as its shortest decimal', 'fl', 0.1, '0.1'],
    ['float with eight digits', 'fl', 1.2345678, '1.2345678'],
    ['whole float', 'fl', -250, '-250'],
    ['double', 'db', 0.1, '0.1'],
    ['double beyond a float', 'db', 1.2345678901234567e300, '1.2345678901234567e+300'],
    ['bool', 'flag', true, 'true'],
    ['string', 'text', '北京 "quoted"', '"北京 \\"quoted\\""'],
    ['bytes as base64', 'raw', Buffer.from([0, 1, 254, 255]).toString('base64'), '"AAH+/w=="'],
  ])('reads %s', (_case, field, input, expectedJson) => {
    const body = encode(encodingRoot([SCALARS]), 'acme.v1.Scalars', { [field]: input });
    const { json } = readConfluent(SCALARS, body);
    expect(json).toContain(`"${field}":${expectedJson}`);
  });

  it('gives every absent proto3 scalar its default, in declaration order', () => {
    const { json, schemaName } = readConfluent(SCALARS, Buffer.alloc(0));
    expect(json).toBe(
      '{"i32":0,"s32":0,"sf32":0,"u32":0,"f32":0,"i64":0,"s64":0,"sf64":0,"u64":0,"f64":0,"fl":0,"db":0,"flag":false,"text":"","raw":""}',
    );
    expect(schemaName).toBe('acme.v1.Scalars');
  });
});

const PRESENCE = `syntax = "proto3";
message Presence {
  optional int32 maybe = 1;
  optional string maybe_text = 2;
  Inner inner = 3;
  repeated int32 numbers = 4;
  repeated Inner inners = 5;
  repeated string words = 6;
  repeated int64 ids = 7;
  repeated bytes blobs = 8;
  repeated float ratios = 9;
  message Inner { int32 n = 1; }
}`;

const PROTO2 = `syntax = "proto2";
message Legacy {
  optional int32 plain = 1;
  optional int32 with_default = 2 [default = 5];
  required string id = 3;
  optional Kind kind = 4;
  repeated int32 numbers = 5 [packed = false];
  enum Kind { FIRST = 1; SECOND = 2; }
}`;

describe('compileProtobufReader: presence and repetition', () => {
  it.each([
    [
      'absent optional scalars and an absent message as null',
      {},
      { maybe: null, maybe_text: null, inner: null },
    ],
    ['a set optional scalar holding its default', { maybe: 0, maybe_text: '' }, { maybe: 0, maybe_text: '' }],
    ['a set empty message as a struct of defaults', { inner: {} }, { inner: { n: 0 } }],
    ['absent repeated fields as empty arrays', {}, { numbers: [], inners: [], words: [] }],
    [
      'repeated scalars, messages and strings in order',
      { numbers: [3, -1, 2], inners: [{ n: 1 }, {}], words: ['b', 'a'] },
      { numbers: [3, -1, 2], inners: [{ n: 1 }, { n: 0 }], words: ['b', 'a'] },
    ],
  ])('reads %s', (_case, input, expected) => {
    expect(rowOf(PRESENCE, 'Presence', input)).toMatchObject(expected);
  });

  it('reads packed repeated int64, bytes and floats element by element, the int64s exact', () => {
    const input = { ids: ['9007199254740993', '-1'], blobs: ['AQ==', ''], ratios: [0.1, 2.5] };
    const body = encode(encodingRoot([PRESENCE]), 'Presence', input);
    expect(readConfluent(PRESENCE, body).json).toContain(
      '"ids":[9007199254740993,-1],"blobs":["AQ==",""],"ratios":[0.1,2.5]',
    );
  });

  it.each([
    [
      'absent proto2 optionals as null',
      { id: 'a' },
      { plain: null, with_default: null, id: 'a', kind: null },
    ],
    [
      'set proto2 optionals',
      { id: 'a', plain: 0, with_default: 7, kind: 2 },
      { plain: 0, with_default: 7, kind: 'SECOND' },
    ],
    ['unpacked repeated proto2 numbers', { id: 'a', numbers: [1, 2] }, { numbers: [1, 2] }],
  ])('reads %s', (_case, input, expected) => {
    expect(rowOf(PROTO2, 'Legacy', input)).toMatchObject(expected);
  });

  it('fails a proto2 message without its required field, naming the schema and the message', () => {
    const body = encode(encodingRoot([PROTO2]), 'Legacy', { id: 'a', plain: 1 }).subarray(0, 2);
    expect(() => readConfluent(PROTO2, body)).toThrow(
      /^record orders\.v1-3@7 \(topic "orders\.v1", partition 3, offset 7\): Protobuf schema 42, message Legacy \(index \[0\]\): the bytes are not a valid Legacy \(missing required 'id'\)/,
    );
  });
});

const ENUMS = `syntax = "proto3";
message Ticket {
  Status status = 1;
  repeated Status history = 2;
  enum Status { option allow_alias = true; OPEN = 0; STARTED = 1; RUNNING = 1; DONE = 2; }
}`;

describe('compileProtobufReader: enums', () => {
  it.each([
    ['an absent enum as its first symbol', {}, {}, { status: 'OPEN', history: [] }],
    ['a symbol', { status: 2 }, {}, { status: 'DONE', history: [] }],
    ['an aliased number as the symbol declared first', { status: 1 }, {}, { status: 'STARTED', history: [] }],
    ['repeated enums', { history: [0, 2] }, {}, { status: 'OPEN', history: ['OPEN', 'DONE'] }],
    [
      'a number with no symbol as Java names it',
      { status: 7 },
      {},
      { status: 'UNKNOWN_ENUM_VALUE_Status_7', history: [] },
    ],
    [
      'enums as numbers under int.for.enums',
      { status: 2, history: [1] },
      { intForEnums: true },
      { status: 2, history: [1] },
    ],
  ])('reads %s', (_case, input, options, expected) => {
    expect(rowOf(ENUMS, 'Ticket', input, options)).toEqual(expected);
  });
});

const MAPS = `syntax = "proto3";
message Maps {
  map<string, int64> by_name = 1;
  map<int32, string> by_int = 2;
  map<int64, string> by_long = 3;
  map<uint64, bool> by_ulong = 4;
  map<bool, Point> by_flag = 5;
  map<string, Point> points = 6;
  message Point { int32 x = 1; int32 y = 2; }
}`;

describe('compileProtobufReader: maps', () => {
  it.each([
    [
      'string keys as an object',
      { by_name: { a: '1', b: '9007199254740993' } },
      'by_name',
      '{"a":1,"b":9007199254740993}',
    ],
    ['a "__proto__" key as a plain key', { by_name: { ['__proto__']: '1' } }, 'by_name', '{"__proto__":1}'],
    ['int32 keys as [key, value] pairs', { by_int: { '-3': 'x', 5: 'y' } }, 'by_int', '[[5,"y"],[-3,"x"]]'],
    [
      'int64 keys beyond 2^53',
      { by_long: { '-9007199254740993': 'x' } },
      'by_long',
      '[[-9007199254740993,"x"]]',
    ],
    [
      'uint64 keys beyond 2^63',
      { by_ulong: { '18446744073709551615': true } },
      'by_ulong',
      '[[18446744073709551615,true]]',
    ],
    ['bool keys with message values', { by_flag: { true: { x: 1 } } }, 'by_flag', '[[true,{"x":1,"y":0}]]'],
    ['message values under string keys', { points: { p: { y: 2 } } }, 'points', '{"p":{"x":0,"y":2}}'],
    ['an absent map as empty', {}, 'by_int', '[]'],
  ])('reads %s', (_case, input, field, expectedJson) => {
    const body = encode(encodingRoot([MAPS]), 'Maps', input);
    expect(readConfluent(MAPS, body).json).toContain(`"${field}":${expectedJson}`);
  });

  it.each([
    [
      'string keys as an object, the later of two equal keys winning',
      { labels: [{ key: 'a', value: '1' }, { key: 'b' }, { key: 'a', value: '2' }] },
      '"labels":{"a":"2","b":""}',
    ],
    [
      'int64 keys as pairs',
      { counts: [{ key: '9007199254740993', value: { n: 1 } }, { key: '2' }] },
      '"counts":[[9007199254740993,{"n":1}],[2,{"n":0}]]',
    ],
    [
      'a repeated message that is not entry-shaped as an array',
      { points: [{ key: 'k', value: 'v', extra: 1 }] },
      '"points":[{"key":"k","value":"v","extra":1}]',
    ],
  ])('reads a spelled-out map entry type as ProtobufData does: %s', (_case, input, expectedJson) => {
    const text = `syntax = "proto3";
message Spelled {
  repeated LabelsEntry labels = 1;
  repeated CountsEntry counts = 2;
  repeated PointEntry points = 3;
  message LabelsEntry { string key = 1; string value = 2; }
  message CountsEntry { int64 key = 1; Count value = 2; }
  message PointEntry { string key = 1; string value = 2; int32 extra = 3; }
  message Count { int32 n = 1; }
}`;
    const body = encode(encodingRoot([text]), 'Spelled', input);
    expect(readConfluent(text, body).json).toContain(expectedJson);
  });

  it('reads an entry without a key as the key type default', () => {
    // by_long = 3: one entry holding only its value (field 2, "v").
    const body = Buffer.from([0x1a, 0x03, 0x12, 0x01, 0x76]);
    expect(readConfluent(MAPS, body).json).toContain('"by_long":[[0,"v"]]');
  });
});

const ONEOFS = `syntax = "proto3";
message Payment {
  string id = 1;
  oneof method { string card = 2; int64 cash_cents = 3; Voucher voucher = 4; }
  optional string note = 5;
  oneof channel { string web = 6; string shop = 7; }
  message Voucher { string code = 1; }
}`;

describe('compileProtobufReader: oneof', () => {
  it.each([
    [
      'the set member in a struct named after the oneof and its index, the oneofs first',
      { id: 'p1', cash_cents: '9007199254740993', web: 'w' },
      {},
      '{"method_0":{"card":null,"cash_cents":9007199254740993,"voucher":null},"channel_1":{"web":"w","shop":null},"id":"p1","note":null}',
    ],
    ['an unset oneof as null', { id: 'p2' }, {}, '{"method_0":null,"channel_1":null,"id":"p2","note":null}'],
    [
      'a message member',
      { voucher: { code: 'V' } },
      {},
      '{"method_0":{"card":null,"cash_cents":null,"voucher":{"code":"V"}},"channel_1":null,"id":"","note":null}',
    ],
    [
      'the oneof named without index under generate.index.for.unions=false',
      { card: 'c' },
      { generateIndexForUnions: false },
      '{"method":{"card":"c","cash_cents":null,"voucher":null},"channel":null,"id":"","note":null}',
    ],
    [
      'members as fields of the message under flatten.unions',
      { card: 'c', shop: 's' },
      { flattenUnions: true },
      '{"card":"c","cash_cents":null,"voucher":null,"web":null,"shop":"s","id":"","note":null}',
    ],
  ])('reads %s', (_case, input, options, expectedJson) => {
    const body = encode(encodingRoot([ONEOFS]), 'Payment', input);
    expect(readConfluent(ONEOFS, body, 'shortcut', options).json).toBe(expectedJson);
  });
});

const WELL_KNOWN = `syntax = "proto3";
package shop;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/any.proto";
import "google/protobuf/empty.proto";
import "google/type/date.proto";
import "google/type/timeofday.proto";
import "confluent/type/decimal.proto";
message Event {
  google.protobuf.Timestamp at = 1;
  google.protobuf.Duration took = 2;
  google.protobuf.Int64Value big = 3;
  google.protobuf.StringValue label = 4;
  google.protobuf.UInt32Value count = 5;
  google.protobuf.BytesValue blob = 6;
  google.protobuf.Struct attributes = 7;
  google.protobuf.Any extra = 8;
  google.protobuf.Empty nothing = 9;
  google.type.Date day = 10;
  google.type.TimeOfDay opens = 11;
  confluent.type.Decimal amount = 12;
  repeated google.protobuf.Timestamp times = 13;
  google.protobuf.FloatValue ratio = 14;
}`;
const DATE_PROTO =
  'syntax = "proto3"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; }';
const TIME_PROTO =
  'syntax = "proto3"; package google.type; message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }';
const DECIMAL_PROTO =
  'syntax = "proto3"; package confluent.type; message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }';
const WELL_KNOWN_ROOT = () =>
  encodingRoot(
    [DATE_PROTO, TIME_PROTO, DECIMAL_PROTO, WELL_KNOWN],
    [
      'google/protobuf/timestamp.proto',
      'google/protobuf/duration.proto',
      'google/protobuf/wrappers.proto',
      'google/protobuf/struct.proto',
      'google/protobuf/any.proto',
      'google/protobuf/empty.proto',
    ],
  );

function readEvent(input: Record<string, unknown>, options: ProtobufReaderOptions = {}): string {
  return readConfluent(WELL_KNOWN, encode(WELL_KNOWN_ROOT(), 'shop.Event', input), 'shortcut', options).json;
}

function unscaledBase64(unscaled: bigint, length: number): string {
  const bytes = Buffer.alloc(length);
  let rest = BigInt.asUintN(length * 8, unscaled);
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes.toString('base64');
}

describe('compileProtobufReader: well-known types', () => {
  it.each([
    [
      'a Timestamp as DATETIME text in milliseconds',
      { at: { seconds: 1704164645, nanos: 123456789 } },
      '"at":"2024-01-02 03:04:05.123"',
    ],
    ['a Timestamp on a whole second', { at: { seconds: 1704164645 } }, '"at":"2024-01-02 03:04:05"'],
    ['a Timestamp before 1970', { at: { seconds: -1, nanos: 500000000 } }, '"at":"1969-12-31 23:59:59.5"'],
    ['an empty Timestamp as the epoch', { at: {} }, '"at":"1970-01-01 00:00:00"'],
    [
      'repeated Timestamps',
      { times: [{ seconds: 0 }, { seconds: 86400 }] },
      '"times":["1970-01-01 00:00:00","1970-01-02 00:00:00"]',
    ],
    [
      'a Duration as its struct',
      { took: { seconds: '9007199254740993', nanos: 5 } },
      '"took":{"seconds":9007199254740993,"nanos":5}',
    ],
    [
      'a wrapper as its struct by default',
      { big: { value: '9007199254740993' } },
      '"big":{"value":9007199254740993}',
    ],
    ['an absent wrapper as null', {}, '"label":null'],
    [
      "a Struct as ProtobufData's nested structs",
      { attributes: { fields: { k: { numberValue: 1.5 }, n: { nullValue: 0 } } } },
      '"attributes":{"fields":{"k":{"kind_0":{"null_value":null,"number_value":1.5,"string_value":null,"bool_value":null,"struct_value":null,"list_value":null}},"n":{"kind_0":{"null_value":"NULL_VALUE","number_value":null,"string_value":null,"bool_value":null,"struct_value":null,"list_value":null}}}}',
    ],
    [
      'an Any as its type URL and base64 value',
      { extra: { type_url: 'type.googleapis.com/x.Y', value: 'AQI=' } },
      '"extra":{"type_url":"type.googleapis.com/x.Y","value":"AQI="}',
    ],
    ['an Empty as an empty struct', { nothing: {} }, '"nothing":{}'],
    ['a google.type.Date as a date', { day: { year: 2024, month: 2, day: 29 } }, '"day":"2024-02-29"'],
    [
      'a google.type.TimeOfDay in milliseconds',
      { opens: { hours: 9, minutes: 5, seconds: 7, nanos: 120999999 } },
      '"opens":"09:05:07.12"',
    ],
    [
      'a Decimal as an exact number',
      { amount: { value: unscaledBase64(12345678901234567891n, 9), scale: 2 } },
      '"amount":123456789012345678.91',
    ],
    ['a negative Decimal', { amount: { value: unscaledBase64(-150n, 2), scale: 2 } }, '"amount":-1.50'],
    [
      'a Decimal with a negative scale',
      { amount: { value: unscaledBase64(12n, 1), scale: -3 } },
      '"amount":12000',
    ],
    [
      'a Decimal rounded half up to its precision',
      { amount: { value: unscaledBase64(12345n, 2), precision: 3, scale: 2 } },
      '"amount":123',
    ],
    [
      'a Decimal rounding up a digit',
      { amount: { value: unscaledBase64(9995n, 2), precision: 3, scale: 3 } },
      '"amount":10.0',
    ],
  ])('reads %s', (_case, input, expected) => {
    expect(readEvent(input)).toContain(expected);
  });

  it.each([
    ['an Int64Value beyond 2^53', { big: { value: '-9007199254740993' } }, '"big":-9007199254740993'],
    ['a StringValue', { label: { value: 'x' } }, '"label":"x"'],
    ['an empty StringValue as its default', { label: {} }, '"label":""'],
    ['a UInt32Value beyond 2^31', { count: { value: 4000000000 } }, '"count":4000000000'],
    ['a BytesValue as base64', { blob: { value: 'AQI=' } }, '"blob":"AQI="'],
    ['a FloatValue as its shortest decimal', { ratio: { value: 0.3 } }, '"ratio":0.3'],
    ['an absent wrapper as null', {}, '"big":null'],
  ])('reads %s under wrapper.for.nullables', (_case, input, expected) => {
    expect(readEvent(input, { wrapperForNullables: true })).toContain(expected);
  });

  it.each([
    [
      'a Timestamp past year 9999',
      { at: { seconds: '253402300800' } },
      'field "at": google.protobuf.Timestamp {seconds: 253402300800, nanos: 0} is not a valid timestamp',
    ],
    [
      'a Timestamp with negative nanos',
      { times: [{}, { nanos: -1 }] },
      'field "times[1]": google.protobuf.Timestamp {seconds: 0, nanos: -1}',
    ],
    [
      'a Date with month 13',
      { day: { year: 2024, month: 13, day: 1 } },
      'field "day": google.type.Date {year: 2024, month: 13, day: 1} is not a calendar date',
    ],
    ['an unspecified Date', { day: {} }, 'field "day": google.type.Date {year: 0, month: 0, day: 0}'],
    [
      'a TimeOfDay of 24:00',
      { opens: { hours: 24 } },
      'field "opens": google.type.TimeOfDay {hours: 24, minutes: 0, seconds: 0, nanos: 0} is not a time of day',
    ],
    [
      'a Decimal without bytes',
      { amount: { scale: 2 } },
      'field "amount": confluent.type.Decimal has no value bytes',
    ],
  ])('fails %s, naming the schema, message and field', (_case, input, reason) => {
    expect(() => readEvent(input)).toThrow(RecordError);
    expect(() => readEvent(input)).toThrow(
      `record orders.v1-3@7 (topic "orders.v1", partition 3, offset 7): Protobuf schema 42, message shop.Event: ${reason}`,
    );
  });
});

describe('compileProtobufReader: Connect types from field metadata', () => {
  const META = `syntax = "proto3";
import "confluent/meta.proto";
message Narrow {
  int32 tiny = 1 [(confluent.field_meta).params = { key: "connect.type", value: "int8" }];
  int32 short = 2 [(confluent.field_meta) = { params: [ { key: "connect.type", value: "int16" } ] }];
}`;
  it('reads int32 fields marked int8 and int16 as those widths, as ProtobufData narrows them', () => {
    const plain = 'syntax = "proto3"; message Narrow { int32 tiny = 1; int32 short = 2; }';
    const body = encode(encodingRoot([plain]), 'Narrow', { tiny: -5, short: 40000 });
    expect(readConfluent(META, body).json).toBe('{"tiny":-5,"short":-25536}');
  });
});

const NESTED = `syntax = "proto3";
package acme.v2;
message First { string a = 1; }
enum Color { RED = 0; }
message Second {
  string b = 1;
  map<string, string> tags = 2;
  enum Inner { X = 0; }
  message Deep { string c = 1; message Deeper { string d = 1; } }
  message Other { string e = 1; }
}`;

describe('compileProtobufReader: message selection', () => {
  const root = encodingRoot([NESTED]);
  it.each([
    ['the 0 shortcut as the first message', 'shortcut', 'acme.v2.First', { a: 'x' }, '{"a":"x"}'],
    ['[0] written in full', [0], 'acme.v2.First', { a: 'x' }, '{"a":"x"}'],
    ['[1], counting messages only', [1], 'acme.v2.Second', { b: 'y' }, '{"b":"y","tags":{}}'],
    ['[1, 0], a nested message', [1, 0], 'acme.v2.Second.Deep', { c: 'z' }, '{"c":"z"}'],
    ['[1, 1]', [1, 1], 'acme.v2.Second.Other', { e: 'o' }, '{"e":"o"}'],
    ['[1, 0, 0], two levels down', [1, 0, 0], 'acme.v2.Second.Deep.Deeper', { d: 'w' }, '{"d":"w"}'],
  ] as const)('selects %s (Confluent)', (_case, indexes, typeName, input, expectedJson) => {
    const body = encode(root, typeName, input);
    expect(readConfluent(NESTED, body, indexes)).toEqual({ json: expectedJson, schemaName: typeName });
  });

  it('reads records of several messages through one reader, each with its own message', () => {
    const reader = compileProtobufReader(registrySchema(NESTED));
    const values = [
      confluentFrame(42, [1, 0], encode(root, 'acme.v2.Second.Deep', { c: '1' })),
      confluentFrame(42, 'shortcut', encode(root, 'acme.v2.First', { a: '2' })),
      confluentFrame(42, [1, 0], encode(root, 'acme.v2.Second.Deep', { c: '3' })),
    ];
    const rows = values.map((value, i) => reader.read(kafkaRecord(value, i), value, 5));
    expect(rows).toEqual([
      { value: { c: '1' }, schemaName: 'acme.v2.Second.Deep' },
      { value: { a: '2' }, schemaName: 'acme.v2.First' },
      { value: { c: '3' }, schemaName: 'acme.v2.Second.Deep' },
    ]);
  });

  // Glue numbers every message of the file, map entries included, sorted by full name:
  // 0 First, 1 Second, 2 Second.Deep, 3 Second.Deep.Deeper, 4 Second.Other, 5 Second.TagsEntry.
  it.each([
    [0, 'acme.v2.First', { a: 'x' }, { a: 'x' }],
    [1, 'acme.v2.Second', { b: 'y', tags: { k: 'v' } }, { b: 'y', tags: { k: 'v' } }],
    [2, 'acme.v2.Second.Deep', { c: 'z' }, { c: 'z' }],
    [3, 'acme.v2.Second.Deep.Deeper', { d: 'w' }, { d: 'w' }],
    [4, 'acme.v2.Second.Other', { e: 'o' }, { e: 'o' }],
  ])('selects Glue message index %i as %s', (index, typeName, input, expected) => {
    const reader = compileProtobufReader(registrySchema(NESTED, { registry: 'glue' }));
    const framed = glueFrame(index, encode(root, typeName, input));
    expect(reader.read(kafkaRecord(framed), framed, 18)).toEqual({ value: expected, schemaName: typeName });
  });

  it('names Glue map entries after the field in UpperCamel case when counting', () => {
    const text = `syntax = "proto3"; package p;
      message A { map<string, string> order_lines = 1; message B {} }`;
    // A, A.B, A.OrderLinesEntry: index 1 is B, whatever the map's entry is called.
    const reader = compileProtobufReader(registrySchema(text, { registry: 'glue' }));
    const framed = glueFrame(1, Buffer.alloc(0));
    expect(reader.read(kafkaRecord(framed), framed, 18).schemaName).toBe('p.A.B');
    const entry = glueFrame(2, Buffer.alloc(0));
    expect(() => reader.read(kafkaRecord(entry), entry, 18)).toThrow(
      'the message index 2 names p.A.OrderLinesEntry, the entry type of a map field',
    );
  });
});

describe('compileProtobufReader: references', () => {
  const ADDRESS = `syntax = "proto3"; package common.v1;
import "common/country.proto";
message Address { string city = 1; Country country = 2; }`;
  const COUNTRY = 'syntax = "proto3"; package common.v1; enum Country { UNKNOWN = 0; NL = 1; }';
  const CUSTOMER = `syntax = "proto3"; package crm;
import "common/address.proto";
import "google/protobuf/timestamp.proto";
message Customer { string name = 1; common.v1.Address address = 2; google.protobuf.Timestamp since = 3; }`;

  it('resolves imports through the references, nested references included, and well-known types without one', () => {
    const root = encodingRoot([COUNTRY, ADDRESS, CUSTOMER], ['google/protobuf/timestamp.proto']);
    const body = encode(root, 'crm.Customer', {
      name: 'n',
      address: { city: 'Delft', country: 1 },
      since: { seconds: 60 },
    });
    const schema: RegistrySchema = {
      ...registrySchema(CUSTOMER),
      references: [
        {
          name: 'common/address.proto',
          schema: {
            ...registrySchema(ADDRESS),
            references: [{ name: 'common/country.proto', schema: registrySchema(COUNTRY) }],
          },
        },
      ],
    };
    const framed = confluentFrame(42, 'shortcut', body);
    expect(compileProtobufReader(schema).read(kafkaRecord(framed), framed, 5)).toEqual({
      value: { name: 'n', address: { city: 'Delft', country: 'NL' }, since: '1970-01-01 00:01:00' },
      schemaName: 'crm.Customer',
    });
  });

  it("lists the schema's top-level messages from its own file, not from an import sharing its package", () => {
    const shared = 'syntax = "proto3"; package crm; message Imported { string x = 1; }';
    const text = 'syntax = "proto3"; package crm; import "shared.proto"; message Own { Imported i = 1; }';
    const framed = confluentFrame(42, [1], Buffer.alloc(0));
    const reader = compileProtobufReader(registrySchema(text, { references: { 'shared.proto': shared } }));
    expect(() => reader.read(kafkaRecord(framed), framed, 5)).toThrow(
      'its top-level messages, counted from 0: crm.Own',
    );
  });

  it('counts message indexes in the imported file when the schema is only a public import of it', () => {
    const wrapper = 'syntax = "proto3";\nimport public "common/address.proto";\n';
    const root = encodingRoot([COUNTRY, ADDRESS]);
    const framed = confluentFrame(42, 'shortcut', encode(root, 'common.v1.Address', { city: 'Delft' }));
    const schema = registrySchema(wrapper, {
      references: { 'common/address.proto': ADDRESS, 'common/country.proto': COUNTRY },
    });
    expect(compileProtobufReader(schema).read(kafkaRecord(framed), framed, 5)).toEqual({
      value: { city: 'Delft', country: 'UNKNOWN' },
      schemaName: 'common.v1.Address',
    });
  });

  it.each([
    [
      'an import that is not among the references',
      CUSTOMER,
      {},
      '(the schema) imports "common/address.proto", which is neither among the schema\'s references (it has none) nor a well-known file',
    ],
    [
      'text that does not parse',
      'syntax = "proto3"; message { }',
      {},
      '(the schema) does not parse: illegal',
    ],
    [
      'a reference that does not parse',
      CUSTOMER,
      { 'common/address.proto': 'message {' },
      'common/address.proto does not parse',
    ],
    [
      'a type that does not resolve',
      'syntax = "proto3"; message A { Missing m = 1; }',
      {},
      "the schema does not resolve: no such Type or Enum 'Missing'",
    ],
    ['a file without messages', 'syntax = "proto3"; enum E { A = 0; }', {}, 'the schema declares no message'],
  ])('refuses %s with a plain Error', (_case, text, references, message) => {
    const act = () => compileProtobufReader(registrySchema(text, { references }));
    expect(act).toThrow(message);
    expect(act).not.toThrow(RecordError);
  });
});

describe('compileProtobufReader: schema text as registries return it', () => {
  it('reads a schema with options, reserved fields, extensions, a service and comments', () => {
    const text = `// Proto schema formatted by Wire, do not edit.
syntax = "proto2";
package billing.v3;

option java_package = "com.example.billing";
option java_multiple_files = true;

/* An invoice. */
message Invoice {
  reserved 4, 9 to 11;
  reserved "legacy";
  extensions 100 to 199;

  required string id = 1 [json_name = "invoiceId"];
  optional int64 cents = 2 [deprecated = true];
  repeated Line lines = 3;

  message Line {
    optional string sku = 1;
    optional Kind kind = 2 [default = SERVICE];

    enum Kind {
      GOODS = 1;
      SERVICE = 2;
    }
  }
}

service Billing {
  rpc Get(Invoice) returns (Invoice);
}`;
    const body = encode(encodingRoot([text]), 'billing.v3.Invoice', { id: 'i-1', lines: [{ sku: 'x' }] });
    expect(readConfluent(text, body)).toEqual({
      json: '{"id":"i-1","cents":null,"lines":[{"sku":"x","kind":null}]}',
      schemaName: 'billing.v3.Invoice',
    });
  });
});

describe('compileProtobufReader: values that do not match', () => {
  const root = encodingRoot([NESTED]);
  const body = encode(root, 'acme.v2.First', { a: 'x' });
  const prefix = 'record orders.v1-3@7 (topic "orders.v1", partition 3, offset 7): ';

  it.each([
    [
      'indexes naming no top-level message',
      confluentFrame(42, [2], body),
      'Protobuf schema id 42: the message indexes [2] name no message of the schema (its top-level messages, counted from 0: acme.v2.First, acme.v2.Second)',
    ],
    [
      'indexes naming no nested message',
      confluentFrame(42, [0, 0], body),
      'the message indexes [0, 0] name no message',
    ],
    [
      'a negative index',
      Buffer.concat([Buffer.alloc(5), Buffer.from([2, 1]), body]),
      'message index -1 is negative',
    ],
    [
      'a count beyond the value',
      Buffer.concat([Buffer.alloc(5), Buffer.from([0x7e])]),
      'the message index count 63 does not fit the value',
    ],
    ['a value ending before its indexes', Buffer.alloc(5), 'the value ends inside its message indexes'],
    [
      'a varint longer than 5 bytes',
      Buffer.concat([Buffer.alloc(5), Buffer.from([0x82, 0x80, 0x80, 0x80, 0x80, 0x80])]),
      'a varint there is longer than 5 bytes',
    ],
    [
      'bytes that are not the message',
      confluentFrame(42, 'shortcut', Buffer.from([0x0a, 0x05, 0x41])),
      'Protobuf schema 42, message acme.v2.First (index [0]): the bytes are not a valid acme.v2.First (index out of range',
    ],
    [
      'a wrong wire type',
      confluentFrame(42, [1, 0], Buffer.from([0x0f])),
      'message acme.v2.Second.Deep (index [1, 0]): the bytes are not a valid acme.v2.Second.Deep (invalid wire type 7',
    ],
  ])('fails %s, naming topic, partition, offset and schema', (_case, framed, reason) => {
    const reader = compileProtobufReader(registrySchema(NESTED));
    const act = () => reader.read(kafkaRecord(framed), framed, 5);
    expect(act).toThrow(RecordError);
    expect(act).toThrow(prefix);
    expect(act).toThrow(reason);
  });

  it.each([
    [
      'an index past the last message',
      glueFrame(6, body),
      'Protobuf schema version 0f8e2a3c-4b5d-4e6f-8a9b-0c1d2e3f4a5b: the message index 6 names no message (the schema has 6',
    ],
    [
      'a value ending before its index',
      glueFrame(0, Buffer.alloc(0)).subarray(0, 18),
      'the value ends before its message index is read',
    ],
    [
      'bytes that are not the message',
      glueFrame(0, Buffer.from([0x0a, 0x09])),
      'Protobuf schema 0f8e2a3c-4b5d-4e6f-8a9b-0c1d2e3f4a5b, message acme.v2.First (index 0): the bytes are not a valid acme.v2.First',
    ],
  ])(
    'fails a Glue value with %s, naming topic, partition, offset and schema version',
    (_case, framed, reason) => {
      const reader = compileProtobufReader(registrySchema(NESTED, { registry: 'glue' }));
      const act = () => reader.read(kafkaRecord(framed), framed, 18);
      expect(act).toThrow(prefix);
      expect(act).toThrow(reason);
    },
  );
});

describe('compileProtobufReader: wrapper messages at the root', () => {
  it('reads a value whose message is a wrapper as the primitive it holds (wrapper.for.raw.primitives)', () => {
    const wrapper = 'syntax = "proto3"; package google.protobuf; message StringValue { string value = 1; }';
    const body = encode(encodingRoot([wrapper]), 'google.protobuf.StringValue', { value: 'hi' });
    expect(readConfluent(wrapper, body)).toEqual({ json: '"hi"', schemaName: 'google.protobuf.StringValue' });
  });
});

describe('formatEpochMillis', () => {
  it.each([
    ['the epoch', 0],
    ['the first instant of year 1', -62_135_596_800_000],
    ['the last millisecond of year 9999', 253_402_300_799_999],
    ['a leap day', Date.UTC(2024, 1, 29, 23, 59, 59, 990)],
    ['the day after a century that is not leap', Date.UTC(1900, 2, 1, 0, 0, 0, 100)],
    ['a millisecond before the epoch', -1],
  ])('writes %s as formatInstant does', (_case, millis) => {
    expect(formatEpochMillis(millis)).toBe(formatInstant(BigInt(millis) * 1000n));
  });

  it('writes 20,000 instants spread over years 1 to 9999 as formatInstant does', () => {
    const first = -62_135_596_800_000;
    const step = Math.floor((253_402_300_799_999 - first) / 20_000) + 7_919;
    const mismatches: string[] = [];
    for (let millis = first; millis <= 253_402_300_799_999; millis += step) {
      const expected = formatInstant(BigInt(millis) * 1000n);
      if (formatEpochMillis(millis) !== expected) mismatches.push(expected);
    }
    expect(mismatches).toEqual([]);
  });
});

describe('compileProtobufReader: recursive messages', () => {
  it('reads a message that contains itself, to any depth', () => {
    const text =
      'syntax = "proto3"; message Node { string name = 1; repeated Node children = 2; Node parent = 3; }';
    const body = encode(encodingRoot([text]), 'Node', {
      name: 'a',
      children: [{ name: 'b', children: [{ name: 'c' }] }],
    });
    expect(readConfluent(text, body).json).toBe(
      '{"name":"a","children":[{"name":"b","children":[{"name":"c","children":[],"parent":null}],"parent":null}],"parent":null}',
    );
  });
});

describe('compileProtobufReader: 64-bit integers', () => {
  it('refuses to compile when protobufjs has no long.js, rather than read int64 values into doubles', () => {
    const long = util.Long;
    util.Long = null as unknown as typeof util.Long;
    try {
      expect(() => compileProtobufReader(registrySchema(SCALARS))).toThrow(
        'protobufjs found no long.js, so 64-bit integers would lose digits',
      );
    } finally {
      util.Long = long;
    }
  });
});
