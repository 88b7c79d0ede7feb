import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalFunction } from '../../lib/local/lambda-runtime.ts';
import type { StandIn } from '../../lib/local/stand-in/index.ts';
import { kafkaRecord, mskEvent, seedConfig } from '../fixtures/events.ts';
import { openStandIn, type StarRocksTarget, targetConfigKeys } from '../support/starrocks-target.ts';
import { jsonLogs, startBundle } from './support/bundle.ts';

/** Back-pressure and deadlines: the built bundle against the stand-in with injected faults. */

let target: StarRocksTarget & { standIn: StandIn };
let sink: LocalFunction | undefined;

beforeEach(async () => {
  target = await openStandIn();
  await target.execute('CREATE TABLE test_tbl (id INT, city STRING)');
});
afterEach(async () => {
  await sink?.close();
  sink = undefined;
  await target.close();
});

function config(overrides: Record<string, string> = {}): Record<string, string> {
  return seedConfig({
    ...targetConfigKeys(target),
    ...overrides,
  });
}

const event = () =>
  mskEvent([
    kafkaRecord({ offset: 0, value: { id: 1, city: 'Paris' } }),
    kafkaRecord({ offset: 1, value: { id: 2, city: 'Oslo' } }),
  ]);

describe('deadlines and back-pressure in the built bundle', () => {
  it('fails with its own LOAD_DEADLINE error before the function timeout when a load is too slow', async () => {
    target.standIn.faults.delayNext({ ms: 8000 });
    sink = await startBundle(config());
    await sink.invoke(mskEvent([])); // warm: the cold start is not part of what is measured

    const result = await sink.invoke(event(), { timeoutMs: 3000 });

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.errorType).not.toBe('Sandbox.Timedout');
    expect(result.error.code).toBe('LOAD_DEADLINE');
    expect(result.error.errorMessage).toContain('raise the function timeout or lower the batch size');
  });

  it('starts no load when the invocation has too little time left, and says so', async () => {
    sink = await startBundle(config());
    await sink.invoke(mskEvent([]));

    const result = await sink.invoke(event(), { timeoutMs: 1200 });

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('LOAD_DEADLINE');
    expect(result.error.errorMessage).toContain('was not started');
    expect(target.standIn.loads).toHaveLength(0);
  });

  it('retries back-pressure inside the invocation, logs each refusal and loads the rows once', async () => {
    target.standIn.faults.failNext({
      message: 'current running txns on db 10001 is 1000, larger than limit 1000',
      count: 2,
    });
    sink = await startBundle(config());

    const result = await sink.invoke(event());

    expect(result.ok).toBe(true);
    expect(await target.rows('test_tbl')).toEqual([
      { id: 1, city: 'Paris' },
      { id: 2, city: 'Oslo' },
    ]);
    const pushedBack = jsonLogs(sink).filter(
      (l) => l.message === 'StarRocks pushed back; retrying with the same label',
    );
    expect(pushedBack).toHaveLength(2);
    expect(pushedBack[0]?.reason).toContain('too many running transactions');
  });

  it('fails with what to tune when back-pressure outlasts the invocation', async () => {
    target.standIn.faults.failNext({
      message: 'Failed to load data into tablet 1, because of too many versions, current/limit: 1001/1000.',
      count: 100,
    });
    sink = await startBundle(config());

    const result = await sink.invoke(event(), { timeoutMs: 4000 });

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.errorMessage).toMatch(/refused for back-pressure/);
    expect(result.error.errorMessage).toContain('BatchSize, MaximumBatchingWindowInSeconds');
    expect(result.error.errorMessage).toContain('sink.properties.enable_merge_commit=true');
    expect(await target.rows('test_tbl')).toEqual([]);
  });
});
