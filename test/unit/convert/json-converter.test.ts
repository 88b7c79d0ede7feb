import { describe, expect, it } from 'vitest';
import type { ConverterConfig } from '../../../lib/config/converters.ts';
import { convertValue, toJsonText } from '../../../lib/convert/json-converter.ts';
import { decimalValue, formatInstant } from '../../../lib/convert/logical-types.ts';
import type { KafkaRecord } from '../../../lib/decode/event.ts';
import { RecordError } from '../../../lib/errors.ts';
import { recordWithValue } from '../../support/records.ts';

const JSON_SCHEMALESS: ConverterConfig = { kind: 'json', schemasEnable: false, replaceNullWithDefault: true };
const JSON_ENVELOPE: ConverterConfig = { kind: 'json', schemasEnable: true, replaceNullWithDefault: true };
const STRING: ConverterConfig = { kind: 'string' };

function record(value: string | Buffer | null, offset = 7): KafkaRecord {
  return recordWithValue(value, { offset });
}

function convertText(value: string | Buffer, converter: ConverterConfig, needObject = false): string | null {
  const converted = convertValue(record(value), converter, { needObject });
  return converted === null ? null : toJsonText(converted);
}

const struct = (fields: object[], name = 'row') => ({ type: 'struct', name, optional: false, fields });

describe('convertValue', () => {
  it.each([
    ['a plain object', '{"id":1,"city":"New York"}', '{"id":1,"city":"New York"}'],
    ['an object with surrounding whitespace', ' \n{"id":1}\n', ' \n{"id":1}\n'],
    ['an int64 beyond 2^53', '{"id":9007199254740993}', '{"id":9007199254740993}'],
    ['a long decimal', '{"amount":12345678901234567.891}', '{"amount":12345678901234567.891}'],
    ['unicode text', '{"city":"北京"}', '{"city":"北京"}'],
  ])('keeps %s verbatim with schemas.enable=false', (_case, input, expected) => {
    expect(convertText(input, JSON_SCHEMALESS)).toBe(expected);
  });

  it.each([
    ['an int64 beyond 2^53', '{"id":9007199254740993}', '{"id":9007199254740993}'],
    ['a long decimal', '{"amount":12345678901234567.891}', '{"amount":12345678901234567.891}'],
    ['a short decimal', '{"amount":1.50}', '{"amount":1.5}'],
  ])('keeps %s exact when it parses the value', (_case, input, expected) => {
    expect(convertText(input, JSON_SCHEMALESS, true)).toBe(expected);
  });

  it.each([
    ['text that is not JSON', 'id=1', 'the value is not valid JSON'],
    ['truncated JSON', '{"id":1', 'the value is not valid JSON'],
    ['a JSON array', '[{"id":1}]', 'the value is an array, not a JSON object'],
    ['a JSON string', '"hello"', 'the value is a string, not a JSON object'],
    ['a JSON number', '42', 'the value is a number, not a JSON object'],
  ])('fails on %s, naming topic, partition and offset', (_case, input, reason) => {
    const act = () => convertText(input, JSON_SCHEMALESS);
    expect(act).toThrow(RecordError);
    expect(act).toThrow(`record orders.v1-3@7 (topic "orders.v1", partition 3, offset 7): ${reason}`);
  });

  it('fails on bytes that are not UTF-8', () => {
    expect(() => convertText(Buffer.from([0x7b, 0xff, 0x7d]), JSON_SCHEMALESS)).toThrow(
      'the value is not valid UTF-8 text',
    );
    expect(() => convertText(Buffer.from([0x7b, 0xff, 0x7d]), JSON_SCHEMALESS, true)).toThrow(
      'the value is not valid UTF-8 text',
    );
  });

  it.each([['a null value', null]])('returns null (skip) for %s', (_case, value) => {
    expect(convertValue(record(value), JSON_SCHEMALESS, { needObject: false })).toBeNull();
  });

  it('returns null for a JSON null value and for an envelope with a null payload', () => {
    expect(convertValue(record('null'), JSON_SCHEMALESS, { needObject: true })).toBeNull();
    expect(
      convertValue(record('{"schema":null,"payload":null}'), JSON_ENVELOPE, { needObject: false }),
    ).toBeNull();
  });

  it('unwraps the {schema, payload} envelope to the same row on the byte-copy and the parsing path', () => {
    const envelope = {
      schema: struct([
        { type: 'int32', optional: false, field: 'id' },
        { type: 'string', optional: true, field: 'city' },
      ]),
      payload: { city: 'Chicago', id: 3, extra: 'kept' },
    };
    const copied = convertText(JSON.stringify(envelope), JSON_ENVELOPE);
    const parsed = convertText(JSON.stringify(envelope), JSON_ENVELOPE, true);
    expect(copied).toBe('{"city":"Chicago","id":3,"extra":"kept"}');
    expect(parsed).toBe('{"id":3,"city":"Chicago","extra":"kept"}');
    expect(JSON.parse(parsed as string)).toEqual(JSON.parse(copied as string));
  });

  it('reuses the parsed schema while its bytes stay the same, and re-reads a changed schema', () => {
    const v1 = struct([{ type: 'int32', optional: true, name: 'io.debezium.time.Date', field: 'd' }]);
    const v2 = struct([{ type: 'int32', optional: true, field: 'd' }]);
    expect(convertText(JSON.stringify({ schema: v1, payload: { d: 1 } }), JSON_ENVELOPE)).toBe(
      '{"d":"1970-01-02"}',
    );
    expect(convertText(JSON.stringify({ schema: v1, payload: { d: 2 } }), JSON_ENVELOPE)).toBe(
      '{"d":"1970-01-03"}',
    );
    expect(convertText(JSON.stringify({ schema: v2, payload: { d: 2 } }), JSON_ENVELOPE)).toBe('{"d":2}');
  });

  // The schema's length decides where the base64 text of `{"schema":…,"payload":` ends inside a
  // 3-byte group: a field name of 1, 2 or 3 characters covers every alignment.
  it.each(['a', 'ab', 'abc'])(
    'recognises a schema seen before on its base64 text and converts the payload the same (field %s)',
    (name) => {
      const schema = struct(
        [{ type: 'int32', optional: true, name: 'io.debezium.time.Date', field: name }],
        `t_${name}`,
      );
      const value = (d: number, tail = '') =>
        `{"schema":${JSON.stringify(schema)},"payload":{"${name}":${d}}${tail}}`;
      const first = convertText(value(1), JSON_ENVELOPE);
      const again = [value(2), value(3, ' \n'), value(4, ' ')].map((v) => convertText(v, JSON_ENVELOPE));
      expect(first).toBe(`{"${name}":"1970-01-02"}`);
      expect(again).toEqual([
        `{"${name}":"1970-01-03"}`,
        `{"${name}":"1970-01-04"}`,
        `{"${name}":"1970-01-05"}`,
      ]);
    },
  );

  it('gives the same errors for a payload after a known schema as for the first record', () => {
    const schema = struct([{ type: 'int32', optional: true, field: 'id' }], 'known');
    const prefix = `{"schema":${JSON.stringify(schema)},"payload":`;
    expect(convertText(`${prefix}{"id":1}}`, JSON_ENVELOPE)).toBe('{"id":1}');
    for (const needObject of [false, true]) {
      const convert = (text: string | Buffer) => () =>
        convertValue(record(text), JSON_ENVELOPE, { needObject, unwrap: needObject });
      expect(convert(`${prefix}{"id":1},"x":1}`)).toThrow('extra fields (x)');
      expect(convert(`${prefix}{"id":1}`)).toThrow('not valid JSON');
      expect(convert(`${prefix}{"id":1}} trailing`)).toThrow('not valid JSON');
      expect(
        convert(Buffer.concat([Buffer.from(`${prefix}{"id":"`), Buffer.from([0xff]), Buffer.from('"}}')])),
      ).toThrow('the value is not valid UTF-8 text');
      const optional = `{"schema":${JSON.stringify({ ...schema, optional: true })},"payload":`;
      expect(convertValue(record(`${optional}null}`), JSON_ENVELOPE, { needObject })).toBeNull();
      expect(convert(`${prefix}null}`)).toThrow('the payload is null, but its schema is not optional');
    }
  });

  it('takes a schemaless envelope payload as is', () => {
    expect(convertText('{"schema":null,"payload":{"id":1}}', JSON_ENVELOPE)).toBe('{"id":1}');
  });

  it('fails when schemas.enable=true and the value has no envelope', () => {
    expect(() => convertValue(record('{"id":1,"city":"x"}'), JSON_ENVELOPE, { needObject: false })).toThrow(
      'value.converter.schemas.enable=true needs a {"schema": ..., "payload": ...} envelope',
    );
  });

  it('fails when the envelope has extra fields', () => {
    expect(() =>
      convertValue(record('{"schema":null,"payload":{},"x":1}'), JSON_ENVELOPE, { needObject: false }),
    ).toThrow('extra fields (x)');
  });

  it.each([
    [
      'Decimal bytes (scale 2)',
      { type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' } },
      'AJw=',
      '1.56',
    ],
    [
      'a negative Decimal',
      { type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '1' } },
      '/w==',
      '-0.1',
    ],
    [
      'a NUMERIC Decimal',
      { type: 'bytes', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' } },
      10.25,
      '10.25',
    ],
    ['a Date (days)', { type: 'int32', name: 'org.apache.kafka.connect.data.Date' }, 19_000, '"2022-01-08"'],
    [
      'a Time (ms)',
      { type: 'int32', name: 'org.apache.kafka.connect.data.Time' },
      64_957_123,
      '"18:02:37.123"',
    ],
    [
      'a Timestamp (ms)',
      { type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp' },
      1_714_283_798_721,
      '"2024-04-28 05:56:38.721"',
    ],
    ['bytes (kept base64)', { type: 'bytes' }, 'AQI=', '"AQI="'],
    ['an int64 beyond 2^53', { type: 'int64' }, '9007199254740993', '9007199254740993'],
  ])('converts %s', (_case, fieldSchema, payloadValue, expected) => {
    const schema = struct([{ ...fieldSchema, optional: true, field: 'v' }]);
    const payloadText =
      typeof payloadValue === 'string' && /^\d+$/.test(payloadValue)
        ? `{"v":${payloadValue}}`
        : JSON.stringify({ v: payloadValue });
    const text = `{"schema":${JSON.stringify(schema)},"payload":${payloadText}}`;
    expect(convertText(text, JSON_ENVELOPE)).toBe(`{"v":${expected}}`);
  });

  it('substitutes a schema default for null when replace.null.with.default is on, and not when off', () => {
    const schema = struct([{ type: 'string', optional: true, default: 'n/a', field: 'city' }]);
    const text = JSON.stringify({ schema, payload: { city: null } });
    expect(convertText(text, JSON_ENVELOPE)).toBe('{"city":"n/a"}');
    expect(convertText(text, { ...JSON_ENVELOPE, replaceNullWithDefault: false } as ConverterConfig)).toBe(
      '{"city":null}',
    );
  });

  it('loads null in an optional field as NULL', () => {
    const schema = struct([
      { type: 'int32', optional: false, field: 'id' },
      { type: 'int32', optional: true, name: 'io.debezium.time.Date', field: 'd' },
    ]);
    expect(convertText(JSON.stringify({ schema, payload: { id: 1, d: null } }), JSON_ENVELOPE)).toBe(
      '{"id":1,"d":null}',
    );
  });

  it('converts nested structs and arrays', () => {
    const schema = struct([
      {
        ...struct([
          { type: 'int32', name: 'org.apache.kafka.connect.data.Date', field: 'd', optional: true },
        ]),
        field: 'inner',
        optional: true,
      },
      {
        type: 'array',
        items: { type: 'int32', name: 'org.apache.kafka.connect.data.Date', optional: true },
        field: 'days',
        optional: true,
      },
    ]);
    const text = JSON.stringify({ schema, payload: { inner: { d: 0 }, days: [1, null] } });
    expect(convertText(text, JSON_ENVELOPE)).toBe('{"inner":{"d":"1970-01-01"},"days":["1970-01-02",null]}');
  });

  it('names the field when a logical value cannot be converted', () => {
    const schema = struct([
      { type: 'int32', name: 'org.apache.kafka.connect.data.Date', optional: true, field: 'born' },
    ]);
    expect(() =>
      convertValue(record(JSON.stringify({ schema, payload: { born: 'yesterday' } })), JSON_ENVELOPE, {
        needObject: false,
      }),
    ).toThrow('field "born" of logical type org.apache.kafka.connect.data.Date');
  });

  it('returns StringConverter values as text', () => {
    expect(convertValue(record('1,New York'), STRING, { needObject: false })).toEqual({
      kind: 'string',
      text: '1,New York',
    });
  });
});

describe('decimalValue and formatInstant', () => {
  it.each([
    ['AJw=', 2, '1.56'],
    ['AA==', 0, '0'],
    ['Bw==', 3, '0.007'],
    ['/w==', 0, '-1'],
    ['AQ==', -2, '100'],
  ])('decodes %s at scale %i to %s', (b64, scale, expected) => {
    expect((decimalValue(b64, scale) as { rawJSON: string }).rawJSON).toBe(expected);
  });

  it('formats instants before 1970', () => {
    expect(formatInstant(-1000n)).toBe('1969-12-31 23:59:59.999');
  });
});

describe('convertValue on Debezium change events (schemas.enable=true)', () => {
  const image = (name: string) => ({
    type: 'struct',
    optional: true,
    name: 'test.public.customers.Value',
    field: name,
    fields: [
      { type: 'int64', optional: false, field: 'id' },
      { type: 'int32', optional: true, name: 'io.debezium.time.Date', field: 'born' },
      {
        type: 'bytes',
        optional: true,
        name: 'org.apache.kafka.connect.data.Decimal',
        parameters: { scale: '2' },
        field: 'balance',
      },
    ],
  });
  const schema = {
    type: 'struct',
    name: 'test.public.customers.Envelope',
    optional: false,
    fields: [
      image('before'),
      image('after'),
      { type: 'string', optional: false, field: 'op' },
      { type: 'int64', optional: true, field: 'ts_ns' },
    ],
  };
  const event = (op: string, before: object | null, after: object | null) =>
    `{"schema":${JSON.stringify(schema)},"payload":{"before":${JSON.stringify(before)},"after":${JSON.stringify(after)},"op":"${op}","ts_ns":1717000000123456789}}`;

  it.each([
    ['an update', 'u', null, { id: 42, born: 19000, balance: 'MDk=' }],
    ['a delete', 'd', { id: 7, born: null, balance: null }, null],
    ['a snapshot read', 'r', null, { id: 1, born: 0, balance: 'AA==' }],
  ])(
    'converts %s to the same object whether only the kept image or the whole payload is read',
    (_case, op, before, after) => {
      const text = event(op, before, after);
      const partial = convertValue(record(text), JSON_ENVELOPE, { needObject: true, unwrap: true });
      const whole = convertValue(record(text), JSON_ENVELOPE, { needObject: true });
      const kept = op === 'd' ? 'before' : 'after';
      expect(partial?.kind).toBe('object');
      const p = (partial as { value: Record<string, unknown> }).value;
      const w = (whole as { value: Record<string, unknown> }).value;
      expect(p.op).toBe(op);
      expect(JSON.stringify(p[kept])).toBe(JSON.stringify(w[kept]));
    },
  );

  it('keeps a bigint beyond 2^53 and renders dates and decimals in the kept image', () => {
    const text = event('c', null, { id: 1, born: 19000, balance: 'MDk=' }).replace(
      '"id":1',
      '"id":9007199254740993',
    );
    const converted = convertValue(record(text), JSON_ENVELOPE, { needObject: true, unwrap: true });
    expect(JSON.stringify((converted as unknown as { value: { after: unknown } }).value.after)).toBe(
      '{"id":9007199254740993,"born":"2022-01-08","balance":123.45}',
    );
  });
});

describe('convertValue with values a double cannot hold', () => {
  const ts = { type: 'int64', optional: true, name: 'io.debezium.time.MicroTimestamp', field: 'ts' };
  const schema = { type: 'struct', name: 'x.Value', optional: false, fields: [ts] };

  it.each([
    ['positive infinity', '9223372036825200000', '9999-12-31 23:59:59.999999'],
    ['negative infinity', '-9223372036832400000', '0000-01-01 00:00:00'],
  ])('renders a MicroTimestamp at %s from its exact digits', (_case, micros, expected) => {
    const text = `{"schema":${JSON.stringify(schema)},"payload":{"ts":${micros}}}`;
    expect(convertText(text, JSON_ENVELOPE)).toBe(`{"ts":"${expected}"}`);
    expect(convertText(text, JSON_ENVELOPE, true)).toBe(`{"ts":"${expected}"}`);
  });
});

describe('required fields, as Kafka JsonConverter reads them', () => {
  const WITHOUT_DEFAULTS: ConverterConfig = { ...JSON_ENVELOPE, replaceNullWithDefault: false };
  const inner = { ...struct([{ type: 'string', optional: false, field: 'code' }], 'inner'), optional: true };
  const schema = struct([
    { type: 'int64', optional: false, field: 'id' },
    // No "optional" member: JsonConverter reads that as required.
    { type: 'string', field: 'city' },
    { type: 'string', optional: true, field: 'note' },
    { ...inner, field: 'inner' },
    { type: 'array', optional: true, items: { type: 'int32', optional: false }, field: 'tags' },
  ]);
  const envelopeOf = (payload: object) => JSON.stringify({ schema, payload });
  const good = { id: 1, city: 'Oslo', note: null, inner: { code: 'x' }, tags: [1, 2] };

  it.each([
    ['a required field that is null', { ...good, id: null }, 'field "id" is null'],
    ['a required field that is missing', { id: 1, note: 'n' }, 'field "city" is missing'],
    [
      'a required field of a present optional struct',
      { ...good, inner: { code: null } },
      'field "inner.code" is null',
    ],
    ['a required array item', { ...good, tags: [1, null] }, 'field "tags[1]" is null'],
  ])('fails %s, naming it, on the byte-copy and the converting path', (_case, payload, message) => {
    for (const needObject of [false, true]) {
      const convert = () => convertValue(record(envelopeOf(payload)), JSON_ENVELOPE, { needObject });
      expect(convert).toThrow(RecordError);
      expect(convert).toThrow(`${message}, but its schema is not optional`);
      expect(convert).toThrow('Invalid null value for required');
      expect(convert).toThrow('topic "orders.v1", partition 3, offset 7');
    }
  });

  it('fails a second record of the topic too, after its schema was cached from a good one', () => {
    expect(convertText(envelopeOf(good), JSON_ENVELOPE)).toBe(JSON.stringify(good));
    expect(() => convertText(envelopeOf({ ...good, city: null }), JSON_ENVELOPE)).toThrow(
      'field "city" is null',
    );
  });

  it('loads an optional struct that is null, and optional fields that are null or missing', () => {
    const payload = { id: 1, city: 'Oslo', inner: null };
    expect(JSON.parse(convertText(envelopeOf(payload), JSON_ENVELOPE) ?? '')).toEqual(payload);
  });

  it('takes the default for a null required field with replace.null.with.default, and fails without it', () => {
    const withDefault = struct([
      { type: 'int64', optional: false, field: 'id' },
      { type: 'string', optional: false, default: 'unknown', field: 'city' },
    ]);
    const value = JSON.stringify({ schema: withDefault, payload: { id: 1, city: null } });
    expect(convertText(value, JSON_ENVELOPE)).toBe('{"id":1,"city":"unknown"}');
    expect(() => convertText(value, WITHOUT_DEFAULTS)).toThrow('field "city" is null');
  });
});

describe('required map values and keys, as Kafka JsonConverter reads them', () => {
  const schema = struct([
    { type: 'int64', optional: false, field: 'id' },
    // JsonConverter writes a map with string keys as a JSON object.
    {
      type: 'map',
      optional: true,
      keys: { type: 'string', optional: false },
      values: { type: 'int32', optional: false },
      field: 'counts',
    },
    // Other keys: an array of [key, value] pairs.
    {
      type: 'map',
      optional: true,
      keys: { type: 'int32', optional: false },
      values: { type: 'string', optional: false },
      field: 'names',
    },
    {
      type: 'map',
      optional: true,
      keys: { type: 'string', optional: false },
      values: { type: 'string', optional: true },
      field: 'notes',
    },
  ]);
  const envelopeOf = (payload: object) => JSON.stringify({ schema, payload });
  const good = { id: 1, counts: { a: 1, b: 2 }, names: [[1, 'one']], notes: { x: null } };

  it('loads maps whose required keys and values are all there, and an optional value that is null', () => {
    for (const needObject of [false, true]) {
      const converted = convertValue(record(envelopeOf(good)), JSON_ENVELOPE, { needObject });
      const text =
        converted?.kind === 'object'
          ? JSON.stringify(converted.value)
          : converted?.kind === 'json-bytes'
            ? converted.bytes.toString()
            : '';
      expect(JSON.parse(text)).toEqual(good);
    }
  });

  it.each([
    [
      'a null value of a map with string keys',
      { ...good, counts: { a: 1, b: null } },
      'field "counts["b"]" is null',
    ],
    ['a null value of a map of pairs', { ...good, names: [[1, null]] }, 'field "names[0].value" is null'],
    ['a null key of a map of pairs', { ...good, names: [[null, 'x']] }, 'field "names[0].key" is null'],
  ])('fails %s, naming it, on the byte-copy and the converting path', (_case, payload, message) => {
    for (const needObject of [false, true]) {
      const convert = () => convertValue(record(envelopeOf(payload)), JSON_ENVELOPE, { needObject });
      expect(convert).toThrow(RecordError);
      expect(convert).toThrow(`${message}, but its schema is not optional`);
    }
  });

  it('fails a map of pairs whose entry is not a pair, naming it', () => {
    const payload = { ...good, names: [[1, 'one', 'extra']] };
    expect(() => convertValue(record(envelopeOf(payload)), JSON_ENVELOPE, { needObject: true })).toThrow(
      'field "names[0]" should be a [key, value] pair of a map',
    );
  });
});

describe('required fields beyond the 31st, and members out of schema order', () => {
  const fields = Array.from({ length: 40 }, (_, i) => ({ type: 'int32', optional: false, field: `f${i}` }));
  const schema = struct(fields, 'wide');
  const full = Object.fromEntries(fields.map((f, i) => [f.field, i]));

  it('loads a payload with every required field, in any order', () => {
    const reversed = Object.fromEntries(Object.entries(full).reverse());
    expect(
      JSON.parse(convertText(JSON.stringify({ schema, payload: reversed }), JSON_ENVELOPE) ?? ''),
    ).toEqual(full);
  });

  it('fails one that lacks the 40th, even when another is written twice', () => {
    const { f39: _last, ...rest } = full;
    const text = JSON.stringify({ schema, payload: rest }).replace('"f0":0', '"f0":0,"f35":35');
    expect(() => convertText(text, JSON_ENVELOPE)).toThrow('field "f39" is missing');
  });
});
