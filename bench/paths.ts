import { kafkaConsumer } from '@aws-lambda-powertools/kafka';
import { compressBody } from '../lib/batch/compress.ts';
import { writeBody } from '../lib/batch/serialize.ts';
import { buildTableBatches } from '../lib/batch/table-batches.ts';
import type { BodyCompression } from '../lib/config/compression.ts';
import type { SinkConfig } from '../lib/config/sink-config.ts';
import { decodeEvent } from '../lib/decode/event.ts';
import type { BenchEvent, EventKind } from './events.ts';

/** The comparison paths. Each returns the ms it spent before sending, and the body it built. */

type Rec = { value: string | null };
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
  if (kind === 'small-json') return parsed;
  const payload = parsed.payload as Record<string, unknown>;
  if (kind === 'envelope') return payload;
  if (payload.op === 'd') return { ...(payload.before as object), __op: 1, __deleted: 'true' };
  return { ...(payload.after as object), __op: 0, __deleted: 'false' };
}

/**
 * A straightforward Node sink: base64-decode and JSON.parse each value, unwrap, JSON.stringify the
 * array, one PUT (fetch) to the BE on loopback.
 */
export async function straightforwardSink(
  ev: BenchEvent,
  beUrl: string,
): Promise<{ transformMs: number; totalMs: number }> {
  const started = performance.now();
  const rows: unknown[] = [];
  for (const r of values(ev)) {
    if (r.value === null) continue;
    rows.push(
      toRow(ev.kind, JSON.parse(Buffer.from(r.value, 'base64').toString('utf8')) as Record<string, unknown>),
    );
  }
  const body = JSON.stringify(rows);
  const transformMs = performance.now() - started;
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
  return { transformMs, totalMs: performance.now() - started };
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
      for (const record of event.records)
        if (record.value !== null && record.value !== undefined) rows.push(toRow(ev.kind, record.value));
      return JSON.stringify(rows);
    },
    { value: { type: 'json' } },
  );
  await handler(ev.event as never, context);
  return performance.now() - started;
}

/** The uncompressed body our sink sends for the event (every bench event loads into one table). */
export function sinkBody(ev: BenchEvent, config: SinkConfig): Buffer {
  const [table, ...rest] = buildTableBatches(decodeEvent(ev.event), config).tables;
  if (table === undefined || rest.length > 0) throw new Error('a bench event loads into exactly one table');
  return writeBody(table, config);
}

/** Compressing the body as the sink does with `sink.properties.compression`: ms and bytes out. */
export function compressSinkBody(body: Buffer, compression: BodyCompression): { ms: number; bytes: number } {
  const started = performance.now();
  const out = compressBody(body, compression);
  return { ms: performance.now() - started, bytes: out.length };
}
