import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type StandIn, startStandIn } from '../../lib/local/stand-in/index.ts';
import { seedConfig } from '../fixtures/events.ts';
import { type ConnectWorker, startConnect } from './harness/connect.ts';
import {
  apicurioAvroValues,
  cdcNames,
  postgresConnector,
  readTopic,
  seedDebeziumSinkConfig,
  withConfluentAvroValues,
} from './harness/debezium.ts';
import { createTopics, type KafkaBroker, kafkaForSuite } from './harness/kafka.ts';
import { ensureJars, ensureRegistryJars } from './harness/maven.ts';
import { commitGroupOffsets, endOffsets, type OffsetMap } from './harness/offsets.ts';
import { ensureLogicalWal, psql, recreateDatabase, tableTextRows } from './harness/postgres.ts';
import { confluentSchemaId, type SchemaRegistry, startRegistry } from './harness/registry.ts';
import { type SinkPipeline, startSinkPipeline } from './harness/sink.ts';
import { logTails, type SuiteParts, stopSuite } from './harness/suite.ts';
import { waitFor } from './harness/wait.ts';

/**
 * Scenario 3: every PostgreSQL type the sink maps, in one table, through real Debezium, compared
 * value by value. Three connectors capture the same table: one with the default
 * `time.precision.mode=adaptive` (Date, Time, MicroTime, Timestamp, MicroTimestamp), one with
 * `nanoseconds` (NanoTime, NanoTimestamp), both through Connect's JsonConverter, and one (adaptive)
 * whose values Apicurio's AvroConverter writes in the Confluent wire format to a real schema
 * registry, read by a second sink configured with `io.confluent.connect.avro.AvroConverter`. Each
 * loads its own stand-in table, and all three must hold the same values. Every expected value is
 * written out: the SQL inserted, PostgreSQL's output text for it (TimeZone UTC), and what the
 * stand-in stores (its `rows()` form). Avro is expected to give exactly the JSON legs' values:
 * Debezium builds the same Connect schema for both converters, and the sink converts its logical
 * types by their Connect names in either format.
 *
 * StarRocks has no TIME type and the stand-in no ARRAY: times go to VARCHAR, arrays to JSON.
 */

const PASSWORD = 'Str0ng-Pa55!';
const RUN = Date.now().toString(36);
const DATABASE = 'sink_e2e_types';
const adaptive = cdcNames(`${RUN}a`, DATABASE);
const nano = cdcNames(`${RUN}n`, DATABASE);
const avro = cdcNames(`${RUN}v`, DATABASE);
const TOPIC = `${adaptive.prefix}.public.pg_types`;
const NANO_TOPIC = `${nano.prefix}.public.pg_types`;
const AVRO_TOPIC = `${avro.prefix}.public.pg_types`;
const TOPICS = [TOPIC, NANO_TOPIC, AVRO_TOPIC] as const;
const TABLES = ['pg_types', 'pg_types_nano', 'pg_types_avro'] as const;

/** Column, PostgreSQL type, stand-in (StarRocks) type. */
const SCHEMA = [
  ['id', 'int PRIMARY KEY', 'INT'],
  ['c_smallint', 'smallint', 'SMALLINT'],
  ['c_int', 'integer', 'INT'],
  ['c_bigint', 'bigint', 'BIGINT'],
  ['c_real', 'real', 'FLOAT'],
  ['c_double', 'double precision', 'DOUBLE'],
  ['c_numeric', 'numeric(12,4)', 'DECIMAL(12,4)'],
  ['c_numeric_wide', 'numeric(38,10)', 'DECIMAL(38,10)'],
  ['c_numeric_free', 'numeric', 'DECIMAL(38,10)'],
  ['c_money', 'money', 'DECIMAL(19,2)'],
  ['c_bool', 'boolean', 'BOOLEAN'],
  ['c_char', 'char(5)', 'CHAR(5)'],
  ['c_varchar', 'varchar(40)', 'VARCHAR(160)'],
  ['c_text', 'text', 'STRING'],
  ['c_uuid', 'uuid', 'VARCHAR(36)'],
  ['c_enum', 'mood', 'VARCHAR(16)'],
  ['c_json', 'json', 'JSON'],
  ['c_jsonb', 'jsonb', 'JSON'],
  ['c_int_array', 'int[]', 'JSON'],
  ['c_text_array', 'text[]', 'JSON'],
  ['c_bytea', 'bytea', 'VARCHAR(64)'],
  ['c_date', 'date', 'DATE'],
  ['c_time3', 'time(3)', 'VARCHAR(20)'],
  ['c_time6', 'time(6)', 'VARCHAR(20)'],
  ['c_timetz', 'timetz', 'VARCHAR(24)'],
  ['c_ts3', 'timestamp(3)', 'DATETIME'],
  ['c_ts6', 'timestamp(6)', 'DATETIME'],
  ['c_tstz', 'timestamptz', 'DATETIME'],
  ['c_big_text', 'text', 'STRING'],
] as const;
type Column = (typeof SCHEMA)[number][0];
const COLUMNS: readonly Column[] = SCHEMA.map(([name]) => name);

type Stored = string | number | boolean | null;
/** One value: the SQL literal inserted, PostgreSQL's output text, the stand-in's stored value. */
interface Cell {
  readonly sql: string;
  readonly pg: string | null;
  readonly starrocks: Stored;
}
type Row = Readonly<Record<Column, Cell>>;

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
const cell = (sql: string, pg: string | null, starrocks: Stored): Cell => ({ sql, pg, starrocks });
/** A value every side writes the same way. */
const same = (text: string): Cell => cell(quote(text), text, text);
const NULL: Cell = cell('NULL', null, null);

/** 10 KB of incompressible text: PostgreSQL stores it out of line (TOAST). */
const BIG_TEXT = randomBytes(5_120).toString('hex');

/** Snapshot row 1: a typical value of every type. */
const ROW_1: Row = {
  id: cell('1', '1', 1),
  c_smallint: cell('-32768', '-32768', -32768),
  c_int: cell('2147483647', '2147483647', 2147483647),
  // Above 2^53: JSON.parse would make it ...992.
  c_bigint: cell('9007199254740993', '9007199254740993', '9007199254740993'),
  // A float4 written as 3.14, not widened to 3.140000104904175.
  c_real: cell('3.14', '3.14', 3.14),
  c_double: cell('123456.78901234567', '123456.78901234567', 123456.78901234567),
  c_numeric: cell('1234.5678', '1234.5678', '1234.5678'),
  // An unscaled value far beyond int64.
  c_numeric_wide: same('1234567890123456789012345678.0123456789'),
  // VariableScaleDecimal.
  c_numeric_free: cell('3.14159', '3.14159', '3.1415900000'),
  c_money: cell('1234.56', '$1,234.56', '1234.56'),
  c_bool: cell('true', 't', true),
  // char(n) is blank-padded by PostgreSQL and Debezium alike.
  c_char: cell(quote('ab'), 'ab   ', 'ab   '),
  c_varchar: same('Grüße, 世界 🎉'),
  c_text: same('line 1\nline 2 "quoted" \\ it\'s'),
  c_uuid: same('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
  c_enum: same('happy'),
  // json keeps its text (key order, spacing, digits); the sink loads that text and the JSON column
  // parses it, storing it compact with every digit (2.50, the 20-digit integer).
  c_json: cell(
    quote('{"b": 2, "a": [1, 2.50], "big": 12345678901234567890}'),
    '{"b": 2, "a": [1, 2.50], "big": 12345678901234567890}',
    '{"b":2,"a":[1,2.50],"big":12345678901234567890}',
  ),
  // jsonb is normalised by PostgreSQL (key order).
  c_jsonb: cell(quote('{"b": 2, "a": [1, 2.50]}'), '{"a": [1, 2.50], "b": 2}', '{"a":[1,2.50],"b":2}'),
  c_int_array: cell(quote('{1,2,3}'), '{1,2,3}', '[1,2,3]'),
  c_text_array: cell(quote('{a,"b c",NULL,ü}'), '{a,"b c",NULL,ü}', '["a","b c",null,"ü"]'),
  // bytea stays base64 text.
  c_bytea: cell(quote('\\xdeadbeef'), '\\xdeadbeef', '3q2+7w=='),
  c_date: same('2024-02-29'),
  c_time3: same('13:45:56.789'),
  c_time6: same('23:59:59.999999'),
  // timetz is converted to UTC by Debezium; the zone is dropped.
  c_timetz: cell(quote('13:45:56.123456+02'), '13:45:56.123456+02', '11:45:56.123456'),
  c_ts3: cell(quote('2024-02-29 13:45:56.789'), '2024-02-29 13:45:56.789', '2024-02-29 13:45:56.789000'),
  c_ts6: same('2024-02-29 13:45:56.123456'),
  // timestamptz is stored as UTC.
  c_tstz: cell(
    quote('2024-02-29 13:45:56.123456+02'),
    '2024-02-29 11:45:56.123456+00',
    '2024-02-29 11:45:56.123456',
  ),
  c_big_text: same(BIG_TEXT),
};

/** Snapshot row 2: NULL in every column but the key. */
const ROW_2: Row = {
  ...(Object.fromEntries(COLUMNS.map((c) => [c, NULL])) as Record<Column, Cell>),
  id: cell('2', '2', 2),
};

/** Row 3, a streamed INSERT: the other ends of the ranges. */
const ROW_3: Row = {
  id: cell('3', '3', 3),
  c_smallint: cell('32767', '32767', 32767),
  c_int: cell('-2147483648', '-2147483648', -2147483648),
  c_bigint: cell('-9223372036854775808', '-9223372036854775808', '-9223372036854775808'),
  c_real: cell('-0.125', '-0.125', -0.125),
  c_double: cell('1e300', '1e+300', 1e300),
  c_numeric: cell('-0.0001', '-0.0001', '-0.0001'),
  c_numeric_wide: same('-99999999999999999999999999.9999999999'),
  // Debezium strips the trailing zeros (scale 1); DECIMAL(38,10) pads again.
  c_numeric_free: cell('1.500', '1.500', '1.5000000000'),
  c_money: cell('-12.34', '-$12.34', '-12.34'),
  c_bool: cell('false', 'f', false),
  c_char: same('abcde'),
  // Empty, not NULL.
  c_varchar: same(''),
  // Text that looks like JSON stays text in a STRING column.
  c_text: same('{"not": "json"}'),
  c_uuid: same('00000000-0000-0000-0000-000000000000'),
  c_enum: same('sad'),
  c_json: same('[]'),
  // jsonb writes -1.5e3 as -1500.
  c_jsonb: cell(
    quote('{"nested": {"k": [true, null, -1.5e3]}}'),
    '{"nested": {"k": [true, null, -1500]}}',
    '{"nested":{"k":[true,null,-1500]}}',
  ),
  c_int_array: cell(quote('{}'), '{}', '[]'),
  c_text_array: cell(
    quote('{"with,comma","with\\"quote"}'),
    '{"with,comma","with\\"quote"}',
    '["with,comma","with\\"quote"]',
  ),
  c_bytea: cell(quote('\\x'), '\\x', ''),
  c_date: same('1969-12-31'),
  c_time3: same('00:00:00'),
  c_time6: same('00:00:00.000001'),
  // 23:00-02 is 01:00 UTC.
  c_timetz: cell(quote('23:00:00-02'), '23:00:00-02', '01:00:00'),
  c_ts3: cell(quote('1969-12-31 23:59:59.999'), '1969-12-31 23:59:59.999', '1969-12-31 23:59:59.999000'),
  c_ts6: same('1900-01-01 00:00:00.000001'),
  c_tstz: cell(quote('2000-01-01 00:00:00-08'), '2000-01-01 08:00:00+00', '2000-01-01 08:00:00'),
  c_big_text: same('short'),
};

/** Row 3 after a streamed UPDATE of several types. */
const ROW_3_UPDATED: Row = {
  ...ROW_3,
  c_bigint: cell('9223372036854775807', '9223372036854775807', '9223372036854775807'),
  c_numeric: cell('99999999.9999', '99999999.9999', '99999999.9999'),
  c_numeric_free: cell(
    '-123456789012345678901234567.5',
    '-123456789012345678901234567.5',
    '-123456789012345678901234567.5000000000',
  ),
  c_bool: cell('true', 't', true),
  c_enum: same('ok'),
  c_text_array: cell(quote('{x}'), '{x}', '["x"]'),
  c_date: same('2000-02-29'),
  c_time6: same('12:00:00.5'),
  c_ts6: same('2024-12-31 23:59:59.999999'),
  c_tstz: cell(
    quote('2024-06-30 23:30:00.5-01:30'),
    '2024-07-01 01:00:00.5+00',
    '2024-07-01 01:00:00.500000',
  ),
  c_big_text: same('updated'),
};

/** Row 1 after the updates around the TOAST placeholder: c_big_text is never written by them. */
const ROW_1_AFTER_FULL: Row = {
  ...ROW_1,
  c_int: cell('8', '8', 8),
  c_text: same('after REPLICA IDENTITY FULL'),
};

/**
 * Row 4, a streamed INSERT of values StarRocks has no native type for: PostgreSQL's time 24:00:00
 * (the end of a day, not its start), and a jsonb document that is a JSON string holding digits
 * (StarRocks parses a JSON string loaded into a JSON column as JSON text).
 */
const ROW_4: Row = {
  ...ROW_2,
  id: cell('4', '4', 4),
  c_time3: same('24:00:00'),
  c_time6: same('24:00:00'),
  c_jsonb: cell(quote('"42"'), '"42"', '"42"'),
};

/**
 * Row 5, a streamed INSERT of infinite timestamps: DATETIME's maximum, as lib/convert/logical-types.ts
 * documents. Debezium sends MicroTimestamp 9223372036825200000 (adaptive), NanoTimestamp
 * 9223372036854775807 (nanoseconds) and ZonedTimestamp "infinity".
 */
const ROW_5: Row = {
  ...ROW_2,
  id: cell('5', '5', 5),
  c_ts6: cell(quote('infinity'), 'infinity', '9999-12-31 23:59:59.999999'),
  c_tstz: cell(quote('infinity'), 'infinity', '9999-12-31 23:59:59.999999'),
};

/** Row 6, inserted after `ALTER TABLE pg_types ADD COLUMN c_added`: a new schema for every connector. */
const ROW_6: Row = { ...ROW_2, id: cell('6', '6', 6) };
/** The column added mid-stream; the stand-in tables have it from the start (StarRocks would be altered first). */
const ADDED_COLUMN = 'c_added';

function insertSql(row: Row): string {
  return `INSERT INTO pg_types (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => row[c].sql).join(', ')})`;
}

/** UPDATE of the columns whose SQL differs between `from` and `to`. */
function updateSql(from: Row, to: Row): string {
  const changed = COLUMNS.filter((c) => c !== 'id' && from[c].sql !== to[c].sql);
  return `UPDATE pg_types SET ${changed.map((c) => `${c} = ${to[c].sql}`).join(', ')} WHERE id = ${to.id.sql}`;
}

let kafka: KafkaBroker | undefined;
let connect: ConnectWorker | undefined;
let registry: SchemaRegistry | undefined;
let starrocks: StandIn | undefined;
let databaseCreated = false;

/** One sink pipeline (its own function, poller and consumer group) and the topics it reads. */
interface SinkLeg {
  readonly name: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly sinkConfig: () => Record<string, string>;
  pipeline: SinkPipeline | undefined;
}

const connection = (): Record<string, string> => {
  if (starrocks === undefined) throw new Error('the suite did not start');
  return { 'starrocks.http.url': starrocks.feUrl, 'starrocks.password': PASSWORD };
};

/** The JSON topics, as the seed's connector reads them. */
const JSON_LEG: SinkLeg = {
  name: 'json',
  groupId: `types-${RUN}-group`,
  topics: [TOPIC, NANO_TOPIC],
  sinkConfig: () =>
    seedConfig({
      ...connection(),
      ...seedDebeziumSinkConfig(TOPIC, 'pg_types'),
      topics: `${TOPIC},${NANO_TOPIC}`,
      'starrocks.topic2table.map': `${TOPIC}:pg_types,${NANO_TOPIC}:pg_types_nano`,
    }),
  pipeline: undefined,
};

/** The Avro topic, with the Confluent AvroConverter and the registry's Confluent-compatible API. */
const AVRO_LEG: SinkLeg = {
  name: 'avro',
  groupId: `types-avro-${RUN}-group`,
  topics: [AVRO_TOPIC],
  sinkConfig: () =>
    withConfluentAvroValues(
      seedConfig({ ...connection(), ...seedDebeziumSinkConfig(AVRO_TOPIC, 'pg_types_avro') }),
      registry?.ccompatUrl ?? '',
    ),
  pipeline: undefined,
};
const LEGS = [JSON_LEG, AVRO_LEG] as const;

const parts = (): SuiteParts => ({
  kafka,
  connect,
  registry,
  starrocks,
  sink: JSON_LEG.pipeline,
  otherSinks: [AVRO_LEG.pipeline],
});

async function startSink(leg: SinkLeg): Promise<void> {
  if (kafka === undefined) throw new Error('the suite did not start');
  leg.pipeline = await startSinkPipeline({
    name: `types-${leg.name}-${RUN}`,
    groupId: leg.groupId,
    bootstrap: kafka.bootstrap,
    topics: leg.topics,
    sinkConfig: leg.sinkConfig(),
  });
}

/**
 * Waits for every start, then throws the first failure: each start records what it started (for
 * the teardown) even when another one fails.
 */
async function allStarted(starts: readonly Promise<void>[]): Promise<void> {
  const failed = (await Promise.allSettled(starts)).find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

async function stopSink(leg: SinkLeg): Promise<void> {
  await leg.pipeline?.stop();
  leg.pipeline = undefined;
}

beforeAll(async () => {
  try {
    await ensureJars((line) => console.log(line));
    await ensureRegistryJars((line) => console.log(line));
    await ensureLogicalWal((line) => console.warn(`[e2e] ${line}`));
    await recreateDatabase(DATABASE);
    databaseCreated = true;
    await psql(
      `CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
       CREATE TABLE pg_types (${SCHEMA.map(([name, pgType]) => `${name} ${pgType}`).join(', ')});`,
      DATABASE,
    );
    await psql(insertSql(ROW_1), DATABASE);
    await psql(insertSql(ROW_2), DATABASE);
    starrocks = await startStandIn({ users: { root: '', user1: PASSWORD } });
    const columns = [
      ...SCHEMA.map(([name, , type]) => `${name} ${type}${name === 'id' ? '' : ' NULL'}`),
      `${ADDED_COLUMN} INT NULL`,
    ].join(', ');
    starrocks.execute(
      `CREATE DATABASE example_db; USE example_db;
       ${TABLES.map((t) => `CREATE TABLE ${t} (${columns}) PRIMARY KEY(id) DISTRIBUTED BY HASH(id) BUCKETS 1;`).join('\n')}`,
    );
    // The registry's JVM starts while Kafka's does (about 3.5 s of the suite's start-up otherwise).
    await allStarted([
      kafkaForSuite('kafka-types').then((broker) => {
        kafka = broker;
      }),
      startRegistry(`registry-types-${RUN}`).then((started) => {
        registry = started;
      }),
    ]);
    if (kafka === undefined || registry === undefined) throw new Error('unreachable: both started');
    await createTopics(kafka.bootstrap, TOPICS);
    connect = await startConnect({
      name: `connect-types-${RUN}`,
      bootstrap: kafka.bootstrap,
      connectors: [
        { name: adaptive.connector, config: postgresConnector(adaptive, ['public.pg_types']) },
        {
          name: nano.connector,
          config: { ...postgresConnector(nano, ['public.pg_types']), 'time.precision.mode': 'nanoseconds' },
        },
        {
          name: avro.connector,
          config: {
            ...postgresConnector(avro, ['public.pg_types']),
            ...apicurioAvroValues(registry.nativeUrl),
          },
        },
      ],
    });
    await allStarted(LEGS.map(startSink));
  } catch (error) {
    logTails(parts());
    throw error;
  }
});

afterEach(({ task }) => {
  if (task.result?.state === 'fail') logTails(parts());
});

afterAll(() => stopSuite(parts(), databaseCreated ? DATABASE : undefined));

/** `table id=N column: expected …, got …` for every value that differs. */
function differences(
  where: string,
  actual: Readonly<Record<string, unknown>> | undefined,
  expected: Row,
  side: 'pg' | 'starrocks',
): string[] {
  const id = expected.id.sql;
  if (actual === undefined) return [`${where} id=${id}: row missing`];
  const out: string[] = [];
  for (const column of COLUMNS) {
    const want = expected[column][side];
    const got = actual[column];
    if (!Object.is(got, want)) {
      const show = (v: unknown) =>
        typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length} chars)` : JSON.stringify(v);
      out.push(`${where} id=${id} ${column}: expected ${show(want)}, got ${show(got)}`);
    }
  }
  return out;
}

/**
 * Waits until PostgreSQL and both stand-in tables hold exactly `expected` (by id) and none of
 * `absent`, then asserts it value by value, listing every difference.
 */
async function expectRows(
  step: string,
  expected: readonly Row[],
  absent: readonly number[] = [],
): Promise<void> {
  const compare = async (): Promise<string[]> => {
    const pgRows = await tableTextRows(DATABASE, 'pg_types', COLUMNS);
    const diffs: string[] = [];
    for (const row of expected) {
      diffs.push(
        ...differences(
          'postgres pg_types',
          pgRows.find((r) => r.id === row.id.pg),
          row,
          'pg',
        ),
      );
    }
    for (const id of absent) {
      if (pgRows.some((r) => r.id === String(id))) diffs.push(`postgres pg_types id=${id}: still present`);
    }
    for (const table of TABLES) {
      const rows = starrocks?.rows('example_db', table) ?? [];
      for (const row of expected) {
        diffs.push(
          ...differences(
            `stand-in ${table}`,
            rows.find((r) => r.id === row.id.starrocks),
            row,
            'starrocks',
          ),
        );
      }
      for (const id of absent) {
        if (rows.some((r) => r.id === id)) diffs.push(`stand-in ${table} id=${id}: still present`);
      }
    }
    return diffs;
  };
  let diffs: string[] = [];
  const invocationsBefore = LEGS.map((leg) => leg.pipeline?.invocations.length ?? 0);
  await waitFor(
    `PostgreSQL and the stand-in to match after ${step}`,
    async () => {
      diffs = await compare();
      return diffs.length === 0;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  ).catch(() => {});
  if (diffs.length > 0) {
    // A batch the sink refuses blocks the pipeline: say so next to the values it kept out.
    const refused = new Set(
      LEGS.flatMap((leg, n) =>
        (leg.pipeline?.invocations.slice(invocationsBefore[n]) ?? []).flatMap((i) =>
          i.result.ok ? [] : [`the ${leg.name} sink failed a batch: ${i.result.error.errorMessage}`],
        ),
      ),
    );
    diffs.push(...refused);
  }
  expect(diffs, `after ${step}`).toEqual([]);
}

/** Waits until each sink has committed everything the connectors have written to its topics so far. */
async function waitForSinksCaughtUp(): Promise<OffsetMap> {
  const bootstrap = kafka?.bootstrap as string;
  const committed = (key: string) =>
    LEGS.find((leg) => leg.topics.some((t) => key.startsWith(`${t}-`)))?.pipeline?.poller.stats.committed.get(
      key,
    );
  return waitFor(
    'the sinks to commit up to the end of every topic',
    async () => {
      const ends = await endOffsets(bootstrap, TOPICS);
      return [...ends].every(([key, end]) => end === 0n || committed(key) === end) ? ends : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
}

/** The offsets of `offsets` that belong to `leg`'s topics. */
function offsetsOf(leg: SinkLeg, offsets: OffsetMap): OffsetMap {
  return new Map([...offsets].filter(([key]) => leg.topics.some((t) => key.startsWith(`${t}-`))));
}

describe('scenario 3: every PostgreSQL type in one table, compared value by value', () => {
  // First, so the Avro leg cannot pass on JSON by accident.
  it('writes the Avro topic in the Confluent wire format, with schema ids the registry resolves', async () => {
    const snapshot = await readTopic(kafka?.bootstrap as string, AVRO_TOPIC, 2);
    for (const record of snapshot) {
      const id = confluentSchemaId(record.value);
      expect(id, `offset ${record.offset}: ${record.value?.subarray(0, 8).toString('hex')}`).toBeTypeOf(
        'number',
      );
      const schema = JSON.parse((await registry?.schemaById(id as number)) ?? 'null') as {
        type?: string;
        name?: string;
      } | null;
      // Debezium's envelope, named <prefix>.public.pg_types.Envelope (the namespace may be apart).
      expect(schema, `GET schemas/ids/${id}`).toMatchObject({
        type: 'record',
        name: expect.stringMatching(/(^|\.)Envelope$/),
      });
    }
  });

  it('loads the snapshot rows (every type, then all NULL) value by value', async () => {
    await expectRows('the initial snapshot', [ROW_1, ROW_2]);
  });

  it('loads a streamed INSERT of range-end values value by value', async () => {
    await psql(insertSql(ROW_3), DATABASE);
    await expectRows('INSERT id=3', [ROW_1, ROW_2, ROW_3]);
  });

  it('applies a streamed UPDATE and a DELETE value by value', async () => {
    await psql(updateSql(ROW_3, ROW_3_UPDATED), DATABASE);
    await expectRows('UPDATE id=3', [ROW_1, ROW_2, ROW_3_UPDATED]);

    await psql('DELETE FROM pg_types WHERE id = 2', DATABASE);
    await expectRows('DELETE id=2', [ROW_1, ROW_3_UPDATED], [2]);
  });

  it('fails the batch that carries the TOAST placeholder, naming the column and REPLICA IDENTITY FULL, and keeps the stored value', async () => {
    const before = await waitForSinksCaughtUp();
    const invocationsBefore = LEGS.map((leg) => leg.pipeline?.invocations.length ?? 0);
    const since = (leg: SinkLeg) =>
      leg.pipeline?.invocations.slice(invocationsBefore[LEGS.indexOf(leg)]) ?? [];

    // REPLICA IDENTITY DEFAULT: an UPDATE that leaves the TOASTed c_big_text alone carries
    // Debezium's __debezium_unavailable_value for it, in JSON and in Avro alike.
    await psql('UPDATE pg_types SET c_int = 7 WHERE id = 1', DATABASE);
    for (const leg of LEGS) {
      const failure = await waitFor(
        `a failed invocation of the ${leg.name} sink`,
        () => since(leg).find((i) => !i.result.ok),
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(failure.result.ok ? '' : failure.result.error.errorMessage, leg.name).toMatch(
        /column "c_big_text" carries Debezium's __debezium_unavailable_value .*REPLICA IDENTITY FULL/,
      );
    }
    // Every connector wrote its update record (one each).
    const bootstrap = kafka?.bootstrap as string;
    const after = await waitFor(
      'every connector to write the update',
      async () => {
        const ends = await endOffsets(bootstrap, TOPICS);
        return [...ends].every(([key, end]) => end === (before.get(key) ?? 0n) + 1n) ? ends : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );

    // The retried batch keeps failing and nothing is committed or loaded meanwhile.
    for (const leg of LEGS) {
      await waitFor(
        `the ${leg.name} sink's batch to be retried`,
        () => since(leg).filter((i) => !i.result.ok).length >= 2,
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(
        since(leg).every((i) => !i.result.ok),
        leg.name,
      ).toBe(true);
      for (const [key, end] of offsetsOf(leg, before)) {
        expect(leg.pipeline?.poller.stats.committed.get(key) ?? 0n, key).toBe(end);
      }
    }
    for (const table of TABLES) {
      const stored = starrocks?.rows('example_db', table).find((r) => r.id === 1);
      expect(stored?.c_big_text, `${table} c_big_text`).toBe(BIG_TEXT);
      expect(stored?.c_int, `${table} c_int`).toBe(ROW_1.c_int.starrocks);
    }

    // What the message tells the operator: skip the record (commit past it), then fix the source.
    for (const leg of LEGS) {
      await stopSink(leg);
      await commitGroupOffsets(bootstrap, leg.groupId, offsetsOf(leg, after));
    }
  });

  it('loads an UPDATE that leaves the TOASTed column alone once the table has REPLICA IDENTITY FULL', async () => {
    await psql('ALTER TABLE pg_types REPLICA IDENTITY FULL', DATABASE);
    await psql(updateSql(ROW_1, ROW_1_AFTER_FULL), DATABASE);
    await allStarted(LEGS.map(startSink));
    await expectRows('the UPDATE under REPLICA IDENTITY FULL', [ROW_1_AFTER_FULL, ROW_3_UPDATED], [2]);
    for (const leg of LEGS)
      expect(
        leg.pipeline?.invocations.every((i) => i.result.ok),
        leg.name,
      ).toBe(true);
  });

  it('keeps time 24:00:00 and a jsonb document that is a string of digits', async () => {
    await psql(insertSql(ROW_4), DATABASE);
    await expectRows('INSERT id=4', [ROW_1_AFTER_FULL, ROW_3_UPDATED, ROW_4], [2]);
  });

  // Last two: a batch the sink refuses blocks the pipeline for every later step.
  it("loads infinite timestamps as DATETIME's maximum", async () => {
    await psql(insertSql(ROW_5), DATABASE);
    await expectRows('INSERT id=5', [ROW_1_AFTER_FULL, ROW_3_UPDATED, ROW_5], [2]);
  });

  it('loads a row written under a new schema after a column is added, the Avro topic then holding two schema ids', async () => {
    await psql(`ALTER TABLE pg_types ADD COLUMN ${ADDED_COLUMN} integer`, DATABASE);
    await psql(`INSERT INTO pg_types (id, ${ADDED_COLUMN}) VALUES (6, 42)`, DATABASE);
    await expectRows('ADD COLUMN and INSERT id=6', [ROW_1_AFTER_FULL, ROW_3_UPDATED, ROW_5, ROW_6], [2]);
    for (const table of TABLES) {
      const stored = starrocks?.rows('example_db', table).find((r) => r.id === 6);
      expect(stored?.[ADDED_COLUMN], `${table} ${ADDED_COLUMN}`).toBe(42);
    }

    const bootstrap = kafka?.bootstrap as string;
    const end = (await endOffsets(bootstrap, [AVRO_TOPIC])).get(`${AVRO_TOPIC}-0`) ?? 0n;
    const records = await readTopic(bootstrap, AVRO_TOPIC, Number(end));
    const [first, last] = [records[0], records.at(-1)].map((r) => confluentSchemaId(r?.value));
    expect(first, 'the schema id of the snapshot').toBeTypeOf('number');
    expect(last, 'the schema id of the INSERT after ADD COLUMN').toBeTypeOf('number');
    expect(last).not.toBe(first);
    expect(await registry?.schemaById(first as number), `GET schemas/ids/${first}`).not.toContain(
      ADDED_COLUMN,
    );
    expect(await registry?.schemaById(last as number), `GET schemas/ids/${last}`).toContain(ADDED_COLUMN);
  });
});
