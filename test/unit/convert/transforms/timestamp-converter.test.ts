import { describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../../../lib/convert/connect-schema.ts';
import { rawJson } from '../../../../lib/convert/exact-json.ts';
import { RecordError } from '../../../../lib/errors.ts';
import { connectRecord, field, onKey, onValue, struct, typeStep } from '../../../support/kafka-types.ts';

const TIMESTAMP_NAME = 'org.apache.kafka.connect.data.Timestamp';
const DATE_NAME = 'org.apache.kafka.connect.data.Date';
const TIME_NAME = 'org.apache.kafka.connect.data.Time';
const timestampSchema: ConnectSchema = { type: 'int64', name: TIMESTAMP_NAME, version: 1 };
const dateSchema: ConnectSchema = { type: 'int32', name: DATE_NAME, version: 1 };
const timeSchema: ConnectSchema = { type: 'int32', name: TIME_NAME, version: 1 };

/** 2023-11-14T22:13:20.123Z. */
const MILLIS = 1_700_000_000_123;
const DAYS = 19_675;
const TIME_OF_DAY = 80_000_123;

const converter = (options: Record<string, string>) => typeStep('TimestampConverter$Value', options);
const FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";
const json = (value: unknown) => JSON.stringify(value);

describe('TimestampConverter with a schema, the whole value', () => {
  it.each([
    [
      'Timestamp',
      'string',
      timestampSchema,
      MILLIS,
      '2023-11-14T22:13:20.123Z',
      { type: 'string', optional: false },
    ],
    ['Timestamp', 'unix', timestampSchema, MILLIS, MILLIS, { type: 'int64', optional: false }],
    ['Timestamp', 'Date', timestampSchema, MILLIS, DAYS, { ...dateSchema, optional: false }],
    ['Timestamp', 'Time', timestampSchema, MILLIS, TIME_OF_DAY, { ...timeSchema, optional: false }],
    ['Timestamp', 'Timestamp', timestampSchema, MILLIS, MILLIS, { ...timestampSchema, optional: false }],
    ['Date', 'Timestamp', dateSchema, DAYS, DAYS * 86_400_000, { ...timestampSchema, optional: false }],
    ['Date', 'string', dateSchema, DAYS, '2023-11-14T00:00:00.000Z', { type: 'string', optional: false }],
    [
      'Time',
      'string',
      timeSchema,
      TIME_OF_DAY,
      '1970-01-01T22:13:20.123Z',
      { type: 'string', optional: false },
    ],
    [
      'string',
      'Timestamp',
      { type: 'string' },
      '2023-11-15T03:43:20.123+05:30',
      MILLIS,
      { ...timestampSchema, optional: false },
    ],
    [
      'int64 (unix)',
      'string',
      { type: 'int64' },
      MILLIS,
      '2023-11-14T22:13:20.123Z',
      { type: 'string', optional: false },
    ],
    ['a pre-epoch Timestamp', 'Date', timestampSchema, -1, -1, { ...dateSchema, optional: false }],
    ['a pre-epoch Timestamp', 'Time', timestampSchema, -1, 86_399_999, { ...timeSchema, optional: false }],
    [
      'a Timestamp as digits',
      'unix',
      timestampSchema,
      rawJson('1700000000123'),
      MILLIS,
      { type: 'int64', optional: false },
    ],
    [
      'a Timestamp a transform put in as a Date',
      'unix',
      timestampSchema,
      new Date(MILLIS),
      MILLIS,
      { type: 'int64', optional: false },
    ],
  ])('converts %s to %s', (_from, target, schema, value, expected, expectedSchema) => {
    const out = onValue(converter({ 'target.type': target, format: FORMAT }), value, schema as ConnectSchema);
    expect(out).toEqual({ schema: expectedSchema, value: expected });
  });

  it.each([
    ['seconds', 1_700_000_000],
    ['milliseconds', MILLIS],
    ['microseconds', rawJson('1700000000123000')],
    ['nanoseconds', rawJson('1700000000123000000')],
  ])('writes unix time in %s', (precision, expected) => {
    const out = onValue(
      converter({ 'target.type': 'unix', 'unix.precision': precision }),
      MILLIS,
      timestampSchema,
    );
    expect(json(out.value)).toBe(json(expected));
  });

  it.each([
    ['seconds', 1_700_000_000, 1_700_000_000_000],
    ['microseconds', 1_700_000_000_123_999, MILLIS],
    ['microseconds', -1_999, -1],
    ['nanoseconds', rawJson('1700000000123999999'), MILLIS],
  ])('reads unix time in %s', (precision, unix, expected) => {
    const step = converter({ 'target.type': 'Timestamp', 'unix.precision': precision });
    expect(onValue(step, unix, { type: 'int64' }).value).toBe(expected);
  });

  it('keeps the optionality of the input schema', () => {
    const out = onValue(converter({ 'target.type': 'unix' }), null, { ...timestampSchema, optional: true });
    expect(out).toEqual({ schema: { type: 'int64', optional: true }, value: null });
  });

  it.each([
    [{ type: 'int32' }, 5, /Schema int32 does not correspond to a known timestamp type format/],
    [
      { type: 'string' },
      'Nov 14',
      /Could not parse timestamp: value \(Nov 14\) does not match pattern \(yyyy-MM-dd/,
    ],
    [{ type: 'string' }, 5, /Expected string timestamp to be a String, but found class java.lang.Long/],
    [{ type: 'int64' }, 'x', /Expected Unix timestamp to be a Long, but found class java.lang.String/],
    [timestampSchema, 1.5, /Expected Timestamp to be a java.util.Date, but found class java.lang.Double/],
    [timestampSchema, rawJson('9000000000000000000'), /beyond the instants this sink converts/],
    [{ type: 'bytes', name: 'my.Bytes' }, 'AQ==', /Schema bytes \(my.Bytes\) does not correspond/],
  ])('refuses %j holding %j', (schema, value, message) => {
    const step = converter({ 'target.type': 'unix', format: FORMAT });
    expect(() => onValue(step, value, schema as ConnectSchema)).toThrow(message);
  });

  it('says that reading text needs a format when none is configured', () => {
    const step = converter({ 'target.type': 'unix' });
    expect(() => onValue(step, '2023-11-14', { type: 'string' })).toThrow(/needs the "format" option/);
  });
});

describe('TimestampConverter with a schema, a field', () => {
  const schema = struct(
    [
      field('id', 'int32', { optional: false }),
      field('at', 'int64', { name: TIMESTAMP_NAME, version: 1, default: 0 }),
    ],
    { name: 'shop.Event', optional: true },
  );

  it('converts the field and rebuilds the struct schema', () => {
    const step = converter({ field: 'at', 'target.type': 'string', format: 'yyyy-MM-dd HH:mm:ss.SSS' });
    expect(onValue(step, { id: 1, at: MILLIS }, schema)).toEqual({
      schema: {
        type: 'struct',
        name: 'shop.Event',
        optional: true,
        fields: [field('id', 'int32', { optional: false }), { type: 'string', optional: true, field: 'at' }],
      },
      value: { id: 1, at: '2023-11-14 22:13:20.123' },
    });
  });

  it.each([
    [true, '1970-01-01'],
    [false, null],
  ])('with replace.null.with.default=%s converts a null field with a default to %j', (replace, expected) => {
    const step = converter({
      field: 'at',
      'target.type': 'string',
      format: 'yyyy-MM-dd',
      'replace.null.with.default': String(replace),
    });
    expect(onValue(step, { id: 1, at: null }, schema).value).toEqual({ id: 1, at: expected });
  });

  it("converts the timestamp field of the struct schema's default", () => {
    const withDefault = struct([field('at', 'int64', { name: TIMESTAMP_NAME, version: 1 })], {
      default: { at: MILLIS },
    });
    const out = onValue(
      converter({ field: 'at', 'target.type': 'unix', 'unix.precision': 'seconds' }),
      { at: 0 },
      withDefault,
    );
    expect(out.schema?.default).toEqual({ at: 1_700_000_000 });
    expect(out.value).toEqual({ at: 0 });
  });

  it('passes a null struct through with the new schema', () => {
    const out = onValue(converter({ field: 'at', 'target.type': 'unix' }), null, schema);
    expect(out.value).toBeNull();
  });

  it('leaves a struct without the field unchanged', () => {
    const plain = struct([field('id', 'int32')]);
    const out = onValue(converter({ field: 'at', 'target.type': 'unix' }), { id: 3 }, plain);
    expect(out.value).toEqual({ id: 3 });
    expect(out.schema?.fields).toEqual(plain.fields);
  });

  it('names the record when the field cannot be converted', () => {
    const step = converter({ field: 'id', 'target.type': 'unix' });
    const record = connectRecord({ value: { id: 1, at: 0 }, valueSchema: schema });
    expect(() => step(record)).toThrow(RecordError);
    expect(() => step(record)).toThrow(/transform "t": Schema int32 does not correspond/);
  });
});

describe('TimestampConverter without a schema', () => {
  it.each([
    ['a Date to string', new Date(MILLIS), 'string', '2023-11-14T22:13:20.123Z'],
    ['a Date to unix', new Date(MILLIS), 'unix', MILLIS],
    ['a Long to Timestamp', MILLIS, 'Timestamp', new Date(MILLIS)],
    ['a Long to Date', MILLIS, 'Date', new Date(DAYS * 86_400_000)],
    ['a Long to Time', MILLIS, 'Time', new Date(TIME_OF_DAY)],
    ['text to unix', '2023-11-14T22:13:20.123Z', 'unix', MILLIS],
    ['text to text', '2023-11-14T22:13:20.123Z', 'string', '2023-11-14T22:13:20.123Z'],
    ['null', null, 'unix', null],
  ])('converts %s', (_what, value, target, expected) => {
    expect(onValue(converter({ 'target.type': target, format: FORMAT }), value)).toEqual({
      schema: null,
      value: expected,
    });
  });

  it('converts a field of a map and puts null for an absent field', () => {
    const step = converter({ field: 'at', 'target.type': 'unix', format: 'yyyy-MM-dd HH:mm:ss.SSS' });
    expect(onValue(step, { at: '2023-11-14 22:13:20.123', n: 1 }).value).toEqual({ at: MILLIS, n: 1 });
    expect(onValue(step, { n: 1 }).value).toEqual({ n: 1, at: null });
  });

  it('reads the timestamp text a registry format renders, with the matching format', () => {
    const step = converter({ field: 'ts', 'target.type': 'Date', format: 'yyyy-MM-dd HH:mm:ss.SSS' });
    expect(onValue(step, { ts: '2024-01-02 03:04:05.123' }).value).toEqual({
      ts: new Date(Date.UTC(2024, 0, 2)),
    });
  });

  it.each([
    [1.5, /does not support class java.lang.Double objects as timestamps/],
    [true, /does not support class java.lang.Boolean objects/],
    [{ a: 1 }, /does not support class java.util.HashMap objects/],
    [[1], /does not support class java.util.ArrayList objects/],
    [Buffer.from([1]), /does not support class \[B objects/],
  ])('refuses %j as a timestamp', (value, message) => {
    expect(() => onValue(converter({ 'target.type': 'unix' }), value)).toThrow(message);
  });

  it('refuses field conversion on a value that is not a map', () => {
    expect(() => onValue(converter({ field: 'a', 'target.type': 'unix' }), 'x')).toThrow(
      /Only Map objects supported in absence of schema for \[converting timestamp formats\]/,
    );
  });
});

describe('TimestampConverter$Key', () => {
  it('converts the key and leaves the value', () => {
    const step = typeStep('TimestampConverter$Key', { 'target.type': 'unix', 'unix.precision': 'seconds' });
    expect(onKey(step, MILLIS, timestampSchema)).toEqual({
      schema: { type: 'int64', optional: false },
      value: 1_700_000_000,
      recordValue: { v: 1 },
    });
  });
});
