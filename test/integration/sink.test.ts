import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { offsetsTableDdl } from '../../lib/load/offsets-table.ts';
import type { LocalFunction } from '../../lib/local/lambda-runtime.ts';
import { type LocalSecrets, startLocalSecrets } from '../../lib/local/secrets-endpoint.ts';
import type { StandIn } from '../../lib/local/stand-in/index.ts';
import {
  kafkaRecord,
  mskEvent,
  SEED_ROWS,
  seedConfig,
  seedQuickstartEvent,
  selfManagedEvent,
} from '../fixtures/events.ts';
import {
  openStandIn,
  openTarget,
  REAL_STARROCKS,
  type StarRocksTarget,
  targetConfigKeys,
} from '../support/starrocks-target.ts';
import { startBundle } from './support/bundle.ts';

/**
 * The built bundle (dist/sink/index.mjs), run as Lambda runs it, against the StarRocks stand-in on
 * loopback, or a real cluster when STARROCKS_HTTP_URL is set. Tests that inject faults or rotate
 * passwords always use the stand-in, which can do both.
 */

const USER = 'user1';
const PASSWORD = 'Str0ng-Pa55!';
const TABLES =
  'CREATE TABLE test_tbl (id INT, city STRING); CREATE TABLE orders (id INT, amount DECIMAL(10,2)) DUPLICATE KEY(id);';

let target: StarRocksTarget;
const functions: LocalFunction[] = [];

afterEach(async () => {
  await Promise.all(functions.splice(0).map((f) => f.close()));
  await target.close();
});

function sinkConfig(overrides: Record<string, string> = {}): Record<string, string> {
  return seedConfig({
    ...targetConfigKeys(target),
    ...overrides,
  });
}

async function startSink(
  config: Record<string, string>,
  env: Record<string, string> = {},
): Promise<LocalFunction> {
  const fn = await startBundle(config, env);
  functions.push(fn);
  return fn;
}

interface LoadLine {
  readonly table: string;
  readonly label: string;
  readonly rows: number;
  readonly outcome: string;
  readonly offsets: string[];
  readonly bytes: number;
  readonly ms: number;
}

/** The function's `stream load done` log lines: what it loaded, as a user sees it in CloudWatch. */
function loadLines(sink: LocalFunction): LoadLine[] {
  return sink.logs
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.message === 'stream load done') as unknown as LoadLine[];
}

describe(`the built bundle against ${REAL_STARROCKS ? 'StarRocks from STARROCKS_HTTP_URL' : 'the StarRocks stand-in'}`, () => {
  beforeEach(async () => {
    target = await openTarget({ standInUsers: { [USER]: PASSWORD } });
    await target.execute(TABLES);
  });

  it('loads the seed quickstart: three rows into test_tbl, in one load', async () => {
    const sink = await startSink(sinkConfig());

    const result = await sink.invoke(seedQuickstartEvent());

    expect(result.ok).toBe(true);
    expect(await target.rows('test_tbl')).toEqual(SEED_ROWS);
    expect(loadLines(sink)).toHaveLength(1);
  });

  it('logs one structured line per load with table, label, rows, bytes, ms and offsets', async () => {
    const sink = await startSink(sinkConfig());
    await sink.invoke(seedQuickstartEvent());

    const [line] = loadLines(sink);
    expect(line).toMatchObject({ table: 'test_tbl', rows: 3, outcome: 'loaded', offsets: ['test-0@0..2'] });
    expect(line?.label).toMatch(/^kl-test_tbl-[0-9a-f]{40}$/);
    expect(line?.bytes).toBeGreaterThan(0);
    expect(typeof line?.ms).toBe('number');
  });

  it('loads a self-managed (Confluent) event the same way', async () => {
    const sink = await startSink(sinkConfig());
    const event = selfManagedEvent(
      SEED_ROWS.map((value, offset) => kafkaRecord({ topic: 'test', offset, value })),
    );
    expect((await sink.invoke(event)).ok).toBe(true);
    expect(await target.rows('test_tbl')).toEqual(SEED_ROWS);
  });

  it('sends one load per table for several topics and partitions in one batch', async () => {
    const sink = await startSink(
      sinkConfig({
        topics: 'test,orders-v1,orders.v2',
        'starrocks.topic2table.map': 'test:test_tbl,orders-v1:orders,orders.v2:orders',
      }),
    );
    const event = mskEvent([
      kafkaRecord({ topic: 'test', partition: 0, offset: 10, value: { id: 1, city: 'Paris' } }),
      kafkaRecord({ topic: 'test', partition: 1, offset: 4, value: { id: 2, city: 'Oslo' } }),
      kafkaRecord({ topic: 'orders-v1', partition: 0, offset: 7, value: { id: 10, amount: '12.50' } }),
      kafkaRecord({ topic: 'orders.v2', partition: 3, offset: 1, value: { id: 11, amount: 3.1 } }),
    ]);

    const result = await sink.invoke(event);

    expect(result.ok).toBe(true);
    expect(loadLines(sink).map((l) => [l.table, l.rows, l.offsets])).toEqual(
      expect.arrayContaining([
        ['orders', 2, ['orders-v1-0@7..7', 'orders.v2-3@1..1']],
        ['test_tbl', 2, ['test-0@10..10', 'test-1@4..4']],
      ]),
    );
    expect(loadLines(sink)).toHaveLength(2);
    expect(await target.rows('orders')).toEqual([
      { id: 10, amount: '12.50' },
      { id: 11, amount: '3.10' },
    ]);
    expect(await target.rows('test_tbl')).toEqual([
      { id: 1, city: 'Paris' },
      { id: 2, city: 'Oslo' },
    ]);
  });

  it('gives an identical retry identical labels, and the retry loads nothing twice', async () => {
    const sink = await startSink(sinkConfig());
    await sink.invoke(seedQuickstartEvent());
    const again = await sink.invoke(seedQuickstartEvent());

    expect(again.ok).toBe(true);
    const [first, second] = loadLines(sink);
    expect(second?.label).toBe(first?.label);
    expect(second?.outcome).toBe('already-loaded');
    expect(await target.rows('test_tbl')).toEqual(SEED_ROWS);
  });

  it('gives the same labels from a fresh function (a cold start on retry)', async () => {
    const cold1 = await startSink(sinkConfig());
    await cold1.invoke(seedQuickstartEvent());
    const cold2 = await startSink(sinkConfig());
    await cold2.invoke(seedQuickstartEvent());
    expect(loadLines(cold2)[0]?.label).toBe(loadLines(cold1)[0]?.label);
    expect(await target.rows('test_tbl')).toEqual(SEED_ROWS);
  });

  it('fails the invocation with table, label, Status, Message and rejected rows when StarRocks filters rows', async () => {
    await target.execute('CREATE TABLE strict_tbl (id INT NOT NULL, city STRING)');
    const sink = await startSink(sinkConfig({ 'starrocks.topic2table.map': 'test:strict_tbl' }));
    const event = mskEvent([kafkaRecord({ offset: 0, value: { id: 'not-a-number', city: 'x' } })]);

    const result = await sink.invoke(event);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('LOAD_FAILED');
    expect(result.error.errorMessage).toMatch(
      /Stream Load into table "strict_tbl" \(label kl-strict_tbl-[0-9a-f]{40}\)/,
    );
    expect(result.error.errorMessage).toContain('Status: Fail');
    expect(result.error.errorMessage).toMatch(/Message: .*too many filtered rows/);
    expect(result.error.errorMessage).toContain('first rejected rows:');
    expect(await target.rows('strict_tbl')).toEqual([]);
  });

  it('fails the invocation when a table does not exist', async () => {
    const sink = await startSink(
      sinkConfig({ topics: 'missing', 'starrocks.topic2table.map': 'missing:no_such_table' }),
    );
    const result = await sink.invoke(mskEvent([kafkaRecord({ topic: 'missing', value: { id: 1 } })]));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.errorMessage).toContain('no_such_table');
  });

  it('fails a wrong password without the password in the error or the logs', async () => {
    const wrong = 'Wr0ng-Pa55-xyz';
    const sink = await startSink(sinkConfig({ 'starrocks.password': wrong }));

    const result = await sink.invoke(seedQuickstartEvent());

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('LOAD_AUTH');
    expect(JSON.stringify(result)).not.toContain(wrong);
    expect(sink.logs.join('\n')).not.toContain(wrong);
    expect(sink.logs.join('\n')).not.toContain(Buffer.from(`${target.user}:${wrong}`).toString('base64'));
  });

  it('fails a batch with a non-JSON record naming its offset, before anything is loaded', async () => {
    const sink = await startSink(
      sinkConfig({ topics: 'test,orders', 'starrocks.topic2table.map': 'test:test_tbl' }),
    );
    const event = mskEvent([
      kafkaRecord({ topic: 'orders', offset: 1, value: { id: 1, amount: 1 } }),
      kafkaRecord({ topic: 'test', partition: 2, offset: 41, value: { id: 1, city: 'ok' } }),
      kafkaRecord({ topic: 'test', partition: 2, offset: 42, value: 'id=2,city=broken' }),
    ]);

    const result = await sink.invoke(event);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('DECODE_VALUE');
    expect(result.error.errorMessage).toContain('topic "test", partition 2, offset 42');
    expect(result.error.errorMessage).toContain('not valid JSON');
    expect(loadLines(sink)).toHaveLength(0);
    expect(await target.rows('orders')).toEqual([]);
    expect(await target.rows('test_tbl')).toEqual([]);
  });

  it('names the record when StarRocks refuses JSON that only its parser can tell is broken', async () => {
    const sink = await startSink(sinkConfig());
    const event = mskEvent([
      kafkaRecord({ offset: 3, value: { id: 1, city: 'ok' } }),
      kafkaRecord({ offset: 4, value: '{"id":2,"city":}' }),
    ]);

    const result = await sink.invoke(event);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.errorMessage).toContain(
      'topic "test", partition 0, offset 4): the value is not valid JSON',
    );
    expect(result.error.code).toBe('DECODE_VALUE');
    expect(await target.rows('test_tbl')).toEqual([]);
  });

  it.each([
    ['at-least-once', {}],
    ['exactly-once per-table', { 'sink.semantic': 'exactly-once', 'sink.transaction.mode': 'per-table' }],
    ['exactly-once multi', { 'sink.semantic': 'exactly-once', 'sink.transaction.mode': 'multi' }],
  ])(
    'names the record when StarRocks refuses a payload copied from a schemas.enable=true envelope (%s)',
    async (_semantic, keys) => {
      await target.execute(offsetsTableDdl('kafka_offsets'));
      const sink = await startSink(sinkConfig({ 'value.converter.schemas.enable': 'true', ...keys }));
      const schema = {
        type: 'struct',
        optional: false,
        fields: [
          { type: 'int32', optional: false, field: 'id' },
          { type: 'boolean', optional: true, field: 'city' },
        ],
      };
      const envelope = (payload: string) => `{"schema":${JSON.stringify(schema)},"payload":${payload}}`;
      const event = mskEvent([
        kafkaRecord({ offset: 3, value: envelope('{"id":1,"city":true}') }),
        kafkaRecord({ offset: 4, value: envelope('{"id":2,"city":tru}') }),
      ]);

      const result = await sink.invoke(event);

      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe('DECODE_VALUE');
      expect(result.error.errorMessage).toContain(
        'topic "test", partition 0, offset 4): the payload is not valid JSON',
      );
      expect(await target.rows('test_tbl')).toEqual([]);
    },
  );

  it('fails a record whose required field is null, naming the field, and loads nothing', async () => {
    const sink = await startSink(sinkConfig({ 'value.converter.schemas.enable': 'true' }));
    const schema = {
      type: 'struct',
      optional: false,
      fields: [{ type: 'int32', optional: false, field: 'id' }],
    };
    const event = mskEvent([
      kafkaRecord({ offset: 5, value: `{"schema":${JSON.stringify(schema)},"payload":{"id":1}}` }),
      kafkaRecord({ offset: 6, value: `{"schema":${JSON.stringify(schema)},"payload":{"id":null}}` }),
    ]);

    const result = await sink.invoke(event);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.errorMessage).toContain(
      'offset 6): field "id" is null, but its schema is not optional',
    );
    expect(await target.rows('test_tbl')).toEqual([]);
  });

  it('loads CSV lines with StringConverter', async () => {
    const sink = await startSink(
      sinkConfig({
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'sink.properties.format': 'csv',
        'sink.properties.column_separator': ',',
        'sink.properties.columns': 'id,city',
      }),
    );
    const event = mskEvent(
      ['1,New York', '2,Los Angeles', '3,Chicago'].map((value, offset) => kafkaRecord({ offset, value })),
    );

    expect((await sink.invoke(event)).ok).toBe(true);
    expect(await target.rows('test_tbl')).toEqual(SEED_ROWS);
  });

  it('skips tombstones, as the Java connector does', async () => {
    const sink = await startSink(sinkConfig());
    const event = mskEvent([
      kafkaRecord({ offset: 0, value: { id: 1, city: 'a' } }),
      kafkaRecord({ offset: 1, value: null }),
      kafkaRecord({ offset: 2, omitValue: true }),
    ]);
    expect((await sink.invoke(event)).ok).toBe(true);
    expect(await target.rows('test_tbl')).toEqual([{ id: 1, city: 'a' }]);
  });

  it('reports every SINK_CONFIG problem at cold start', async () => {
    const sink = await startSink({ 'starrocks.http.url': 'fe', 'starrocks.topic2table.map': 'broken' });
    const result = await sink.invoke(seedQuickstartEvent());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('CONFIG_INVALID');
    for (const key of [
      'starrocks.http.url',
      'starrocks.database.name',
      'starrocks.username',
      'starrocks.topic2table.map',
    ]) {
      expect(result.error.errorMessage).toContain(`- ${key}:`);
    }
  });

  it('logs the ignored Connect keys once, at cold start', async () => {
    const sink = await startSink(sinkConfig());
    await sink.invoke(seedQuickstartEvent());
    await sink.invoke(seedQuickstartEvent());
    const ignored = sink.logs.filter((l) => l.includes('ignoring Kafka Connect keys'));
    expect(ignored).toHaveLength(1);
    expect(ignored[0]).toContain('connector.class');
  });
});

describe('the built bundle with faults injected into the StarRocks stand-in', () => {
  let standIn: StandIn;
  beforeEach(async () => {
    const opened = await openStandIn({ standInUsers: { [USER]: PASSWORD } });
    target = opened;
    standIn = opened.standIn;
    await target.execute(TABLES);
  });

  it('waits for a label left RUNNING by a lost answer, and loads the rows once', async () => {
    const sink = await startSink(sinkConfig());
    standIn.faults.resetNext({ when: 'after-apply', runningForMs: 600 });

    const result = await sink.invoke(seedQuickstartEvent());

    expect(result.ok).toBe(true);
    expect(await target.rows('test_tbl')).toEqual(SEED_ROWS);
    expect(loadLines(sink)).toMatchObject([{ table: 'test_tbl', outcome: 'already-loaded' }]);
    const labels = standIn.loads.map((l) => l.label);
    expect(labels).toHaveLength(2);
    expect(new Set(labels).size).toBe(1);
  });

  it('retries "too many versions" inside the invocation and succeeds', async () => {
    const sink = await startSink(sinkConfig());
    standIn.faults.failNext({
      message:
        'Failed to load data into tablet 10086, because of too many versions, current/limit: 1001/1000.',
    });
    expect((await sink.invoke(seedQuickstartEvent())).ok).toBe(true);
    expect(await target.rows('test_tbl')).toEqual(SEED_ROWS);
    expect(standIn.loads.map((l) => l.status)).toEqual(['Fail', 'Success']);
  });

  it('loads the tables that can be loaded, fails the batch for the one that cannot, and the retry finishes the job', async () => {
    const sink = await startSink(
      sinkConfig({ topics: 'test,orders', 'starrocks.topic2table.map': 'test:test_tbl' }),
    );
    const event = mskEvent([
      kafkaRecord({ topic: 'orders', offset: 1, value: { id: 1, amount: 1 } }),
      kafkaRecord({ topic: 'test', offset: 5, value: { id: 1, city: 'a' } }),
    ]);
    standIn.faults.failNext({ message: 'too many filtered rows' });

    const failed = await sink.invoke(event);
    const retried = await sink.invoke(event);

    expect(failed.ok).toBe(false);
    if (!failed.ok)
      expect(failed.error.errorMessage).toMatch(
        /1 of 2 table loads failed \(loaded, and deduplicated on retry by label: (orders|test_tbl)\)/,
      );
    expect(retried.ok).toBe(true);
    expect(await target.rows('orders')).toEqual([{ id: 1, amount: '1.00' }]);
    expect(await target.rows('test_tbl')).toEqual([{ id: 1, city: 'a' }]);
  });
});

describe('credentials from Secrets Manager (the real SDK client against a local endpoint)', () => {
  let secrets: LocalSecrets;
  let standIn: StandIn;
  beforeAll(async () => {
    secrets = await startLocalSecrets();
  });
  afterAll(async () => {
    await secrets.close();
  });
  beforeEach(async () => {
    const opened = await openStandIn({ standInUsers: { [USER]: PASSWORD } });
    target = opened;
    standIn = opened.standIn;
    await target.execute(TABLES);
  });

  function secretConfig(arn: string): Record<string, string> {
    const {
      'starrocks.username': _u,
      'starrocks.password': _p,
      ...rest
    } = sinkConfig({ 'starrocks.secret.arn': arn });
    return rest;
  }
  const awsEnv = () => ({
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  });

  it('loads with credentials fetched from the secret, and caches them across invocations', async () => {
    const arn = secrets.put('starrocks/sink', JSON.stringify({ username: USER, password: PASSWORD }));
    const sink = await startSink(secretConfig(arn), awsEnv());

    expect((await sink.invoke(seedQuickstartEvent())).ok).toBe(true);
    expect(
      (await sink.invoke(mskEvent([kafkaRecord({ offset: 9, value: { id: 4, city: 'Boston' } })]))).ok,
    ).toBe(true);

    expect(await target.rows('test_tbl')).toHaveLength(4);
    expect(secrets.reads.get(arn)).toBe(1);
    expect(sink.logs.join('\n')).not.toContain(PASSWORD);
  });

  it('refetches a rotated password once after StarRocks answers 401', async () => {
    const arn = secrets.put('starrocks/rotating', JSON.stringify({ username: USER, password: PASSWORD }));
    const sink = await startSink(secretConfig(arn), awsEnv());
    expect((await sink.invoke(seedQuickstartEvent())).ok).toBe(true);

    // Rotate: StarRocks and the secret get the new password; the warm function still caches the old one.
    standIn.setPassword(USER, 'Rotated-Pa55!');
    secrets.put('starrocks/rotating', JSON.stringify({ username: USER, password: 'Rotated-Pa55!' }));
    const result = await sink.invoke(
      mskEvent([kafkaRecord({ offset: 9, value: { id: 4, city: 'Boston' } })]),
    );

    expect(result.ok).toBe(true);
    expect(secrets.reads.get(arn)).toBe(2);
    expect(await target.rows('test_tbl')).toHaveLength(4);
    expect(sink.logs.join('\n')).not.toContain('Rotated-Pa55!');
  });

  it('fails with a clear error when the secret lacks username/password, without echoing it', async () => {
    const arn = secrets.put('starrocks/bad', JSON.stringify({ user: USER, pass: 'Leaky-Pa55' }));
    const sink = await startSink(secretConfig(arn), awsEnv());
    const result = await sink.invoke(seedQuickstartEvent());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('SECRET_INVALID');
    expect(result.error.errorMessage).toContain('must hold JSON {"username": "...", "password": "..."}');
    expect(JSON.stringify(result)).not.toContain('Leaky-Pa55');
  });
});
