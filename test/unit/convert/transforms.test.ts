import { describe, expect, it } from 'vitest';
import type { TransformConfig } from '../../../lib/config/transforms.ts';
import { decodeRecord, type KafkaRecord } from '../../../lib/decode/event.ts';
import { applyTransforms, transformConfig } from '../../support/transforms.ts';

const RECORD: KafkaRecord = decodeRecord({
  topic: 'test.public.customers',
  partition: 0,
  offset: 4,
  value: null,
});
const ADD_OP: TransformConfig = transformConfig({ name: 'addfield', kind: 'addOpField' });
const unwrap = (deleteHandlingMode: 'drop' | 'rewrite' | 'none'): TransformConfig =>
  transformConfig({
    name: 'unwrap',
    kind: 'extractNewRecordState',
    dropTombstones: true,
    deleteHandlingMode,
  });

function debeziumEnvelope(op: string, before: object | null, after: object | null) {
  return {
    before,
    after,
    source: { connector: 'postgresql', table: 'customers' },
    op,
    ts_ms: 1714283798790,
    transaction: null,
  };
}

const BEFORE = { id: 1, first_name: 'a', last_name: 'a', email: 'a@a.com' };
const AFTER = { id: 1, first_name: 'a', last_name: 'a', email: 'c@c.com' };

describe('applyTransforms with the seed config (addfield, unwrap rewrite)', () => {
  it.each([
    [
      'routes op=c to the after image with __op=0',
      'c',
      null,
      AFTER,
      { ...AFTER, __op: 0, __deleted: 'false' },
    ],
    [
      'routes op=u to the after image with __op=0',
      'u',
      BEFORE,
      AFTER,
      { ...AFTER, __op: 0, __deleted: 'false' },
    ],
    ['routes op=r to the after image without __op', 'r', null, AFTER, { ...AFTER, __deleted: 'false' }],
    [
      'routes op=d to the before image with __op=1',
      'd',
      BEFORE,
      null,
      { ...BEFORE, __op: 1, __deleted: 'true' },
    ],
  ])('%s', (_name, op, before, after, expected) => {
    const outcome = applyTransforms(RECORD, debeziumEnvelope(op, before, after), [ADD_OP, unwrap('rewrite')]);
    expect(outcome).toEqual({ kind: 'row', value: expected });
  });
});

describe('applyTransforms', () => {
  it.each([
    ['drop', { kind: 'skip', reason: 'delete-dropped' }],
    ['none', { kind: 'skip', reason: 'delete-dropped' }],
  ] as const)('skips a delete when delete.handling.mode=%s', (mode, expected) => {
    expect(applyTransforms(RECORD, debeziumEnvelope('d', BEFORE, null), [ADD_OP, unwrap(mode)])).toEqual(
      expected,
    );
  });

  it('emits the after image without __deleted when delete.handling.mode=drop', () => {
    expect(applyTransforms(RECORD, debeziumEnvelope('c', null, AFTER), [unwrap('drop')])).toEqual({
      kind: 'row',
      value: AFTER,
    });
  });

  it.each([
    ['t', 'truncate'],
    ['m', 'message'],
  ])('skips op=%s explicitly', (op, reason) => {
    expect(applyTransforms(RECORD, debeziumEnvelope(op, null, null), [ADD_OP, unwrap('rewrite')])).toEqual({
      kind: 'skip',
      reason,
    });
  });

  it('fails on a value that is not a Debezium change event instead of loading a row of NULLs', () => {
    expect(() => applyTransforms(RECORD, { id: 1, city: 'x' }, [ADD_OP, unwrap('rewrite')])).toThrow(
      'record test.public.customers-0@4 (topic "test.public.customers", partition 0, offset 4): transform "addfield" expects a Debezium change event',
    );
  });

  it('fails on a delete without a before image', () => {
    expect(() =>
      applyTransforms(RECORD, debeziumEnvelope('d', null, null), [ADD_OP, unwrap('rewrite')]),
    ).toThrow('has no "before" image');
  });

  it('fails on an unknown op', () => {
    expect(() => applyTransforms(RECORD, debeziumEnvelope('x', null, AFTER), [unwrap('rewrite')])).toThrow(
      'unknown Debezium op "x"',
    );
  });

  it('adds __op inside the envelope when only addfield is configured', () => {
    const outcome = applyTransforms(RECORD, debeziumEnvelope('c', null, AFTER), [ADD_OP]);
    expect(outcome).toMatchObject({ kind: 'row', value: { op: 'c', after: { ...AFTER, __op: 0 } } });
  });
});

describe('applyTransforms on messages that are not row changes', () => {
  const SEED = [ADD_OP, unwrap('rewrite')];

  it('skips a heartbeat by its schema name or its topic', () => {
    expect(applyTransforms(RECORD, { ts_ms: 1 }, SEED, 'io.debezium.connector.common.Heartbeat')).toEqual({
      kind: 'skip',
      reason: 'heartbeat',
    });
    expect(applyTransforms({ ...RECORD, topic: '__debezium-heartbeat.test' }, { ts_ms: 1 }, SEED)).toEqual({
      kind: 'skip',
      reason: 'heartbeat',
    });
  });

  it('skips transaction metadata and schema changes', () => {
    expect(applyTransforms(RECORD, { status: 'BEGIN', id: '571:53195832', event_count: null }, SEED)).toEqual(
      {
        kind: 'skip',
        reason: 'transaction-metadata',
      },
    );
    expect(
      applyTransforms(
        RECORD,
        { source: {}, databaseName: 'inventory', ddl: 'ALTER TABLE t ADD c INT' },
        SEED,
      ),
    ).toEqual({
      kind: 'skip',
      reason: 'schema-change',
    });
  });

  it('fails an update carrying the TOAST placeholder, naming the column and the fix', () => {
    const after = { ...AFTER, notes: '__debezium_unavailable_value', tags: ['__debezium_unavailable_value'] };
    expect(() => applyTransforms(RECORD, debeziumEnvelope('u', null, after), SEED)).toThrow(
      'offset 4): columns "notes", "tags" carry Debezium\'s __debezium_unavailable_value',
    );
    expect(() => applyTransforms(RECORD, debeziumEnvelope('u', null, after), SEED)).toThrow(
      'REPLICA IDENTITY FULL',
    );
  });

  it('fails on the placeholder of a bytea column (base64 of the placeholder bytes)', () => {
    const after = { ...AFTER, blob: 'X19kZWJleml1bV91bmF2YWlsYWJsZV92YWx1ZQ==' };
    expect(() => applyTransforms(RECORD, debeziumEnvelope('u', null, after), SEED)).toThrow(
      'column "blob" carries',
    );
  });

  it('loads a delete whose before image has no placeholder', () => {
    expect(applyTransforms(RECORD, debeziumEnvelope('d', { id: 1, notes: null }, null), SEED)).toEqual({
      kind: 'row',
      value: { id: 1, notes: null, __op: 1, __deleted: 'true' },
    });
  });
});

describe('an image that is not a row', () => {
  it.each([
    ['an array', 'u', [1, 2], 'Debezium op "u": "after" is an array, not a row'],
    ['a string', 'c', 'x', 'Debezium op "c": "after" is a string, not a row'],
  ])('fails %s "after" saying what it is, not REPLICA IDENTITY', (_kind, op, after, message) => {
    const envelope = { ...debeziumEnvelope(op, null, null), after };
    let error: Error | undefined;
    try {
      applyTransforms(RECORD, envelope, [ADD_OP, unwrap('rewrite')]);
    } catch (thrown) {
      error = thrown as Error;
    }
    expect(error?.message).toContain(message);
    expect(error?.message).not.toContain('REPLICA IDENTITY');
  });

  it('fails an update whose after is null without blaming REPLICA IDENTITY', () => {
    expect(() => applyTransforms(RECORD, debeziumEnvelope('u', null, null), [unwrap('rewrite')])).toThrow(
      'Debezium op "u" has no "after" image (it is null)',
    );
  });

  it('fails a delete without before naming REPLICA IDENTITY, as before', () => {
    expect(() => applyTransforms(RECORD, debeziumEnvelope('d', null, null), [unwrap('rewrite')])).toThrow(
      'a delete needs REPLICA IDENTITY',
    );
  });
});
