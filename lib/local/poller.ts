import {
  Consumer,
  type Message,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
} from '@platformatic/kafka';
import { type KafkaEvent, type KafkaEventRecord, partitionKey } from '../decode/event.ts';
import { MAX_EVENT_BYTES } from './event-limits.ts';
import type { InvokeResult, LocalFunction } from './lambda-runtime.ts';

/**
 * A local Kafka event-source mapping: consumes with `@platformatic/kafka`, builds the event the
 * MSK / self-managed ESM sends, invokes a {@link LocalFunction}, and commits offsets only after the
 * invocation succeeded. A failed invocation is retried with the very same records (the ESM's
 * default: "Lambda retries the whole batch … until processing succeeds"), with a bounded
 * exponential backoff, and nothing is committed meanwhile.
 */

export { MAX_EVENT_BYTES };

/** The ESM's BatchSize range. */
const MAX_BATCH_SIZE = 10_000;

export const EventSources = { MSK: 'aws:kafka', SELF_MANAGED: 'SelfManagedKafka' } as const;
export type EventSource = (typeof EventSources)[keyof typeof EventSources];

/** An ARN-shaped placeholder for `eventSourceArn` on MSK events: the ESM always sends one. */
const LOCAL_MSK_ARN =
  'arn:aws:kafka:us-east-1:000000000000:cluster/local/00000000-0000-0000-0000-000000000000-1';

export interface RetryOptions {
  /** First backoff. @default 500 */
  readonly initialMs?: number;
  /** Backoff ceiling: the delay doubles up to this. @default 10000 */
  readonly maxMs?: number;
  /**
   * Retries of one batch before the poller gives up (stops, commits nothing, `done` rejects).
   * @default Infinity — the ESM's default `MaximumRetryAttempts: -1`
   */
  readonly maxAttempts?: number;
}

export interface PollerOptions {
  /** `host:port` list, as a comma-separated string or an array. */
  readonly bootstrapServers: string | readonly string[];
  readonly topics: readonly string[];
  /** Stable across restarts so that committed offsets are found again. @default 'starrocks-sink-local' */
  readonly groupId?: string;
  readonly fn: LocalFunction;
  /** @default 100 (1..10,000) */
  readonly batchSize?: number;
  /** How long to gather records after the first one before invoking. @default 500 */
  readonly batchingWindowMs?: number;
  /** @default 'aws:kafka' */
  readonly eventSource?: EventSource;
  /** The function timeout passed to each invocation. @default 60000 */
  readonly invokeTimeoutMs?: number;
  readonly retry?: RetryOptions;
  /** Called after every invocation, successful or not. */
  readonly onInvoke?: (info: InvocationInfo) => void;
  /** Called for problems that do not stop the poller (a failed commit: the batch will be redelivered). */
  readonly onWarning?: (message: string) => void;
  /** Size limit for tests of the cut; never above {@link MAX_EVENT_BYTES}. @default MAX_EVENT_BYTES */
  readonly maxEventBytes?: number;
  readonly clientId?: string;
  /** Consumer session timeout; short so that a restarted poller is not blocked for long. @default 10000 */
  readonly sessionTimeoutMs?: number;
}

export interface InvocationInfo {
  readonly event: KafkaEvent;
  readonly records: number;
  readonly bytes: number;
  /** 1 for the first try of a batch. */
  readonly attempt: number;
  readonly result: InvokeResult;
  /** `topic-partition` → `first..last` offsets of the batch. */
  readonly offsets: Readonly<Record<string, string>>;
}

export interface PollerStats {
  invocations: number;
  failures: number;
  /** Records in successfully processed (committed) batches. */
  records: number;
  batches: number;
  /** `topic-partition` → the next offset committed for the group. */
  readonly committed: Map<string, bigint>;
}

export interface Poller {
  readonly stats: PollerStats;
  /** Settles when the poller ends: resolves after `stop()`, rejects when it gave up on a batch. */
  readonly done: Promise<void>;
  /**
   * Stops consuming. An invocation in flight is awaited (and committed if it succeeds); a retry
   * waiting in backoff is abandoned without committing, so the batch is redelivered next time.
   */
  stop(): Promise<void>;
}

// Null keys, values and header values arrive as `undefined` despite the Buffer type.
type RawMessage = Message<Buffer, Buffer, Buffer, Buffer>;

interface Batch {
  readonly event: KafkaEvent;
  readonly bytes: number;
  readonly count: number;
  readonly commits: { topic: string; partition: number; offset: bigint; leaderEpoch: number }[];
  readonly offsets: Record<string, string>;
}

/** Java bytes are signed: the ESM sends header values as numbers in -128..127. */
function toSignedBytes(buffer: Buffer | undefined | null): number[] {
  if (buffer === undefined || buffer === null) return [];
  return Array.from(buffer, (b) => (b > 127 ? b - 256 : b));
}

/** One event record, shaped as the ESM shapes it. */
function toEventRecord(message: RawMessage): KafkaEventRecord {
  return {
    topic: message.topic,
    partition: message.partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    // @platformatic/kafka does not read the batch's timestamp-type bit; topics default to CreateTime.
    timestampType: 'CREATE_TIME',
    key: message.key === undefined || message.key === null ? null : message.key.toString('base64'),
    value: message.value === undefined || message.value === null ? null : message.value.toString('base64'),
    headers: message.headerEntries.map(([name, value]) => ({
      [name.toString('utf8')]: toSignedBytes(value),
    })),
  };
}

/**
 * Takes messages from the front of `pending` into one event, up to `batchSize` records and
 * `maxBytes` of serialized JSON, and removes them from `pending`. The size is computed exactly
 * for `JSON.stringify(event)` as it grows, so the cut happens before the record that would cross
 * the limit. Throws when the first record alone does not fit: the ESM cannot deliver it either.
 */
function cutBatch(
  pending: RawMessage[],
  options: { batchSize: number; maxBytes: number; eventSource: EventSource; bootstrapServers: string },
): Batch {
  const envelope: Omit<KafkaEvent, 'records'> =
    options.eventSource === EventSources.MSK
      ? {
          eventSource: 'aws:kafka',
          eventSourceArn: LOCAL_MSK_ARN,
          bootstrapServers: options.bootstrapServers,
        }
      : { eventSource: 'SelfManagedKafka', bootstrapServers: options.bootstrapServers };
  const records: Record<string, KafkaEventRecord[]> = {};
  let bytes = Buffer.byteLength(JSON.stringify({ ...envelope, records: {} }));
  let keys = 0;
  let count = 0;
  const commits = new Map<string, Batch['commits'][number]>();
  const offsets: Record<string, string> = {};
  while (count < options.batchSize && count < pending.length) {
    const message = pending[count] as RawMessage;
    const record = toEventRecord(message);
    const key = partitionKey(record.topic, record.partition);
    const list = records[key];
    // "key":[record] for a new partition (plus a comma after the previous key), ",record" otherwise.
    const added =
      Buffer.byteLength(JSON.stringify(record)) +
      (list === undefined ? Buffer.byteLength(JSON.stringify(key)) + 3 + (keys > 0 ? 1 : 0) : 1);
    if (bytes + added > options.maxBytes) {
      if (count === 0) {
        throw new Error(
          `record ${key}@${record.offset} alone makes a ${bytes + added}-byte event, above the ${options.maxBytes}-byte invoke payload limit; the event-source mapping cannot deliver it either`,
        );
      }
      break;
    }
    bytes += added;
    if (list === undefined) {
      records[key] = [record];
      keys++;
      offsets[key] = `${record.offset}..${record.offset}`;
    } else {
      list.push(record);
      offsets[key] = `${(offsets[key] ?? '').split('..')[0]}..${record.offset}`;
    }
    commits.set(key, {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset + 1n,
      leaderEpoch: message.leaderEpoch,
    });
    count++;
  }
  pending.splice(0, count);
  return { event: { ...envelope, records }, bytes, count, commits: [...commits.values()], offsets };
}

/**
 * Starts polling. The returned poller runs until `stop()`.
 *
 * @example
 * const fn = await startLocalFunction({ bundle: 'dist/sink/index.mjs', env: { SINK_CONFIG } });
 * const poller = await startPoller({ bootstrapServers: '127.0.0.1:9092', topics: ['test'], fn });
 * // …
 * await poller.stop();
 * await fn.close();
 */
export async function startPoller(options: PollerOptions): Promise<Poller> {
  const batchSize = options.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new Error(`batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
  const windowMs = options.batchingWindowMs ?? 500;
  if (!(windowMs >= 0 && windowMs <= 300_000)) {
    throw new Error(`batchingWindowMs must be from 0 to 300000, got ${windowMs}`);
  }
  const maxBytes = Math.min(options.maxEventBytes ?? MAX_EVENT_BYTES, MAX_EVENT_BYTES);
  const brokers =
    typeof options.bootstrapServers === 'string'
      ? options.bootstrapServers.split(',').map((s) => s.trim())
      : [...options.bootstrapServers];
  const bootstrapServers = brokers.join(',');
  const eventSource = options.eventSource ?? EventSources.MSK;
  const retry = {
    initialMs: options.retry?.initialMs ?? 500,
    maxMs: options.retry?.maxMs ?? 10_000,
    maxAttempts: options.retry?.maxAttempts ?? Number.POSITIVE_INFINITY,
  };

  const consumer = new Consumer({
    clientId: options.clientId ?? 'starrocks-sink-local-esm',
    groupId: options.groupId ?? 'starrocks-sink-local',
    bootstrapBrokers: brokers,
    autocommit: false,
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    heartbeatInterval: 1_000,
    maxWaitTime: Math.max(100, Math.min(windowMs, 500)),
  });
  let stream: Awaited<ReturnType<typeof consumer.consume>>;
  try {
    stream = await consumer.consume({
      topics: [...options.topics],
      mode: MessagesStreamModes.COMMITTED,
      // A new group starts at the beginning, like an ESM created with StartingPosition TRIM_HORIZON.
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
      autocommit: false,
    });
  } catch (error) {
    await consumer.close(true).catch(() => {});
    throw error;
  }

  const stats: PollerStats = { invocations: 0, failures: 0, records: 0, batches: 0, committed: new Map() };
  const pending: RawMessage[] = [];
  let stopping = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  /** Sleeps until `ms` passes or something happens (a record, stop, a stream error). */
  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  let streamError: Error | undefined;
  stream.on('data', (message: RawMessage) => {
    pending.push(message);
    // Hold at most one batch in memory; the stream buffers the rest and stops fetching.
    if (pending.length >= batchSize) stream.pause();
    signal();
  });
  stream.on('error', (error: Error) => {
    streamError = error;
    signal();
  });

  const invokeUntilDone = async (batch: Batch): Promise<boolean> => {
    for (let attempt = 1; ; attempt++) {
      const result = await options.fn.invoke(batch.event, { timeoutMs: options.invokeTimeoutMs ?? 60_000 });
      stats.invocations++;
      if (!result.ok) stats.failures++;
      options.onInvoke?.({
        event: batch.event,
        records: batch.count,
        bytes: batch.bytes,
        attempt,
        result,
        offsets: batch.offsets,
      });
      if (result.ok) return true;
      if (attempt > retry.maxAttempts) {
        throw new Error(
          `gave up on the batch ${JSON.stringify(batch.offsets)} after ${attempt} attempts: ${result.error.errorMessage}`,
        );
      }
      if (stopping) return false;
      await nap(Math.min(retry.maxMs, retry.initialMs * 2 ** (attempt - 1)));
      if (stopping) return false;
    }
  };

  const run = async () => {
    while (!stopping) {
      if (streamError !== undefined) throw streamError;
      if (pending.length === 0) {
        await nap(1_000);
        continue;
      }
      // The window starts with the first record, as the ESM's MaximumBatchingWindow does.
      const deadline = Date.now() + windowMs;
      while (!stopping && pending.length < batchSize && Date.now() < deadline) {
        await nap(deadline - Date.now());
      }
      if (stopping) break;
      stream.pause();
      const batch = cutBatch(pending, { batchSize, maxBytes, eventSource, bootstrapServers });
      if (!(await invokeUntilDone(batch))) break;
      try {
        await consumer.commit({ offsets: batch.commits });
        for (const c of batch.commits) stats.committed.set(partitionKey(c.topic, c.partition), c.offset);
      } catch (error) {
        // At-least-once: an uncommitted batch is delivered again, and identical labels dedupe it.
        options.onWarning?.(
          `committing ${JSON.stringify(batch.offsets)} failed: ${(error as Error).message}`,
        );
      }
      stats.batches++;
      stats.records += batch.count;
      if (pending.length < batchSize) stream.resume();
    }
  };

  const closeAll = async () => {
    await stream.close().catch(() => {});
    await consumer.close(true).catch(() => {});
  };
  const done = run().then(closeAll, async (error: unknown) => {
    await closeAll();
    throw error;
  });
  // `done` is also awaited by stop(); keep an unobserved rejection from crashing the process.
  done.catch(() => {});

  return {
    stats,
    done,
    async stop() {
      stopping = true;
      signal();
      await done.catch(() => {});
    },
  };
}
