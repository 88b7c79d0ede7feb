import { describe, expect, it } from 'vitest';
import type { ConnectSchema } from '../../../../lib/convert/connect-schema.ts';
import { chainReadsKey } from '../../../../lib/convert/transforms/chain.ts';
import { ErrorCode } from '../../../../lib/errors.ts';
import {
  applied,
  connectRecord,
  field,
  fieldTransformConfig,
  fieldTransformStep,
  struct,
  TIMESTAMP,
} from '../../../support/kafka-records.ts';

const TIMESTAMP_SCHEMA = { type: 'int64', name: 'org.apache.kafka.connect.data.Timestamp', version: 1 };

const VALUE_SCHEMA = struct([field('id', 'int64', { optional: false }), field('name', 'string')], {
  name: 'shop.Order',
  version: 2,
  optional: true,
});

describe('InsertField', () => {
  const allFields = {
    'topic.field': 'topic',
    'partition.field': 'partition!',
    'offset.field': 'offset?',
    'timestamp.field': 'ts',
    'static.field': 'origin!',
    'static.value': 'lambda',
  };

  it.each([
    ['InsertField$Value', 'value'],
    ['InsertField$Key', 'key'],
  ] as const)('%s adds the metadata fields to a schemaless Map', (className, part) => {
    const step = fieldTransformStep(className, allFields);
    const out = applied(step, connectRecord({ [part]: { id: 1 } }));
    expect(out[part]).toEqual({
      id: 1,
      topic: 'orders.v1',
      partition: 3,
      offset: 7,
      ts: TIMESTAMP,
      origin: 'lambda',
    });
    expect(out[part === 'key' ? 'keySchema' : 'valueSchema']).toBeNull();
  });

  it('adds the fields to a struct and its schema, keeping the schema name and marking `!` fields required', () => {
    const step = fieldTransformStep('InsertField$Value', allFields);
    const out = applied(step, connectRecord({ valueSchema: VALUE_SCHEMA, value: { id: 1, name: 'a' } }));
    expect(out.valueSchema).toEqual({
      type: 'struct',
      name: 'shop.Order',
      version: 2,
      optional: false,
      fields: [
        ...(VALUE_SCHEMA.fields ?? []),
        { type: 'string', optional: true, field: 'topic' },
        { type: 'int32', optional: false, field: 'partition' },
        { type: 'int64', optional: true, field: 'offset' },
        { ...TIMESTAMP_SCHEMA, optional: true, field: 'ts' },
        { type: 'string', optional: false, field: 'origin' },
      ],
    });
    expect(out.value).toEqual({
      id: 1,
      name: 'a',
      topic: 'orders.v1',
      partition: 3,
      offset: 7,
      ts: TIMESTAMP,
      origin: 'lambda',
    });
  });

  it('derives the updated schema once per input schema', () => {
    const step = fieldTransformStep('InsertField$Value', { 'topic.field': 'topic' });
    const first = applied(step, connectRecord({ valueSchema: VALUE_SCHEMA, value: { id: 1 } }));
    const second = applied(step, connectRecord({ valueSchema: VALUE_SCHEMA, value: { id: 2 } }));
    expect(second.valueSchema).toBe(first.valueSchema);
  });

  it.each([
    [true, 'anonymous'],
    [false, null],
  ])('with replace.null.with.default=%s copies a null field with a default as %j', (replace, expected) => {
    const schema = struct([field('name', 'string', { default: 'anonymous' })]);
    const step = fieldTransformStep('InsertField$Value', {
      'topic.field': 'topic',
      'replace.null.with.default': String(replace),
    });
    expect(applied(step, connectRecord({ valueSchema: schema, value: { name: null } })).value).toEqual({
      name: expected,
      topic: 'orders.v1',
    });
  });

  it.each([
    ['schemaless', null, undefined],
    ['with a schema', VALUE_SCHEMA, null],
  ])('leaves the timestamp field out (%s) when the record has no timestamp', (_, schema, expected) => {
    const step = fieldTransformStep('InsertField$Value', { 'timestamp.field': 'ts' });
    const out = applied(step, connectRecord({ timestamp: null, valueSchema: schema, value: { id: 1 } }));
    expect((out.value as Record<string, unknown>).ts).toBe(expected);
  });

  it.each([
    ['a null value', null, null],
    ['a null value with a schema', VALUE_SCHEMA, null],
  ])('passes %s through unchanged', (_, schema, value) => {
    const record = connectRecord({ valueSchema: schema, value });
    expect(fieldTransformStep('InsertField$Value', { 'topic.field': 't' })(record)).toBe(record);
  });

  it('overwrites a schemaless field of the same name, as a Map put does', () => {
    const step = fieldTransformStep('InsertField$Value', { 'topic.field': 'id' });
    expect(applied(step, connectRecord({ value: { id: 1 } })).value).toEqual({ id: 'orders.v1' });
  });

  it.each([
    [
      'a schemaless array',
      null,
      [1],
      'Only Map objects supported in absence of schema for [field insertion], found: array',
    ],
    [
      'schemaless text',
      null,
      'x',
      'Only Map objects supported in absence of schema for [field insertion], found: string',
    ],
    [
      'a string with a schema',
      { type: 'string', optional: true },
      'x',
      'Only Struct objects supported for [field insertion], found: string with a string schema',
    ],
    [
      'a struct that has the field already',
      VALUE_SCHEMA,
      { id: 1 },
      'Cannot create field because of field name duplication name',
    ],
  ])('fails a record with %s, naming the transform and the offset', (_, schema, value, reason) => {
    const step = fieldTransformStep('InsertField$Value', { 'static.field': 'name', 'static.value': 'x' });
    expect(() => step(connectRecord({ valueSchema: schema as ConnectSchema | null, value }))).toThrow(
      expect.objectContaining({
        code: ErrorCode.TRANSFORM_FAILED,
        message: expect.stringMatching(new RegExp(`transform "t": ${reason.replace(/[[\]()]/g, '\\$&')}`)),
      }),
    );
  });
});

describe('ReplaceField', () => {
  it.each([
    [{ exclude: 'b' }, { a: 1, c: 3 }],
    [{ include: 'a,b' }, { a: 1, b: 2 }],
    [{ include: 'a,b', exclude: 'b' }, { a: 1 }],
    [{ renames: 'a:x,c:y' }, { x: 1, b: 2, y: 3 }],
    [{ include: 'a', renames: 'a:b' }, { b: 1 }],
    [{}, { a: 1, b: 2, c: 3 }],
  ])('with %j turns a schemaless Map into %j', (options, expected) => {
    const step = fieldTransformStep('ReplaceField$Value', options);
    expect(applied(step, connectRecord({ value: { a: 1, b: 2, c: 3 } })).value).toEqual(expected);
  });

  const ABC = struct([field('a', 'int32'), field('b', 'string', { default: 'dflt' }), field('c', 'int64')], {
    name: 'abc',
  });

  it.each([
    [{ exclude: 'b' }, ['a', 'c'], { a: 1, c: 3 }],
    [{ include: 'c,b' }, ['b', 'c'], { b: 'dflt', c: 3 }],
    [{ renames: 'a:x,b:y' }, ['x', 'y', 'c'], { x: 1, y: 'dflt', c: 3 }],
    [{ renames: 'b:y', 'replace.null.with.default': 'false' }, ['a', 'y', 'c'], { a: 1, y: null, c: 3 }],
  ])('with %j gives a struct the fields %j and the values %j', (options, names, expected) => {
    const step = fieldTransformStep('ReplaceField$Value', options);
    const out = applied(step, connectRecord({ valueSchema: ABC, value: { a: 1, b: null, c: 3 } }));
    expect(out.valueSchema?.fields?.map((f) => f.field)).toEqual(names);
    expect(out.valueSchema).toMatchObject({ type: 'struct', name: 'abc', optional: false });
    expect(out.value).toEqual(expected);
  });

  it('works on the key with ReplaceField$Key, leaving the value alone', () => {
    const step = fieldTransformStep('ReplaceField$Key', { renames: 'id:key_id' });
    const out = applied(step, connectRecord({ key: { id: 5 }, value: { id: 6 } }));
    expect(out.key).toEqual({ key_id: 5 });
    expect(out.value).toEqual({ id: 6 });
  });

  it('fails a struct whose renamed field meets another of the same name', () => {
    const step = fieldTransformStep('ReplaceField$Value', { renames: 'a:c' });
    expect(() => step(connectRecord({ valueSchema: ABC, value: { a: 1, b: 'x', c: 3 } }))).toThrow(
      /Cannot create field because of field name duplication c/,
    );
  });

  it('passes a null value through and fails a schemaless value that is not a Map', () => {
    const step = fieldTransformStep('ReplaceField$Value', { exclude: 'a' });
    const tombstone = connectRecord();
    expect(step(tombstone)).toBe(tombstone);
    expect(() => step(connectRecord({ value: 42 }))).toThrow(
      'Only Map objects supported in absence of schema for [field replacement], found: number',
    );
  });
});

describe('ValueToKey', () => {
  it('builds a schemaless key Map of the listed fields, a missing one as null', () => {
    const step = fieldTransformStep('ValueToKey', { fields: 'id,missing' });
    const out = applied(step, connectRecord({ key: 'old', value: { id: 1, name: 'a' } }));
    expect(out.key).toEqual({ id: 1, missing: null });
    expect(out.keySchema).toBeNull();
    expect(out.value).toEqual({ id: 1, name: 'a' });
  });

  it('builds a key struct and its schema from the value struct', () => {
    const schema = struct([
      field('id', 'int64', { optional: false }),
      field('region', 'string', { default: 'eu' }),
    ]);
    const step = fieldTransformStep('ValueToKey', { fields: 'region,id' });
    const out = applied(step, connectRecord({ valueSchema: schema, value: { id: 1, region: null } }));
    expect(out.keySchema).toEqual({
      type: 'struct',
      optional: false,
      fields: [field('region', 'string', { default: 'eu' }), field('id', 'int64', { optional: false })],
    });
    expect(out.key).toEqual({ region: 'eu', id: 1 });
    expect(out.valueSchema).toBe(schema);
  });

  it.each([
    ['a field the value schema lacks', VALUE_SCHEMA, { id: 1 }, 'Field does not exist: nope'],
    [
      'a null value',
      null,
      null,
      'Only Map objects supported in absence of schema for [copying fields from value to key], found: null',
    ],
  ])('fails %s', (_, schema, value, reason) => {
    const step = fieldTransformStep('ValueToKey', { fields: 'id,nope' });
    expect(() => step(connectRecord({ valueSchema: schema, value }))).toThrow(reason);
  });

  it('marks the chain as reading the key, as every $Key variant does and no $Value variant', () => {
    expect(chainReadsKey([fieldTransformConfig('ValueToKey', { fields: 'id' })])).toBe(true);
    expect(chainReadsKey([fieldTransformConfig('HoistField$Key', { field: 'k' })])).toBe(true);
    expect(chainReadsKey([fieldTransformConfig('HoistField$Value', { field: 'v' })])).toBe(false);
  });
});

describe('ExtractField', () => {
  it.each([
    [{ field: 'after' }, { id: 1 }],
    [{ field: 'missing' }, null],
    [{ field: 'after.id' }, null],
    [{ field: 'after.id', 'field.syntax.version': 'v2' }, 1],
    [{ field: '`a.b`.c', 'field.syntax.version': 'V2' }, 'dotted'],
    [{ field: 'a.b' }, 'flat'],
  ])('with %j takes %j out of a schemaless Map', (options, expected) => {
    const step = fieldTransformStep('ExtractField$Value', options);
    const value = { after: { id: 1 }, 'a.b': 'flat', 'a.b.c': 'no' };
    const withDots = { ...value, 'a.b': { c: 'dotted' } };
    const input = (options as Record<string, string>)['field.syntax.version'] ? withDots : value;
    expect(applied(step, connectRecord({ value: input })).value).toEqual(expected);
  });

  const ENVELOPE = struct(
    [
      field('after', 'struct', {
        fields: [field('id', 'int64', { optional: false }), field('tier', 'int32', { default: 1 })],
      }),
      field('op', 'string', { optional: false }),
    ],
    { name: 'Envelope' },
  );

  it.each([
    [{ field: 'op' }, { type: 'string', optional: false }, 'c'],
    [{ field: 'after.tier', 'field.syntax.version': 'V2' }, { type: 'int32', optional: true, default: 1 }, 1],
    [
      { field: 'after.tier', 'field.syntax.version': 'V2', 'replace.null.with.default': 'false' },
      { type: 'int32', optional: true, default: 1 },
      null,
    ],
  ])('with %j takes the field schema %j and the value %j out of a struct', (options, schema, expected) => {
    const step = fieldTransformStep('ExtractField$Value', options);
    const out = applied(
      step,
      connectRecord({ valueSchema: ENVELOPE, value: { after: { id: 1, tier: null }, op: 'c' } }),
    );
    expect(out.valueSchema).toEqual(schema);
    expect(out.value).toBe(expected);
  });

  it('extracts from the key with ExtractField$Key', () => {
    const step = fieldTransformStep('ExtractField$Key', { field: 'id' });
    expect(applied(step, connectRecord({ key: { id: 'k1' }, value: { v: 1 } }))).toMatchObject({
      key: 'k1',
      value: { v: 1 },
    });
  });

  it.each([
    ['schemaless', null],
    ['with a schema', ENVELOPE],
  ])('keeps a null value null (%s)', (_, schema) => {
    const step = fieldTransformStep('ExtractField$Value', { field: 'op' });
    expect(applied(step, connectRecord({ valueSchema: schema, value: null })).value).toBeNull();
  });

  it.each([
    ['a field the schema lacks', ENVELOPE, { op: 'c' }, 'Unknown field: nope'],
    ['a schemaless value that is not a Map', null, 'text', 'for [field extraction], found: string'],
  ])('fails %s', (_, schema, value, reason) => {
    const step = fieldTransformStep('ExtractField$Value', { field: 'nope' });
    expect(() => step(connectRecord({ valueSchema: schema, value }))).toThrow(reason);
  });
});

describe('HoistField', () => {
  it.each([
    ['a Map', { id: 1 }],
    ['text', 'abc'],
    ['null', null],
  ])('wraps schemaless %s in a Map of one field', (_, value) => {
    const step = fieldTransformStep('HoistField$Value', { field: 'payload' });
    const out = applied(step, connectRecord({ value }));
    expect(out.value).toEqual({ payload: value });
    expect(out.valueSchema).toBeNull();
  });

  it('wraps a value with a schema in a required struct whose one field has that schema', () => {
    const keySchema = { type: 'string', optional: true };
    const step = fieldTransformStep('HoistField$Key', { field: 'id' });
    const out = applied(step, connectRecord({ keySchema, key: 'k1' }));
    expect(out.keySchema).toEqual({
      type: 'struct',
      optional: false,
      fields: [{ ...keySchema, field: 'id' }],
    });
    expect(out.key).toEqual({ id: 'k1' });
  });

  it('fails a null value whose schema is required, as a Struct refuses it', () => {
    const step = fieldTransformStep('HoistField$Value', { field: 'v' });
    expect(() => step(connectRecord({ valueSchema: { type: 'string' }, value: null }))).toThrow(
      'Invalid value: null used for required field: "v", schema type: STRING',
    );
  });
});
