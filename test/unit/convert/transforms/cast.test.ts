import { describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../../../lib/convert/connect-schema.ts';
import { isRawJson, rawJson } from '../../../../lib/convert/exact-json.ts';
import { bigDecimalText, javaFloatingText } from '../../../../lib/convert/transforms/cast.ts';
import { RecordError } from '../../../../lib/errors.ts';
import { connectRecord, field, onKey, onValue, struct, typeStep } from '../../../support/kafka-types.ts';

const castValue = (spec: string, extra: Record<string, string> = {}) =>
  typeStep('Cast$Value', { spec, ...extra });

/** A number or RawJson as comparable JSON text. */
const json = (value: unknown) => JSON.stringify(value);

const DECIMAL = 'org.apache.kafka.connect.data.Decimal';
const decimalSchema = (scale: number): ConnectSchema => ({
  type: 'bytes',
  name: DECIMAL,
  version: 1,
  parameters: { scale: String(scale) },
});
/** Base64 of a big-endian two's-complement integer. */
const unscaledBase64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');

describe('Cast with a schema, the whole value', () => {
  it.each([
    ['int8', { type: 'int32' }, 300, 44],
    ['int8', { type: 'int32' }, -129, 127],
    ['int16', { type: 'int64' }, 65_537, 1],
    ['int32', { type: 'int64' }, rawJson('4294967297'), 1],
    ['int32', { type: 'float64' }, 3.99, 3],
    ['int32', { type: 'float64' }, -3.99, -3],
    ['int32', { type: 'float64' }, 1e20, 2_147_483_647],
    ['int8', { type: 'float64' }, 1e20, -1],
    ['int32', { type: 'float64' }, 'NaN', 0],
    ['int64', { type: 'float64' }, 1e20, rawJson('9223372036854775807')],
    ['int64', { type: 'string' }, '9007199254740993', rawJson('9007199254740993')],
    ['int64', { type: 'string' }, '-42', -42],
    ['int32', { type: 'string' }, '+17', 17],
    ['int32', { type: 'boolean' }, true, 1],
    ['int64', { type: 'boolean' }, false, 0],
    ['float32', { type: 'float64' }, 0.1, 0.1],
    ['float32', { type: 'int64' }, rawJson('16777217'), 16_777_216],
    ['float64', { type: 'float32' }, 0.1, 0.10000000149011612],
    ['float64', { type: 'string' }, ' 1.5e3d ', 1500],
    ['float64', { type: 'int64' }, rawJson('9007199254740993'), 9_007_199_254_740_992],
    ['boolean', { type: 'int32' }, 2, true],
    ['boolean', { type: 'int32' }, 0, false],
    ['boolean', { type: 'float64' }, 0.5, false],
    ['boolean', { type: 'string' }, 'TRUE', true],
    ['boolean', { type: 'string' }, 'yes', false],
    ['string', { type: 'int64' }, rawJson('9223372036854775807'), '9223372036854775807'],
    ['string', { type: 'int32' }, -5, '-5'],
    ['string', { type: 'float64' }, 1, '1.0'],
    ['string', { type: 'float64' }, 1e7, '1.0E7'],
    ['string', { type: 'float64' }, 0.0001, '1.0E-4'],
    ['string', { type: 'float64' }, 123.456, '123.456'],
    ['string', { type: 'float32' }, 0.1, '0.1'],
    ['string', { type: 'boolean' }, true, 'true'],
    ['string', { type: 'bytes' }, 'AQID', 'AQID'],
    ['string', decimalSchema(2), unscaledBase64('3039'), '123.45'],
    ['string', decimalSchema(2), unscaledBase64('cfc7'), '-123.45'],
    ['string', decimalSchema(-2), unscaledBase64('3039'), '1.2345E+6'],
    ['string', decimalSchema(9), unscaledBase64('01'), '1E-9'],
    ['string', decimalSchema(2), 12.3, '12.30'],
    ['int32', decimalSchema(2), unscaledBase64('3039'), 123],
    ['float64', decimalSchema(2), unscaledBase64('3039'), 123.45],
    ['boolean', decimalSchema(2), unscaledBase64('32'), false],
    [
      'string',
      { type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp', version: 1 },
      1_700_000_000_123,
      '2023-11-14T22:13:20.123Z',
    ],
    [
      'string',
      { type: 'int32', name: 'org.apache.kafka.connect.data.Date', version: 1 },
      19_000,
      '2022-01-08',
    ],
    [
      'string',
      { type: 'int32', name: 'org.apache.kafka.connect.data.Time', version: 1 },
      3_723_004,
      '01:02:03.004Z',
    ],
    ['int64', { type: 'int32', name: 'org.apache.kafka.connect.data.Date', version: 1 }, 19_000, 19_000],
    ['int32', { type: 'float64' }, 'Infinity', 2_147_483_647],
    ['int64', { type: 'float64' }, '-Infinity', rawJson('-9223372036854775808')],
    ['float64', { type: 'boolean' }, true, 1],
    ['float32', { type: 'string' }, 'NaN', 'NaN'],
    ['float64', { type: 'float64' }, rawJson('1.00000000000000000001'), 1],
    ['boolean', { type: 'boolean' }, false, false],
    ['boolean', decimalSchema(0), unscaledBase64('010000000000000000'), false],
    ['string', { type: 'string' }, 'same', 'same'],
    ['string', { type: 'float64' }, 'Infinity', 'Infinity'],
    ['string', decimalSchema(2), rawJson('12345678901234567890.10'), '12345678901234567890.10'],
    ['int16', decimalSchema(-1), unscaledBase64('0d'), 130],
  ])('casts to %s from %j: %j → %j', (target, schema, value, expected) => {
    const out = onValue(castValue(target), value, schema as ConnectSchema);
    expect(json(out.value)).toBe(json(expected));
    expect(out.schema?.type).toBe(target);
  });

  it.each([
    ['int8', { type: 'string' }, '128', /Value \(128\) was out of range for requested data type/],
    ['int32', { type: 'string' }, '1.5', /Value \(1.5\) was out of range/],
    ['int64', { type: 'string' }, '9223372036854775808', /out of range/],
    ['float64', { type: 'string' }, 'abc', /Value \(abc\) was out of range/],
    ['int32', { type: 'bytes' }, 'AQID', /Unexpected type in Cast transformation: bytes/],
    ['string', struct([field('a', 'int32')]), { a: 1 }, /does not support casting from STRUCT/],
    ['string', { type: 'array', items: { type: 'int32' } }, [1], /does not support casting from ARRAY/],
    ['boolean', { type: 'bytes' }, 'AQID', /Unexpected type in Cast transformation: bytes/],
    ['float32', { type: 'bytes' }, 'AQID', /Unexpected type in Cast transformation: bytes/],
    ['string', { type: 'int64' }, 'abc', /expected int64 to be an integer, found string/],
    ['string', { type: 'float64' }, true, /expected a float, found boolean/],
    ['string', { type: 'boolean' }, 'true', /expected a boolean, found string/],
    ['string', { type: 'string' }, 5, /expected a string, found number/],
    ['string', { type: 'bytes' }, 5, /expected bytes, found number/],
    ['string', decimalSchema(2), true, /expected a Decimal, found boolean/],
  ])('refuses to cast to %s from %j: %j', (target, schema, value, message) => {
    expect(() => onValue(castValue(target), value, schema as ConnectSchema)).toThrow(message);
  });

  it('keeps the schema name, version and parameters, optionality, and casts the default', () => {
    const schema: ConnectSchema = { type: 'int64', name: 'my.Id', version: 2, optional: true, default: 7 };
    expect(onValue(castValue('string'), 5, schema).schema).toEqual({
      type: 'string',
      name: 'my.Id',
      version: 2,
      optional: true,
      default: '7',
    });
  });

  it('leaves a null value and its schema as they are', () => {
    const schema: ConnectSchema = { type: 'int64', optional: true };
    expect(onValue(castValue('string'), null, schema)).toEqual({ schema, value: null });
  });
});

describe('Cast with a schema, fields', () => {
  const schema = struct(
    [
      field('id', 'int64', { optional: false }),
      field('price', 'float64'),
      field('qty', 'string', { default: '3' }),
      field('note', 'string'),
    ],
    { name: 'shop.Order', version: 1 },
  );

  it('casts the listed fields, keeps the others and builds the new struct schema', () => {
    const out = onValue(
      castValue('id:string,price:int32,qty:int16,missing:int8'),
      {
        id: rawJson('9007199254740993'),
        price: 9.99,
        qty: null,
        note: 'n',
      },
      schema,
    );
    expect(out.value).toEqual({ id: '9007199254740993', price: 9, qty: 3, note: 'n' });
    expect(out.schema).toEqual({
      type: 'struct',
      name: 'shop.Order',
      version: 1,
      optional: false,
      fields: [
        { type: 'string', field: 'id', optional: false },
        { type: 'int32', field: 'price', optional: true },
        { type: 'int16', field: 'qty', optional: true, default: 3 },
        field('note', 'string'),
      ],
    });
  });

  it.each([
    [true, 3],
    [false, null],
  ])('with replace.null.with.default=%s reads a null field with a default as %j', (replace, expected) => {
    const step = castValue('qty:int32', { 'replace.null.with.default': String(replace) });
    const out = onValue(step, { id: 1, price: null, qty: null, note: null }, schema);
    expect((out.value as Record<string, unknown>).qty).toBe(expected);
  });

  it('returns the same schema object for the same input schema', () => {
    const step = castValue('price:int32');
    const first = onValue(step, { id: 1, price: 1.5 }, schema).schema;
    expect(onValue(step, { id: 2, price: 2.5 }, schema).schema).toBe(first);
  });

  it('names the field and the record when a cast fails', () => {
    const step = castValue('note:int32');
    const record = connectRecord({ value: { id: 1, note: 'x1' }, valueSchema: schema });
    try {
      step(record);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RecordError);
      expect((error as Error).message).toMatch(/transform "t": field "note": Value \(x1\) was out of range/);
    }
  });

  it('refuses a value that is not a struct', () => {
    expect(() => onValue(castValue('a:int32'), 5, { type: 'int32' })).toThrow(
      /Only Struct objects supported for \[cast types\]/,
    );
  });

  it('refuses a struct schema with a default, as Kafka does', () => {
    const withDefault = struct([field('a', 'int32')], { default: { a: 1 } });
    expect(() => onValue(castValue('a:int64'), { a: 1 }, withDefault)).toThrow(/casting from STRUCT/);
  });
});

describe('Cast without a schema', () => {
  it.each([
    ['int8', 200, -56],
    ['int32', 2.7, 2],
    ['int64', rawJson('9223372036854775807'), rawJson('9223372036854775807')],
    ['int64', '123', 123],
    ['float32', 16_777_217, 16_777_216],
    ['float64', '2.5', 2.5],
    ['boolean', 1, true],
    ['boolean', 'false', false],
    ['string', rawJson('1234567890123456789'), '1234567890123456789'],
    ['string', 1.5, '1.5'],
    ['string', 3, '3'],
    ['string', true, 'true'],
    ['string', Buffer.from([1, 2, 3]), 'AQID'],
    ['string', rawJson('3.14159265358979323846'), '3.141592653589793'],
    ['string', 1e21, '1.0E21'],
  ])('casts the whole value to %s: %j → %j', (target, value, expected) => {
    const out = onValue(castValue(target), value);
    expect(json(out.value)).toBe(json(expected));
    expect(out.schema).toBeNull();
  });

  it('casts the listed fields of a map and puts null for a listed field that is absent', () => {
    const out = onValue(castValue('a:string,b:int8,c:boolean'), { a: 1, b: '5', d: 'kept' });
    expect(out).toEqual({ schema: null, value: { a: '1', b: 5, c: null, d: 'kept' } });
  });

  it('keeps an exact int64 exact when cast to text', () => {
    const out = onValue(castValue('id:string'), { id: rawJson('1844674407370955161') });
    expect(out.value).toEqual({ id: '1844674407370955161' });
  });

  it.each([
    [new Date(0), /java.util.Date which is not supported by Connect's data API/],
    [[1, 2], /casting from ARRAY/],
    [{ a: 1 }, /casting from MAP/],
    [rawJson('99999999999999999999'), /beyond int64/],
  ])('refuses to cast %j', (value, message) => {
    expect(() => onValue(castValue('string'), value)).toThrow(message);
  });

  it('refuses field casts on a value that is not a map', () => {
    expect(() => onValue(castValue('a:int32'), 'text')).toThrow(/Only Map objects supported/);
  });

  it('produces exact digits for an int64 beyond 2^53', () => {
    const out = onValue(castValue('int64'), '9007199254740993');
    expect(isRawJson(out.value)).toBe(true);
    expect(json(out.value)).toBe('9007199254740993');
  });
});

describe('Cast$Key', () => {
  it('casts the key and leaves the value', () => {
    const out = onKey(typeStep('Cast$Key', { spec: 'string' }), 42, { type: 'int32' });
    expect(out).toEqual({ schema: { type: 'string', optional: false }, value: '42', recordValue: { v: 1 } });
  });
});

describe('javaFloatingText and bigDecimalText', () => {
  it.each([
    [0, false, '0.0'],
    [-0, false, '-0.0'],
    [100, false, '100.0'],
    [0.001, false, '0.001'],
    [9_999_999, false, '9999999.0'],
    [12_345_678.9, false, '1.23456789E7'],
    [-1.5e-10, false, '-1.5E-10'],
    [Number.NaN, false, 'NaN'],
    [Number.NEGATIVE_INFINITY, false, '-Infinity'],
    [Math.fround(3.3), true, '3.3'],
    [Math.fround(1e10), true, '1.0E10'],
  ])('writes %d (float32: %s) as Java writes it: %s', (value, float32, expected) => {
    expect(javaFloatingText(value, float32)).toBe(expected);
  });

  it.each([
    [0n, 0, '0'],
    [0n, 2, '0.00'],
    [5n, 7, '5E-7'],
    [5n, 6, '0.000005'],
    [-12345n, 3, '-12.345'],
    [12n, -3, '1.2E+4'],
  ])('writes unscaled %s with scale %d as %s', (unscaled, scale, expected) => {
    expect(bigDecimalText(unscaled, scale)).toBe(expected);
  });
});
