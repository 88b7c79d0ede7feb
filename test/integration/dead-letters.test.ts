import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { offsetsTableDdl } from '../../lib/load/offsets-table.ts';
import { type LocalDeadLetters, startLocalDeadLetters } from '../../lib/local/dead-letter-endpoint.ts';
import type { LocalFunction } from '../../lib/local/lambda-runtime.ts';
import type { StandIn } from '../../lib/local/stand-in/index.ts';
import { b64, kafkaRecord, mskEvent, seedConfig } from '../fixtures/events.ts';
import { openStandIn, type StarRocksTarget, targetConfigKeys } from '../support/starrocks-target.ts';
import { jsonLogs, startBundle } from './support/bundle.ts';

/** `errors.tolerance`: the built bundle, the stand-in, and dead letters read back from a local S3/SQS. */

const USER = 'sink_user';
const PASSWORD = 'Dl9-Secret-Pa55!';
const BUCKET = 'sink-dead-letters';

let target: StarRocksTarget & { standIn: StandIn };
let aws: LocalDeadLetters;
let sink: LocalFunction | undefined;

beforeEach(async () => {
  target = await openStandIn({ standInUsers: { [USER]: PASSWORD } });
  await target.execute(
    'CREATE TABLE test_tbl (id INT, city STRING) DUPLICATE KEY(id); CREATE TABLE strict_tbl (id INT NOT NULL, city STRING) PRIMARY KEY(id);',
  );
  aws = await startLocalDeadLetters();
  aws.createBucket(BUCKET);
});
afterEach(async () => {
  await sink?.close();
  sink = undefined;
  await aws.close();
  await target.close();
});

function config(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const merged: Record<string, string | undefined> = seedConfig({
    ...targetConfigKeys(target),
    topics: 'test,strict',
    'starrocks.topic2table.map': 'test:test_tbl,strict:strict_tbl',
    'errors.tolerance': 'all',
    'errors.deadletterqueue.s3.bucket': BUCKET,
  });
  Object.assign(merged, overrides);
  // An override of undefined removes the key.
  return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
}

const awsEnv = () => ({
  AWS_ENDPOINT_URL_S3: aws.endpoint,
  AWS_ENDPOINT_URL_SQS: aws.endpoint,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
});

interface Letter {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: { key: string; value: string }[];
  table: string | null;
  error: { stage: string; code: string; message: string };
}

const lettersIn = (bucket: string): Record<string, Letter> =>
  Object.fromEntries([...aws.objects(bucket)].map(([k, v]) => [k, JSON.parse(v) as Letter]));

const city = (id: number) => ({ id, city: `c${id}` });

describe('errors.tolerance=all with an S3 dead-letter bucket', () => {
  it('dead-letters records that cannot be decoded, converted or routed, with the raw record, and loads the rest', async () => {
    sink = await startBundle(config(), awsEnv());
    const notBase64 = { ...kafkaRecord({ topic: 'test', partition: 1, offset: 8 }), value: 'abc' };
    const event = mskEvent([
      kafkaRecord({ topic: 'test', partition: 1, offset: 7, value: city(7) }),
      notBase64,
      kafkaRecord({
        topic: 'test',
        partition: 1,
        offset: 9,
        value: 'id=9;not json',
        key: 'k-9',
        headers: [{ trace: 'abc' }],
      }),
      kafkaRecord({ topic: 'test', partition: 1, offset: 10, value: city(10) }),
      kafkaRecord({ topic: 'elsewhere', partition: 0, offset: 3, value: city(3) }),
    ]);

    const result = await sink.invoke(event);

    expect(result.ok).toBe(true);
    expect(await target.rows('test_tbl')).toEqual([city(7), city(10)]);
    const letters = lettersIn(BUCKET);
    expect(Object.keys(letters).sort()).toEqual([
      'dead-letters/elsewhere/0/3.json',
      'dead-letters/test/1/8.json',
      'dead-letters/test/1/9.json',
    ]);
    expect(letters['dead-letters/test/1/8.json']).toMatchObject({
      topic: 'test',
      partition: 1,
      offset: 8,
      value: 'abc',
      error: { stage: 'decode', code: 'DECODE_EVENT' },
    });
    expect(letters['dead-letters/test/1/9.json']).toMatchObject({
      key: b64('k-9'),
      value: b64('id=9;not json'),
      headers: [{ key: 'trace', value: b64('abc') }],
      error: { stage: 'convert', code: 'DECODE_VALUE' },
    });
    expect(letters['dead-letters/test/1/9.json']?.error.message).toContain('offset 9');
    expect(letters['dead-letters/elsewhere/0/3.json']?.error).toMatchObject({
      stage: 'convert',
      code: 'ROUTE_TOPIC_NOT_ALLOWED',
    });
    expect(
      jsonLogs(sink).filter((l) => l.message === 'record sent to the dead-letter destination'),
    ).toHaveLength(3);
  });

  it('dead-letters the rows StarRocks rejects, loads the others once, and a retried batch loads nothing twice', async () => {
    sink = await startBundle(config(), awsEnv());
    const event = mskEvent([
      kafkaRecord({ topic: 'strict', partition: 0, offset: 20, value: { id: 1, city: 'a' } }),
      kafkaRecord({ topic: 'strict', partition: 0, offset: 21, value: { id: 'not-a-number', city: 'b' } }),
      kafkaRecord({ topic: 'strict', partition: 0, offset: 22, value: { id: 3, city: 'c' } }),
      kafkaRecord({ topic: 'test', partition: 0, offset: 5, value: city(5) }),
    ]);

    const first = await sink.invoke(event);
    const second = await sink.invoke(event);

    expect(first.ok).toBe(true);
    expect(second.ok).toBe(true);
    expect(await target.rows('strict_tbl')).toEqual([
      { id: 1, city: 'a' },
      { id: 3, city: 'c' },
    ]);
    expect(await target.rows('test_tbl')).toEqual([city(5)]);
    const letters = lettersIn(BUCKET);
    expect(Object.keys(letters)).toEqual(['dead-letters/strict/0/21.json']);
    expect(letters['dead-letters/strict/0/21.json']).toMatchObject({
      offset: 21,
      table: 'strict_tbl',
      value: b64(JSON.stringify({ id: 'not-a-number', city: 'b' })),
      error: { stage: 'load', code: 'LOAD_FAILED' },
    });
    const done = jsonLogs(sink).filter((l) => l.message === 'stream load done' && l.table === 'strict_tbl');
    expect(done.map((l) => [l.outcome, l.rows])).toEqual([
      ['loaded', 2],
      ['already-loaded', 2],
    ]);
  });

  it('dead-letters rows StarRocks filtered under max_filter_ratio, without reloading', async () => {
    sink = await startBundle(config({ 'sink.properties.max_filter_ratio': '0.5' }), awsEnv());
    const event = mskEvent([
      kafkaRecord({ topic: 'strict', offset: 1, value: { id: 1, city: 'a' } }),
      kafkaRecord({ topic: 'strict', offset: 2, value: { id: null, city: 'b' } }),
    ]);

    expect((await sink.invoke(event)).ok).toBe(true);

    expect(await target.rows('strict_tbl')).toEqual([{ id: 1, city: 'a' }]);
    expect(Object.keys(lettersIn(BUCKET))).toEqual(['dead-letters/strict/0/2.json']);
  });

  it('fails the batch, loading nothing, when the dead letters cannot be written', async () => {
    sink = await startBundle(config({ 'errors.deadletterqueue.s3.bucket': 'no-such-bucket' }), awsEnv());
    const event = mskEvent([
      kafkaRecord({ topic: 'test', offset: 1, value: city(1) }),
      kafkaRecord({ topic: 'test', offset: 2, value: 'broken' }),
    ]);

    const result = await sink.invoke(event);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('DEADLETTER_FAILED');
    expect(result.error.errorMessage).toContain('s3://no-such-bucket/dead-letters/');
    expect(await target.rows('test_tbl')).toEqual([]);
  });
});

describe('errors.tolerance=all with an SQS dead-letter queue', () => {
  it('sends one message per dead letter and loads the rest', async () => {
    const queueUrl = aws.createQueue('sink-dlq');
    sink = await startBundle(
      config({
        'errors.deadletterqueue.s3.bucket': undefined,
        'errors.deadletterqueue.sqs.url': queueUrl,
      }),
      awsEnv(),
    );
    const event = mskEvent([
      kafkaRecord({ topic: 'test', offset: 1, value: city(1) }),
      kafkaRecord({ topic: 'test', offset: 2, value: '[1,2]' }),
      kafkaRecord({ topic: 'strict', offset: 4, value: { id: 'x' } }),
    ]);

    expect((await sink.invoke(event)).ok).toBe(true);

    const messages = aws.messages(queueUrl).map((m) => JSON.parse(m) as Letter);
    expect(messages.map((m) => [m.topic, m.offset, m.error.stage]).sort()).toEqual([
      ['strict', 4, 'load'],
      ['test', 2, 'convert'],
    ]);
    expect(await target.rows('test_tbl')).toEqual([city(1)]);
    expect(await target.rows('strict_tbl')).toEqual([]);
  });

  it('fails the batch when the queue does not exist', async () => {
    sink = await startBundle(
      config({
        'errors.deadletterqueue.s3.bucket': undefined,
        'errors.deadletterqueue.sqs.url': `${aws.endpoint}/000000000000/missing`,
      }),
      awsEnv(),
    );

    const result = await sink.invoke(mskEvent([kafkaRecord({ topic: 'test', offset: 2, value: 'broken' })]));

    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('DEADLETTER_FAILED');
  });
});

describe('errors.tolerance=none (the default)', () => {
  it('fails the whole batch on a bad record and writes no dead letter', async () => {
    const { 'errors.tolerance': _t, 'errors.deadletterqueue.s3.bucket': _b, ...plain } = config();
    sink = await startBundle(plain, awsEnv());

    const result = await sink.invoke(
      mskEvent([
        kafkaRecord({ topic: 'test', offset: 1, value: city(1) }),
        kafkaRecord({ topic: 'test', offset: 2, value: 'x' }),
      ]),
    );

    expect(result.ok).toBe(false);
    expect(await target.rows('test_tbl')).toEqual([]);
    expect(aws.objects(BUCKET).size).toBe(0);
  });
});

describe('credentials', () => {
  it('never appear in a log line, an error or a dead letter', async () => {
    const basic = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    sink = await startBundle(config(), awsEnv());
    await sink.invoke(
      mskEvent([
        kafkaRecord({ topic: 'test', offset: 1, value: 'broken' }),
        kafkaRecord({ topic: 'strict', offset: 2, value: { id: 'x' } }),
        kafkaRecord({ topic: 'strict', offset: 3, value: { id: 3 } }),
      ]),
    );
    target.standIn.faults.failNext({ message: 'too many versions', count: 20 });
    const failed = await sink.invoke(mskEvent([kafkaRecord({ topic: 'test', offset: 9, value: city(9) })]), {
      timeoutMs: 3000,
    });
    const wrongPassword = await startBundle(config({ 'starrocks.password': `${PASSWORD}-old` }), awsEnv());
    const refused = await wrongPassword.invoke(
      mskEvent([kafkaRecord({ topic: 'test', offset: 10, value: city(10) })]),
    );
    await wrongPassword.close();

    expect(failed.ok).toBe(false);
    expect(refused.ok).toBe(false);
    expect(aws.objects(BUCKET).size).toBe(2);
    const everything = [
      ...sink.logs,
      ...wrongPassword.logs,
      JSON.stringify(failed),
      JSON.stringify(refused),
      ...aws.objects(BUCKET).values(),
    ].join('\n');
    for (const secret of [PASSWORD, basic]) expect(everything).not.toContain(secret);
  });
});

describe('errors.tolerance=all with sink.semantic=exactly-once', () => {
  for (const mode of ['multi', 'per-table'] as const) {
    it(`dead-letters the rows StarRocks rejects inside the transaction and commits the rest once (${mode})`, async () => {
      await target.execute(offsetsTableDdl('kafka_offsets'));
      sink = await startBundle(
        config({ 'sink.semantic': 'exactly-once', 'sink.transaction.mode': mode }),
        awsEnv(),
      );
      const records = [
        kafkaRecord({ topic: 'strict', partition: 0, offset: 20, value: { id: 1, city: 'a' } }),
        kafkaRecord({ topic: 'strict', partition: 0, offset: 21, value: { id: 'x', city: 'b' } }),
        kafkaRecord({ topic: 'test', partition: 0, offset: 5, value: city(5) }),
      ];

      const first = await sink.invoke(mskEvent(records));
      // multi: a retry with more records; per-table: the same batch again (its exactly-once scope).
      const retry = await sink.invoke(
        mskEvent(
          mode === 'multi'
            ? [
                ...records,
                kafkaRecord({ topic: 'strict', partition: 0, offset: 22, value: { id: 3, city: 'c' } }),
              ]
            : records,
        ),
      );

      expect(first.ok).toBe(true);
      expect(retry.ok).toBe(true);
      expect(await target.rows('strict_tbl')).toEqual(
        mode === 'multi'
          ? [
              { id: 1, city: 'a' },
              { id: 3, city: 'c' },
            ]
          : [{ id: 1, city: 'a' }],
      );
      expect(await target.rows('test_tbl')).toEqual([city(5)]);
      const letters = lettersIn(BUCKET);
      expect(Object.keys(letters)).toEqual(['dead-letters/strict/0/21.json']);
      expect(letters['dead-letters/strict/0/21.json']).toMatchObject({
        offset: 21,
        table: 'strict_tbl',
        error: { stage: 'load', code: 'LOAD_FAILED' },
      });
      if (mode === 'multi') {
        // The dead-lettered record's offset is committed with the rows: the retry skipped it.
        expect(await target.rows('kafka_offsets')).toEqual(
          expect.arrayContaining([expect.objectContaining({ topic: 'strict', last_offset: 22 })]),
        );
      }
    });
  }
});
