import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalFunction, startLocalFunction } from '../../lib/local/lambda-runtime.ts';
import { type LocalSecrets, startLocalSecrets } from '../../lib/local/secrets-endpoint.ts';
import { type StandIn, startStandIn } from '../../lib/local/stand-in/index.ts';
import {
  kafkaRecord,
  mskEvent,
  SEED_ROWS,
  seedConfig,
  seedQuickstartEvent,
  selfManagedEvent,
} from '../fixtures/events.ts';

/**
 * The built bundle (dist/sink/index.mjs), run as Lambda runs it, against the StarRocks stand-in
 * on loopback.
 */

const BUNDLE = 'dist/sink/index.mjs';
const PASSWORD = 'Str0ng-Pa55!';
const SEED_TABLE = `+------+-------------+
| id   | city        |
+------+-------------+
|    1 | New York    |
|    2 | Los Angeles |
|    3 | Chicago     |
+------+-------------+`;

let starrocks: StandIn;
const functions: LocalFunction[] = [];

beforeEach(async () => {
  starrocks = await startStandIn({ users: { root: '', user1: PASSWORD } });
  starrocks.execute(`
    CREATE DATABASE example_db;
    USE example_db;
    CREATE TABLE test_tbl (id INT, city STRING);
    CREATE TABLE orders (id INT, amount DECIMAL(10,2)) DUPLICATE KEY(id);
  `);
});
afterEach(async () => {
  await Promise.all(functions.splice(0).map((f) => f.close()));
  await starrocks.close();
});

function sinkConfig(overrides: Record<string, string> = {}): Record<string, string> {
  return seedConfig({ 'starrocks.http.url': starrocks.feUrl, 'starrocks.password': PASSWORD, ...overrides });
}

async function startSink(
  config: Record<string, string> | string,
  env: Record<string, string> = {},
): Promise<LocalFunction> {
  const fn = await startLocalFunction({
    bundle: BUNDLE,
    env: {
      SINK_CONFIG: typeof config === 'string' ? config : JSON.stringify(config),
      POWERTOOLS_METRICS_DISABLED: 'true',
      ...env,
    },
  });
  functions.push(fn);
  return fn;
}

function labelsOf(table: string): string[] {
  return starrocks.loads.filter((l) => l.table === table).map((l) => l.label);
}

describe('the built bundle against the StarRocks stand-in', () => {
  it('loads the seed quickstart: three rows into example_db.test_tbl', async () => {
    const sink = await startSink(sinkConfig());

    const result = await sink.invoke(seedQuickstartEvent());

    expect(result.ok).toBe(true);
    expect(starrocks.rows('example_db', 'test_tbl')).toEqual(SEED_ROWS);
    expect(starrocks.formatTable('example_db', 'test_tbl')).toContain(SEED_TABLE);
    expect(starrocks.loads).toHaveLength(1);
  });

  it('logs one structured line per load with table, label, rows, bytes, ms and offsets', async () => {
    const sink = await startSink(sinkConfig());
    await sink.invoke(seedQuickstartEvent());

    const line = sink.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.message === 'stream load done');
    expect(line).toMatchObject({ table: 'test_tbl', rows: 3, outcome: 'loaded', offsets: ['test-0@0..2'] });
    expect(line?.label).toBe(labelsOf('test_tbl')[0]);
    expect(typeof line?.bytes).toBe('number');
    expect(typeof line?.ms).toBe('number');
  });

  it('loads a self-managed (Confluent) event the same way', async () => {
    const sink = await startSink(sinkConfig());
    const event = selfManagedEvent(
      SEED_ROWS.map((value, offset) => kafkaRecord({ topic: 'test', offset, value })),
    );
    expect((await sink.invoke(event)).ok).toBe(true);
    expect(starrocks.rows('example_db', 'test_tbl')).toHaveLength(3);
  });

  it('sends one load per table for several topics and partitions in one batch', async () => {
    const sink = await startSink(
      sinkConfig({
        topics: 'test,orders-v1,orders-v2',
        'starrocks.topic2table.map': 'test:test_tbl,orders-v1:orders,orders-v2:orders',
      }),
    );
    const event = mskEvent([
      kafkaRecord({ topic: 'test', partition: 0, offset: 10, value: { id: 1, city: 'Paris' } }),
      kafkaRecord({ topic: 'test', partition: 1, offset: 4, value: { id: 2, city: 'Oslo' } }),
      kafkaRecord({ topic: 'orders-v1', partition: 0, offset: 7, value: { id: 10, amount: '12.50' } }),
      kafkaRecord({ topic: 'orders-v2', partition: 3, offset: 1, value: { id: 11, amount: 3.1 } }),
    ]);

    const result = await sink.invoke(event);

    expect(result.ok).toBe(true);
    expect(starrocks.loads.map((l) => l.table).sort()).toEqual(['orders', 'test_tbl']);
    expect(starrocks.rows('example_db', 'orders')).toHaveLength(2);
    expect(starrocks.rows('example_db', 'test_tbl')).toHaveLength(2);
  });

  it('gives an identical retry identical labels, and the retry loads nothing twice', async () => {
    const sink = await startSink(sinkConfig());
    await sink.invoke(seedQuickstartEvent());
    const again = await sink.invoke(seedQuickstartEvent());

    expect(again.ok).toBe(true);
    const labels = labelsOf('test_tbl');
    expect(labels).toHaveLength(2);
    expect(labels[0]).toBe(labels[1]);
    expect(starrocks.loads[1]?.status).toBe('Label Already Exists');
    expect(starrocks.rows('example_db', 'test_tbl')).toHaveLength(3);
  });

  it('gives the same labels from a fresh function (a cold start on retry)', async () => {
    await (await startSink(sinkConfig())).invoke(seedQuickstartEvent());
    await (await startSink(sinkConfig())).invoke(seedQuickstartEvent());
    const [first, second] = labelsOf('test_tbl');
    expect(second).toBe(first);
    expect(starrocks.rows('example_db', 'test_tbl')).toHaveLength(3);
  });

  it('fails the invocation with table, label, Status, Message and rejected rows when StarRocks filters rows', async () => {
    const sink = await startSink(sinkConfig());
    const event = mskEvent([kafkaRecord({ offset: 0, value: { id: 'not-a-number', city: 'x'.repeat(10) } })]);
    starrocks.execute(
      'USE example_db; DROP TABLE test_tbl; CREATE TABLE test_tbl (id INT NOT NULL, city STRING);',
    );

    const result = await sink.invoke(event);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('LOAD_FAILED');
    expect(result.error.errorMessage).toContain('Stream Load into table "test_tbl"');
    expect(result.error.errorMessage).toContain(`label ${labelsOf('test_tbl')[0]}`);
    expect(result.error.errorMessage).toContain('Status: Fail');
    expect(result.error.errorMessage).toMatch(/Message: .*too many filtered rows/);
    expect(result.error.errorMessage).toContain('first rejected rows:');
    expect(starrocks.rows('example_db', 'test_tbl')).toEqual([]);
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
    expect(sink.logs.join('\n')).not.toContain(Buffer.from(`user1:${wrong}`).toString('base64'));
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
    expect(starrocks.loads).toHaveLength(0);
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
    expect(starrocks.rows('example_db', 'test_tbl')).toEqual(SEED_ROWS);
    expect(starrocks.loads[0]?.headers).toMatchObject({
      format: 'csv',
      column_separator: ',',
      columns: 'id,city',
    });
  });

  it('waits for a label left RUNNING by a lost answer, and loads the rows once', async () => {
    const sink = await startSink(sinkConfig());
    starrocks.faults.resetNext({ when: 'after-apply', runningForMs: 600 });

    const result = await sink.invoke(seedQuickstartEvent());

    expect(result.ok).toBe(true);
    expect(starrocks.rows('example_db', 'test_tbl')).toHaveLength(3);
    const labels = labelsOf('test_tbl');
    expect(new Set(labels).size).toBe(1);
    expect(sink.logs.some((l) => l.includes('"outcome":"already-loaded"'))).toBe(true);
  });

  it('retries "too many versions" inside the invocation and succeeds', async () => {
    const sink = await startSink(sinkConfig());
    starrocks.faults.failNext({
      message:
        'Failed to load data into tablet 10086, because of too many versions, current/limit: 1001/1000.',
    });
    expect((await sink.invoke(seedQuickstartEvent())).ok).toBe(true);
    expect(starrocks.rows('example_db', 'test_tbl')).toHaveLength(3);
  });

  it('skips tombstones, as the Java connector does', async () => {
    const sink = await startSink(sinkConfig());
    const event = mskEvent([
      kafkaRecord({ offset: 0, value: { id: 1, city: 'a' } }),
      kafkaRecord({ offset: 1, value: null }),
      kafkaRecord({ offset: 2, omitValue: true }),
    ]);
    expect((await sink.invoke(event)).ok).toBe(true);
    expect(starrocks.rows('example_db', 'test_tbl')).toEqual([{ id: 1, city: 'a' }]);
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

describe('credentials from Secrets Manager (the real SDK client against a local endpoint)', () => {
  let secrets: LocalSecrets;
  beforeAll(async () => {
    secrets = await startLocalSecrets();
  });
  afterAll(async () => {
    await secrets.close();
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
    const arn = secrets.put('starrocks/sink', JSON.stringify({ username: 'user1', password: PASSWORD }));
    const sink = await startSink(secretConfig(arn), awsEnv());

    expect((await sink.invoke(seedQuickstartEvent())).ok).toBe(true);
    expect(
      (await sink.invoke(mskEvent([kafkaRecord({ offset: 9, value: { id: 4, city: 'Boston' } })]))).ok,
    ).toBe(true);

    expect(starrocks.rows('example_db', 'test_tbl')).toHaveLength(4);
    expect(secrets.reads.get(arn)).toBe(1);
    expect(sink.logs.join('\n')).not.toContain(PASSWORD);
  });

  it('refetches a rotated password once after StarRocks answers 401', async () => {
    const arn = secrets.put('starrocks/rotating', JSON.stringify({ username: 'user1', password: PASSWORD }));
    const sink = await startSink(secretConfig(arn), awsEnv());
    expect((await sink.invoke(seedQuickstartEvent())).ok).toBe(true);

    // Rotate: StarRocks and the secret get the new password; the warm function still caches the old one.
    starrocks.setPassword('user1', 'Rotated-Pa55!');
    secrets.put('starrocks/rotating', JSON.stringify({ username: 'user1', password: 'Rotated-Pa55!' }));

    const result = await sink.invoke(
      mskEvent([kafkaRecord({ offset: 9, value: { id: 4, city: 'Boston' } })]),
    );

    expect(result.ok).toBe(true);
    expect(secrets.reads.get(arn)).toBe(2);
    expect(starrocks.rows('example_db', 'test_tbl')).toHaveLength(4);
    expect(sink.logs.join('\n')).not.toContain('Rotated-Pa55!');
  });

  it('fails with a clear error when the secret lacks username/password, without echoing it', async () => {
    const arn = secrets.put('starrocks/bad', JSON.stringify({ user: 'user1', pass: 'Leaky-Pa55' }));
    const sink = await startSink(secretConfig(arn), awsEnv());
    const result = await sink.invoke(seedQuickstartEvent());
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.errorMessage).toContain('must hold JSON {"username": "...", "password": "..."}');
    expect(JSON.stringify(result)).not.toContain('Leaky-Pa55');
  });
});
