import { describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../../../lib/convert/connect-schema.ts';
import { rawJson } from '../../../../lib/convert/exact-json.ts';
import { field, onKey, onValue, struct, typeStep } from '../../../support/kafka-types.ts';

const flatten = (options: Record<string, string> = {}) => typeStep('Flatten$Value', options);

describe('Flatten with a schema', () => {
  const address = struct(
    [field('city', 'string', { optional: false }), field('zip', 'string', { default: '00000' })],
    { name: 'shop.Address' },
  );
  const schema = struct(
    [
      field('id', 'int64', { optional: false }),
      { ...address, field: 'ship', optional: true },
      { ...address, field: 'bill', optional: false },
      field('tags', 'array', { items: { type: 'string' } }),
    ],
    { name: 'shop.Order', version: 3 },
  );

  it('joins nested field names, propagates optionality and keeps arrays', () => {
    const value = {
      id: rawJson('9007199254740993'),
      ship: { city: 'Oslo', zip: null },
      bill: { city: 'Bergen', zip: '5003' },
      tags: ['a', 'b'],
    };
    expect(onValue(flatten(), value, schema)).toEqual({
      schema: {
        type: 'struct',
        name: 'shop.Order',
        version: 3,
        optional: false,
        fields: [
          { type: 'int64', field: 'id', optional: false },
          { type: 'string', field: 'ship.city', optional: true },
          { type: 'string', field: 'ship.zip', optional: true, default: '00000' },
          { type: 'string', field: 'bill.city', optional: false },
          { type: 'string', field: 'bill.zip', optional: true, default: '00000' },
          { type: 'array', field: 'tags', optional: true, items: { type: 'string' } },
        ],
      },
      value: {
        id: rawJson('9007199254740993'),
        'ship.city': 'Oslo',
        'ship.zip': '00000',
        'bill.city': 'Bergen',
        'bill.zip': '5003',
        tags: ['a', 'b'],
      },
    });
  });

  it.each([
    ['_', 'ship_city'],
    ['__', 'ship__city'],
    [' ', 'shipcity'],
  ])('joins names with delimiter %j', (delimiter, name) => {
    const out = onValue(flatten({ delimiter }), { id: 1, ship: { city: 'x' }, bill: { city: 'y' } }, schema);
    expect(out.value).toHaveProperty([name], 'x');
  });

  it('leaves the fields of a null optional struct out', () => {
    const out = onValue(flatten(), { id: 1, ship: null, bill: { city: 'y' } }, schema);
    expect(out.value).toEqual({ id: 1, 'bill.city': 'y', 'bill.zip': '00000', tags: null });
  });

  it("takes a nested field's default from its parent's default", () => {
    const withDefault = struct([
      { ...struct([field('n', 'int32')]), field: 'inner', optional: true, default: { n: 5 } },
    ]);
    expect(onValue(flatten(), { inner: null }, withDefault)).toEqual({
      schema: {
        type: 'struct',
        optional: false,
        fields: [{ type: 'int32', field: 'inner.n', optional: true, default: 5 }],
      },
      value: { 'inner.n': 5 },
    });
  });

  it('reuses the flattened schema for the same input schema', () => {
    const step = flatten();
    const first = onValue(step, { id: 1, bill: { city: 'a' } }, schema).schema;
    expect(onValue(step, { id: 2, bill: { city: 'b' } }, schema).schema).toBe(first);
  });

  it.each([
    [
      struct([field('m', 'map', { keys: { type: 'string' }, values: { type: 'int32' } })]),
      { m: {} },
      /does not support MAP for record with schemas \(for field m\)/,
    ],
    [
      struct([field('a_b', 'int32'), { ...struct([field('b', 'int32')]), field: 'a' }]),
      { a_b: 1, a: { b: 2 } },
      /field name duplication a_b/,
    ],
    [
      struct([field('x', 'int32', { optional: false })]),
      { x: null },
      /null used for required field: "x", schema type: INT32/,
    ],
    [{ type: 'int32' } as ConnectSchema, 5, /Only Struct objects supported for \[flattening\]/],
  ])('refuses %j holding %j', (inputSchema, value, message) => {
    expect(() => onValue(flatten({ delimiter: '_' }), value, inputSchema)).toThrow(message);
  });
});

describe('Flatten without a schema', () => {
  it('flattens nested maps, keeps arrays, nulls and exact numbers', () => {
    const value = {
      a: { b: { c: 1 }, d: [{ e: 1 }] },
      n: null,
      big: rawJson('12345678901234567890'),
      bytes: Buffer.from([1]),
    };
    expect(onValue(flatten(), value)).toEqual({
      schema: null,
      value: {
        'a.b.c': 1,
        'a.d': [{ e: 1 }],
        n: null,
        big: rawJson('12345678901234567890'),
        bytes: Buffer.from([1]),
      },
    });
  });

  it('lets a later key win when two names meet', () => {
    expect(onValue(flatten({ delimiter: '_' }), { a: { b: 1 }, a_b: 2 }).value).toEqual({ a_b: 2 });
  });

  it('keeps an empty nested map out', () => {
    expect(onValue(flatten(), { a: {}, b: 1 }).value).toEqual({ b: 1 });
  });

  it.each([
    [{ at: new Date(0) }, /java.util.Date which is not supported by Connect's data API/],
    ['text', /Only Map objects supported in absence of schema for \[flattening\]/],
  ])('refuses %j', (value, message) => {
    expect(() => onValue(flatten(), value)).toThrow(message);
  });

  it('leaves a null value as it is', () => {
    expect(onValue(flatten(), null)).toEqual({ schema: null, value: null });
  });
});

describe('Flatten$Key', () => {
  it('flattens the key and leaves the value', () => {
    expect(onKey(typeStep('Flatten$Key', {}), { a: { b: 1 } })).toEqual({
      schema: null,
      value: { 'a.b': 1 },
      recordValue: { v: 1 },
    });
  });
});
