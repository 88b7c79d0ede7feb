// biome-ignore-all lint/suspicious/noTemplateCurlyInString: TimestampRouter writes ${…} in its options
import { describe, expect, it } from 'vitest';
import { type BatchSummary, buildTableBatches } from '../../../../lib/batch/table-batches.ts';
import { decodeEvent } from '../../../../lib/decode/event.ts';
import { ErrorCode, RecordError } from '../../../../lib/errors.ts';
import { kafkaRecord, mskEvent, type RecordSpec } from '../../../fixtures/events.ts';
import { oneTransform, sinkConfig } from '../../../support/kafka-routing.ts';

/** Tables built from records through a config of `keys` (schemaless JSON values). */
function tablesOf(keys: Record<string, string>, specs: RecordSpec[]): BatchSummary {
  return buildTableBatches(decodeEvent(mskEvent(specs.map(kafkaRecord))), sinkConfig(keys));
}

/** Each table (by name) with the rows it holds and the Kafka offsets they came from. */
function contents(summary: BatchSummary) {
  const tables = [...summary.tables].sort((a, b) => a.table.localeCompare(b.table));
  return tables.map((t) => ({
    table: t.table,
    rows: t.rows.map((r) => JSON.parse(String(r))),
    ranges: t.ranges.map((r) => `${r.topic}-${r.partition}@${r.first}..${r.last}`),
  }));
}

const DEBEZIUM_PREFIX = oneTransform('RegexRouter', { regex: '[^.]+\\.[^.]+\\.(.*)', replacement: '$1' });

describe('routers and the tables a batch loads into', () => {
  it('loads the topics RegexRouter strips of their server.schema. prefix into the tables so named', () => {
    const summary = tablesOf(DEBEZIUM_PREFIX, [
      { topic: 'shop.public.orders', offset: 1, value: { id: 1 } },
      { topic: 'shop.public.orders', offset: 2, value: { id: 2 } },
      { topic: 'shop.public.customers', offset: 5, value: { id: 7 } },
      { topic: 'shop.archive.orders', offset: 9, value: { id: 3 } },
    ]);

    const [customers, orders] = contents(summary);
    expect(customers).toEqual({
      table: 'customers',
      rows: [{ id: 7 }],
      ranges: ['shop.public.customers-0@5..5'],
    });
    expect(orders?.table).toBe('orders');
    expect(orders?.rows).toEqual(expect.arrayContaining([{ id: 1 }, { id: 2 }, { id: 3 }]));
    expect(orders?.ranges.sort()).toEqual(['shop.archive.orders-0@9..9', 'shop.public.orders-0@1..2']);
  });

  it('maps the routed topic through starrocks.topic2table.map, and keeps a topic the regex does not match', () => {
    const summary = tablesOf({ ...DEBEZIUM_PREFIX, 'starrocks.topic2table.map': 'customers:crm_customers' }, [
      { topic: 'shop.public.customers', offset: 5, value: { id: 7 } },
      { topic: 'audit', offset: 6, value: { id: 8 } },
    ]);

    expect(contents(summary).map((t) => t.table)).toEqual(['audit', 'crm_customers']);
  });

  it('still refuses a consumed topic outside "topics" when it routes to the table of an accepted one', () => {
    const run = () =>
      tablesOf({ ...DEBEZIUM_PREFIX, topics: 'shop.public.orders' }, [
        { topic: 'shop.archive.orders', offset: 1, value: { id: 1 } },
        { topic: 'shop.public.orders', offset: 2, value: { id: 2 } },
      ]);

    expect(run).toThrow(RecordError);
    expect(run).toThrow(/topic "shop\.archive\.orders" is not in "topics"/);
  });

  it('checks each consumed topic once even when records of two of them alternate on one routed topic', () => {
    const errors: string[] = [];
    const summary = buildTableBatches(
      decodeEvent(
        mskEvent(
          [
            { topic: 'shop.public.orders', offset: 1, value: { id: 1 } },
            { topic: 'shop.xpublic.orders', offset: 2, value: { id: 2 } },
          ].map(kafkaRecord),
        ),
      ),
      sinkConfig({ ...DEBEZIUM_PREFIX, topics: 'shop.public.orders' }),
      (record, error) => errors.push(`${record.topic}: ${error.code}`),
    );

    expect(errors).toEqual(['shop.xpublic.orders: ROUTE_TOPIC_NOT_ALLOWED']);
    expect(contents(summary)).toEqual([
      { table: 'orders', rows: [{ id: 1 }], ranges: ['shop.public.orders-0@1..1'] },
    ]);
  });

  it('fails a record whose routed topic is no table name, naming both topics', () => {
    const run = () =>
      tablesOf(oneTransform('RegexRouter', { regex: '(.*)', replacement: '$1-copy' }), [
        { topic: 'orders', offset: 3, value: { id: 1 } },
      ]);

    expect(run).toThrow(RecordError);
    expect(run).toThrow(/topic "orders-copy" has no entry .*the transforms routed topic "orders" to it/);
  });

  it('loads each record into the table of its topic and its timestamp month with TimestampRouter', () => {
    // kafkaRecord's timestamps are 2025-06-21T23:11:02.087Z plus the offset in milliseconds.
    const summary = tablesOf(
      oneTransform('TimestampRouter', {
        'topic.format': '${topic}_${timestamp}',
        'timestamp.format': 'yyyyMM',
      }),
      [
        { topic: 'orders', offset: 1, value: { id: 1 } },
        { topic: 'payments', offset: 2, value: { id: 2 } },
      ],
    );

    expect(contents(summary)).toEqual([
      { table: 'orders_202506', rows: [{ id: 1 }], ranges: ['orders-0@1..1'] },
      { table: 'payments_202506', rows: [{ id: 2 }], ranges: ['payments-0@2..2'] },
    ]);
  });

  it('counts the records Filter drops behind a predicate and loads the others', () => {
    const summary = tablesOf(
      {
        ...oneTransform('Filter', { predicate: 'isAudit' }),
        predicates: 'isAudit',
        'predicates.isAudit.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
        'predicates.isAudit.pattern': 'audit.*',
      },
      [
        { topic: 'audit_log', offset: 1, value: { id: 1 } },
        { topic: 'orders', offset: 2, value: { id: 2 } },
      ],
    );

    expect(contents(summary).map((t) => t.table)).toEqual(['orders']);
    expect(summary.skipped).toEqual({ filtered: 1 });
  });

  it('hands a router failure to the record error handler when there is one', () => {
    const failures: string[] = [];
    const config = sinkConfig(oneTransform('TimestampRouter'));
    const withoutTimestamp = {
      ...kafkaRecord({ topic: 'orders', offset: 4, value: { id: 1 } }),
      timestamp: undefined,
    };
    const records = decodeEvent(mskEvent([withoutTimestamp as unknown as ReturnType<typeof kafkaRecord>]));

    const summary = buildTableBatches(records, config, (_record, error) => failures.push(error.code));

    expect(summary.tables).toEqual([]);
    expect(failures).toEqual([ErrorCode.TRANSFORM_FAILED]);
  });
});
