import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serializeBody } from '../../../lib/batch/serialize.ts';
import { buildTableBatches } from '../../../lib/batch/table-batches.ts';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { decodeEvent } from '../../../lib/decode/event.ts';
import { seedDebeziumSettings } from '../../../lib/local/seed.ts';
import { kafkaRecord, mskEvent, seedConfig } from '../../fixtures/events.ts';

/**
 * The real Debezium 3.6.1 records captured by test/e2e/capture-debezium.ts (the seed's `customers`
 * walk-through: snapshot read of id 1, INSERT id 2, UPDATE id 2, DELETE id 1 and its tombstone),
 * through the sink with the seed's CDC sink config.
 */

interface Fixture {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  /** The exact value bytes Connect wrote, as UTF-8 text; null for a tombstone. */
  readonly value: string | null;
  readonly headers: Record<string, string | null>[];
}

const NAMES = ['snapshot-read', 'insert', 'update', 'delete', 'tombstone'] as const;
type Name = (typeof NAMES)[number];

const FIXTURES = Object.fromEntries(
  NAMES.map((name) => [
    name,
    JSON.parse(
      readFileSync(new URL(`../../fixtures/debezium/${name}.json`, import.meta.url), 'utf8'),
    ) as Fixture,
  ]),
) as Record<Name, Fixture>;

const TOPIC = FIXTURES.insert.topic;

/** The seed's Debezium sink settings (its CDC walk-through), verbatim. */
const config = parseSinkConfig(
  seedConfig({ ...seedDebeziumSettings(TOPIC, 'customers'), 'key.converter.schemas.enable': 'true' }),
);

function eventOf(names: readonly Name[]) {
  return mskEvent(
    names.map((name) => {
      const f = FIXTURES[name];
      return kafkaRecord({
        topic: f.topic,
        partition: f.partition,
        offset: f.offset,
        key: f.key,
        // A string is taken as the value's text; null is a tombstone.
        value: f.value,
        headers: f.headers.map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v ?? '']))),
      });
    }),
  );
}

/** The rows of the one Stream Load body the records make, parsed. */
function loadRows(names: readonly Name[]): { rows: unknown[]; skipped: Record<string, number> } {
  const summary = buildTableBatches(decodeEvent(eventOf(names)), config);
  const rows = summary.tables.flatMap((t) => {
    expect(t.table).toBe('customers');
    return JSON.parse(serializeBody(t, config).toString('utf8')) as unknown[];
  });
  return { rows, skipped: { ...summary.skipped } };
}

const SNAPSHOT_ROW = { id: 1, first_name: 'a', last_name: 'a', email: 'a@a.com', __deleted: 'false' };
const INSERT_ROW = { id: 2, first_name: 'b', last_name: 'b', email: 'b@b.com', __op: 0, __deleted: 'false' };
const UPDATE_ROW = { id: 2, first_name: 'b', last_name: 'b', email: 'c@c.com', __op: 0, __deleted: 'false' };
// REPLICA IDENTITY DEFAULT: the before image carries the key, the other columns are null.
const DELETE_ROW = { id: 1, first_name: null, last_name: null, email: null, __op: 1, __deleted: 'true' };

describe('real Debezium records with the seed CDC sink config', () => {
  it('loads a snapshot read as an upsert without __op, as the Java SMT does', () => {
    expect(loadRows(['snapshot-read'])).toEqual({ rows: [SNAPSHOT_ROW], skipped: {} });
  });

  it('loads an INSERT as an upsert with __op 0', () => {
    expect(loadRows(['insert'])).toEqual({ rows: [INSERT_ROW], skipped: {} });
  });

  it('loads an UPDATE as an upsert of the after image', () => {
    expect(loadRows(['update'])).toEqual({ rows: [UPDATE_ROW], skipped: {} });
  });

  it('loads a DELETE as __op 1 from the before image, rewritten with __deleted', () => {
    expect(loadRows(['delete'])).toEqual({ rows: [DELETE_ROW], skipped: {} });
  });

  it('skips the tombstone that follows a delete', () => {
    expect(loadRows(['tombstone'])).toEqual({ rows: [], skipped: { tombstone: 1 } });
  });

  it('loads the captured stream in offset order as one body with one offset range', () => {
    const summary = buildTableBatches(decodeEvent(eventOf(NAMES)), config);
    expect(summary.tables).toHaveLength(1);
    const [batch] = summary.tables;
    expect(JSON.parse(serializeBody(batch!, config).toString('utf8'))).toEqual([
      SNAPSHOT_ROW,
      INSERT_ROW,
      UPDATE_ROW,
      DELETE_ROW,
    ]);
    expect(batch?.ranges).toEqual([{ topic: TOPIC, partition: 0, first: 0, last: 3, count: 4 }]);
    expect(summary.skipped).toEqual({ tombstone: 1 });
  });
});
