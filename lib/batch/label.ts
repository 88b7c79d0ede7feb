import { createHash } from 'node:crypto';
import type { TableBatch } from './table-batches.ts';

/**
 * Labels: the deterministic Stream Load label of a table batch, from its database, table and exact
 * offset ranges, so an identical retry is deduplicated by StarRocks.
 */

const LABEL_PREFIX = 'kl';
const LABEL_MAX = 128;

/**
 * A label that is the same for the same rows: database, table and the exact offset ranges. StarRocks
 * labels allow only `[-\w]`, at most 128 characters, so the table name is sanitised and the
 * identity is a hash.
 *
 * @example
 * buildLabel('example_db', { table: 'test_tbl', ranges: [{ topic: 'test', partition: 0, first: 0, last: 2, count: 3 }] })
 * // → 'kl-test_tbl-3f1c…' (40 hex digits)
 */
export function buildLabel(database: string, batch: Pick<TableBatch, 'table' | 'ranges'>): string {
  const identity = [
    database,
    batch.table,
    ...batch.ranges.map(
      (r) => `${r.topic}\u0000${r.partition}\u0000${r.first}\u0000${r.last}\u0000${r.count}`,
    ),
  ];
  const hash = createHash('sha256').update(identity.join('\u0001')).digest('hex').slice(0, 40);
  const readable = batch.table
    .replace(/[^-\w]/g, '_')
    .slice(0, LABEL_MAX - LABEL_PREFIX.length - hash.length - 2);
  return `${LABEL_PREFIX}-${readable}-${hash}`;
}
