import type { StandIn } from '../../../lib/local/stand-in/index.ts';
import type { ConnectWorker } from './connect.ts';
import type { KafkaBroker } from './kafka.ts';
import { dropDatabase } from './postgres.ts';
import { tail } from './process.ts';
import type { SchemaRegistry } from './registry.ts';
import type { SinkPipeline } from './sink.ts';

/** What a CDC suite runs: each part undefined until (or unless) it started. */
export interface SuiteParts {
  readonly kafka: KafkaBroker | undefined;
  readonly connect: ConnectWorker | undefined;
  readonly starrocks: StandIn | undefined;
  readonly sink: SinkPipeline | undefined;
  /** Sinks beside the first one, e.g. one per value format. */
  readonly otherSinks?: readonly (SinkPipeline | undefined)[];
  /** The schema registry, for suites whose connectors write a registry format. */
  readonly registry?: SchemaRegistry | undefined;
}

/** The last lines of the sinks', Connect's, the registry's and Kafka's logs, for a failed step. */
export function logTails({ sink, otherSinks = [], connect, registry, kafka }: SuiteParts): void {
  const sinkLogs = [sink, ...otherSinks].map((s) => s?.logFile);
  for (const file of [...sinkLogs, connect?.logFile, registry?.logFile, kafka?.logFile]) {
    if (file !== undefined) console.error(tail(file, 60));
  }
}

/**
 * Stops what started, the sinks first and Connect before the registry and Kafka (with SIGTERM, so
 * that slot.drop.on.stop drops the replication slots), then drops the PostgreSQL database if created.
 */
export async function stopSuite(parts: SuiteParts, database: string | undefined): Promise<void> {
  await parts.sink?.stop();
  for (const sink of parts.otherSinks ?? []) await sink?.stop();
  await parts.connect?.stop();
  await parts.registry?.stop();
  await parts.kafka?.stop();
  await parts.starrocks?.close();
  if (database !== undefined) await dropDatabase(database);
}
