import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../../../lib/config/sink-config.ts';
import type { TransformConfig } from '../../../../lib/config/transforms.ts';
import type { ConnectSchema } from '../../../../lib/convert/connect-schema.ts';
import { schemalessRecord, transformChain } from '../../../../lib/convert/transforms/chain.ts';
import {
  type ConnectHeader,
  type ConnectRecord,
  TransformSkip,
} from '../../../../lib/convert/transforms/connect-record.ts';
import { decodeRecord } from '../../../../lib/decode/event.ts';
import { seedConfig } from '../../../fixtures/events.ts';

/**
 * ExtractNewRecordState's options on the real Debezium 3.6.1 PostgreSQL events of
 * test/fixtures/debezium (the customers walk-through), with their JsonConverter schema and without
 * it, checked against the names, placements and schemas Debezium documents.
 */

interface Capture {
  readonly topic: string;
  readonly offset: number;
  readonly value: string | null;
}

type Step = 'snapshot-read' | 'insert' | 'update' | 'delete' | 'tombstone';

function capture(step: Step): Capture {
  return JSON.parse(
    readFileSync(new URL(`../../../fixtures/debezium/${step}.json`, import.meta.url), 'utf8'),
  ) as Capture;
}

type Mode = 'schema' | 'schemaless';
const MODES: readonly Mode[] = ['schema', 'schemaless'];

/** The captured event as the transforms see it: with its schema, or its payload alone. */
function eventRecord(step: Step, mode: Mode, headers: readonly ConnectHeader[] = []): ConnectRecord {
  const { topic, offset, value } = capture(step);
  const source = decodeRecord({
    topic,
    partition: 0,
    offset,
    timestamp: 0,
    key: null,
    value: null,
    headers: [],
  });
  const parsed = value === null ? null : (JSON.parse(value) as { schema: ConnectSchema; payload: unknown });
  return {
    ...schemalessRecord(source, parsed?.payload ?? null),
    valueSchema: mode === 'schema' && parsed !== null ? parsed.schema : null,
    headers,
  };
}

/** A record of the given envelope (payload) and optional schema. */
function customRecord(
  payload: Record<string, unknown>,
  schema: ConnectSchema | null,
  headers: ConnectHeader[] = [],
) {
  const source = decodeRecord({
    topic: 'srv.public.t',
    partition: 0,
    offset: 7,
    timestamp: 0,
    key: null,
    value: null,
  });
  return { ...schemalessRecord(source, payload), valueSchema: schema, headers };
}

/** The transforms a config with these settings parses into. */
function transformsOf(settings: Record<string, string>): readonly TransformConfig[] {
  return parseSinkConfig(
    seedConfig({
      transforms: 'unwrap',
      'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
      ...prefixed(settings),
    }),
  ).transforms;
}

function prefixed(options: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(options).map(([k, v]) => [k.startsWith('transforms') ? k : `transforms.unwrap.${k}`, v]),
  );
}

function run(record: ConnectRecord, options: Record<string, string>): ConnectRecord | TransformSkip {
  return transformChain(transformsOf(options), new Map())(record);
}

function row(record: ConnectRecord, options: Record<string, string>): ConnectRecord {
  const outcome = run(record, options);
  if (outcome instanceof TransformSkip) throw new Error(`expected a record, got the skip ${outcome.reason}`);
  return outcome;
}

const AFTER_UPDATE = { id: 2, first_name: 'b', last_name: 'b', email: 'c@c.com' };
// REPLICA IDENTITY DEFAULT: the delete's before image has the key and nulls.
const BEFORE_DELETE = { id: 1, first_name: null, last_name: null, email: null };
const IMAGE_FIELDS = ['id', 'first_name', 'last_name', 'email'];

type Expected = { skip: string } | { value: Record<string, unknown> | null };

describe.each(MODES)('delete and tombstone handling (%s)', (mode) => {
  it.each<[string, Record<string, string>, Step, Expected]>([
    ['the ≤ 3.1 defaults', {}, 'update', { value: AFTER_UPDATE }],
    ['the ≤ 3.1 defaults', {}, 'delete', { skip: 'delete-dropped' }],
    ['the ≤ 3.1 defaults', {}, 'tombstone', { skip: 'tombstone' }],
    ['drop.tombstones=false', { 'drop.tombstones': 'false' }, 'tombstone', { value: null }],
    ['delete.handling.mode=none', { 'delete.handling.mode': 'none' }, 'delete', { skip: 'delete-dropped' }],
    [
      'delete.handling.mode=rewrite',
      { 'delete.handling.mode': 'rewrite' },
      'update',
      { value: { ...AFTER_UPDATE, __deleted: 'false' } },
    ],
    [
      'delete.handling.mode=rewrite',
      { 'delete.handling.mode': 'rewrite' },
      'delete',
      { value: { ...BEFORE_DELETE, __deleted: 'true' } },
    ],
    ['mode drop', { 'delete.tombstone.handling.mode': 'drop' }, 'delete', { skip: 'delete-dropped' }],
    ['mode drop', { 'delete.tombstone.handling.mode': 'drop' }, 'tombstone', { skip: 'tombstone' }],
    ['mode tombstone', { 'delete.tombstone.handling.mode': 'tombstone' }, 'update', { value: AFTER_UPDATE }],
    ['mode tombstone', { 'delete.tombstone.handling.mode': 'tombstone' }, 'delete', { value: null }],
    ['mode tombstone', { 'delete.tombstone.handling.mode': 'tombstone' }, 'tombstone', { skip: 'tombstone' }],
    [
      'mode rewrite',
      { 'delete.tombstone.handling.mode': 'rewrite' },
      'snapshot-read',
      { value: { id: 1, first_name: 'a', last_name: 'a', email: 'a@a.com', __deleted: 'false' } },
    ],
    [
      'mode rewrite',
      { 'delete.tombstone.handling.mode': 'rewrite' },
      'delete',
      { value: { ...BEFORE_DELETE, __deleted: 'true' } },
    ],
    ['mode rewrite', { 'delete.tombstone.handling.mode': 'rewrite' }, 'tombstone', { skip: 'tombstone' }],
    [
      'mode rewrite-with-tombstone',
      { 'delete.tombstone.handling.mode': 'rewrite-with-tombstone' },
      'delete',
      { value: { ...BEFORE_DELETE, __deleted: 'true' } },
    ],
    [
      'mode rewrite-with-tombstone',
      { 'delete.tombstone.handling.mode': 'rewrite-with-tombstone' },
      'tombstone',
      { value: null },
    ],
    [
      'mode delete-to-tombstone',
      { 'delete.tombstone.handling.mode': 'delete-to-tombstone' },
      'delete',
      { value: null },
    ],
    [
      'mode delete-to-tombstone',
      { 'delete.tombstone.handling.mode': 'delete-to-tombstone' },
      'tombstone',
      { skip: 'tombstone' },
    ],
  ])('with %s, the %s event gives %j', (_what, options, step, expected) => {
    const outcome = run(eventRecord(step, mode), options);
    if ('skip' in expected) expect(outcome).toEqual(new TransformSkip(expected.skip));
    else expect(outcome).toMatchObject({ value: expected.value });
  });
});

describe('the schema of the unwrapped row', () => {
  it('is the after image schema, required, with __deleted an optional string when rewriting', () => {
    const out = row(eventRecord('update', 'schema'), { 'delete.tombstone.handling.mode': 'rewrite' });
    expect(out.valueSchema).toMatchObject({
      type: 'struct',
      name: 'e2e_mwwq93qr.public.customers.Value',
      optional: false,
    });
    expect(out.valueSchema?.fields?.map((f) => f.field)).toEqual([...IMAGE_FIELDS, '__deleted']);
    expect(out.valueSchema?.fields?.at(-1)).toEqual({ type: 'string', optional: true, field: '__deleted' });
  });

  it('keeps the after schema for a delete made a tombstone, and none for delete-to-tombstone', () => {
    const tombstone = row(eventRecord('delete', 'schema'), { 'delete.tombstone.handling.mode': 'tombstone' });
    expect(tombstone.valueSchema).toMatchObject({
      name: 'e2e_mwwq93qr.public.customers.Value',
      optional: true,
    });
    const deleteToTombstone = row(eventRecord('delete', 'schema'), {
      'delete.tombstone.handling.mode': 'delete-to-tombstone',
    });
    expect(deleteToTombstone.valueSchema).toBeNull();
  });
});

describe.each(MODES)('add.fields (%s)', (mode) => {
  const METADATA = 'op,table,lsn,source.ts_ms,ts_ms,id,transaction.total_order';

  it('appends the metadata after the image and __deleted, named and valued as Debezium does', () => {
    const out = row(eventRecord('update', mode), {
      'delete.tombstone.handling.mode': 'rewrite',
      'add.fields': METADATA,
    });
    expect(Object.entries(out.value as object)).toEqual(
      Object.entries({
        ...AFTER_UPDATE,
        __deleted: 'false',
        __op: 'u',
        __table: 'customers',
        __lsn: 39729576,
        __source_ts_ms: 1795647665021,
        __ts_ms: 1795647665397,
        // The transaction struct is null (no transaction metadata configured): its fields are null.
        __id: null,
        __transaction_total_order: null,
      }),
    );
  });

  it('adds the fields to a rewritten delete, from the delete event', () => {
    const out = row(eventRecord('delete', mode), {
      'delete.tombstone.handling.mode': 'rewrite',
      'add.fields': 'op,source.lsn:LSN',
      'add.fields.prefix': 'dbz_',
    });
    expect(out.value).toEqual({ ...BEFORE_DELETE, __deleted: 'true', dbz_op: 'd', dbz_LSN: 39729712 });
  });

  it('adds nothing to a delete made a tombstone', () => {
    const out = row(eventRecord('delete', mode), {
      'delete.tombstone.handling.mode': 'tombstone',
      'add.fields': 'op',
    });
    expect(out.value).toBeNull();
  });

  it('adds no field for a name the change event does not have', () => {
    const out = row(eventRecord('insert', mode), { 'add.fields': 'op,not_there,source.not_there' });
    expect(Object.keys(out.value as object)).toEqual([...IMAGE_FIELDS, '__op']);
  });

  it.each([
    ['nothing.x', 'add.fields entry "nothing.x": the change event has no field "nothing"'],
    ['op.x', 'add.fields entry "op.x": the change event\'s "op" is'],
    ['source', 'add.fields entry "source": the field is a'],
  ])('fails the entry %s, naming it', (entry, message) => {
    expect(() => run(eventRecord('insert', mode), { 'add.fields': entry })).toThrow(message);
  });

  it('fails a field name the row already has', () => {
    expect(() =>
      run(eventRecord('insert', mode), { 'add.fields': 'source.table:email', 'add.fields.prefix': '' }),
    ).toThrow('transform "unwrap": add.fields: the row already has a field "email"');
  });
});

describe('add.fields schemas', () => {
  it('declares each added field as its source field, optional and after the image', () => {
    const out = row(eventRecord('update', 'schema'), {
      'add.fields': 'op,table,lsn,source.ts_ms,ts_ms,snapshot,id',
    });
    expect(out.valueSchema?.fields?.slice(IMAGE_FIELDS.length)).toEqual([
      { type: 'string', optional: true, field: '__op' },
      { type: 'string', optional: true, field: '__table' },
      { type: 'int64', optional: true, field: '__lsn' },
      { type: 'int64', optional: true, field: '__source_ts_ms' },
      { type: 'int64', optional: true, field: '__ts_ms' },
      {
        type: 'string',
        optional: true,
        name: 'io.debezium.data.Enum',
        version: 1,
        parameters: {
          allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental',
        },
        field: '__snapshot',
      },
      { type: 'string', optional: true, field: '__id' },
    ]);
  });
});

describe.each(MODES)('add.headers (%s)', (mode) => {
  it('adds the metadata as headers after the existing ones, with the field schemas', () => {
    const existing: ConnectHeader = { key: 'trace', schema: null, value: 'x' };
    const out = row(eventRecord('update', mode, [existing]), {
      'add.headers': 'op,source.lsn:LSN,db',
      'add.headers.prefix': 'dbz.',
    });
    const withSchema = (schema: ConnectSchema) => (mode === 'schema' ? schema : null);
    expect(out.headers).toEqual([
      existing,
      { key: 'dbz.op', schema: withSchema({ type: 'string', optional: true }), value: 'u' },
      {
        key: 'dbz.LSN',
        schema: withSchema({ type: 'int64', optional: true }),
        value: 39729576,
      },
      {
        key: 'dbz.db',
        schema: withSchema({ type: 'string', optional: true }),
        value: 'sink_e2e_capture',
      },
    ]);
    expect(out.value).toEqual(AFTER_UPDATE);
  });

  it('gives a kept tombstone only the op header, as "d"', () => {
    const out = row(eventRecord('tombstone', mode), {
      'delete.tombstone.handling.mode': 'rewrite-with-tombstone',
      'add.headers': 'op,lsn',
    });
    expect(out.headers).toEqual([{ key: '__op', schema: { type: 'string' }, value: 'd' }]);
  });
});

const ROUTED_SCHEMA: ConnectSchema = {
  type: 'struct',
  name: 'srv.Envelope',
  fields: [
    {
      type: 'struct',
      optional: true,
      field: 'before',
      name: 'srv.Value',
      fields: [
        { type: 'int32', field: 'id' },
        { type: 'string', optional: true, field: 'dest' },
      ],
    },
    {
      type: 'struct',
      optional: true,
      field: 'after',
      name: 'srv.Value',
      fields: [
        { type: 'int32', field: 'id' },
        { type: 'string', optional: true, field: 'dest' },
      ],
    },
    { type: 'string', field: 'op' },
  ],
};

describe.each(MODES)('route.by.field (%s)', (mode) => {
  const routed = (payload: Record<string, unknown>, options: Record<string, string> = {}) =>
    run(customRecord(payload, mode === 'schema' ? ROUTED_SCHEMA : null), {
      'route.by.field': 'dest',
      ...options,
    });

  it.each([
    ['an upsert, by its after image', { op: 'c', before: null, after: { id: 1, dest: 'orders' } }, 'orders'],
    ['a null value keeps the topic', { op: 'u', before: null, after: { id: 1, dest: null } }, 'srv.public.t'],
    ['a blank value keeps the topic', { op: 'u', before: null, after: { id: 1, dest: ' ' } }, 'srv.public.t'],
    [
      'a rewritten delete, by its before image',
      { op: 'd', before: { id: 1, dest: 'gone' }, after: null },
      'gone',
    ],
  ])('routes %s', (_what, payload, topic) => {
    expect(routed(payload, { 'delete.tombstone.handling.mode': 'rewrite' })).toMatchObject({ topic });
  });

  it('routes a delete made a tombstone by its before image', () => {
    expect(
      routed(
        { op: 'd', before: { id: 1, dest: 'gone' }, after: null },
        { 'delete.tombstone.handling.mode': 'tombstone' },
      ),
    ).toMatchObject({ topic: 'gone', value: null });
  });

  it.each([
    [
      'a field the row lacks',
      { op: 'c', before: null, after: { id: 1, dest: 'x' } },
      'missing',
      'the row has no such field',
    ],
    [
      'a field that is not a string',
      { op: 'c', before: null, after: { id: 1, dest: 'x' } },
      'id',
      'not a string',
    ],
  ])('fails on %s', (_what, payload, field, message) => {
    expect(() =>
      run(customRecord(payload, mode === 'schema' ? ROUTED_SCHEMA : null), { 'route.by.field': field }),
    ).toThrow(new RegExp(`route\\.by\\.field "${field}": .*${message}`));
  });
});

describe('drop.fields.header.name', () => {
  const header = (value: unknown): ConnectHeader => ({ key: 'changed', schema: null, value });

  it.each([
    ['a JSON list', '["email","id"]'],
    ['an unquoted list', '[email, id]'],
    ['a list value', ['email', 'id']],
  ])('removes the optional listed fields of a schema value, from %s', (_what, value) => {
    const out = row(eventRecord('update', 'schema', [header(value)]), {
      'drop.fields.header.name': 'changed',
    });
    // id is required: kept with drop.fields.keep.schema.compatible=true (the default).
    expect(out.value).toEqual({ id: 2, first_name: 'b', last_name: 'b' });
    expect(out.valueSchema?.fields?.map((f) => f.field)).toEqual(['id', 'first_name', 'last_name']);
  });

  it('removes every listed field with drop.fields.keep.schema.compatible=false', () => {
    const out = row(eventRecord('update', 'schema', [header('["email","id"]')]), {
      'drop.fields.header.name': 'changed',
      'drop.fields.keep.schema.compatible': 'false',
    });
    expect(out.value).toEqual({ first_name: 'b', last_name: 'b' });
  });

  it('removes listed fields after add.fields on an upsert, so an added field can be listed', () => {
    const out = row(eventRecord('update', 'schema', [header('["__op"]')]), {
      'drop.fields.header.name': 'changed',
      'add.fields': 'op',
    });
    expect(out.value).toEqual(AFTER_UPDATE);
  });

  it('leaves the record as it is without the header, or with an empty list', () => {
    expect(row(eventRecord('update', 'schema'), { 'drop.fields.header.name': 'changed' }).value).toEqual(
      AFTER_UPDATE,
    );
    expect(
      row(eventRecord('update', 'schema', [header('[]')]), { 'drop.fields.header.name': 'changed' }).value,
    ).toEqual(AFTER_UPDATE);
  });

  it('removes listed fields from a schemaless value only with keep.schema.compatible=false', () => {
    const record = eventRecord('update', 'schemaless', [header('["email"]')]);
    expect(() => run(record, { 'drop.fields.header.name': 'changed' })).toThrow(
      'the value has no schema, so whether "email" may be removed is unknown',
    );
    expect(
      row(record, { 'drop.fields.header.name': 'changed', 'drop.fields.keep.schema.compatible': 'false' })
        .value,
    ).toEqual({ id: 2, first_name: 'b', last_name: 'b' });
  });

  it('removes the listed fields from the key too with drop.fields.from.key', () => {
    const keySchema: ConnectSchema = {
      type: 'struct',
      fields: [
        { type: 'int32', field: 'id' },
        { type: 'string', optional: true, field: 'email' },
      ],
    };
    const record = {
      ...eventRecord('update', 'schema', [header('["email"]')]),
      keySchema,
      key: { id: 2, email: 'c@c.com' },
    };
    const out = row(record, { 'drop.fields.header.name': 'changed', 'drop.fields.from.key': 'true' });
    expect(out.key).toEqual({ id: 2 });
    expect(out.keySchema?.fields?.map((f) => f.field)).toEqual(['id']);
  });

  it('fails on a header that is not a list', () => {
    expect(() =>
      run(eventRecord('update', 'schema', [header('email')]), { 'drop.fields.header.name': 'changed' }),
    ).toThrow('header "changed" holds "email", not a list of field names');
  });
});

describe('replace.null.with.default', () => {
  const schema: ConnectSchema = {
    type: 'struct',
    name: 'srv.Envelope',
    fields: [
      {
        type: 'struct',
        optional: true,
        field: 'after',
        fields: [
          { type: 'int32', field: 'id' },
          { type: 'string', optional: true, default: 'new', field: 'status' },
        ],
      },
      { type: 'string', field: 'op' },
    ],
  };
  const record = () => customRecord({ op: 'c', after: { id: 1, status: null } }, schema);

  it.each([
    ['a rewritten row takes the default', { 'delete.tombstone.handling.mode': 'rewrite' }, 'new'],
    [
      'replace.null.with.default=false keeps the null',
      { 'delete.tombstone.handling.mode': 'rewrite', 'replace.null.with.default': 'false' },
      null,
    ],
    ['a row that is not rewritten keeps the null', { 'delete.tombstone.handling.mode': 'tombstone' }, null],
  ])('%s', (_what, options, status) => {
    expect(row(record(), options).value).toMatchObject({ status });
  });
});

describe('AddOpFieldForDebeziumRecord with add.fields under another prefix', () => {
  it.each(MODES)('writes StarRocks __op (0/1) and Debezium _op (c/u/d/r) side by side (%s)', (mode) => {
    const transforms = parseSinkConfig(
      seedConfig({
        transforms: 'addfield,unwrap',
        'transforms.addfield.type': 'com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord',
        'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
        'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
        'transforms.unwrap.add.fields': 'op',
        'transforms.unwrap.add.fields.prefix': '_',
      }),
    ).transforms;
    const chain = transformChain(transforms, new Map());
    expect(chain(eventRecord('update', mode))).toMatchObject({
      value: { ...AFTER_UPDATE, __op: 0, __deleted: 'false', _op: 'u' },
    });
    expect(chain(eventRecord('delete', mode))).toMatchObject({
      value: { ...BEFORE_DELETE, __op: 1, __deleted: 'true', _op: 'd' },
    });
  });
});
