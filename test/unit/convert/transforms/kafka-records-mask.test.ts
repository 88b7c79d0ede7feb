import { describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../../../lib/convert/connect-schema.ts';
import { isRawJson, rawJson } from '../../../../lib/convert/exact-json.ts';
import { applied, connectRecord, field, fieldTransformStep, struct } from '../../../support/kafka-records.ts';

/** A value's JSON text, RawJson as its digits: compares exact numbers by text. */
function jsonOf(value: unknown): string {
  return isRawJson(value) ? value.rawJSON : JSON.stringify(value);
}

const decimal = (scale: number) =>
  ({
    name: 'org.apache.kafka.connect.data.Decimal',
    version: 1,
    parameters: { scale: String(scale) },
  }) as const;

/** The masked value of a one-field struct `{ f: value }` whose field has `schema`. */
function maskedStructField(
  schema: ConnectSchema,
  value: unknown,
  options: Record<string, string> = {},
): unknown {
  const valueSchema = struct([{ ...schema, field: 'f' }, field('kept', 'string')]);
  const step = fieldTransformStep('MaskField$Value', { fields: 'f', ...options });
  const out = applied(step, connectRecord({ valueSchema, value: { f: value, kept: 'k' } }));
  expect(out.valueSchema).toBe(valueSchema);
  const masked = out.value as Record<string, unknown>;
  expect(masked.kept).toBe('k');
  return masked.f;
}

describe('MaskField with a schema', () => {
  it.each([
    ['boolean', { type: 'boolean' }, true, false],
    ['int8', { type: 'int8' }, 5, 0],
    ['int16', { type: 'int16' }, 5, 0],
    ['int32', { type: 'int32' }, 5, 0],
    ['int64', { type: 'int64' }, rawJson('9007199254740993'), 0],
    ['float32', { type: 'float32' }, 1.5, 0],
    ['float64', { type: 'float64' }, 1.5, 0],
    ['string', { type: 'string' }, 'secret', ''],
    ['Decimal (base64)', { type: 'bytes', ...decimal(2) }, 'BNI=', 'AA=='],
    ['Decimal (numeric)', { type: 'bytes', ...decimal(2) }, 12.34, rawJson('0.00')],
    ['Timestamp', { type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp' }, 1700000000000, 0],
    ['Date', { type: 'int32', name: 'org.apache.kafka.connect.data.Date' }, 19000, 0],
    ['array', { type: 'array', items: { type: 'int32' } }, [1, 2], []],
    ['map (object)', { type: 'map', keys: { type: 'string' }, values: { type: 'int32' } }, { a: 1 }, {}],
    ['map (pairs)', { type: 'map', keys: { type: 'int32' }, values: { type: 'int32' } }, [[1, 2]], []],
    ['null', { type: 'string', optional: true }, null, null],
  ])('masks a %s field with its empty value', (_, schema, value, expected) => {
    expect(jsonOf(maskedStructField(schema as ConnectSchema, value))).toBe(jsonOf(expected));
  });

  it.each([
    ['int8 (truncated to 8 bits)', { type: 'int8' }, '300', 44],
    ['int16', { type: 'int16' }, '-7', -7],
    ['int32 (decimal text truncated)', { type: 'int32' }, '12.9', 12],
    ['int32 (exponent)', { type: 'int32' }, '1e3', 1000],
    ['int64 beyond a double', { type: 'int64' }, '9007199254740993', rawJson('9007199254740993')],
    ['float32', { type: 'float32' }, '0.1', Math.fround(0.1)],
    ['float64', { type: 'float64' }, '-2.5', -2.5],
    ['string', { type: 'string' }, '***', '***'],
    ['Decimal scale 2 (base64)', { type: 'bytes', ...decimal(2) }, '12.5', 'BOI='],
    ['Decimal scale 2 (numeric)', { type: 'bytes', ...decimal(2) }, '-0.5', rawJson('-0.50')],
  ])('masks a %s field with the replacement converted to its type', (_, schema, replacement, expected) => {
    const value = (schema as ConnectSchema).name ? (replacement === '-0.5' ? 1 : 'AQ==') : 1;
    expect(jsonOf(maskedStructField(schema as ConnectSchema, value, { replacement }))).toBe(jsonOf(expected));
  });

  it.each([
    ['bytes', { type: 'bytes' }, 'AQ==', {}, 'a bytes value has no empty value'],
    ['struct', { type: 'struct', fields: [] }, {}, {}, 'a struct value has no empty value'],
    [
      'boolean with a replacement',
      { type: 'boolean' },
      true,
      { replacement: 'x' },
      'numbers and strings only',
    ],
    [
      'Timestamp with a replacement',
      { type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp' },
      1,
      { replacement: '0' },
      'numbers and strings only',
    ],
    [
      'int32 with a replacement that is no number',
      { type: 'int32' },
      1,
      { replacement: 'abc' },
      'with replacement "abc": it is not a number',
    ],
    [
      'Decimal with more places than its scale',
      { type: 'bytes', ...decimal(1) },
      'AQ==',
      { replacement: '1.25' },
      "more decimal places than the field's scale",
    ],
  ])('fails a %s field', (_, schema, value, options, reason) => {
    expect(() => maskedStructField(schema as ConnectSchema, value, options)).toThrow(reason);
  });

  it.each([
    [true, ''],
    [false, null],
  ])('with replace.null.with.default=%s masks a null field with a default as %j', (replace, expected) => {
    const schema = { type: 'string', optional: true, default: 'dflt' };
    expect(maskedStructField(schema, null, { 'replace.null.with.default': String(replace) })).toBe(expected);
  });

  it('fails a null value, as Kafka requires a Struct', () => {
    const valueSchema = struct([field('f', 'string')], { optional: true });
    const step = fieldTransformStep('MaskField$Value', { fields: 'f' });
    expect(() => step(connectRecord({ valueSchema, value: null }))).toThrow(
      'Only Struct objects supported for [mask fields], found: null',
    );
  });
});

describe('MaskField without a schema', () => {
  it.each([
    [
      {},
      { int: 0, float: 0, text: '', flag: false, list: [], map: {}, nothing: null, missing: null, kept: 'k' },
    ],
    [
      { replacement: '9.75' },
      {
        int: 9,
        float: 9.75,
        text: '9.75',
        flag: 'error',
        list: 'error',
        map: 'error',
        nothing: null,
        missing: null,
        kept: 'k',
      },
    ],
  ])('with %j masks each listed field by the type of its value', (options, expected) => {
    const value = {
      int: 12,
      float: 1.5,
      text: 'secret',
      flag: true,
      list: [1],
      map: { a: 1 },
      nothing: null,
      kept: 'k',
    };
    for (const [name, wanted] of Object.entries(expected)) {
      if (name === 'kept') continue;
      const step = fieldTransformStep('MaskField$Value', { fields: name, ...options });
      if (wanted === 'error') {
        expect(() => step(connectRecord({ value }))).toThrow('numbers and strings only');
        continue;
      }
      const out = applied(step, connectRecord({ value })).value as Record<string, unknown>;
      expect(out[name]).toEqual(wanted);
      expect(out.kept).toBe('k');
    }
  });

  it('masks a Date with the epoch and refuses a Buffer', () => {
    const step = fieldTransformStep('MaskField$Value', { fields: 'at' });
    expect(applied(step, connectRecord({ value: { at: new Date(5) } })).value).toEqual({ at: new Date(0) });
    expect(() => step(connectRecord({ value: { at: Buffer.from('x') } }))).toThrow('a bytes value');
  });

  it('masks the key with MaskField$Key and leaves the value alone', () => {
    const step = fieldTransformStep('MaskField$Key', { fields: 'email' });
    const out = applied(step, connectRecord({ key: { email: 'a@b.c' }, value: { email: 'a@b.c' } }));
    expect(out.key).toEqual({ email: '' });
    expect(out.value).toEqual({ email: 'a@b.c' });
  });

  it('fails a tombstone, as Kafka requires a Map', () => {
    const step = fieldTransformStep('MaskField$Value', { fields: 'f' });
    expect(() => step(connectRecord({ value: null }))).toThrow(
      'Only Map objects supported in absence of schema for [mask fields], found: null',
    );
  });
});
