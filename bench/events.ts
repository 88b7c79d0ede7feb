import { MAX_EVENT_BYTES } from '../lib/local/event-limits.ts';
import { seedDebeziumSettings } from '../lib/local/seed.ts';

/**
 * Realistic events near the ESM's 6 MB invoke limit: small JSON rows without schemas, the same rows
 * in JsonConverter's {schema, payload} envelope, and Debezium change events with schemas (the seed's
 * customers table, insert/update/delete mix).
 */

export type EventKind = 'small-json' | 'envelope' | 'debezium';

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
  if (kind === 'small-json') return JSON.stringify(smallRow(i));
  if (kind === 'envelope') return JSON.stringify({ schema: ROW_SCHEMA, payload: smallRow(i) });
  return JSON.stringify(debeziumValue(i)).replace(/"ts_ns":"(\d+)"/g, '"ts_ns":$1');
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
}

/** Fills an MSK event with records over 4 partitions until the next one would pass the 6 MB limit. */
export function buildEvent(kind: EventKind): BenchEvent {
  const topic = kind === 'debezium' ? 'test.public.customers' : 'orders';
  const records: Record<string, EventRecord[]> = {};
  const envelope =
    '{"eventSource":"aws:kafka","eventSourceArn":"arn:aws:kafka:us-east-1:123456789012:cluster/bench/abcd1234-abcd-cafe-abab-9876543210ab-4","bootstrapServers":"b-1.bench.kafka.us-east-1.amazonaws.com:9098","records":{}}';
  let bytes = envelope.length + 4 * (topic.length + 10);
  let count = 0;
  for (let i = 0; ; i++) {
    const partition = i % 4;
    const value = Buffer.from(valueText(kind, i)).toString('base64');
    const record: EventRecord = {
      topic,
      partition,
      offset: 1_000_000 + Math.floor(i / 4),
      timestamp: 1_750_547_462_087 + i,
      timestampType: 'CREATE_TIME',
      key: Buffer.from(String(i)).toString('base64'),
      value,
      headers: [],
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
  return { kind, event: JSON.parse(payload) as typeof event, records: count, bytes: payload.length };
}

/** The connector config for each event kind. */
export function sinkConfigFor(kind: EventKind, feHost: string): Record<string, string> {
  const base = {
    'starrocks.http.url': feHost,
    'starrocks.database.name': 'bench',
    'starrocks.username': 'root',
    'starrocks.password': '',
    'sink.properties.strip_outer_array': 'true',
  };
  if (kind === 'small-json') return { ...base, 'value.converter.schemas.enable': 'false' };
  if (kind === 'envelope') return { ...base, 'value.converter.schemas.enable': 'true' };
  return { ...base, ...seedDebeziumSettings('test.public.customers', 'customers') };
}
