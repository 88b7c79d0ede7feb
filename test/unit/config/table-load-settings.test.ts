import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { GLOBAL_ONLY_HEADERS, loadHeadersFor } from '../../../lib/config/table-load-settings.ts';
import { seedConfig } from '../../fixtures/events.ts';
import { problemsOf } from '../../support/config-problems.ts';

describe('sink.table.<table>.properties.<header>', () => {
  it('gives a table its own headers over sink.properties.* and the other tables the global ones', () => {
    const config = parseSinkConfig(
      seedConfig({
        'sink.properties.max_filter_ratio': '0',
        'sink.properties.columns': 'a,b',
        'sink.table.customers.properties.Columns': 'id,email',
        'sink.table.customers.properties.partial_update': 'true',
        'sink.table.orders.properties.merge_condition': 'version',
      }),
    );
    expect(loadHeadersFor(config, 'customers')).toEqual({
      format: 'json',
      strip_outer_array: 'true',
      max_filter_ratio: '0',
      columns: 'id,email',
      partial_update: 'true',
    });
    expect(loadHeadersFor(config, 'orders')).toEqual({
      format: 'json',
      strip_outer_array: 'true',
      max_filter_ratio: '0',
      columns: 'a,b',
      merge_condition: 'version',
    });
    expect(loadHeadersFor(config, 'test_tbl')).toBe(config.loadHeaders);
  });

  it('leaves the global headers as they were', () => {
    const config = parseSinkConfig(seedConfig({ 'sink.table.customers.properties.columns': 'id' }));
    expect(config.loadHeaders).toEqual({ format: 'json', strip_outer_array: 'true' });
  });

  it.each([
    ['sink.table.orders.columns', 'is not a per-table load setting'],
    ['sink.table.orders.properties.', 'is not a per-table load setting'],
    ['sink.table..properties.columns', 'is not a per-table load setting'],
    ['sink.table.db.orders.properties.columns', '"db.orders" is not a valid StarRocks table name'],
    ['sink.table.or-ders.properties.columns', '"or-ders" is not a valid StarRocks table name'],
    ['sink.table.orders.properties.label', '"label" is set by the sink for every load'],
    ['sink.table.orders.properties.a b', '"a b" is not a valid Stream Load header name'],
  ])('refuses %s', (key, message) => {
    expect(problemsOf(seedConfig({ [key]: 'x' }))).toEqual([
      { key, message: expect.stringContaining(message) },
    ]);
  });

  it.each([...GLOBAL_ONLY_HEADERS])('refuses %s per table, pointing at the global key', (header) => {
    const key = `sink.table.orders.properties.${header}`;
    expect(problemsOf(seedConfig({ [key]: 'true' }))).toEqual([
      {
        key,
        message: expect.stringMatching(
          new RegExp(`applies to every table.*set sink\\.properties\\.${header} instead`),
        ),
      },
    ]);
  });

  it('checks values as sink.properties.* are: no control characters, ASCII only', () => {
    const problems = problemsOf(
      seedConfig({
        'sink.table.orders.properties.where': 'a = "\u0001"',
        'sink.table.orders.properties.columns': 'naïve',
      }),
    );
    expect(problems).toEqual([
      { key: 'sink.table.orders.properties.where', message: expect.stringContaining('control character') },
      { key: 'sink.table.orders.properties.columns', message: expect.stringContaining('ASCII') },
    ]);
  });
});
