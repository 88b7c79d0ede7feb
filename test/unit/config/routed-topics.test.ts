import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { changesTopics } from '../../../lib/config/transforms.ts';
import { seedConfig } from '../../fixtures/events.ts';
import { problemsOf } from '../../support/config-problems.ts';

/**
 * With a transform that routes records (RegexRouter, TimestampRouter, Debezium's route.by.field),
 * `starrocks.topic2table.map` names routed topics and `topics` the consumed ones, so the two are
 * not held to each other at cold start; exactly-once multi mode, which keys its offsets by the
 * table a consumed topic maps to, refuses routers.
 */

const ROUTER = {
  transforms: 'route',
  'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
  'transforms.route.regex': '[^.]+\\.[^.]+\\.(.*)',
  'transforms.route.replacement': '$1',
};

const UNWRAP_ROUTED = {
  transforms: 'unwrap',
  'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
  'transforms.unwrap.route.by.field': 'tenant',
};

describe('routing keys with a router', () => {
  it.each([
    ['RegexRouter', ROUTER, true],
    ['route.by.field', UNWRAP_ROUTED, true],
    [
      'TimestampRouter',
      { transforms: 't', 'transforms.t.type': 'org.apache.kafka.connect.transforms.TimestampRouter' },
      true,
    ],
    [
      'InsertField',
      {
        transforms: 'i',
        'transforms.i.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
        'transforms.i.topic.field': 'topic',
      },
      false,
    ],
  ])('tells that %s changes topics: %s', (_name, keys, routes) => {
    const config = parseSinkConfig(seedConfig(keys));
    expect(changesTopics(config.transforms)).toBe(routes);
  });

  it('accepts map entries for routed topics that "topics" does not list', () => {
    const config = parseSinkConfig(
      seedConfig({
        ...ROUTER,
        topics: 'server.public.customers,server.public.orders',
        'starrocks.topic2table.map': 'customers:customers_v2',
      }),
    );
    expect(config.topicToTable.get('customers')).toBe('customers_v2');
    expect(config.topics).toEqual(new Set(['server.public.customers', 'server.public.orders']));
  });

  it('still holds the map to "topics" without a router', () => {
    expect(
      problemsOf(
        seedConfig({
          topics: 'server.public.customers',
          'starrocks.topic2table.map': 'customers:customers_v2',
        }),
      ),
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'starrocks.topic2table.map' }),
        expect.objectContaining({ key: 'topics' }),
      ]),
    );
  });

  it('refuses exactly-once multi mode with a router, and accepts per-table', () => {
    const exactlyOnce = { 'sink.semantic': 'exactly-once', 'sink.transaction.mode': 'multi' };
    expect(problemsOf(seedConfig({ ...ROUTER, ...exactlyOnce }))).toEqual([
      {
        key: 'sink.transaction.mode',
        message: expect.stringContaining('use sink.transaction.mode=per-table'),
      },
    ]);
    const perTable = parseSinkConfig(
      seedConfig({ ...ROUTER, ...exactlyOnce, 'sink.transaction.mode': 'per-table' }),
    );
    expect(perTable.exactlyOnce).toEqual({ mode: 'per-table' });
    expect(parseSinkConfig(seedConfig(exactlyOnce)).exactlyOnce?.mode).toBe('multi');
  });
});
