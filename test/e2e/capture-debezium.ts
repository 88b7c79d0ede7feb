// Captures real Debezium messages as fixtures for fast unit tests:
//   npm exec -- node test/e2e/capture-debezium.ts   (Node 24 from the node@24 devDependency)
// Starts Kafka, PostgreSQL's sink_e2e_capture database and Connect + Debezium with the harness,
// runs a snapshot read, an INSERT, an UPDATE and a DELETE, reads the raw records back and writes
// test/fixtures/debezium/<name>.json. Values are kept as the exact text Connect's JsonConverter
// wrote (schemas.enable=true): parsing them would round int64 fields such as ts_ns.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Consumer,
  type Message,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
} from '@platformatic/kafka';
import { startConnect } from './harness/connect.ts';
import { cdcNames, postgresConnector } from './harness/debezium.ts';
import { createTopics, startKafka } from './harness/kafka.ts';
import { ensureJars, pinnedVersions } from './harness/maven.ts';
import { ROOT } from './harness/paths.ts';
import { dropDatabase, ensureLogicalWal, psql, recreateDatabase } from './harness/postgres.ts';
import { tail } from './harness/process.ts';
import { waitFor } from './harness/wait.ts';

const OUT = join(ROOT, 'test/fixtures/debezium');
const names = cdcNames(Date.now().toString(36), 'sink_e2e_capture');
const topic = `${names.prefix}.public.customers`;

await ensureJars(console.log);
await ensureLogicalWal(console.warn);
await recreateDatabase(names.database);
await psql(
  `CREATE TABLE customers (id int primary key, first_name varchar(65533), last_name varchar(65533), email varchar(65533));
   INSERT INTO customers VALUES (1, 'a', 'a', 'a@a.com');`,
  names.database,
);
const kafka = await startKafka('kafka-capture');
let connect: Awaited<ReturnType<typeof startConnect>> | undefined;
try {
  await createTopics(kafka.bootstrap, [topic]);
  connect = await startConnect({
    name: 'connect-capture',
    bootstrap: kafka.bootstrap,
    connectors: [{ name: names.connector, config: postgresConnector(names, ['public.customers']) }],
  });
  await psql(`INSERT INTO customers VALUES (2, 'b', 'b', 'b@b.com')`, names.database);
  await psql(`UPDATE customers SET email = 'c@c.com' WHERE id = 2`, names.database);
  await psql('DELETE FROM customers WHERE id = 1', names.database);

  // snapshot read, insert, update, delete, tombstone
  const messages: Message<Buffer, Buffer, Buffer, Buffer>[] = [];
  const consumer = new Consumer({
    clientId: 'capture',
    groupId: `capture-${names.prefix}`,
    bootstrapBrokers: [kafka.bootstrap],
  });
  const stream = await consumer.consume({
    topics: [topic],
    mode: MessagesStreamModes.EARLIEST,
    fallbackMode: MessagesStreamFallbackModes.EARLIEST,
    autocommit: false,
  });
  stream.on('data', (m: Message<Buffer, Buffer, Buffer, Buffer>) => messages.push(m));
  await waitFor('5 Debezium records', () => messages.length >= 5, {
    timeoutMs: 60_000,
    context: () => tail(connect?.logFile ?? '', 40),
  });
  await stream.close();
  await consumer.close(true);

  const fixtureNames = ['snapshot-read', 'insert', 'update', 'delete', 'tombstone'];
  const { debezium } = pinnedVersions();
  messages.slice(0, 5).forEach((m, i) => {
    const name = fixtureNames[i] as string;
    const text = (b: Buffer | undefined) => (b === undefined || b === null ? null : b.toString('utf8'));
    const fixture = {
      description: `A real ${name} record from Debezium ${debezium} (PostgreSQL 15, pgoutput) through Connect's JsonConverter with schemas.enable=true. key/value are the exact record bytes as UTF-8 text.`,
      topic: m.topic,
      partition: m.partition,
      offset: Number(m.offset),
      key: text(m.key),
      value: text(m.value),
      headers: m.headerEntries.map(([k, v]) => ({ [k.toString('utf8')]: text(v) })),
    };
    writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
    console.log(`wrote ${join(OUT, `${name}.json`)}`);
  });
} finally {
  await connect?.stop();
  await kafka.stop();
  await dropDatabase(names.database);
}
