// `node bench/avro-reader.ts`: records/s of the Avro reader's paths on a ~6 MB event of small
// Avro records (the workload), against the straightforward decode: avsc's fromBuffer per
// record and JSON.stringify. Each path builds the JSON body (`[row,...]`, as bytes) of the same
// values. Times are the main thread's CPU time, best of the runs, so that other processes on a
// shared machine weigh less on them than on wall time. The straightforward path renders no
// logical type (a decimal is printed as a Buffer object), so on the `logical` event it does less.
// The `debezium` event holds Debezium change events (the customers envelope of the tests); its
// `source.ts_ns` is left null, since avsc's long refuses nanosecond timestamps (past 2^53).
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { compileAvroReader } from '../lib/convert/avro.ts';
import { JsonOutput } from '../lib/convert/avro-json-output.ts';
import { decodeRecord, type KafkaRecord } from '../lib/decode/event.ts';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 15);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 10);
/** An MSK event is at most 6 MB of JSON; the values are base64 in it. */
const EVENT_BASE64_BYTES = 6 * 1024 * 1024;

const SCHEMAS = {
  plain: {
    type: 'record',
    name: 'Order',
    namespace: 'bench',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'customer', type: 'string' },
      { name: 'qty', type: 'int' },
      { name: 'price', type: 'double' },
      { name: 'paid', type: 'boolean' },
      { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } },
      { name: 'note', type: ['null', 'string'], default: null },
    ],
  },
  logical: {
    type: 'record',
    name: 'Payment',
    namespace: 'bench',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
      { name: 'created', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'day', type: { type: 'int', logicalType: 'date' } },
      { name: 'currency', type: 'string' },
      { name: 'ref', type: ['null', { type: 'string', logicalType: 'uuid' }], default: null },
    ],
  },
  debezium: JSON.parse(
    readFileSync(new URL('../test/fixtures/avro/debezium-customers-envelope.avsc', import.meta.url), 'utf8'),
  ) as object,
} as const;

function sampleValue(kind: keyof typeof SCHEMAS, i: number): unknown {
  if (kind === 'plain') {
    return {
      id: 1_000_000 + i,
      customer: `customer-${i % 977}`,
      qty: i % 13,
      price: (i % 1000) / 7,
      paid: i % 2 === 0,
      status: ['NEW', 'PAID', 'SHIPPED'][i % 3],
      note: i % 4 === 0 ? null : `note "${i}"`,
    };
  }
  if (kind === 'debezium') return changeEvent(i);
  const cents = Buffer.alloc(4);
  cents.writeInt32BE(i * 37);
  return {
    id: 1_000_000 + i,
    amount: cents,
    created: 1_704_067_200_000 + i * 1000,
    day: 19_723 + (i % 365),
    currency: 'EUR',
    ref: i % 2 === 0 ? null : '2f1c7c4e-97a5-4a8d-9d1f-5c1b2f0e6a10',
  };
}

function changeEvent(i: number): unknown {
  const row = {
    id: i,
    first_name: `first ${i % 101}`,
    last_name: `last ${i % 89}`,
    email: `user${i}@example.com`,
  };
  return {
    before: null,
    after: row,
    source: {
      version: '3.6.1.Final',
      connector: 'postgresql',
      name: 'srv',
      ts_ms: 1_795_647_664_957 + i,
      snapshot: 'false',
      db: 'shop',
      sequence: `[null,"${39_729_392 + i}"]`,
      ts_us: 1_795_647_664_957_260 + i,
      ts_ns: null,
      schema: 'public',
      table: 'customers',
      txId: 740 + i,
      lsn: 39_729_392 + i,
      xmin: null,
      origin: null,
      origin_lsn: null,
    },
    transaction: null,
    op: 'c',
    ts_ms: 1_795_647_665_395 + i,
    ts_us: 1_795_647_665_395_368 + i,
    ts_ns: null,
  };
}

/** Values in the Confluent framing (magic byte, schema id 1), as many as fill the event. */
function eventRecords(kind: keyof typeof SCHEMAS): KafkaRecord[] {
  const type = avro.Type.forSchema(SCHEMAS[kind] as unknown as avro.Schema);
  const records: KafkaRecord[] = [];
  let size = 0;
  for (let i = 0; size < EVENT_BASE64_BYTES; i++) {
    const value = Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), type.toBuffer(sampleValue(kind, i))]);
    const base64 = value.toString('base64');
    // About 150 bytes of event JSON per record besides its value (topic, offsets, timestamps).
    size += base64.length + 150;
    const record = decodeRecord({
      topic: 'orders',
      partition: 0,
      offset: i,
      timestamp: 0,
      key: null,
      value: base64,
      headers: [],
    });
    records.push(record);
  }
  return records;
}

interface Path {
  readonly name: string;
  body(records: readonly KafkaRecord[]): Buffer;
}

function pathsFor(kind: keyof typeof SCHEMAS): Path[] {
  const schema = SCHEMAS[kind];
  const straight = avro.Type.forSchema(schema as unknown as avro.Schema);
  const reader = compileAvroReader({
    registry: 'confluent',
    id: '1',
    format: 'avro',
    text: JSON.stringify(schema),
    references: [],
  });
  const body = new JsonOutput();
  const rows = (records: readonly KafkaRecord[], row: (r: KafkaRecord, v: Buffer) => string) => {
    const parts = new Array<string>(records.length);
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as KafkaRecord;
      parts[i] = row(record, record.value as Buffer);
    }
    return Buffer.from(`[${parts.join(',')}]`);
  };
  return [
    {
      name: 'avsc fromBuffer + JSON.stringify (straightforward)',
      body: (records) => rows(records, (_r, v) => JSON.stringify(straight.fromBuffer(v.subarray(5)))),
    },
    {
      name: 'read() + JSON.stringify (object path)',
      body: (records) => rows(records, (r, v) => JSON.stringify(reader.read(r, v, 5).value)),
    },
    { name: 'readJson() (JSON path)', body: (records) => rows(records, (r, v) => reader.readJson(r, v, 5)) },
    {
      name: 'appendJson() into one body (JSON path)',
      body: (records) => {
        body.len = 0;
        for (let i = 0; i < records.length; i++) {
          const record = records[i] as KafkaRecord;
          body.byte(i === 0 ? 0x5b : 0x2c);
          reader.appendJson(record, record.value as Buffer, 5, body);
        }
        body.byte(0x5d);
        return body.written();
      },
    },
  ];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

for (const kind of Object.keys(SCHEMAS) as (keyof typeof SCHEMAS)[]) {
  const records = eventRecords(kind);
  // Decoding the event's base64 is every path's cost, not the reader's: done once, outside the timing.
  for (const record of records) void record.value;
  console.log(
    `\n${kind}: ${records.length} records, ${records.reduce((n, r) => n + r.valueLength, 0)} value bytes`,
  );
  const paths = pathsFor(kind);
  for (let i = 0; i < WARMUP; i++) for (const path of paths) path.body(records);
  // The paths take turns, so a neighbour's load on the machine falls on all of them alike.
  const times = paths.map(() => [] as number[]);
  for (let i = 0; i < ITERATIONS; i++) {
    paths.forEach((path, p) => {
      const start = process.threadCpuUsage();
      path.body(records);
      const used = process.threadCpuUsage(start);
      times[p]?.push((used.user + used.system) / 1000);
    });
  }
  const baseline = Math.min(...(times[0] ?? []));
  paths.forEach((path, p) => {
    const runs = times[p] ?? [];
    const best = Math.min(...runs);
    const perSecond = Math.round(records.length / (best / 1000));
    console.log(
      `  ${path.name.padEnd(52)} best ${best.toFixed(1).padStart(6)} ms, median ${median(runs).toFixed(1).padStart(6)} ms  ${perSecond.toLocaleString('en').padStart(10)} records/s  ${(best / baseline).toFixed(2)}×`,
    );
  });
}
