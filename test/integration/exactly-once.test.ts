import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildLabel } from '../../lib/batch/label.ts';
import { buildTableBatches } from '../../lib/batch/table-batches.ts';
import { parseSinkConfig } from '../../lib/config/sink-config.ts';
import { decodeEvent } from '../../lib/decode/event.ts';
import { offsetsTableDdl } from '../../lib/load/offsets-table.ts';
import type { LocalFunction } from '../../lib/local/lambda-runtime.ts';
import type { StandIn } from '../../lib/local/stand-in/index.ts';
import { kafkaRecord, mskEvent, seedConfig } from '../fixtures/events.ts';
import { basicAuth, putFollowingRedirect, transaction } from '../support/http-client.ts';
import { openStandIn, type StarRocksTarget, targetConfigKeys } from '../support/starrocks-target.ts';
import { jsonLogs, startBundle } from './support/bundle.ts';

/** `sink.semantic=exactly-once`: the built bundle against the stand-in's transaction API. */

const OFFSETS_DDL = offsetsTableDdl('kafka_offsets');

let target: StarRocksTarget & { standIn: StandIn };
let sink: LocalFunction | undefined;

beforeEach(async () => {
  target = await openStandIn();
  await target.execute(
    `CREATE TABLE events (id INT, note STRING) DUPLICATE KEY(id); CREATE TABLE users (id INT NOT NULL, name STRING) PRIMARY KEY(id); ${OFFSETS_DDL}`,
  );
});
afterEach(async () => {
  await sink?.close();
  sink = undefined;
  await target.close();
});

function config(mode: 'multi' | 'per-table', overrides: Record<string, string> = {}): Record<string, string> {
  return seedConfig({
    ...targetConfigKeys(target),
    topics: 'events,users',
    'starrocks.topic2table.map': 'events:events,users:users',
    'sink.semantic': 'exactly-once',
    'sink.transaction.mode': mode,
    ...overrides,
  });
}

const ev = (partition: number, offset: number) =>
  kafkaRecord({ topic: 'events', partition, offset, value: { id: offset, note: `p${partition}` } });
const user = (offset: number, name = `u${offset}`) =>
  kafkaRecord({ topic: 'users', partition: 0, offset, value: { id: offset % 3, name } });

/** The label the sink gives a table in per-table mode, computed as it does. */
function perTableLabel(event: unknown, table: string): string {
  const batch = buildTableBatches(decodeEvent(event), parseSinkConfig(config('per-table'))).tables.find(
    (b) => b.table === table,
  );
  if (batch === undefined) throw new Error(`no batch for ${table}`);
  return buildLabel(target.database, batch).replace(/^kl-/, 'kt-');
}

describe('exactly-once with one multi-table transaction (StarRocks 4.0)', () => {
  it('loads every table and the offsets in one transaction', async () => {
    sink = await startBundle(config('multi'));

    const result = await sink.invoke(mskEvent([ev(0, 1), ev(0, 2), ev(1, 7), user(4)]));

    expect(result.ok).toBe(true);
    expect(await target.rows('events')).toHaveLength(3);
    expect(await target.rows('users')).toEqual([{ id: 1, name: 'u4' }]);
    expect(await target.rows('kafka_offsets')).toEqual(
      expect.arrayContaining([
        { topic: 'events', kafka_partition: 0, target_table: 'events', last_offset: 2, pending_label: null },
        { topic: 'events', kafka_partition: 1, target_table: 'events', last_offset: 7, pending_label: null },
        { topic: 'users', kafka_partition: 0, target_table: 'users', last_offset: 4, pending_label: null },
      ]),
    );
    const labels = new Set(
      jsonLogs(sink)
        .filter((l) => l.message === 'stream load done')
        .map((l) => l.label),
    );
    expect([...labels]).toEqual([expect.stringMatching(/^kx-[0-9a-f]{40}$/)]);
  });

  it('loads each record once when the retried batch has another composition', async () => {
    sink = await startBundle(config('multi'));
    expect((await sink.invoke(mskEvent([ev(0, 1), ev(0, 2)]))).ok).toBe(true);

    // The ESM re-delivers from offset 1 with more records: 1 and 2 must not load again.
    const retry = await sink.invoke(mskEvent([ev(0, 1), ev(0, 2), ev(0, 3), ev(0, 4)]));

    expect(retry.ok).toBe(true);
    expect((await target.rows('events')).map((r) => r.id)).toEqual([1, 2, 3, 4]);
  });

  it('aborts the transaction on a failed load and loads everything once on the next attempt', async () => {
    sink = await startBundle(config('multi'));
    target.standIn.faults.failNext({
      message: 'Failed to load data into tablet 1, because of too many versions',
    });

    const result = await sink.invoke(mskEvent([ev(0, 1), ev(0, 2), user(3)]));

    expect(result.ok).toBe(true);
    expect(await target.rows('events')).toHaveLength(2);
    expect(await target.rows('users')).toHaveLength(1);
  });

  it('rolls back a transaction a crashed invocation left open, and commits under the next label', async () => {
    const event = mskEvent([ev(0, 1), ev(0, 2)]);
    const batches = buildTableBatches(decodeEvent(event), parseSinkConfig(config('multi'))).tables;
    const base = `kx-${createHash('sha256')
      .update([target.database, ...batches.map((b) => buildLabel(target.database, b))].join('\u0001'))
      .digest('hex')
      .slice(0, 40)}`;
    // The crashed invocation began the transaction and loaded one table, then died.
    const headers = { label: base, db: target.database, transaction_type: 'multi' };
    expect(await transaction(target.feUrl, 'begin', { ...headers, timeout: '600' })).toMatchObject({
      Status: 'OK',
    });
    await putFollowingRedirect(`${target.feUrl}/api/transaction/load`, {
      headers: {
        ...headers,
        table: 'events',
        Authorization: basicAuth(),
        format: 'json',
        strip_outer_array: 'true',
      },
      body: JSON.stringify([{ id: 1, note: 'p0' }]),
    });
    sink = await startBundle(config('multi'));

    const result = await sink.invoke(event);

    expect(result.ok).toBe(true);
    expect(target.standIn.labelState(target.database, base)).toBe('ABORTED');
    expect((await target.rows('events')).map((r) => r.id)).toEqual([1, 2]);
    const labels = jsonLogs(sink)
      .filter((l) => l.message === 'stream load done')
      .map((l) => l.label);
    expect(labels).toEqual([`${base}-1`]);
  });

  for (const phase of ['before-apply', 'before-visible'] as const) {
    it(`settles the commit of an invocation that died with it on the wire (${phase}) before reading the offsets`, async () => {
      sink = await startBundle(config('multi'));
      const received = new Promise<void>((resolve) => {
        target.standIn.faults.delayCommitNext({ ms: 1500, phase, onReceived: resolve });
      });
      const first = sink.invoke(mskEvent([ev(0, 1), ev(0, 2), user(3)]));
      await received;
      // The function is killed (the runtime's timeout) while StarRocks has not yet acted on its commit.
      await sink.close();
      expect((await first).ok).toBe(false);
      const zombie = (await target.rows('kafka_offsets')).map((r) => r.pending_label);
      expect(zombie).toEqual([expect.stringMatching(/^kx-/), expect.stringMatching(/^kx-/)]);
      sink = await startBundle(config('multi'));

      // The retry has another composition, so another transaction label.
      const retry = await sink.invoke(mskEvent([ev(0, 1), ev(0, 2), ev(0, 3), user(3)]));
      await new Promise((r) => setTimeout(r, 1800)); // the late commit has been acted on by now

      expect(retry.ok).toBe(true);
      expect((await target.rows('events')).map((r) => r.id).sort()).toEqual([1, 2, 3]);
      expect(await target.rows('users')).toEqual([{ id: 0, name: 'u3' }]);
      expect(target.standIn.labelState(target.database, zombie[0] as string)).toBe(
        phase === 'before-apply' ? 'ABORTED' : 'VISIBLE',
      );
      expect((await target.rows('kafka_offsets')).map((r) => r.pending_label)).toEqual([null, null]);
    });
  }

  it('reads past an intent whose transaction never began (the invocation died first)', async () => {
    await putFollowingRedirect(`${target.feUrl}/api/${target.database}/kafka_offsets/_stream_load`, {
      headers: { Authorization: basicAuth(), format: 'json', strip_outer_array: 'true' },
      body: JSON.stringify([
        {
          topic: 'events',
          kafka_partition: 0,
          target_table: 'events',
          last_offset: 5,
          pending_label: 'kx-gone',
        },
      ]),
    });
    sink = await startBundle(config('multi'));

    const result = await sink.invoke(mskEvent([ev(0, 5), ev(0, 6)]));

    expect(result.ok).toBe(true);
    expect((await target.rows('events')).map((r) => r.id)).toEqual([6]);
    expect(await target.rows('kafka_offsets')).toEqual([
      { topic: 'events', kafka_partition: 0, target_table: 'events', last_offset: 6, pending_label: null },
    ]);
  });

  it('fails the batch when the offsets table does not exist, saying to create it', async () => {
    sink = await startBundle(config('multi', { 'sink.offsets.table': 'missing_offsets' }));

    const result = await sink.invoke(mskEvent([ev(0, 1)]));

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.errorMessage).toContain('missing_offsets');
    expect(result.error.errorMessage).toContain('create it');
    expect(await target.rows('events')).toEqual([]);
  });
});

describe('exactly-once with per-table transactions (StarRocks < 4.0)', () => {
  it('loads every table, and an identical retry finds every label committed', async () => {
    sink = await startBundle(config('per-table'));
    const event = mskEvent([ev(0, 1), ev(0, 2), user(3)]);

    const first = await sink.invoke(event);
    const second = await sink.invoke(event);

    expect([first, second]).toMatchObject([{ ok: true }, { ok: true }]);
    expect(await target.rows('events')).toHaveLength(2);
    const done = jsonLogs(sink).filter((l) => l.message === 'stream load done');
    expect(done.map((l) => l.outcome)).toEqual(['loaded', 'loaded', 'already-loaded', 'already-loaded']);
    expect(String(done[0]?.label)).toMatch(/^kt-/);
  });

  it('commits what a crashed invocation prepared, and loads the tables it had not reached', async () => {
    const event = mskEvent([ev(0, 1), ev(0, 2), user(3)]);
    const label = perTableLabel(event, 'events');
    // The crashed invocation: events prepared, never committed; users never begun.
    const headers = { label, db: target.database, table: 'events' };
    await transaction(target.feUrl, 'begin', headers);
    await putFollowingRedirect(`${target.feUrl}/api/transaction/load`, {
      headers: { ...headers, Authorization: basicAuth(), format: 'json', strip_outer_array: 'true' },
      body: JSON.stringify([
        { id: 1, note: 'p0' },
        { id: 2, note: 'p0' },
      ]),
    });
    expect(await transaction(target.feUrl, 'prepare', headers)).toMatchObject({ Status: 'OK' });
    sink = await startBundle(config('per-table'));

    const result = await sink.invoke(event);

    expect(result.ok).toBe(true);
    expect((await target.rows('events')).map((r) => r.id)).toEqual([1, 2]);
    expect(await target.rows('users')).toHaveLength(1);
  });

  it('rolls back the prepared tables when one table fails, so nothing is half-loaded', async () => {
    sink = await startBundle(
      config('per-table', { 'starrocks.topic2table.map': 'events:events,users:no_such' }),
    );

    const result = await sink.invoke(mskEvent([ev(0, 1), user(3)]));

    expect(result.ok).toBe(false);
    expect(await target.rows('events')).toEqual([]);
    expect(target.standIn.labelState(target.database, perTableLabel(mskEvent([ev(0, 1)]), 'events'))).toBe(
      'ABORTED',
    );
  });
});
