import { readFileSync } from 'node:fs';
import { CONVERTER_CLASSES } from '../lib/config/keys.ts';
import { MAX_EVENT_BYTES } from '../lib/local/event-limits.ts';
import { seedDebeziumSettings } from '../lib/local/seed.ts';
import { encoderOf, framed } from '../test/fixtures/avro/avro-values.ts';

/**
 * Realistic events near the ESM's 6 MB invoke limit: small JSON rows without schemas (also with
 * InsertField and metadata columns adding the record's topic, partition, offset, timestamp, key and
 * headers), the same rows
 * in JsonConverter's {schema, payload} envelope, Debezium change events with schemas (the seed's
 * customers table, insert/update/delete mix), and the Avro kinds in the Confluent wire format: small
 * producer-written records, and Debezium change events as Connect's AvroConverter writes them.
 */

export type EventKind =
  | 'small-json'
  | 'small-json-insert'
  | 'envelope'
  | 'debezium'
  | 'small-avro'
  | 'debezium-avro';

/** The kinds whose values are read through a schema registry. */
export const AVRO_KINDS: readonly EventKind[] = ['small-avro', 'debezium-avro'];

interface EventRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME';
  key: string | null;
  value: string | null;
  headers: Record<string, number[]>[];
}

const CITIES = ['New York', 'Los Angeles', 'Chicago', 'Houston', 'Phoenix', 'Zürich', '東京'];

function smallRow(i: number): Record<string, unknown> {
  return {
    id: i,
    city: CITIES[i % CITIES.length],
    amount: Math.round(i * 137.31) / 100,
    active: i % 3 !== 0,
  };
}

const ROW_SCHEMA = {
  type: 'struct',
  fields: [
    { type: 'int64', optional: false, field: 'id' },
    { type: 'string', optional: true, field: 'city' },
    { type: 'double', optional: true, field: 'amount' },
    { type: 'boolean', optional: true, field: 'active' },
  ],
  optional: false,
  name: 'shop.orders.Value',
};

const customerFields = [
  { type: 'int32', optional: false, field: 'id' },
  { type: 'string', optional: true, field: 'first_name' },
  { type: 'string', optional: true, field: 'last_name' },
  { type: 'string', optional: true, field: 'email' },
  { type: 'int32', optional: true, name: 'io.debezium.time.Date', version: 1, field: 'born' },
  {
    type: 'bytes',
    optional: true,
    name: 'org.apache.kafka.connect.data.Decimal',
    version: 1,
    parameters: { scale: '2', 'connect.decimal.precision': '10' },
    field: 'balance',
  },
  {
    type: 'string',
    optional: true,
    name: 'io.debezium.time.ZonedTimestamp',
    version: 1,
    field: 'updated_at',
  },
];

const DEBEZIUM_SCHEMA = {
  type: 'struct',
  fields: [
    {
      type: 'struct',
      fields: customerFields,
      optional: true,
      name: 'test.public.customers.Value',
      field: 'before',
    },
    {
      type: 'struct',
      fields: customerFields,
      optional: true,
      name: 'test.public.customers.Value',
      field: 'after',
    },
    {
      type: 'struct',
      fields: [
        { type: 'string', optional: false, field: 'version' },
        { type: 'string', optional: false, field: 'connector' },
        { type: 'string', optional: false, field: 'name' },
        { type: 'int64', optional: false, field: 'ts_ms' },
        {
          type: 'string',
          optional: true,
          name: 'io.debezium.data.Enum',
          version: 1,
          parameters: {
            allowed: 'true,first,first_in_data_collection,last_in_data_collection,last,false,incremental',
          },
          default: 'false',
          field: 'snapshot',
        },
        { type: 'string', optional: false, field: 'db' },
        { type: 'string', optional: true, field: 'sequence' },
        { type: 'int64', optional: true, field: 'ts_us' },
        { type: 'int64', optional: true, field: 'ts_ns' },
        { type: 'string', optional: false, field: 'schema' },
        { type: 'string', optional: false, field: 'table' },
        { type: 'int64', optional: true, field: 'txId' },
        { type: 'int64', optional: true, field: 'lsn' },
        { type: 'int64', optional: true, field: 'xmin' },
      ],
      optional: false,
      name: 'io.debezium.connector.postgresql.Source',
      field: 'source',
    },
    { type: 'string', optional: false, field: 'op' },
    { type: 'int64', optional: true, field: 'ts_ms' },
    { type: 'int64', optional: true, field: 'ts_us' },
    { type: 'int64', optional: true, field: 'ts_ns' },
    {
      type: 'struct',
      fields: [
        { type: 'string', optional: false, field: 'id' },
        { type: 'int64', optional: false, field: 'total_order' },
        { type: 'int64', optional: false, field: 'data_collection_order' },
      ],
      optional: true,
      name: 'event.block',
      version: 1,
      field: 'transaction',
    },
  ],
  optional: false,
  name: 'test.public.customers.Envelope',
  version: 2,
};

function decimalBase64(cents: number): string {
  let hex = BigInt(cents).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return Buffer.from(hex, 'hex').toString('base64');
}

function customer(i: number, email: string): Record<string, unknown> {
  return {
    id: i,
    first_name: `first${i}`,
    last_name: `last${i}`,
    email,
    born: 7000 + (i % 9000),
    balance: decimalBase64(i * 101),
    updated_at: `2024-05-0${1 + (i % 9)}T12:34:56.${String(i % 1000000).padStart(6, '0')}Z`,
  };
}

function debeziumValue(i: number): Record<string, unknown> {
  const op = i % 10 === 9 ? 'd' : i % 10 >= 6 ? 'u' : 'c';
  const row = customer(i, `user${i}@example.com`);
  const tsMs = 1_714_283_798_000 + i;
  return {
    schema: DEBEZIUM_SCHEMA,
    payload: {
      before: op === 'd' ? { ...row, first_name: null, last_name: null, email: null } : null,
      after: op === 'd' ? null : row,
      source: {
        version: '3.6.1.Final',
        connector: 'postgresql',
        name: 'test',
        ts_ms: tsMs,
        snapshot: 'false',
        db: 'postgres',
        sequence: `["${22910216 + i}","${22910504 + i}"]`,
        ts_us: tsMs * 1000,
        ts_ns: `${tsMs}000000`,
        schema: 'public',
        table: 'customers',
        txId: 756 + i,
        lsn: 22910504 + i,
        xmin: null,
      },
      op,
      ts_ms: tsMs + 69,
      ts_us: (tsMs + 69) * 1000,
      ts_ns: `${tsMs + 69}000000`,
      transaction: null,
    },
  };
}

/** JSON text of a value; int64 fields that exceed 2^53 (ts_ns) are written as exact literals. */
function valueText(kind: EventKind, i: number): string {
  if (kind === 'small-json' || kind === 'small-json-insert') return JSON.stringify(smallRow(i));
  if (kind === 'envelope') return JSON.stringify({ schema: ROW_SCHEMA, payload: smallRow(i) });
  return JSON.stringify(debeziumValue(i)).replace(/"ts_ns":"(\d+)"/g, '"ts_ns":$1');
}

/**
 * Small records as a producer's KafkaAvroSerializer writes them: Avro's own logical types (a
 * decimal(10,2) in bytes, a timestamp-millis), a nullable string, and a long past 2^53 every 64th
 * record (the `seq` a double cannot hold).
 */
const SMALL_AVRO_SCHEMA = {
  type: 'record',
  name: 'Order',
  namespace: 'shop.orders',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'seq', type: 'long' },
    { name: 'qty', type: 'int' },
    { name: 'city', type: 'string' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'created', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'active', type: 'boolean' },
  ],
};

/** Schemas Connect's AvroConverter registered for real Debezium records (test/fixtures/debezium-avro). */
const CAPTURED_SCHEMAS = new URL('../test/fixtures/debezium-avro/schemas/', import.meta.url);

type AvroRecordSchema = { name: string; namespace?: string; fields: { name: string; type: unknown }[] };

function captured(file: string): AvroRecordSchema {
  const text = readFileSync(new URL(file, CAPTURED_SCHEMAS), 'utf8');
  // The capture's topic prefix is the e2e run's database name; the bench's topic is test.public.customers.
  const prefix = (JSON.parse(text) as AvroRecordSchema).namespace?.split('.')[0] ?? '';
  return JSON.parse(text.replaceAll(`"${prefix}.`, '"test.')) as AvroRecordSchema;
}

/** The row's record in an envelope: the second branch of `before`'s ["null", Value] union. */
function rowRecordOf(envelope: AvroRecordSchema): AvroRecordSchema {
  const before = envelope.fields.find((field) => field.name === 'before');
  return (before?.type as unknown[] | undefined)?.[1] as AvroRecordSchema;
}

/** A column of the captured all-types table (the Value record of its before image), renamed. */
function allTypesColumn(column: string, name: string): { name: string; type: unknown } {
  const value = rowRecordOf(captured('2.avsc.json'));
  const found = value.fields.find((field) => field.name === column);
  if (found === undefined) throw new Error(`the captured all-types schema has no ${column}`);
  return { ...found, name };
}

/**
 * The change-event envelope as Connect's AvroData wrote it for a real Debezium PostgreSQL
 * connector: the captured customers envelope (before/after as ["null", Value] unions, the source
 * record, the transaction block, op and ts_ms/ts_us/ts_ns), its row given the columns the JSON
 * Debezium event has (an io.debezium.time.Date, a Connect Decimal(10,2), a ZonedTimestamp) as the
 * captured all-types table's columns of those types were written; v2 adds a MicroTimestamp column.
 */
function debeziumAvroSchema(version: 1 | 2): AvroRecordSchema {
  const envelope = captured('1.avsc.json');
  const value = rowRecordOf(envelope);
  const decimal = allTypesColumn('c_numeric', 'balance') as { type: [string, Record<string, unknown>] };
  decimal.type[1] = {
    ...decimal.type[1],
    scale: 2,
    precision: 10,
    'connect.parameters': { scale: '2', 'connect.decimal.precision': '10' },
  };
  value.fields.push(
    allTypesColumn('c_date', 'born'),
    decimal as { name: string; type: unknown },
    allTypesColumn('c_tstz', 'updated_at'),
  );
  if (version === 2) value.fields.push(allTypesColumn('c_ts6', 'created_at'));
  return envelope;
}

/** The registry ids of the Avro schemas: one for the small records, two versions of the envelope. */
const SCHEMA_IDS = { smallAvro: 21, debeziumV1: 31, debeziumV2: 32 } as const;
/** The first debezium-avro records are written before the column was added (schema v1). */
const DEBEZIUM_V1_RECORDS = 3000;

/** Each kind's schemas as the registry serves them, by id (none for the JSON kinds). */
export function registrySchemasOf(kind: EventKind): Record<string, string> {
  if (kind === 'small-avro') return { [SCHEMA_IDS.smallAvro]: JSON.stringify(SMALL_AVRO_SCHEMA) };
  if (kind === 'debezium-avro') {
    return {
      [SCHEMA_IDS.debeziumV1]: JSON.stringify(debeziumAvroSchema(1)),
      [SCHEMA_IDS.debeziumV2]: JSON.stringify(debeziumAvroSchema(2)),
    };
  }
  return {};
}

/** Two's-complement big-endian bytes of an unscaled decimal, as Avro's decimal holds it. */
function decimalBytes(unscaled: number): Buffer {
  let hex = BigInt(unscaled).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return Buffer.from(hex, 'hex');
}

/** The encoder wraps union values (`{ string: 'a' }`), so each branch is named explicitly. */
const branch = (name: string, value: unknown) => (value === null ? null : { [name]: value });

const smallAvroEncoder = encoderOf(SMALL_AVRO_SCHEMA);

function smallAvroValue(i: number): Buffer {
  const body = smallAvroEncoder.toBuffer({
    id: i,
    seq: i % 64 === 63 ? 2n ** 53n + BigInt(i) : 1_000_000 + i,
    qty: i % 13,
    city: CITIES[i % CITIES.length],
    note: branch('string', i % 4 === 0 ? null : `note ${i}`),
    amount: decimalBytes(Math.round(i * 137.31)),
    created: 1_750_547_462_087 + i,
    active: i % 3 !== 0,
  });
  return framed(SCHEMA_IDS.smallAvro, body);
}

const debeziumEncoders = { 1: encoderOf(debeziumAvroSchema(1)), 2: encoderOf(debeziumAvroSchema(2)) };

/** The customer image in the encoder's wrapped-union form; v2 adds created_at (MicroTimestamp). */
function customerImage(i: number, version: 1 | 2, deleted: boolean): Record<string, unknown> {
  const image: Record<string, unknown> = {
    id: i,
    first_name: branch('string', deleted ? null : `first${i}`),
    last_name: branch('string', deleted ? null : `last${i}`),
    email: branch('string', deleted ? null : `user${i}@example.com`),
    born: branch('int', 7000 + (i % 9000)),
    balance: branch('bytes', decimalBytes(i * 101)),
    updated_at: branch('string', `2024-05-0${1 + (i % 9)}T12:34:56.${String(i % 1000000).padStart(6, '0')}Z`),
  };
  if (version === 2) image.created_at = branch('long', 1_714_283_798_000_000 + i * 1000);
  return image;
}

function debeziumAvroValue(i: number): Buffer {
  const version = i < DEBEZIUM_V1_RECORDS ? 1 : 2;
  const op = i % 10 === 9 ? 'd' : i % 10 >= 6 ? 'u' : 'c';
  const tsMs = 1_714_283_798_000 + i;
  const image = branch('test.public.customers.Value', customerImage(i, version, op === 'd'));
  const body = debeziumEncoders[version].toBuffer({
    before: op === 'd' ? image : null,
    after: op === 'd' ? null : image,
    source: {
      version: '3.6.1.Final',
      connector: 'postgresql',
      name: 'test',
      ts_ms: tsMs,
      snapshot: branch('string', 'false'),
      db: 'postgres',
      sequence: branch('string', `["${22910216 + i}","${22910504 + i}"]`),
      ts_us: branch('long', tsMs * 1000),
      ts_ns: branch('long', BigInt(tsMs) * 1_000_000n),
      schema: 'public',
      table: 'customers',
      txId: branch('long', 756 + i),
      lsn: branch('long', 22910504 + i),
      xmin: null,
      origin: null,
      origin_lsn: null,
    },
    transaction: null,
    op,
    ts_ms: branch('long', tsMs + 69),
    ts_us: branch('long', (tsMs + 69) * 1000),
    ts_ns: branch('long', BigInt(tsMs + 69) * 1_000_000n),
  });
  return framed(version === 1 ? SCHEMA_IDS.debeziumV1 : SCHEMA_IDS.debeziumV2, body);
}

/** The bytes of record `i`'s value. */
function valueBytes(kind: EventKind, i: number): Buffer {
  if (kind === 'small-avro') return smallAvroValue(i);
  if (kind === 'debezium-avro') return debeziumAvroValue(i);
  return Buffer.from(valueText(kind, i));
}

export interface BenchEvent {
  readonly kind: EventKind;
  readonly event: {
    eventSource: 'aws:kafka';
    eventSourceArn: string;
    bootstrapServers: string;
    records: Record<string, EventRecord[]>;
  };
  readonly records: number;
  readonly bytes: number;
  /** The registry's schemas the values name, by id (empty for the JSON kinds). */
  readonly schemas: Readonly<Record<string, string>>;
}

/** The header every small-json-insert record carries, as the event writes it: signed bytes. */
const CHECKOUT_HEADER = [...Buffer.from('checkout')];

/**
 * small-json-insert: Kafka's InsertField$Value adding the record's topic, partition, offset and
 * timestamp, and the metadata columns the key and headers load into.
 */
const INSERT_METADATA_SETTINGS = {
  transforms: 'insert',
  'transforms.insert.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
  'transforms.insert.topic.field': 'kafka_topic',
  'transforms.insert.partition.field': 'kafka_partition',
  'transforms.insert.offset.field': 'kafka_offset',
  'transforms.insert.timestamp.field': 'kafka_timestamp',
  'sink.metadata.columns': 'kafka_key:key,kafka_headers:headers',
};

/** Fills an MSK event with records over 4 partitions until the next one would pass the 6 MB limit. */
export function buildEvent(kind: EventKind): BenchEvent {
  const topic = kind === 'debezium' || kind === 'debezium-avro' ? 'test.public.customers' : 'orders';
  const records: Record<string, EventRecord[]> = {};
  const envelope =
    '{"eventSource":"aws:kafka","eventSourceArn":"arn:aws:kafka:us-east-1:123456789012:cluster/bench/abcd1234-abcd-cafe-abab-9876543210ab-4","bootstrapServers":"b-1.bench.kafka.us-east-1.amazonaws.com:9098","records":{}}';
  let bytes = envelope.length + 4 * (topic.length + 10);
  let count = 0;
  for (let i = 0; ; i++) {
    const partition = i % 4;
    const value = valueBytes(kind, i).toString('base64');
    const record: EventRecord = {
      topic,
      partition,
      offset: 1_000_000 + Math.floor(i / 4),
      timestamp: 1_750_547_462_087 + i,
      timestampType: 'CREATE_TIME',
      key: Buffer.from(String(i)).toString('base64'),
      value,
      headers: kind === 'small-json-insert' ? [{ app: CHECKOUT_HEADER }] : [],
    };
    const size = JSON.stringify(record).length + 1;
    if (bytes + size > MAX_EVENT_BYTES) break;
    bytes += size;
    count++;
    const key = `${topic}-${partition}`;
    const list = records[key] ?? [];
    list.push(record);
    records[key] = list;
  }
  const event = {
    eventSource: 'aws:kafka' as const,
    eventSourceArn:
      'arn:aws:kafka:us-east-1:123456789012:cluster/bench/abcd1234-abcd-cafe-abab-9876543210ab-4',
    bootstrapServers: 'b-1.bench.kafka.us-east-1.amazonaws.com:9098',
    records,
  };
  // The Lambda runtime hands the handler JSON.parse of the invoke payload: strings and objects
  // made that way, not the ones built above.
  const payload = JSON.stringify(event);
  return {
    kind,
    event: JSON.parse(payload) as typeof event,
    records: count,
    bytes: payload.length,
    schemas: registrySchemasOf(kind),
  };
}

/**
 * The connector config for each event kind; the Avro kinds read their values through the registry
 * at `registryUrl`.
 */
export function sinkConfigFor(kind: EventKind, feHost: string, registryUrl = ''): Record<string, string> {
  const base = {
    'starrocks.http.url': feHost,
    'starrocks.database.name': 'bench',
    'starrocks.username': 'root',
    'starrocks.password': '',
    'sink.properties.strip_outer_array': 'true',
  };
  if (kind === 'small-json') return { ...base, 'value.converter.schemas.enable': 'false' };
  if (kind === 'small-json-insert')
    return { ...base, 'value.converter.schemas.enable': 'false', ...INSERT_METADATA_SETTINGS };
  if (kind === 'envelope') return { ...base, 'value.converter.schemas.enable': 'true' };
  const avro = {
    'value.converter': CONVERTER_CLASSES.confluentAvro,
    'value.converter.schema.registry.url': registryUrl,
  };
  if (kind === 'small-avro') return { ...base, ...avro };
  // JsonConverter's schemas.enable means nothing beside the Avro converter.
  const { 'value.converter.schemas.enable': _json, ...debezium } = seedDebeziumSettings(
    'test.public.customers',
    'customers',
  );
  if (kind === 'debezium-avro') return { ...base, ...debezium, ...avro };
  return { ...base, ...seedDebeziumSettings('test.public.customers', 'customers') };
}
