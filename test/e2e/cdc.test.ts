import { Producer } from '@platformatic/kafka';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type StandIn, startStandIn } from '../../lib/local/stand-in/index.ts';
import { seedConfig } from '../fixtures/events.ts';
import { type ConnectWorker, startConnect } from './harness/connect.ts';
import { cdcNames, postgresConnector, readTopic, seedDebeziumSinkConfig } from './harness/debezium.ts';
import { createTopics, type KafkaBroker, kafkaForSuite } from './harness/kafka.ts';
import { ensureJars } from './harness/maven.ts';
import { ensureLogicalWal, psql, recreateDatabase, tableRows } from './harness/postgres.ts';
import { type SinkPipeline, startSinkPipeline } from './harness/sink.ts';
import { logTails, type SuiteParts, stopSuite } from './harness/suite.ts';
import { waitFor } from './harness/wait.ts';

/**
 * Scenarios 2 and 4: the seed's CDC walk-through, PostgreSQL → Debezium (Connect standalone) →
 * Kafka → local poller → bundle → the stand-in's Primary Key table, compared with PostgreSQL
 * after every step; then a failed load mid-stream.
 */

const PASSWORD = 'Str0ng-Pa55!';
const RUN = Date.now().toString(36);
const names = cdcNames(RUN);
const TOPIC = `${names.prefix}.public.customers`;

let kafka: KafkaBroker | undefined;
let connect: ConnectWorker | undefined;
let starrocks: StandIn | undefined;
let sink: SinkPipeline | undefined;
let productionSink: SinkPipeline | undefined;
let databaseCreated = false;

const parts = (): SuiteParts => ({ kafka, connect, starrocks, sink, otherSinks: [productionSink] });

beforeAll(async () => {
  try {
    await ensureJars((line) => console.log(line));
    await ensureLogicalWal((line) => console.warn(`[e2e] ${line}`));
    await recreateDatabase(names.database);
    databaseCreated = true;
    await psql(
      `CREATE TABLE customers (id int primary key, first_name varchar(65533), last_name varchar(65533), email varchar(65533));
       INSERT INTO customers VALUES (1, 'a', 'a', 'a@a.com');`,
      names.database,
    );
    starrocks = await startStandIn({ users: { root: '', user1: PASSWORD } });
    starrocks.execute(`CREATE DATABASE example_db; USE example_db;
      CREATE TABLE customers (id int(11), first_name varchar(65533) NULL, last_name varchar(65533) NULL, email varchar(65533) NULL)
      ENGINE=OLAP PRIMARY KEY(id) DISTRIBUTED BY hash(id) buckets 1;
      CREATE TABLE customers_prod (id int(11), first_name varchar(65533) NULL, last_name varchar(65533) NULL,
        email varchar(65533) NULL, _op varchar(1) NULL, _source_ts_ms bigint NULL, _lsn bigint NULL,
        kafka_partition int NULL, kafka_offset bigint NULL)
      ENGINE=OLAP PRIMARY KEY(id) DISTRIBUTED BY hash(id) buckets 1;`);
    kafka = await kafkaForSuite('kafka-cdc');
    await createTopics(kafka.bootstrap, [TOPIC]);
    connect = await startConnect({
      name: `connect-${RUN}`,
      bootstrap: kafka.bootstrap,
      connectors: [{ name: names.connector, config: postgresConnector(names, ['public.customers']) }],
    });
    sink = await startSinkPipeline({
      name: `cdc-${RUN}`,
      bootstrap: kafka.bootstrap,
      topics: [TOPIC],
      sinkConfig: seedConfig({
        'starrocks.http.url': starrocks.feUrl,
        'starrocks.password': PASSWORD,
        ...seedDebeziumSinkConfig(TOPIC, 'customers'),
      }),
    });
  } catch (error) {
    logTails(parts());
    throw error;
  }
});

afterEach(({ task }) => {
  if (task.result?.state === 'fail') logTails(parts());
});

afterAll(() => stopSuite(parts(), databaseCreated ? names.database : undefined));

async function expectTablesEqual(step: string): Promise<void> {
  let source: Record<string, unknown>[] = [];
  let target: Record<string, unknown>[] = [];
  await waitFor(
    `the stand-in's customers to equal PostgreSQL's after ${step}`,
    async () => {
      source = await tableRows(names.database, 'customers');
      target = [...(starrocks?.rows('example_db', 'customers') ?? [])].sort(
        (a, b) => Number(a.id) - Number(b.id),
      );
      return JSON.stringify(source) === JSON.stringify(target);
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  ).catch(() => {});
  expect(target, `after ${step}`).toEqual(source);
}

describe('scenario 2: the seed CDC walk-through', () => {
  it('mirrors the snapshot, an INSERT, an UPDATE of every row and a DELETE into the Primary Key table', async () => {
    await expectTablesEqual('the initial snapshot');
    expect(starrocks?.rows('example_db', 'customers')).toEqual([
      { id: 1, first_name: 'a', last_name: 'a', email: 'a@a.com' },
    ]);

    await psql(`INSERT INTO customers VALUES (2, 'b', 'b', 'b@b.com')`, names.database);
    await expectTablesEqual('INSERT (2, b)');

    await psql(`UPDATE customers SET email = 'c@c.com'`, names.database);
    await expectTablesEqual('UPDATE customers SET email');

    await psql('DELETE FROM customers WHERE id = 1', names.database);
    await expectTablesEqual('DELETE id=1');
    expect(starrocks?.rows('example_db', 'customers')).toEqual([
      { id: 2, first_name: 'b', last_name: 'b', email: 'c@c.com' },
    ]);
  });
});

describe('scenario 4: a failed load mid-stream', () => {
  it('retries the same batch until the load succeeds and ends equal to the source', async () => {
    const before = sink?.invocations.length ?? 0;
    // Non-retryable for the sink: the invocation fails and the poller must retry the batch.
    starrocks?.faults.failNext({ message: 'too many filtered rows', count: 2 });

    await psql(
      `INSERT INTO customers SELECT g, 'f' || g, 'l' || g, g || '@x.com' FROM generate_series(10, 59) g;
       UPDATE customers SET email = 'u@u.com' WHERE id % 7 = 0;
       DELETE FROM customers WHERE id % 5 = 0;`,
      names.database,
    );
    await expectTablesEqual('the faulted batch');

    const after = sink?.invocations.slice(before) ?? [];
    const failed = after.filter((i) => !i.result.ok);
    expect(failed).toHaveLength(2);
    for (const attempt of failed) {
      const next = after[after.indexOf(attempt) + 1];
      // The retry carries the very same records.
      expect(next?.event).toEqual(attempt.event);
    }
    expect(failed.map((f) => (f.result.ok ? '' : f.result.error.errorMessage))).toEqual([
      expect.stringContaining('too many filtered rows'),
      expect.stringContaining('too many filtered rows'),
    ]);
    expect(await tableRows(names.database, 'customers')).toHaveLength(41);
  });
});

/**
 * A production-shaped config on the same Debezium stream: Debezium ≥ 2.5 option names with
 * `add.fields`, a RegexRouter stripping the `server.schema.` prefix, Kafka metadata columns, and a
 * per-table `merge_condition` on the LSN as the ordering guard.
 */
const PRODUCTION_CONFIG = (feUrl: string): Record<string, string> =>
  seedConfig({
    'starrocks.http.url': feUrl,
    'starrocks.password': PASSWORD,
    topics: TOPIC,
    'starrocks.topic2table.map': 'customers:customers_prod',
    'key.converter.schemas.enable': 'true',
    'value.converter.schemas.enable': 'true',
    transforms: 'addfield,unwrap,route',
    'transforms.addfield.type': 'com.starrocks.connector.kafka.transforms.AddOpFieldForDebeziumRecord',
    'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
    'transforms.unwrap.delete.tombstone.handling.mode': 'rewrite',
    'transforms.unwrap.add.fields': 'op,source.ts_ms,lsn',
    'transforms.unwrap.add.fields.prefix': '_',
    'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
    'transforms.route.regex': '[^.]+\\.[^.]+\\.(.*)',
    'transforms.route.replacement': '$1',
    'sink.metadata.columns': 'kafka_partition:partition,kafka_offset:offset',
    'sink.table.customers_prod.properties.merge_condition': '_lsn',
  });

/** The production table's rows in id order, with only PostgreSQL's columns. */
function productionRows(): Record<string, unknown>[] {
  return [...(starrocks?.rows('example_db', 'customers_prod') ?? [])]
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map(({ id, first_name, last_name, email }) => ({ id, first_name, last_name, email }));
}

describe('scenario 5: a production config on the same stream', () => {
  it('loads every change with add.fields, routed by RegexRouter, with metadata columns', async () => {
    productionSink = await startSinkPipeline({
      name: `cdc-production-${RUN}`,
      bootstrap: kafka?.bootstrap ?? '',
      topics: [TOPIC],
      sinkConfig: PRODUCTION_CONFIG(starrocks?.feUrl ?? ''),
    });
    const source = await tableRows(names.database, 'customers');
    await waitFor(
      'the production table to equal PostgreSQL',
      () => JSON.stringify(productionRows()) === JSON.stringify(source),
      { timeoutMs: 60_000, intervalMs: 500 },
    ).catch(() => {});
    expect(productionRows()).toEqual(source);
    expect(productionSink.invocations.every((i) => i.result.ok)).toBe(true);

    const row14 = starrocks?.rows('example_db', 'customers_prod').find((r) => r.id === 14);
    // id 14 was inserted, then updated (14 % 7 === 0): its last change is an update.
    expect(row14).toMatchObject({ email: 'u@u.com', _op: 'u', kafka_partition: 0 });
    expect(typeof row14?._lsn).toBe('number');
    expect(typeof row14?._source_ts_ms).toBe('number');
    expect(typeof row14?.kafka_offset).toBe('number');
  });

  it('keeps the newer row when an older change of it is replayed (merge_condition on the LSN)', async () => {
    const messages = await readTopic(kafka?.bootstrap ?? '', TOPIC, 60);
    const insert14 = messages.find((m) => {
      const payload =
        m.value === undefined || m.value === null ? undefined : JSON.parse(m.value.toString()).payload;
      return payload?.op === 'c' && payload.after?.id === 14;
    });
    if (insert14 === undefined) throw new Error("the INSERT of id 14 is not among the topic's first records");
    const before = productionSink?.invocations.length ?? 0;
    const producer = new Producer({ clientId: 'e2e-cdc-replay', bootstrapBrokers: [kafka?.bootstrap ?? ''] });
    try {
      await producer.send({ messages: [{ topic: TOPIC, key: insert14.key, value: insert14.value }] });
    } finally {
      await producer.close();
    }
    await waitFor(
      'the production sink to load the replayed change',
      () => (productionSink?.invocations.slice(before) ?? []).some((i) => i.result.ok && i.records > 0),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    // The replayed INSERT carries an older LSN: StarRocks skips the update, the row stays as it was.
    expect(starrocks?.rows('example_db', 'customers_prod').find((r) => r.id === 14)).toMatchObject({
      email: 'u@u.com',
      _op: 'u',
    });
    expect(productionRows()).toEqual(await tableRows(names.database, 'customers'));
  });
});
