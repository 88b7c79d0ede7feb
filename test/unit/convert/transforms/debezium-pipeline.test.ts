import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serializeBody } from '../../../../lib/batch/serialize.ts';
import { buildTableBatches } from '../../../../lib/batch/table-batches.ts';
import { parseSinkConfig, type SinkConfig } from '../../../../lib/config/sink-config.ts';
import { compileAvroReader } from '../../../../lib/convert/avro.ts';
import { changeRowTransforms } from '../../../../lib/convert/debezium-bytes.ts';
import { decodeEvent, decodeRecord } from '../../../../lib/decode/event.ts';
import { kafkaRecord, mskEvent, seedConfig } from '../../../fixtures/events.ts';
import { applyTransforms } from '../../../support/transforms.ts';

/**
 * The captured Debezium 3.6.1 PostgreSQL events (test/fixtures/debezium, and the Avro captures of
 * the same steps) through the whole sink with the unwrap's newer options: the rows a Stream Load
 * body carries, with schemas and without, and the change-row fast paths (used only where the rows
 * are the same) checked against the general chain.
 */

interface Capture {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string | null;
}

const STEPS = ['snapshot-read', 'insert', 'update', 'delete', 'tombstone'] as const;
type Step = (typeof STEPS)[number];

function fixture<T>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../../../fixtures/${path}`, import.meta.url), 'utf8')) as T;
}

const CAPTURES = Object.fromEntries(STEPS.map((s) => [s, fixture<Capture>(`debezium/${s}.json`)])) as Record<
  Step,
  Capture
>;
const TOPIC = CAPTURES.insert.topic;

const UNWRAP = 'io.debezium.transforms.ExtractNewRecordState';
const ADD_OP = 'com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord';

/** A sink config with `addfield,unwrap` (or `unwrap` alone) and these unwrap options. */
function sinkConfig(
  options: Record<string, string>,
  { addOp = true, schemas = true, predicate = false } = {},
): SinkConfig {
  const settings: Record<string, string> = {
    topics: TOPIC,
    'starrocks.topic2table.map': `${TOPIC}:customers`,
    'value.converter.schemas.enable': String(schemas),
    transforms: addOp ? 'addfield,unwrap' : 'unwrap',
    'transforms.unwrap.type': UNWRAP,
  };
  if (addOp) settings['transforms.addfield.type'] = ADD_OP;
  if (predicate) {
    // A predicate every record matches: the chain is the same, but the fast path is off.
    settings.predicates = 'all';
    settings['predicates.all.type'] = 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches';
    settings['predicates.all.pattern'] = '.*';
    settings['transforms.unwrap.predicate'] = 'all';
  }
  for (const [option, value] of Object.entries(options)) settings[`transforms.unwrap.${option}`] = value;
  return parseSinkConfig(seedConfig(settings));
}

/** The capture's value as the producer would write it: with its schema, or its payload alone. */
function valueText(capture: Capture, schemas: boolean): string | null {
  if (capture.value === null || schemas) return capture.value;
  return JSON.stringify((JSON.parse(capture.value) as { payload: unknown }).payload);
}

function loadRows(config: SinkConfig, schemas = true): { rows: unknown[]; skipped: Record<string, number> } {
  const event = mskEvent(
    STEPS.map((step) => {
      const c = CAPTURES[step];
      return kafkaRecord({
        topic: c.topic,
        partition: c.partition,
        offset: c.offset,
        key: c.key,
        value: valueText(c, schemas),
      });
    }),
  );
  const summary = buildTableBatches(decodeEvent(event), config);
  const rows = summary.tables.flatMap(
    (t) => JSON.parse(serializeBody(t, config).toString('utf8')) as unknown[],
  );
  return { rows, skipped: { ...summary.skipped } };
}

const SNAPSHOT = { id: 1, first_name: 'a', last_name: 'a', email: 'a@a.com' };
const INSERT = { id: 2, first_name: 'b', last_name: 'b', email: 'b@b.com' };
const UPDATE = { id: 2, first_name: 'b', last_name: 'b', email: 'c@c.com' };
const DELETE = { id: 1, first_name: null, last_name: null, email: null };

/** Each step's source metadata, as the captures carry it. */
function sourceOf(step: Step): { op: string; lsn: number; ts_ms: number } {
  const payload = (
    JSON.parse(CAPTURES[step].value as string) as {
      payload: { op: string; source: { lsn: number; ts_ms: number } };
    }
  ).payload;
  return { op: payload.op, lsn: payload.source.lsn, ts_ms: payload.source.ts_ms };
}

describe.each([true, false])('the captured stream with schemas.enable=%s', (schemas) => {
  it('loads the documented recipe: __op for StarRocks, Debezium metadata under another prefix', () => {
    const config = sinkConfig(
      {
        'delete.tombstone.handling.mode': 'rewrite',
        'add.fields': 'op,table,lsn,source.ts_ms',
        'add.fields.prefix': '_',
      },
      { schemas },
    );
    const metadata = (step: Step) => {
      const s = sourceOf(step);
      return { _op: s.op, _table: 'customers', _lsn: s.lsn, _source_ts_ms: s.ts_ms };
    };
    expect(loadRows(config, schemas)).toEqual({
      rows: [
        { ...SNAPSHOT, __deleted: 'false', ...metadata('snapshot-read') },
        { ...INSERT, __op: 0, __deleted: 'false', ...metadata('insert') },
        { ...UPDATE, __op: 0, __deleted: 'false', ...metadata('update') },
        { ...DELETE, __op: 1, __deleted: 'true', ...metadata('delete') },
      ],
      skipped: { tombstone: 1 },
    });
  });

  it('loads no row for a delete in the tombstone mode (Debezium 3.2+ default), counting it as a tombstone', () => {
    const config = sinkConfig({ 'delete.tombstone.handling.mode': 'tombstone' }, { addOp: false, schemas });
    expect(loadRows(config, schemas)).toEqual({
      rows: [SNAPSHOT, INSERT, UPDATE],
      skipped: { tombstone: 2 },
    });
  });

  it('routes each row by route.by.field to the table the routed topic maps to', () => {
    const settings = sinkConfig({}, { addOp: false, schemas });
    const config: SinkConfig = {
      ...sinkConfig({ 'route.by.field': 'first_name' }, { addOp: false, schemas }),
      topics: undefined,
      topicToTable: new Map([...settings.topicToTable, ['a', 'customers_a'], ['b', 'customers_b']]),
    };
    const summary = buildTableBatches(
      decodeEvent(
        mskEvent(
          (['snapshot-read', 'insert'] as const).map((step) => {
            const c = CAPTURES[step];
            return kafkaRecord({
              topic: c.topic,
              partition: 0,
              offset: c.offset,
              key: null,
              value: valueText(c, schemas),
            });
          }),
        ),
      ),
      config,
    );
    expect(summary.tables.map((t) => t.table).sort()).toEqual(['customers_a', 'customers_b']);
  });
});

describe('the change-row fast paths', () => {
  it.each([
    ['the seed options', {}],
    ['delete.handling.mode=rewrite', { 'delete.handling.mode': 'rewrite' }],
    ['mode drop', { 'delete.tombstone.handling.mode': 'drop' }],
    ['mode tombstone', { 'delete.tombstone.handling.mode': 'tombstone' }],
    ['mode rewrite', { 'delete.tombstone.handling.mode': 'rewrite' }],
    ['mode rewrite-with-tombstone', { 'delete.tombstone.handling.mode': 'rewrite-with-tombstone' }],
    ['mode delete-to-tombstone', { 'delete.tombstone.handling.mode': 'delete-to-tombstone' }],
  ])('write the rows the general chain writes with %s', (_what, options) => {
    const fast = sinkConfig(options);
    expect(changeRowTransforms(fast.transforms)).toBeDefined();
    const general = sinkConfig(options, { predicate: true });
    expect(changeRowTransforms(general.transforms)).toBeUndefined();
    expect(loadRows(fast)).toEqual(loadRows(general));
  });

  it.each([
    ['add.fields', { 'add.fields': 'table' }],
    ['add.headers', { 'add.headers': 'op' }],
    ['route.by.field', { 'route.by.field': 'email' }],
    ['drop.fields.header.name', { 'drop.fields.header.name': 'changed' }],
    ['replace.null.with.default=false', { 'replace.null.with.default': 'false' }],
  ])('are off with %s', (_what, options) => {
    expect(changeRowTransforms(sinkConfig(options).transforms)).toBeUndefined();
    expect(changeRowTransforms(sinkConfig(options, { addOp: false }).transforms)).toBeUndefined();
  });

  it('are off with a predicate on either transform', () => {
    expect(changeRowTransforms(sinkConfig({}, { predicate: true }).transforms)).toBeUndefined();
    const settings = seedConfig({
      topics: TOPIC,
      'starrocks.topic2table.map': `${TOPIC}:customers`,
      predicates: 'all',
      'predicates.all.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
      'predicates.all.pattern': '.*',
      transforms: 'addfield,unwrap',
      'transforms.addfield.type': ADD_OP,
      'transforms.addfield.predicate': 'all',
      'transforms.unwrap.type': UNWRAP,
    });
    expect(changeRowTransforms(parseSinkConfig(settings).transforms)).toBeUndefined();
  });

  it('rewrite a delete only in the rewrite modes', () => {
    expect(
      changeRowTransforms(
        sinkConfig({ 'delete.tombstone.handling.mode': 'rewrite-with-tombstone' }).transforms,
      ),
    ).toEqual({
      addOp: true,
      rewrite: true,
    });
    expect(
      changeRowTransforms(sinkConfig({ 'delete.tombstone.handling.mode': 'tombstone' }).transforms),
    ).toEqual({
      addOp: true,
      rewrite: false,
    });
  });
});

interface AvroCapture {
  readonly topic: string;
  readonly offset: number;
  readonly valueSchemaId: number;
  readonly valueBase64: string;
}

/** The Avro capture of a step read as the registry path hands it to the transforms. */
function avroRow(step: Step, config: SinkConfig) {
  const capture = fixture<AvroCapture>(`debezium-avro/${step}.json`);
  const record = decodeRecord({
    topic: capture.topic,
    partition: 0,
    offset: capture.offset,
    timestamp: 0,
    key: null,
    value: capture.valueBase64,
    headers: [],
  });
  const text = readFileSync(
    new URL(`../../../fixtures/debezium-avro/schemas/${capture.valueSchemaId}.avsc.json`, import.meta.url),
    'utf8',
  );
  const reader = compileAvroReader({
    registry: 'confluent',
    id: String(capture.valueSchemaId),
    format: 'avro',
    text,
    references: [],
  });
  const read = reader.read(record, record.value as Buffer, 5);
  return applyTransforms(record, read.value as Record<string, unknown>, config.transforms, read.schemaName);
}

describe('the Avro captures with add.fields', () => {
  const config = sinkConfig({
    'delete.tombstone.handling.mode': 'rewrite',
    'add.fields': 'op,table,source.ts_ms,ts_ms',
    'add.fields.prefix': '_',
  });

  it.each(['snapshot-read', 'insert', 'update', 'delete'] as const)(
    'add the metadata of the %s step after the row, as Debezium names it',
    (step) => {
      const outcome = avroRow(step, config);
      if (outcome.kind !== 'row') throw new Error(`expected a row, got ${outcome.kind}`);
      const keys = Object.keys(outcome.value);
      expect(keys.slice(-4)).toEqual(['_op', '_table', '_source_ts_ms', '_ts_ms']);
      expect(outcome.value).toMatchObject({
        _op: { 'snapshot-read': 'r', insert: 'c', update: 'u', delete: 'd' }[step],
        _table: 'customers',
      });
      expect(typeof outcome.value._source_ts_ms).toBe('number');
      expect(typeof outcome.value._ts_ms).toBe('number');
    },
  );
});
