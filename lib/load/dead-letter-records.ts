import type { DeadLetterDestination } from '../config/delivery.ts';
import type { KafkaEventRecord } from '../decode/event.ts';
import type { SinkError } from '../errors.ts';

/**
 * Dead letters for `errors.tolerance=all`: the raw record as the event carried it, the error and
 * where the record sits in Kafka. Written before the batch reports success, so a record is either
 * loaded, dead-lettered, or the batch fails (and is retried): never silently dropped.
 */

/** Where in the pipeline a record was given up on. */
export type DeadLetterStage = 'decode' | 'convert' | 'load';

export interface DeadLetter {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number | null;
  /** Base64, as in the event; null for a null key/value. */
  readonly key: string | null;
  readonly value: string | null;
  /** Header values base64-encoded (the event carries them as signed byte arrays). */
  readonly headers: readonly { readonly key: string; readonly value: string }[];
  /** The table the record was routed to, when it got that far. */
  readonly table: string | null;
  readonly error: { readonly stage: DeadLetterStage; readonly code: string; readonly message: string };
}

/** Writes dead letters; resolves only when every one is stored. */
export interface DeadLetterWriter {
  readonly destination: string;
  write(letters: readonly DeadLetter[]): Promise<void>;
}

/** Builds a dead letter from the raw event record. */
export function deadLetterOf(
  raw: KafkaEventRecord,
  error: SinkError,
  stage: DeadLetterStage,
  table: string | null = null,
): DeadLetter {
  return {
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    timestamp: typeof raw.timestamp === 'number' ? raw.timestamp : null,
    key: typeof raw.key === 'string' ? raw.key : null,
    value: typeof raw.value === 'string' ? raw.value : null,
    headers: rawHeaders(raw.headers),
    table,
    error: { stage, code: error.code, message: error.message },
  };
}

function rawHeaders(headers: unknown): { key: string; value: string }[] {
  if (!Array.isArray(headers)) return [];
  const out: { key: string; value: string }[] = [];
  for (const entry of headers) {
    if (entry === null || typeof entry !== 'object') continue;
    for (const [key, bytes] of Object.entries(entry as Record<string, unknown>)) {
      // Kept even when malformed (that may be why the record is here): the numbers as given.
      const list = Array.isArray(bytes) ? bytes.filter((b): b is number => Number.isInteger(b)) : [];
      out.push({ key, value: Buffer.from(list).toString('base64') });
    }
  }
  return out;
}

/** Describes a destination for messages, without anything secret (there is nothing secret in it). */
export function describeDestination(destination: DeadLetterDestination): string {
  return destination.kind === 's3'
    ? `s3://${destination.bucket}/${destination.prefix}`
    : destination.queueUrl;
}
