import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { offsetsTableDdl } from '../../lib/load/offsets-table.ts';
import { type LocalDeadLetters, startLocalDeadLetters } from '../../lib/local/dead-letter-endpoint.ts';
import type { LocalFunction } from '../../lib/local/lambda-runtime.ts';
import type { StandIn } from '../../lib/local/stand-in/index.ts';
import { b64, kafkaRecord, mskEvent, seedConfig } from '../fixtures/events.ts';
import {
  openStandIn,
  openTarget,
  REAL_STARROCKS,
  type StarRocksTarget,
  targetConfigKeys,
} from '../support/starrocks-target.ts';
import { jsonLogs, startBundle } from './support/bundle.ts';

/**
 * `sink.properties.compression`: the built bundle compresses each body, StarRocks (or the stand-in)
 * decompresses it, and everything that reads rows back (rejected rows, dead letters, a reload
 * without them) still works on the rows, not on the compressed bytes.
 */

const USER = 'sink_user';
const PASSWORD = 'Cz7-Secret-Pa55!';
const TABLES =
  'CREATE TABLE test_tbl (id INT, city STRING) DUPLICATE KEY(id); CREATE TABLE strict_tbl (id INT NOT NULL, city STRING) PRIMARY KEY(id);';
const CODECS = ['gzip', 'zstd', 'lz4_frame'] as const;

let target: StarRocksTarget;
let sink: LocalFunction | undefined;

afterEach(async () => {
  await sink?.close();
  sink = undefined;
  await target.close();
});

function sinkConfig(overrides: Record<string, string> = {}): Record<string, string> {
  return seedConfig({
    ...targetConfigKeys(target),
    topics: 'test,strict',
    'starrocks.topic2table.map': 'test:test_tbl,strict:strict_tbl',
    ...overrides,
  });
}

/** Rows that compress the way real rows do: repeated keys, varied values. */
const cityRows = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    id: i,
    city: `city ${(i * 7919) % 1009} ${'ü'.repeat(i % 3)}`,
  }));

const loadLines = (fn: LocalFunction) => jsonLogs(fn).filter((l) => l.message === 'stream load done');

describe(`compressed bodies against ${REAL_STARROCKS ? 'StarRocks from STARROCKS_HTTP_URL' : 'the StarRocks stand-in'}`, () => {
  beforeEach(async () => {
    target = await openTarget({ standInUsers: { [USER]: PASSWORD } });
    await target.execute(TABLES);
  });

  it.each(CODECS)('loads rows compressed with %s and reads them back equal', async (codec) => {
    sink = await startBundle(sinkConfig({ 'sink.properties.compression': codec }));
    const rows = cityRows(500);
    const event = mskEvent(
      rows.map((value, i) => kafkaRecord({ topic: 'test', partition: i % 3, offset: 100 + i, value })),
    );

    const result = await sink.invoke(event);

    expect(result.ok).toBe(true);
    expect(await target.rows('test_tbl')).toEqual(rows);
    const [line] = loadLines(sink);
    // The logged bytes are the bytes sent: far fewer than the JSON array of the rows.
    expect(line).toMatchObject({ table: 'test_tbl', rows: 500, outcome: 'loaded' });
    expect(line?.bytes).toBeLessThan(Buffer.byteLength(JSON.stringify(rows)) / 2);
  });

  it('names the record when StarRocks refuses a compressed body that only its parser can tell is broken', async () => {
    sink = await startBundle(sinkConfig({ 'sink.properties.compression': 'zstd' }));
    const event = mskEvent([
      kafkaRecord({ topic: 'test', partition: 2, offset: 3, value: { id: 1, city: 'ok' } }),
      kafkaRecord({ topic: 'test', partition: 2, offset: 4, value: '{"id":2,"city":}' }),
    ]);

    const result = await sink.invoke(event);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('DECODE_VALUE');
    expect(result.error.errorMessage).toContain(
      'topic "test", partition 2, offset 4): the value is not valid JSON',
    );
    expect(await target.rows('test_tbl')).toEqual([]);
  });

  it('fails a batch whose rows StarRocks rejects with the rejected rows as text, not compressed bytes', async () => {
    sink = await startBundle(sinkConfig({ 'sink.properties.compression': 'gzip' }));
    const event = mskEvent([
      kafkaRecord({ topic: 'strict', offset: 0, value: { id: 'not-a-number', city: 'x' } }),
    ]);

    const result = await sink.invoke(event);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('LOAD_FAILED');
    expect(result.error.errorMessage).toMatch(/Message: .*too many filtered rows/);
    expect(result.error.errorMessage).toMatch(/first rejected rows:[\s\S]*not-a-number/);
    expect(await target.rows('strict_tbl')).toEqual([]);
  });
});

describe('compressed bodies on the wire (the stand-in records what it received)', () => {
  let standIn: StandIn;
  beforeEach(async () => {
    const opened = await openStandIn({ standInUsers: { [USER]: PASSWORD } });
    target = opened;
    standIn = opened.standIn;
    await target.execute(TABLES);
  });

  it.each([
    ['sink.properties.compression', 'GZIP', 'gzip'],
    ['sink.properties.content-encoding', 'zstd', 'zstd'],
    ['sink.properties.compression', 'LZ4_FRAME', 'lz4_frame'],
  ])('sends %s=%s as one compression header over a body of the bytes it logs', async (key, value, codec) => {
    sink = await startBundle(sinkConfig({ [key]: value }));
    const rows = cityRows(200);

    const result = await sink.invoke(mskEvent(rows.map((v, offset) => kafkaRecord({ offset, value: v }))));

    expect(result.ok).toBe(true);
    const [load] = standIn.loads;
    expect(load?.headers.compression).toBe(codec);
    expect(load?.headers['content-encoding']).toBeUndefined();
    expect(load?.bodyBytes).toBe(loadLines(sink)[0]?.bytes);
    expect(await target.rows('test_tbl')).toEqual(rows);
  });

  it.each([
    [
      'multi',
      [
        ['test_tbl', 'zstd'],
        ['kafka_offsets', undefined],
      ],
    ],
    ['per-table', [['test_tbl', 'zstd']]],
  ] as const)(
    'sends compressed bodies through the transaction API (exactly-once, %s)',
    async (mode, announced) => {
      await target.execute(offsetsTableDdl('kafka_offsets'));
      sink = await startBundle(
        sinkConfig({
          'sink.properties.compression': 'zstd',
          'sink.semantic': 'exactly-once',
          'sink.transaction.mode': mode,
        }),
      );
      const rows = cityRows(200);

      const result = await sink.invoke(mskEvent(rows.map((v, offset) => kafkaRecord({ offset, value: v }))));

      expect(result.ok).toBe(true);
      expect(await target.rows('test_tbl')).toEqual(rows);
      const loads = standIn.loads.filter((l) => l.kind === 'transaction');
      // The offsets row (multi) is the sink's own small body: sent uncompressed, and announced so.
      expect(loads.map((l) => [l.table, l.headers.compression])).toEqual(announced);
      expect(loads[0]?.bodyBytes).toBeLessThan(Buffer.byteLength(JSON.stringify(rows)) / 2);
    },
  );
});

describe('compressed bodies with errors.tolerance=all', () => {
  const BUCKET = 'sink-dead-letters';
  let aws: LocalDeadLetters;
  beforeEach(async () => {
    target = await openStandIn({ standInUsers: { [USER]: PASSWORD } });
    await target.execute(TABLES);
    aws = await startLocalDeadLetters();
    aws.createBucket(BUCKET);
  });
  afterEach(async () => {
    await aws.close();
  });

  it.each(CODECS)(
    'dead-letters the row StarRocks rejects from a %s body by topic, partition and offset, and reloads the rest compressed',
    async (codec) => {
      sink = await startBundle(
        sinkConfig({
          'sink.properties.compression': codec,
          'errors.tolerance': 'all',
          'errors.deadletterqueue.s3.bucket': BUCKET,
        }),
        {
          AWS_ENDPOINT_URL_S3: aws.endpoint,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
        },
      );
      const event = mskEvent([
        kafkaRecord({ topic: 'strict', partition: 1, offset: 20, value: { id: 1, city: 'a' } }),
        kafkaRecord({ topic: 'strict', partition: 1, offset: 21, value: { id: 'not-a-number', city: 'b' } }),
        kafkaRecord({ topic: 'strict', partition: 1, offset: 22, value: { id: 3, city: 'c' } }),
      ]);

      const result = await sink.invoke(event);

      expect(result.ok).toBe(true);
      expect(await target.rows('strict_tbl')).toEqual([
        { id: 1, city: 'a' },
        { id: 3, city: 'c' },
      ]);
      const letters = [...aws.objects(BUCKET)].map(([key, text]) => [key, JSON.parse(text)]);
      expect(letters).toEqual([
        [
          'dead-letters/strict/1/21.json',
          expect.objectContaining({
            topic: 'strict',
            partition: 1,
            offset: 21,
            value: b64(JSON.stringify({ id: 'not-a-number', city: 'b' })),
            error: expect.objectContaining({ stage: 'load', code: 'LOAD_FAILED' }),
          }),
        ],
      ]);
      expect(
        jsonLogs(sink)
          .filter((l) => l.message === 'record sent to the dead-letter destination')
          .map((l) => l.record),
      ).toEqual(['strict-1@21']);
    },
  );
});
