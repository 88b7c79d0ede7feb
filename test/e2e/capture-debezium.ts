// Captures real Debezium messages as fixtures for fast unit tests:
//   npm exec -- node test/e2e/capture-debezium.ts          JSON  -> test/fixtures/debezium/
//   npm exec -- node test/e2e/capture-debezium.ts --avro   Avro  -> test/fixtures/debezium-avro/
// (Node 24 from the node@24 devDependency.) Starts Kafka, PostgreSQL's sink_e2e_capture database and
// Connect + Debezium with the harness (with --avro also the schema registry, and Apicurio's
// AvroConverter writing the Confluent wire format), runs a snapshot read, an INSERT, an UPDATE and a
// DELETE, reads the raw records back and writes <name>.json. JSON values are kept as the exact text
// Connect's JsonConverter wrote (schemas.enable=true): parsing them would round int64 fields such
// as ts_ns. Avro values are kept as base64 of the exact bytes (magic byte and schema id included),
// with the registry's Avro schema for each id in schemas/<id>.avsc.json; --avro also captures one
// INSERT into a table of every PostgreSQL type (all-types-insert.json).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Message } from '@platformatic/kafka';
import { startConnect } from './harness/connect.ts';
import { apicurioAvroValues, cdcNames, postgresConnector, readTopic } from './harness/debezium.ts';
import { createTopics, startKafka } from './harness/kafka.ts';
import { ensureJars, ensureRegistryJars, pinnedApicurioVersion, pinnedVersions } from './harness/maven.ts';
import { ROOT } from './harness/paths.ts';
import { dropDatabase, ensureLogicalWal, psql, recreateDatabase } from './harness/postgres.ts';
import { tail } from './harness/process.ts';
import { confluentSchemaId, type SchemaRegistry, startRegistry } from './harness/registry.ts';

type KafkaMessage = Message<Buffer, Buffer, Buffer, Buffer>;

const run = promisify(execFile);

const avro = process.argv.includes('--avro');
const OUT = join(ROOT, avro ? 'test/fixtures/debezium-avro' : 'test/fixtures/debezium');
const names = cdcNames(Date.now().toString(36), 'sink_e2e_capture');
const topic = `${names.prefix}.public.customers`;
const allTypesTopic = `${names.prefix}.public.all_types`;
const FIXTURE_NAMES = ['snapshot-read', 'insert', 'update', 'delete', 'tombstone'] as const;

/**
 * One row of every PostgreSQL type the all-types e2e (types.test.ts) maps, with its typical values,
 * for the Avro schema Debezium builds for them (decimals, VariableScaleDecimal, enums, arrays,
 * every time type).
 */
const ALL_TYPES = [
  ['id', 'int PRIMARY KEY', '1'],
  ['c_smallint', 'smallint', '-32768'],
  ['c_int', 'integer', '2147483647'],
  ['c_bigint', 'bigint', '9007199254740993'],
  ['c_real', 'real', '3.14'],
  ['c_double', 'double precision', '123456.78901234567'],
  ['c_numeric', 'numeric(12,4)', '1234.5678'],
  ['c_numeric_wide', 'numeric(38,10)', "'1234567890123456789012345678.0123456789'"],
  ['c_numeric_free', 'numeric', '3.14159'],
  ['c_money', 'money', '1234.56'],
  ['c_bool', 'boolean', 'true'],
  ['c_char', 'char(5)', "'ab'"],
  ['c_varchar', 'varchar(40)', "'Grüße, 世界 🎉'"],
  ['c_text', 'text', `'line 1\nline 2 "quoted" \\ it''s'`],
  ['c_uuid', 'uuid', "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"],
  ['c_enum', 'mood', "'happy'"],
  ['c_json', 'json', `'{"b": 2, "a": [1, 2.50], "big": 12345678901234567890}'`],
  ['c_jsonb', 'jsonb', `'{"b": 2, "a": [1, 2.50]}'`],
  ['c_int_array', 'int[]', "'{1,2,3}'"],
  ['c_text_array', 'text[]', `'{a,"b c",NULL,ü}'`],
  ['c_bytea', 'bytea', "'\\xdeadbeef'"],
  ['c_date', 'date', "'2024-02-29'"],
  ['c_time3', 'time(3)', "'13:45:56.789'"],
  ['c_time6', 'time(6)', "'23:59:59.999999'"],
  ['c_timetz', 'timetz', "'13:45:56.123456+02'"],
  ['c_ts3', 'timestamp(3)', "'2024-02-29 13:45:56.789'"],
  ['c_ts6', 'timestamp(6)', "'2024-02-29 13:45:56.123456'"],
  ['c_tstz', 'timestamptz', "'2024-02-29 13:45:56.123456+02'"],
  ['c_null', 'text', 'NULL'],
] as const;

await ensureJars(console.log);
if (avro) await ensureRegistryJars(console.log);
await ensureLogicalWal(console.warn);
await recreateDatabase(names.database);
await psql(
  `CREATE TABLE customers (id int primary key, first_name varchar(65533), last_name varchar(65533), email varchar(65533));
   INSERT INTO customers VALUES (1, 'a', 'a', 'a@a.com');`,
  names.database,
);
if (avro) {
  await psql(
    `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
     CREATE TABLE all_types (${ALL_TYPES.map(([column, type]) => `${column} ${type}`).join(', ')});`,
    names.database,
  );
}
const kafka = await startKafka('kafka-capture');
let registry: SchemaRegistry | undefined;
let connect: Awaited<ReturnType<typeof startConnect>> | undefined;
try {
  await createTopics(kafka.bootstrap, avro ? [topic, allTypesTopic] : [topic]);
  if (avro) registry = await startRegistry('registry-capture');
  const tables = avro ? ['public.customers', 'public.all_types'] : ['public.customers'];
  const converter = registry === undefined ? {} : apicurioAvroValues(registry.nativeUrl);
  connect = await startConnect({
    name: 'connect-capture',
    bootstrap: kafka.bootstrap,
    connectors: [{ name: names.connector, config: { ...postgresConnector(names, tables), ...converter } }],
  });
  await psql(`INSERT INTO customers VALUES (2, 'b', 'b', 'b@b.com')`, names.database);
  await psql(`UPDATE customers SET email = 'c@c.com' WHERE id = 2`, names.database);
  await psql('DELETE FROM customers WHERE id = 1', names.database);
  const context = () => tail(connect?.logFile ?? '', 40);
  // snapshot read, insert, update, delete, tombstone
  const messages = await readTopic(kafka.bootstrap, topic, FIXTURE_NAMES.length, context);
  mkdirSync(OUT, { recursive: true });
  if (registry === undefined) {
    messages.forEach((m, i) => {
      writeJsonFixture(FIXTURE_NAMES[i] as string, m);
    });
  } else {
    await psql(
      `INSERT INTO all_types VALUES (${ALL_TYPES.map(([, , value]) => value).join(', ')})`,
      names.database,
    );
    const [allTypes] = await readTopic(kafka.bootstrap, allTypesTopic, 1, context);
    const captured: [string, KafkaMessage][] = [
      ...messages.map((m, i): [string, KafkaMessage] => [FIXTURE_NAMES[i] as string, m]),
      ['all-types-insert', allTypes as KafkaMessage],
    ];
    for (const [name, m] of captured) await writeAvroFixture(registry, name, m);
    // The registry serves each schema on one line; the repository's formatter lays it out.
    await run(join(ROOT, 'node_modules/.bin/biome'), ['format', '--write', join(OUT, 'schemas')]);
  }
} finally {
  await connect?.stop();
  await registry?.stop();
  await kafka.stop();
  await dropDatabase(names.database);
}

function text(b: Buffer | null | undefined): string | null {
  return b === undefined || b === null ? null : b.toString('utf8');
}

function headersOf(m: KafkaMessage): { [name: string]: string | null }[] {
  return m.headerEntries.map(([k, v]) => ({ [k.toString('utf8')]: text(v) }));
}

function writeFixture(name: string, fixture: object): void {
  writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
  console.log(`wrote ${join(OUT, `${name}.json`)}`);
}

function writeJsonFixture(name: string, m: KafkaMessage): void {
  const { debezium } = pinnedVersions();
  writeFixture(name, {
    description: `A real ${name} record from Debezium ${debezium} (PostgreSQL 15, pgoutput) through Connect's JsonConverter with schemas.enable=true. key/value are the exact record bytes as UTF-8 text.`,
    topic: m.topic,
    partition: m.partition,
    offset: Number(m.offset),
    key: text(m.key),
    value: text(m.value),
    headers: headersOf(m),
  });
}

/** The record, and the registry's schema for its id in schemas/<id>.avsc.json. */
async function writeAvroFixture(registry: SchemaRegistry, name: string, m: KafkaMessage): Promise<void> {
  const { debezium } = pinnedVersions();
  const value = m.value === null || m.value === undefined || m.value.length === 0 ? null : m.value;
  const schemaId = confluentSchemaId(value);
  if (value !== null && schemaId === undefined) {
    throw new Error(
      `${name}: the value is not in the Confluent wire format: ${value.subarray(0, 8).toString('hex')}`,
    );
  }
  if (schemaId !== undefined) {
    const schema = await registry.schemaById(schemaId);
    if (schema === undefined) throw new Error(`${name}: the registry does not know schema id ${schemaId}`);
    mkdirSync(join(OUT, 'schemas'), { recursive: true });
    writeFileSync(join(OUT, 'schemas', `${schemaId}.avsc.json`), `${schema}\n`);
  }
  writeFixture(name, {
    description: `A real ${name} record from Debezium ${debezium} (PostgreSQL 15, pgoutput); the value written by Apicurio's AvroConverter ${pinnedApicurioVersion()} in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary), its schema in schemas/<valueSchemaId>.avsc.json; the key through Connect's JsonConverter with schemas.enable=true. key is the exact key bytes as UTF-8 text, valueBase64 the exact value bytes in base64 (null for a tombstone).`,
    topic: m.topic,
    partition: m.partition,
    offset: Number(m.offset),
    key: text(m.key),
    valueSchemaId: schemaId ?? null,
    valueBase64: value === null ? null : value.toString('base64'),
    headers: headersOf(m),
  });
}
