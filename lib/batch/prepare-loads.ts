import type { SinkConfig } from '../config/sink-config.ts';
import type { PreparedValues } from '../convert/registry-values.ts';
import type { KafkaRecord, RecordLayout } from '../decode/event.ts';
import { RecordError, type RecordPosition, type SinkError } from '../errors.ts';
import { buildLabel } from './label.ts';
import { serializeBody } from './serialize.ts';
import { type BatchSummary, buildTableBatches, type TableBatch, withoutRows } from './table-batches.ts';

/**
 * The loads of one invocation, ready to send: each table's rows with their label and body. With a
 * record policy, records that cannot be converted, routed or serialized are set aside first.
 */

/** One table's rows, the label naming exactly their offsets, and the body that carries them. */
export interface PreparedLoad {
  readonly batch: TableBatch;
  readonly label: string;
  readonly body: Buffer;
}

/** How records that cannot be converted, routed or serialized are set aside. */
export interface RecordPolicy {
  /** Whether a record is already set aside (its partition held back, or dead-lettered). */
  isOut(record: KafkaRecord): boolean;
  /** Sets a record aside, or throws when the batch must fail. */
  reject(record: RecordPosition, error: SinkError): void;
  /** Grows with every record or partition set aside. */
  changes(): number;
}

export interface PreparedLoads {
  readonly summary: BatchSummary;
  readonly loads: PreparedLoad[];
  /** Time spent writing bodies, reported apart from convert/transform. */
  readonly serializeMs: number;
}

/**
 * Builds each table's rows, label and body. Without a policy, a bad record throws. With one, a
 * record that cannot be converted, routed or serialized is set aside and the tables are built
 * again without it, so their labels name exactly the offsets they load.
 */
export function prepareLoads(
  records: readonly KafkaRecord[],
  layout: RecordLayout | undefined,
  config: SinkConfig,
  policy: RecordPolicy | undefined,
  registry?: PreparedValues,
): PreparedLoads {
  // Each round sets aside at least one more record or ends: bounded by the record count.
  for (;;) {
    const before = policy?.changes() ?? 0;
    const eligible = policy && before > 0 ? records.filter((r) => !policy.isOut(r)) : records;
    const summary = buildTableBatches(
      eligible,
      config,
      policy ? (record, error) => policy.reject(record, error) : undefined,
      layout,
      registry,
    );
    if (policy && policy.changes() > before) continue;
    const started = performance.now();
    const loads: PreparedLoad[] = [];
    for (const batch of summary.tables) {
      let body: Buffer;
      try {
        body = serializeBody(batch, config);
      } catch (error) {
        if (policy === undefined || !(error instanceof RecordError)) throw error;
        policy.reject(error, error);
        continue;
      }
      loads.push({ batch, label: buildLabel(config.database, batch), body });
    }
    if (policy && policy.changes() > before) continue;
    return { summary, loads, serializeMs: performance.now() - started };
  }
}

/**
 * The same load without some of its rows (those StarRocks rejected): rows, label and body rebuilt
 * from the rows that remain, so the label names exactly the offsets it loads.
 */
export function prepareLoadWithout(
  load: PreparedLoad,
  drop: ReadonlySet<number>,
  config: SinkConfig,
): PreparedLoad {
  const batch = withoutRows(load.batch, drop);
  return { batch, label: buildLabel(config.database, batch), body: serializeBody(batch, config) };
}
