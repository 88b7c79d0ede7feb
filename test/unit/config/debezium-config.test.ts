import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import type { TransformConfig } from '../../../lib/config/transforms.ts';
import { seedConfig } from '../../fixtures/events.ts';
import { problemsOf } from '../../support/config-problems.ts';

const UNWRAP = 'io.debezium.transforms.ExtractNewRecordState';
const ADD_OP = 'com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord';

/** A config with one unwrap transform named `unwrap` and these options. */
function unwrapConfig(options: Record<string, string>, extra: Record<string, string> = {}) {
  const settings: Record<string, string> = {
    transforms: 'unwrap',
    'transforms.unwrap.type': UNWRAP,
    ...extra,
  };
  for (const [option, value] of Object.entries(options)) settings[`transforms.unwrap.${option}`] = value;
  return seedConfig(settings);
}

function unwrapSpec(options: Record<string, string>): TransformConfig {
  const [unwrap] = parseSinkConfig(unwrapConfig(options)).transforms;
  if (unwrap?.kind !== 'extractNewRecordState') throw new Error('expected the unwrap transform');
  return unwrap;
}

describe('ExtractNewRecordState options', () => {
  it.each([
    ['drop', 'drop'],
    ['tombstone', 'tombstone'],
    ['REWRITE', 'rewrite'],
    [' rewrite-with-tombstone ', 'rewrite-with-tombstone'],
    ['delete-to-tombstone', 'delete-to-tombstone'],
  ])('reads delete.tombstone.handling.mode=%j as %s', (text, mode) => {
    expect(unwrapSpec({ 'delete.tombstone.handling.mode': text })).toMatchObject({
      deleteTombstoneHandlingMode: mode,
    });
  });

  it('keeps the Debezium ≤ 3.1 defaults when no handling option is given', () => {
    expect(unwrapSpec({})).toMatchObject({
      deleteTombstoneHandlingMode: undefined,
      dropTombstones: true,
      deleteHandlingMode: 'drop',
    });
  });

  it('names every valid mode for an unknown delete.tombstone.handling.mode', () => {
    expect(problemsOf(unwrapConfig({ 'delete.tombstone.handling.mode': 'soft' }))).toEqual([
      {
        key: 'transforms.unwrap.delete.tombstone.handling.mode',
        message:
          '"soft" is not valid; valid values: drop, tombstone, rewrite, rewrite-with-tombstone, delete-to-tombstone',
      },
    ]);
  });

  it.each([
    ['drop.tombstones', 'false'],
    ['delete.handling.mode', 'rewrite'],
  ])('refuses %s beside delete.tombstone.handling.mode, naming both', (legacy, value) => {
    const problems = problemsOf(
      unwrapConfig({ 'delete.tombstone.handling.mode': 'rewrite', [legacy]: value }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]?.key).toBe(`transforms.unwrap.${legacy}`);
    expect(problems[0]?.message).toContain('transforms.unwrap.delete.tombstone.handling.mode');
    expect(problems[0]?.message).toContain(`remove transforms.unwrap.${legacy}`);
  });

  it.each([
    ['op', undefined, 'op', '__op'],
    ['ts_ms', undefined, 'ts_ms', '__ts_ms'],
    ['ts_us', undefined, 'ts_us', '__ts_us'],
    ['table', 'source', 'table', '__table'],
    ['lsn', 'source', 'lsn', '__lsn'],
    ['source.ts_ms', 'source', 'ts_ms', '__source_ts_ms'],
    ['id', 'transaction', 'id', '__id'],
    ['transaction.total_order', 'transaction', 'total_order', '__transaction_total_order'],
    ['data_collection_order', 'transaction', 'data_collection_order', '__data_collection_order'],
    ['source.ts_ms:EVENT_TIMESTAMP', 'source', 'ts_ms', '__EVENT_TIMESTAMP'],
    ['op:OP', undefined, 'op', '__OP'],
    ['after.id', 'after', 'id', '__after_id'],
  ])('resolves the add.fields entry %s to %s.%s written as %s', (entry, struct, field, newName) => {
    expect(unwrapSpec({ 'add.fields': entry })).toMatchObject({
      addFields: [{ entry, struct, field, newName }],
    });
  });

  it('applies add.fields.prefix and add.headers.prefix, including to renamed entries', () => {
    const spec = unwrapSpec({
      'add.fields': 'op, source.lsn:LSN',
      'add.fields.prefix': '',
      'add.headers': 'db',
      'add.headers.prefix': 'dbz.',
    });
    expect(spec).toMatchObject({
      addFields: [{ newName: 'op' }, { newName: 'LSN' }],
      addHeaders: [{ struct: 'source', field: 'db', newName: 'dbz.db' }],
    });
  });

  it('reads route.by.field, drop.fields.* and replace.null.with.default', () => {
    expect(
      unwrapSpec({
        'route.by.field': 'destination',
        'drop.fields.header.name': 'changed',
        'drop.fields.from.key': 'true',
        'drop.fields.keep.schema.compatible': 'false',
        'replace.null.with.default': 'false',
      }),
    ).toMatchObject({
      routeByField: 'destination',
      dropFields: { headerName: 'changed', fromKey: true, keepSchemaCompatible: false },
      replaceNullWithDefault: false,
      readsKey: true,
    });
  });

  it('leaves options at their defaults out of the spec, so the seed chain parses unchanged', () => {
    const spec = unwrapSpec({ 'drop.tombstones': 'true', 'delete.handling.mode': 'rewrite' });
    expect(spec).not.toHaveProperty('addFields');
    expect(spec).not.toHaveProperty('readsKey');
    expect(spec).toMatchObject({ routeByField: undefined, dropFields: undefined });
  });

  it.each([
    ['a:b:c', 'add.fields'],
    ['a.b.c', 'add.fields'],
    ['.ts_ms', 'add.fields'],
    ['source.', 'add.fields'],
    ['op:', 'add.fields'],
    [':x', 'add.headers'],
  ])('refuses the entry %j in %s, saying the form', (entry, option) => {
    const problems = problemsOf(unwrapConfig({ [option]: entry }));
    expect(problems).toEqual([
      {
        key: `transforms.unwrap.${option}`,
        message: expect.stringContaining(`entry "${entry}" is not valid; expected <field>, <struct>.<field>`),
      },
    ]);
  });

  it('refuses two add.fields entries that write one name', () => {
    const problems = problemsOf(unwrapConfig({ 'add.fields': 'ts_ms,source.ts_ms:ts_ms' }));
    expect(problems).toEqual([
      {
        key: 'transforms.unwrap.add.fields',
        message:
          'entries "ts_ms" and "source.ts_ms:ts_ms" both add the field "__ts_ms"; rename one (<field>:<newName>)',
      },
    ]);
  });

  it.each([
    ['drop.fields.from.key', 'yes'],
    ['drop.fields.keep.schema.compatible', 'no'],
    ['replace.null.with.default', '1'],
  ])('refuses the non-boolean %s=%s', (option, value) => {
    expect(problemsOf(unwrapConfig({ [option]: value }))).toEqual([
      {
        key: `transforms.unwrap.${option}`,
        message: `"${value}" is not a boolean; valid values: true, false`,
      },
    ]);
  });
});

describe('AddOpFieldForDebeziumRecord with add.fields', () => {
  const seedWith = (options: Record<string, string>) => {
    const settings: Record<string, string> = {
      transforms: 'addfield,unwrap',
      'transforms.addfield.type': ADD_OP,
      'transforms.unwrap.type': UNWRAP,
    };
    for (const [option, value] of Object.entries(options)) settings[`transforms.unwrap.${option}`] = value;
    return seedConfig(settings);
  };

  it.each([
    [{ 'add.fields': 'op' }, 'op'],
    [{ 'add.fields': 'table,op,lsn' }, 'op'],
    [{ 'add.fields': 'source.table:op' }, 'source.table:op'],
    [{ 'add.fields': 'op:__op', 'add.fields.prefix': '' }, 'op:__op'],
  ])('refuses %j: both write __op, StarRocks reads it as its upsert/delete flag', (options, entry) => {
    const problems = problemsOf(seedWith(options));
    expect(problems).toHaveLength(1);
    expect(problems[0]?.key).toBe('transforms.unwrap.add.fields');
    expect(problems[0]?.message).toContain(`entry "${entry}" adds the field __op`);
    expect(problems[0]?.message).toContain('transform "addfield" (AddOpFieldForDebeziumRecord)');
    expect(problems[0]?.message).toContain('add.fields.prefix');
  });

  it.each([
    [{ 'add.fields': 'op', 'add.fields.prefix': '_' }],
    [{ 'add.fields': 'op:dbz_op' }],
    [{ 'add.fields': 'table,lsn,source.ts_ms' }],
  ])('accepts %j beside AddOpField', (options) => {
    expect(parseSinkConfig(seedWith(options)).transforms).toHaveLength(2);
  });

  it('accepts add.fields=op without AddOpField', () => {
    expect(unwrapSpec({ 'add.fields': 'op' })).toMatchObject({ addFields: [{ newName: '__op' }] });
  });
});
