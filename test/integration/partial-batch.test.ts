import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalFunction } from '../../lib/local/lambda-runtime.ts';
import type { StandIn } from '../../lib/local/stand-in/index.ts';
import { kafkaRecord, mskEvent, seedConfig } from '../fixtures/events.ts';
import { openStandIn, type StarRocksTarget, targetConfigKeys } from '../support/starrocks-target.ts';
import { jsonLogs, startBundle } from './support/bundle.ts';

/** `sink.partial.batch.response=true`: the built bundle reports failed partitions, the rest commit. */

let target: StarRocksTarget & { standIn: StandIn };
let sink: LocalFunction | undefined;

beforeEach(async () => {
  target = await openStandIn();
  await target.execute(
    'CREATE TABLE test_tbl (id INT, city STRING) DUPLICATE KEY(id); CREATE TABLE orders (id INT, amount DECIMAL(10,2)) PRIMARY KEY(id);',
  );
});
afterEach(async () => {
  await sink?.close();
  sink = undefined;
  await target.close();
});

function config(overrides: Record<string, string> = {}): Record<string, string> {
  return seedConfig({
    ...targetConfigKeys(target),
    topics: 'test,orders',
    'starrocks.topic2table.map': 'test:test_tbl,orders:orders',
    'sink.partial.batch.response': 'true',
    ...overrides,
  });
}

const city = (id: number) => ({ id, city: `c${id}` });

describe('partial batch responses from the built bundle', () => {
  it('returns an empty batchItemFailures list when everything loads', async () => {
    sink = await startBundle(config());

    const result = await sink.invoke(mskEvent([kafkaRecord({ offset: 5, value: city(1) })]));

    expect(result).toMatchObject({ ok: true, result: { batchItemFailures: [] } });
    expect(await target.rows('test_tbl')).toEqual([city(1)]);
  });

  it('reports every partition of a table whose load failed at its first offset, and commits the other table', async () => {
    sink = await startBundle(config({ 'starrocks.topic2table.map': 'test:test_tbl,orders:no_such_table' }));
    const event = mskEvent([
      kafkaRecord({ topic: 'orders', partition: 0, offset: 17, value: { id: 1, amount: 1 } }),
      kafkaRecord({ topic: 'orders', partition: 0, offset: 18, value: { id: 2, amount: 2 } }),
      kafkaRecord({ topic: 'orders', partition: 3, offset: 4, value: { id: 3, amount: 3 } }),
      kafkaRecord({ topic: 'test', partition: 0, offset: 7, value: city(1) }),
      kafkaRecord({ topic: 'test', partition: 1, offset: 9, value: city(2) }),
    ]);

    const result = await sink.invoke(event);

    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { batchItemFailures } = result.result as { batchItemFailures: unknown[] };
    expect(batchItemFailures).toEqual(
      expect.arrayContaining([
        { itemIdentifier: { partition: 'orders-0', offset: 17 } },
        { itemIdentifier: { partition: 'orders-3', offset: 4 } },
      ]),
    );
    expect(batchItemFailures).toHaveLength(2);
    expect(await target.rows('test_tbl')).toEqual([city(1), city(2)]);
    const warnings = jsonLogs(sink).filter((l) => String(l.message).startsWith('partition not committed'));
    expect(warnings.map((w) => w.partition).sort()).toEqual(['orders-0', 'orders-3']);
    expect(String(warnings[0]?.error)).toContain('no_such_table');
  });

  it('holds back the partition of a record that is not JSON at its lowest offset, loading none of it', async () => {
    sink = await startBundle(config());
    const event = mskEvent([
      kafkaRecord({ topic: 'test', partition: 1, offset: 40, value: city(40) }),
      kafkaRecord({ topic: 'test', partition: 1, offset: 41, value: 'id=41,broken' }),
      kafkaRecord({ topic: 'test', partition: 1, offset: 42, value: city(42) }),
      kafkaRecord({ topic: 'test', partition: 0, offset: 3, value: city(3) }),
      kafkaRecord({ topic: 'orders', partition: 0, offset: 8, value: { id: 8, amount: '8.00' } }),
    ]);

    const result = await sink.invoke(event);

    expect(result).toMatchObject({
      ok: true,
      result: { batchItemFailures: [{ itemIdentifier: { partition: 'test-1', offset: 40 } }] },
    });
    expect(await target.rows('test_tbl')).toEqual([city(3)]);
    expect(await target.rows('orders')).toEqual([{ id: 8, amount: '8.00' }]);
  });

  it('holds back the partition of a record whose value is not base64', async () => {
    sink = await startBundle(config());
    const bad = { ...kafkaRecord({ topic: 'test', partition: 2, offset: 11 }), value: 'abc' };
    const event = mskEvent([bad, kafkaRecord({ topic: 'test', partition: 0, offset: 1, value: city(1) })]);

    const result = await sink.invoke(event);

    expect(result).toMatchObject({
      ok: true,
      result: { batchItemFailures: [{ itemIdentifier: { partition: 'test-2', offset: 11 } }] },
    });
    expect(await target.rows('test_tbl')).toEqual([city(1)]);
  });

  it('fails the invocation when every partition failed, naming the cause', async () => {
    sink = await startBundle(config());
    const event = mskEvent([kafkaRecord({ topic: 'test', partition: 0, offset: 1, value: 'nope' })]);

    const result = await sink.invoke(event);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('DECODE_VALUE');
    expect(result.error.errorMessage).toContain('offset 1');
  });

  it('loads the re-delivered partition once the cause is fixed, without loading the committed one again', async () => {
    sink = await startBundle(config({ 'starrocks.topic2table.map': 'test:test_tbl,orders:late_orders' }));
    const orders = [
      kafkaRecord({ topic: 'orders', partition: 0, offset: 17, value: { id: 1, amount: 1 } }),
      kafkaRecord({ topic: 'orders', partition: 0, offset: 18, value: { id: 2, amount: 2 } }),
    ];
    const first = await sink.invoke(
      mskEvent([...orders, kafkaRecord({ topic: 'test', partition: 0, offset: 7, value: city(1) })]),
    );
    expect(first).toMatchObject({
      ok: true,
      result: { batchItemFailures: [{ itemIdentifier: { partition: 'orders-0', offset: 17 } }] },
    });

    // The ESM re-delivers orders-0 from offset 17 (with a newer record); test-0 was committed.
    await target.execute('CREATE TABLE late_orders (id INT, amount DECIMAL(10,2)) PRIMARY KEY(id)');
    const retry = await sink.invoke(
      mskEvent([
        ...orders,
        kafkaRecord({ topic: 'orders', partition: 0, offset: 19, value: { id: 3, amount: 3 } }),
      ]),
    );

    expect(retry).toMatchObject({ ok: true, result: { batchItemFailures: [] } });
    expect((await target.rows('late_orders')).map((r) => r.id)).toEqual([1, 2, 3]);
    expect(await target.rows('test_tbl')).toEqual([city(1)]);
  });
});
