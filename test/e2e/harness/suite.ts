import type { StandIn } from '../../../lib/local/stand-in/index.ts';
import type { ConnectWorker } from './connect.ts';
import type { KafkaBroker } from './kafka.ts';
import { dropDatabase } from './postgres.ts';
import { tail } from './process.ts';
import type { SinkPipeline } from './sink.ts';

/** What a CDC suite runs: each part undefined until (or unless) it started. */
export interface SuiteParts {
  readonly kafka: KafkaBroker | undefined;
  readonly connect: ConnectWorker | undefined;
  readonly starrocks: StandIn | undefined;
  readonly sink: SinkPipeline | undefined;
}

/** The last lines of the sink's, Connect's and Kafka's logs, for a failed step. */
export function logTails({ sink, connect, kafka }: SuiteParts): void {
  for (const file of [sink?.logFile, connect?.logFile, kafka?.logFile]) {
    if (file !== undefined) console.error(tail(file, 60));
  }
}

/**
 * Stops what started, the sink first and Connect before Kafka (with SIGTERM, so that
 * slot.drop.on.stop drops the replication slots), then drops the PostgreSQL database if created.
 */
export async function stopSuite(parts: SuiteParts, database: string | undefined): Promise<void> {
  await parts.sink?.stop();
  await parts.connect?.stop();
  await parts.kafka?.stop();
  await parts.starrocks?.close();
  if (database !== undefined) await dropDatabase(database);
}
