import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../lib/config/sink-config.ts';
import { offsetsTableDdl } from '../../lib/load/offsets-table.ts';
import { createStreamLoader } from '../../lib/load/stream-load.ts';
import { processBatch } from '../../lib/sink.ts';
import { kafkaRecord, mskEvent, seedConfig } from '../fixtures/events.ts';
import {
  openTarget,
  REAL_STARROCKS,
  type StarRocksTarget,
  targetConfigKeys,
} from '../support/starrocks-target.ts';

/**
 * Per-table load settings (`sink.table.<table>.properties.<header>`) through processBatch, against
 * the StarRocks stand-in (or a real cluster when STARROCKS_HTTP_URL is set): a table's loads carry
 * its own headers, every other table's the global `sink.properties.*`, in at-least-once and both
 * exactly-once modes.
 */

const USER = 'user1';
const PASSWORD = 'Pa55-word';

let target: StarRocksTarget;

beforeEach(async () => {
  target = await openTarget({ standInUsers: { [USER]: PASSWORD } });
  await target.execute(
    `CREATE TABLE users (id INT NOT NULL, name STRING, version INT) PRIMARY KEY(id); CREATE TABLE events (id INT, note STRING) DUPLICATE KEY(id); ${offsetsTableDdl('kafka_offsets')}`,
  );
});
afterEach(async () => {
  await target.close();
});

const DELIVERY = {
  'at-least-once': {},
  'exactly-once per-table': { 'sink.semantic': 'exactly-once', 'sink.transaction.mode': 'per-table' },
  'exactly-once multi': { 'sink.semantic': 'exactly-once', 'sink.transaction.mode': 'multi' },
} as const;

function configWith(delivery: keyof typeof DELIVERY, overrides: Record<string, string>) {
  return parseSinkConfig(
    seedConfig({
      ...targetConfigKeys(target),
      topics: 'users,events',
      'starrocks.topic2table.map': 'users:users,events:events',
      ...DELIVERY[delivery],
      ...overrides,
    }),
  );
}

async function invoke(config: ReturnType<typeof configWith>, records: ReturnType<typeof kafkaRecord>[]) {
  return processBatch(mskEvent(records), {
    config,
    loader: createStreamLoader(config),
    credentials: { get: async () => ({ username: target.user, password: target.password }) },
    deadline: Date.now() + 20_000,
    log: { info: () => {}, warn: () => {} },
  });
}

const user = (offset: number, name: string, version: number) =>
  kafkaRecord({ topic: 'users', offset, value: { id: 1, name, version } });
const event = (offset: number, body: Record<string, unknown>) =>
  kafkaRecord({ topic: 'events', offset, value: { id: offset, ...body } });

describe(`per-table load settings against ${REAL_STARROCKS ? 'StarRocks from STARROCKS_HTTP_URL' : 'the StarRocks stand-in'}`, () => {
  it.each(Object.keys(DELIVERY) as (keyof typeof DELIVERY)[])(
    '%s: applies merge_condition to its table only (the Duplicate Key table beside it would refuse it)',
    async (delivery) => {
      const config = configWith(delivery, { 'sink.table.users.properties.merge_condition': 'version' });

      await invoke(config, [user(0, 'newer', 2), event(0, { note: 'a' })]);
      // A later offset with an older version: merge_condition keeps the newer row.
      await invoke(config, [user(1, 'older', 1), event(1, { note: 'b' })]);

      expect(await target.rows('users')).toEqual([{ id: 1, name: 'newer', version: 2 }]);
      expect(await target.rows('events')).toEqual([
        { id: 0, note: 'a' },
        { id: 1, note: 'b' },
      ]);
    },
  );

  it('loads a table through its own columns and jsonpaths while another keeps the value as it is', async () => {
    const config = configWith('at-least-once', {
      'sink.table.events.properties.jsonpaths': '["$.id","$.detail.text"]',
      'sink.table.events.properties.columns': 'id,note',
    });

    await invoke(config, [user(0, 'ann', 1), event(5, { detail: { text: 'nested' } })]);

    expect(await target.rows('events')).toEqual([{ id: 5, note: 'nested' }]);
    expect(await target.rows('users')).toEqual([{ id: 1, name: 'ann', version: 1 }]);
  });

  it('overrides a global header for one table and keeps it for the others', async () => {
    // Globally every JSON key names its column; for users, only id and name are read.
    const config = configWith('at-least-once', {
      'sink.properties.jsonpaths': '["$.id","$.note"]',
      'sink.properties.columns': 'id,note',
      'sink.table.users.properties.jsonpaths': '["$.id","$.name"]',
      'sink.table.users.properties.columns': 'id,name',
    });

    await invoke(config, [user(0, 'bob', 9), event(3, { note: 'kept' })]);

    expect(await target.rows('users')).toEqual([{ id: 1, name: 'bob', version: null }]);
    expect(await target.rows('events')).toEqual([{ id: 3, note: 'kept' }]);
  });
});
