import { resolveTable } from '../batch/route.ts';
import { type KafkaRecord, partitionKey } from '../decode/event.ts';
import { type CoveredOffset, offsetKey, readSettledOffsets } from './offsets-table.ts';
import type { TxnOptions } from './transaction-api.ts';

/**
 * Exactly-once in multi mode: records at or below the offsets the offsets table holds were loaded
 * by an earlier invocation, whatever the composition of that batch, and are skipped; the offsets
 * the records left cover are what this invocation's transaction records.
 */

export interface UncommittedRecords {
  /** The records still to load: `records` itself unless some were skipped. */
  readonly records: readonly KafkaRecord[];
  /** How many records an earlier invocation committed. */
  readonly alreadyCommitted: number;
  /** The last offset per topic, partition and table among the records left. */
  readonly covered: readonly CoveredOffset[];
}

/**
 * The records no earlier invocation committed. Outside exactly-once multi mode, every record, as
 * given; in it, the offsets table is read (settling transactions left open) first.
 */
export async function skipCommittedRecords(
  records: readonly KafkaRecord[],
  options: TxnOptions,
): Promise<UncommittedRecords> {
  const exactlyOnce = options.config.exactlyOnce;
  if (exactlyOnce?.mode !== 'multi') return { records, alreadyCommitted: 0, covered: [] };
  const partitions = new Set(records.map((r) => partitionKey(r.topic, r.partition)));
  const stored = await readSettledOffsets(options, exactlyOnce.offsetsTable, partitions);
  const covered = new Map<string, CoveredOffset>();
  const left = records.filter((r) => {
    let table: string;
    try {
      table = resolveTable(r, options.config);
    } catch {
      return true; // an unroutable record is dealt with when the tables are built
    }
    const key = offsetKey(r.topic, r.partition, table);
    const last = stored.get(key);
    if (last !== undefined && r.offset <= last) return false;
    const seen = covered.get(key);
    if (seen === undefined || seen.offset < r.offset)
      covered.set(key, { topic: r.topic, partition: r.partition, table, offset: r.offset });
    return true;
  });
  return { records: left, alreadyCommitted: records.length - left.length, covered: [...covered.values()] };
}
