import { prepareLoads } from './batch/prepare-loads.ts';
import type { SinkConfig } from './config/sink-config.ts';
import { registryValuesFor } from './convert/registry-values.ts';
import { decodeKafkaEvent } from './decode/event.ts';
import type { SecretReader } from './decode/schema-registry/schema-cache.ts';
import { ErrorCode, SinkError } from './errors.ts';
import {
  type BatchReport,
  countSkipped,
  type SinkLog,
  StageClock,
  settleTableLoads,
  type TableLoadReport,
} from './load/batch-report.ts';
import { skipCommittedRecords } from './load/committed-offsets.ts';
import type { DeadLetterWriter } from './load/dead-letter-records.ts';
import { DeadLetterSender, SetAsideRecords } from './load/dead-letters.ts';
import { type BatchItemFailure, PartitionFailures } from './load/partial-batch.ts';
import type { CredentialsProvider, StreamLoader } from './load/stream-load.ts';
import { loadTables } from './load/table-loads.ts';
import { loadInTransactions } from './load/transaction-loads.ts';

/**
 * One invocation, stage by stage: decode the event, skip what an earlier invocation committed,
 * prepare each table's load, load (at-least-once or exactly-once), and settle the outcome.
 */

export interface ProcessOptions {
  readonly config: SinkConfig;
  readonly loader: StreamLoader;
  readonly credentials: CredentialsProvider;
  /** Absolute time (epoch ms) by which every load must be done. */
  readonly deadline: number;
  readonly log: SinkLog;
  /** Called per attempt refused for back-pressure, so a failed batch is counted too. */
  readonly onBackpressure?: (table: string) => void;
  /** Required with `errors.tolerance=all`. */
  readonly deadLetters?: DeadLetterWriter;
  /** Reads the schema registry's secret (`*.converter.schema.registry.secret.arn`). */
  readonly readSecret?: SecretReader;
}

/**
 * One invocation: decode, convert, transform and route every record, then send one Stream Load per
 * table, at most `sink.max.concurrent.loads` at once. By default it resolves only when every table
 * is loaded and otherwise throws, so the event-source mapping retries the whole batch (identical labels make the
 * retry safe). With `sink.partial.batch.response=true`, a failure confined to some partitions is
 * returned as `batchItemFailures` instead and the other partitions commit. With
 * `errors.tolerance=all`, bad records and rows StarRocks rejects go to the dead-letter destination.
 */
export async function processBatch(event: unknown, options: ProcessOptions): Promise<BatchReport> {
  const { config, log } = options;
  // Either way a bad record is set aside instead of failing the batch.
  const tolerant = config.partialBatchResponse || config.errorTolerance === 'all';
  if (config.errorTolerance === 'all' && options.deadLetters === undefined) {
    throw new SinkError(ErrorCode.CONFIG_INVALID, 'errors.tolerance=all needs a dead-letter writer');
  }
  const clock = new StageClock();
  const decoded = decodeKafkaEvent(event, { tolerant });
  const failed = new PartitionFailures(decoded.lowestOffsets);
  const setAside = new SetAsideRecords(config, decoded.raw, failed);
  for (const u of decoded.undecodable) setAside.reject(u, u.error, 'decode');
  const { credentials, deadline } = options;
  const fresh = await skipCommittedRecords(decoded.records, { config, credentials, deadline });
  const converter = config.valueConverter;
  // Registry values: schemas fetched and compiled before conversion, which stays synchronous.
  const registry =
    converter.kind === 'registry'
      ? await registryValuesFor(converter, options.readSecret).prepare(
          fresh.records,
          deadline,
          tolerant ? (record, error) => setAside.reject(record, error, 'decode') : undefined,
        )
      : undefined;
  clock.decoded();

  const policy = tolerant ? setAside : undefined;
  const prepared = prepareLoads(fresh.records, decoded.layout, config, policy, registry);
  clock.prepared();
  const skipped = countSkipped(prepared.summary.skipped, fresh.alreadyCommitted, log);
  const deadLetters = new DeadLetterSender(options.deadLetters, log);
  // Bad records are stored before anything loads: if that fails, the batch fails whole.
  await deadLetters.send(setAside.letters);

  const context = { ...options, raw: decoded.raw, deadLetters };
  const report = (
    tables: readonly TableLoadReport[],
    batchItemFailures: readonly BatchItemFailure[],
    backpressure: number,
    sent?: number,
  ): BatchReport => ({
    records: decoded.records.length + decoded.undecodable.length,
    tables,
    skipped,
    backpressure,
    deadLettered: deadLetters.sent,
    batchItemFailures,
    stages: clock.timings(prepared.serializeMs, sent),
  });
  if (config.exactlyOnce !== undefined) {
    const tables = await loadInTransactions(prepared.loads, fresh.covered, config.exactlyOnce, context);
    return report(tables, [], 0);
  }
  const { results, backpressure } = await loadTables(prepared.loads, context);
  const sent = performance.now();
  const tables = settleTableLoads(results, prepared.loads, failed, config.partialBatchResponse, log);
  return report(tables, failed.items(), backpressure, sent);
}
