import { kafkaConsumer } from '@aws-lambda-powertools/kafka';
import avro from 'avsc';
import { compressBody } from '../lib/batch/compress.ts';
import { writeBody } from '../lib/batch/serialize.ts';
import { buildTableBatches } from '../lib/batch/table-batches.ts';
import type { BodyCompression } from '../lib/config/compression.ts';
import type { SinkConfig } from '../lib/config/sink-config.ts';
import { registryValuesFor } from '../lib/convert/registry-values.ts';
import { decodeEvent } from '../lib/decode/event.ts';
import type { BenchEvent, EventKind } from './events.ts';

/** The comparison paths. Each returns the ms it spent before sending, and the body it built. */

type EventRecords = BenchEvent['event']['records'];
type Rec = EventRecords[string][number];
const values = (ev: BenchEvent): Rec[] => Object.values(ev.event.records).flat();

/** The floor: base64-decoding every value into one preallocated buffer, nothing else. */
export function base64Floor(ev: BenchEvent): number {
  const started = performance.now();
  const recs = values(ev);
  let total = 0;
  for (const r of recs) if (r.value !== null) total += Buffer.byteLength(r.value, 'base64');
  const out = Buffer.allocUnsafe(total);
  let pos = 0;
  for (const r of recs) if (r.value !== null) pos += out.write(r.value, pos, 'base64');
  return performance.now() - started;
}

/** What a row becomes in the straightforward sink: the value, its payload, or the unwrapped image. */
function toRow(kind: EventKind, parsed: Record<string, unknown>): unknown {
  if (kind === 'small-json' || kind === 'small-avro') return parsed;
  if (kind === 'debezium-avro') return unwrap(parsed);
  const payload = parsed.payload as Record<string, unknown>;
  if (kind === 'envelope') return payload;
  return unwrap(payload);
}

/**
 * small-json-insert, as a plain Lambda adds the record's fields to the parsed value: topic,
 * partition, offset, timestamp, the key's text and the headers as an object.
 */
function withRecordFields(row: Record<string, unknown>, r: Rec): Record<string, unknown> {
  row.kafka_topic = r.topic;
  row.kafka_partition = r.partition;
  row.kafka_offset = r.offset;
  row.kafka_timestamp = r.timestamp;
  row.kafka_key = r.key === null ? null : Buffer.from(r.key, 'base64').toString('utf8');
  const headers: Record<string, string> = {};
  for (const header of r.headers)
    for (const [name, bytes] of Object.entries(header)) headers[name] = Buffer.from(bytes).toString('utf8');
  row.kafka_headers = headers;
  return row;
}

/** The seed's transforms, the simple way: the image the op keeps, with __op and __deleted. */
function unwrap(change: Record<string, unknown>): unknown {
  if (change.op === 'd') return { ...(change.before as object), __op: 1, __deleted: 'true' };
  return { ...(change.after as object), __op: 0, __deleted: 'false' };
}

/** JSON.rawJSON (Node 21+), which TypeScript's lib does not declare yet. */
const JSON_RAW = JSON as JSON & { rawJSON(text: string): unknown };

/**
 * What a plain Node sink does for the values JSON cannot hold, with a JSON.stringify replacer: a
 * bigint (a long past 2^53) becomes its exact digits, bytes (every bytes field of the bench's
 * schemas is a decimal with scale 2) the decimal's text. A replacer sees a Buffer after its
 * toJSON, so the holder's own property is checked.
 */
function avroReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return JSON_RAW.rawJSON(value.toString());
  const raw = this[key];
  if (Buffer.isBuffer(raw)) return JSON_RAW.rawJSON(decimalText(raw, 2));
  return value;
}

/** The text of a two's-complement big-endian unscaled decimal at `scale`. */
function decimalText(bytes: Buffer, scale: number): string {
  let unscaled = BigInt.asIntN(bytes.length * 8, BigInt(`0x${bytes.toString('hex') || '0'}`));
  const negative = unscaled < 0n;
  if (negative) unscaled = -unscaled;
  const digits = unscaled.toString().padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/**
 * avsc's long, the simple way past its refusal of longs a double cannot hold: a number when a double
 * holds it, else a bigint.
 */
const BIGINT_LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => {
    const value = buf.readBigInt64LE(0);
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  },
  toBuffer: (value: number | bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(value));
    return buf;
  },
  fromJSON: (value: unknown) => BigInt(value as number),
  toJSON: (value: number | bigint) => Number(value),
  isValid: (value: unknown) => typeof value === 'bigint' || Number.isInteger(value),
  compare: (a: number | bigint, b: number | bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/** The event's schemas parsed once by avsc (longs past 2^53 as bigints), by registry id. */
function avscTypesOf(ev: BenchEvent): Map<number, avro.Type> {
  const typeHook = (schema: avro.Schema) =>
    schema === 'long' || (typeof schema === 'object' && (schema as { type?: unknown }).type === 'long')
      ? BIGINT_LONG
      : undefined;
  return new Map(
    Object.entries(ev.schemas).map(([id, text]) => [
      Number(id),
      avro.Type.forSchema(JSON.parse(text) as avro.Schema, { typeHook }),
    ]),
  );
}

/** One run of a straightforward sink: the ms before the PUT, and the whole. */
export type StraightforwardRun = () => Promise<{ transformMs: number; stringifyMs: number; totalMs: number }>;

/**
 * A straightforward Node sink for the event's kind. JSON: base64-decode and JSON.parse each value,
 * unwrap, JSON.stringify the array. Avro: base64-decode each value, strip the 5 framing bytes,
 * avsc's `fromBuffer` with the schema of its id (parsed once, outside the timing), unwrap,
 * JSON.stringify the array with a replacer for bigints and bytes. Then one PUT (fetch) to the BE.
 */
export function straightforwardSink(ev: BenchEvent, beUrl: string): StraightforwardRun {
  if (ev.kind === 'small-avro' || ev.kind === 'debezium-avro') {
    const types = avscTypesOf(ev);
    const rowsOf = () => {
      const rows: unknown[] = [];
      for (const r of values(ev)) {
        if (r.value === null) continue;
        const bytes = Buffer.from(r.value, 'base64');
        const type = types.get(bytes.readUInt32BE(1)) as avro.Type;
        rows.push(toRow(ev.kind, type.fromBuffer(bytes.subarray(5)) as Record<string, unknown>));
      }
      return rows;
    };
    return () => timedPut(beUrl, rowsOf, (rows) => JSON.stringify(rows, avroReplacer));
  }
  const rowsOf = () => {
    const rows: unknown[] = [];
    for (const r of values(ev)) {
      if (r.value === null) continue;
      const text = Buffer.from(r.value, 'base64').toString('utf8');
      const parsed = JSON.parse(text) as Record<string, unknown>;
      rows.push(ev.kind === 'small-json-insert' ? withRecordFields(parsed, r) : toRow(ev.kind, parsed));
    }
    return rows;
  };
  return () => timedPut(beUrl, rowsOf, (rows) => JSON.stringify(rows));
}

/** Builds the rows and their body (timed apart), then PUTs the body to the BE on loopback. */
async function timedPut(
  beUrl: string,
  rowsOf: () => unknown[],
  stringify: (rows: unknown[]) => string,
): Promise<{ transformMs: number; stringifyMs: number; totalMs: number }> {
  const started = performance.now();
  const rows = rowsOf();
  const decoded = performance.now();
  const body = stringify(rows);
  const transformMs = performance.now() - started;
  const stringifyMs = performance.now() - decoded;
  const res = await fetch(`${beUrl}/api/bench/tbl/_stream_load`, {
    method: 'PUT',
    body,
    headers: {
      format: 'json',
      strip_outer_array: 'true',
      Authorization: `Basic ${Buffer.from('root:').toString('base64')}`,
    },
  });
  const answer = (await res.json()) as { Status?: string };
  if (answer.Status !== 'Success') throw new Error('the null endpoint did not answer Success');
  return { transformMs, stringifyMs, totalMs: performance.now() - started };
}

const context = {
  functionName: 'bench',
  awsRequestId: 'bench',
  getRemainingTimeInMillis: () => 60_000,
} as never;

/** Powertools' kafkaConsumer (JSON values, lazily parsed) + JSON.stringify of the rows. */
export async function powertoolsConsumer(ev: BenchEvent): Promise<number> {
  const started = performance.now();
  const handler = kafkaConsumer<string, Record<string, unknown>>(
    async (event) => {
      const rows: unknown[] = [];
      for (const record of event.records) {
        if (record.value === null || record.value === undefined) continue;
        if (ev.kind !== 'small-json-insert') {
          rows.push(toRow(ev.kind, record.value));
          continue;
        }
        // Powertools decodes the key and headers itself.
        const row = record.value;
        row.kafka_topic = record.topic;
        row.kafka_partition = record.partition;
        row.kafka_offset = record.offset;
        row.kafka_timestamp = record.timestamp;
        row.kafka_key = record.key ?? null;
        row.kafka_headers = Object.assign({}, ...(record.headers ?? []));
        rows.push(row);
      }
      return JSON.stringify(rows);
    },
    { value: { type: 'json' } },
  );
  await handler(ev.event as never, context);
  return performance.now() - started;
}

/**
 * Powertools' `kafkaConsumer` with its Avro deserializer (avro-js), as a Powertools user has to run
 * it on Confluent-framed values: it takes one schema and no framing, so the handler first splits
 * the event by schema id and re-encodes each value without its 5-byte header, then runs one
 * consumer per id, unwraps and stringifies. avro-js refuses longs past 2^53 (and cannot be told
 * otherwise through Powertools): such records are caught and counted, as a user's per-record
 * try/catch would. Returns the ms and the records it could not read.
 */
export function powertoolsAvroConsumer(ev: BenchEvent): () => Promise<{ ms: number; failed: number }> {
  const consumers = new Map(
    Object.entries(ev.schemas).map(([id, schema]) => [
      Number(id),
      kafkaConsumer<string, Record<string, unknown>>(
        async (event) => {
          const rows: unknown[] = [];
          let failed = 0;
          for (const record of event.records) {
            try {
              const value = record.value;
              if (value !== null && value !== undefined) rows.push(toRow(ev.kind, value));
            } catch {
              failed++;
            }
          }
          return { text: JSON.stringify(rows, avroReplacer), failed };
        },
        { value: { type: 'avro', schema } },
      ),
    ]),
  );
  return async () => {
    const started = performance.now();
    const byId = new Map<number, EventRecords>();
    for (const [key, list] of Object.entries(ev.event.records)) {
      for (const record of list) {
        if (record.value === null) continue;
        const bytes = Buffer.from(record.value, 'base64');
        const id = bytes.readUInt32BE(1);
        const records = byId.get(id) ?? {};
        byId.set(id, records);
        const stripped = { ...record, value: bytes.subarray(5).toString('base64') };
        const list = records[key] ?? [];
        list.push(stripped);
        records[key] = list;
      }
    }
    let failed = 0;
    for (const [id, records] of byId) {
      const consumer = consumers.get(id);
      if (consumer === undefined)
        throw new Error(`the bench event names schema ${id}, which it does not hold`);
      const out = (await consumer({ ...ev.event, records } as never, context)) as { failed: number };
      failed += out.failed;
    }
    return { ms: performance.now() - started, failed };
  };
}

/** The uncompressed body our sink sends for the event (every bench event loads into one table). */
export async function sinkBody(ev: BenchEvent, config: SinkConfig): Promise<Buffer> {
  const records = decodeEvent(ev.event);
  const converter = config.valueConverter;
  const registry =
    converter.kind === 'registry'
      ? await registryValuesFor(converter).prepare(records, Date.now() + 60_000)
      : undefined;
  const [table, ...rest] = buildTableBatches(records, config, undefined, undefined, registry).tables;
  if (table === undefined || rest.length > 0) throw new Error('a bench event loads into exactly one table');
  return writeBody(table, config);
}

/** Compressing the body as the sink does with `sink.properties.compression`: ms and bytes out. */
export function compressSinkBody(body: Buffer, compression: BodyCompression): { ms: number; bytes: number } {
  const started = performance.now();
  const out = compressBody(body, compression);
  return { ms: performance.now() - started, bytes: out.length };
}
