import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { ConfigError } from '../../../lib/errors.ts';
import { offsetRows } from '../../../lib/load/offsets-table.ts';
import { seedConfig } from '../../fixtures/events.ts';

function problemKeys(overrides: Record<string, string>): string[] {
  try {
    parseSinkConfig(seedConfig(overrides));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => p.key);
  }
  return [];
}

describe('sink.semantic', () => {
  it('is at-least-once by default', () => {
    expect(parseSinkConfig(seedConfig()).exactlyOnce).toBeUndefined();
  });

  it('takes the transaction mode from sink.transaction.mode, with the offsets table for multi', () => {
    expect(
      parseSinkConfig(seedConfig({ 'sink.semantic': 'exactly-once', 'sink.transaction.mode': 'multi' }))
        .exactlyOnce,
    ).toEqual({ mode: 'multi', offsetsTable: 'kafka_offsets' });
    expect(
      parseSinkConfig(seedConfig({ 'sink.semantic': 'exactly-once', 'sink.transaction.mode': 'per-table' }))
        .exactlyOnce,
    ).toEqual({ mode: 'per-table' });
  });

  it.each([
    [{ 'sink.semantic': 'exactly-once' }, ['sink.transaction.mode']],
    [{ 'sink.semantic': 'twice' }, ['sink.semantic']],
    [{ 'sink.transaction.mode': 'multi' }, ['sink.transaction.mode']],
    [
      {
        'sink.semantic': 'exactly-once',
        'sink.transaction.mode': 'multi',
        'sink.properties.enable_merge_commit': 'true',
        'sink.properties.merge_commit_interval_ms': '1000',
        'sink.properties.merge_commit_parallel': '2',
      },
      ['sink.properties.enable_merge_commit'],
    ],
    [
      {
        'sink.semantic': 'exactly-once',
        'sink.transaction.mode': 'multi',
        'sink.partial.batch.response': 'true',
      },
      ['sink.partial.batch.response'],
    ],
    [
      { 'sink.semantic': 'exactly-once', 'sink.transaction.mode': 'per-table', 'sink.offsets.table': 'o' },
      ['sink.offsets.table'],
    ],
  ])('refuses %j', (overrides, keys) => {
    expect(problemKeys(overrides)).toEqual(keys);
  });
});

describe('offsetRows', () => {
  it('writes one row per topic, partition and table with the highest offset', () => {
    const batch = {
      table: 'events',
      rows: [],

      ranges: [
        { topic: 't', partition: 0, first: 1, last: 3, count: 3 },
        { topic: 't', partition: 0, first: 5, last: 9, count: 2 },
        { topic: 't', partition: 1, first: 4, last: 4, count: 1 },
      ],
    };

    const rows = JSON.parse(offsetRows([{ batch, label: 'l', body: Buffer.alloc(0) }]).toString());

    expect(rows).toEqual([
      { topic: 't', kafka_partition: 0, target_table: 'events', last_offset: 9, pending_label: null },
      { topic: 't', kafka_partition: 1, target_table: 'events', last_offset: 4, pending_label: null },
    ]);
  });

  it('covers records that loaded no row (skipped, dead-lettered) past the last loaded one', () => {
    const batch = {
      table: 'events',
      rows: [],

      ranges: [{ topic: 't', partition: 0, first: 1, last: 3, count: 3 }],
    };
    const covered = [
      { topic: 't', partition: 0, table: 'events', offset: 5 },
      { topic: 't', partition: 2, table: 'other', offset: 7 },
      { topic: 't', partition: 0, table: 'events', offset: 2 },
    ];

    const rows = JSON.parse(offsetRows([{ batch, label: 'l', body: Buffer.alloc(0) }], covered).toString());

    expect(rows).toEqual([
      { topic: 't', kafka_partition: 0, target_table: 'events', last_offset: 5, pending_label: null },
      { topic: 't', kafka_partition: 2, target_table: 'other', last_offset: 7, pending_label: null },
    ]);
  });
});
