import { Admin, Producer } from '@platformatic/kafka';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KafkaEvent } from '../../lib/decode/event.ts';
import type { InvokeResult, LocalFunction } from '../../lib/local/lambda-runtime.ts';
import { MAX_EVENT_BYTES, type Poller, startPoller } from '../../lib/local/poller.ts';
import { createTopics, type KafkaBroker, kafkaForSuite } from './harness/kafka.ts';
import { ensureJars } from './harness/maven.ts';
import { tail } from './harness/process.ts';
import { waitFor } from './harness/wait.ts';

/**
 * The local event-source poller against a real Kafka, driving a scripted function so that the
 * events it builds and the offsets it commits can be inspected exactly.
 */

const RUN = Date.now().toString(36);
let kafka: KafkaBroker;
let pollers: Poller[] = [];

beforeAll(async () => {
  await ensureJars((line) => console.log(line));
  kafka = await kafkaForSuite('kafka-poller');
});
afterEach(async ({ task }) => {
  if (task.result?.state === 'fail' && kafka.logFile !== undefined) console.error(tail(kafka.logFile, 30));
  await Promise.all(pollers.map((p) => p.stop()));
  pollers = [];
});
afterAll(async () => {
  await kafka?.stop();
});

/** A function that records every event and answers from a script (ok unless told to fail). */
function scriptedFunction(failures = 0): LocalFunction & { events: KafkaEvent[] } {
  const events: KafkaEvent[] = [];
  let failuresLeft = failures;
  return {
    events,
    logs: [],
    async invoke(event): Promise<InvokeResult> {
      events.push(event as KafkaEvent);
      if (failuresLeft > 0) {
        failuresLeft--;
        return { ok: false, error: { errorType: 'SinkError', errorMessage: 'scripted failure' }, ms: 1 };
      }
      return { ok: true, result: undefined, ms: 1 };
    },
    async close() {},
  };
}

async function produce(
  topic: string,
  messages: { key?: Buffer; value?: Buffer; headers?: Map<Buffer, Buffer> }[],
): Promise<void> {
  const producer = new Producer({ clientId: 'e2e-poller', bootstrapBrokers: [kafka.bootstrap] });
  try {
    // In slices: the broker's default message.max.bytes is about 1 MB per request batch.
    for (const m of messages) await producer.send({ messages: [{ topic, ...m }] });
  } finally {
    await producer.close();
  }
}

async function committedOffset(groupId: string, topic: string): Promise<bigint> {
  const admin = new Admin({ clientId: 'e2e-poller-admin', bootstrapBrokers: [kafka.bootstrap] });
  try {
    const groups = await admin.listConsumerGroupOffsets({
      groups: [{ groupId, topics: [{ name: topic, partitionIndexes: [0] }] }],
    });
    const partition = groups[0]?.topics[0]?.partitions[0];
    return partition?.committedOffset ?? -1n;
  } finally {
    await admin.close();
  }
}

function recordsOf(events: KafkaEvent[]) {
  return events.flatMap((e) => Object.values(e.records).flat());
}

describe('the local event-source poller', () => {
  it('builds MSK events keyed topic-partition with base64 key/value, null tombstones and signed header bytes', async () => {
    const topic = `shape.v1-${RUN}`;
    await createTopics(kafka.bootstrap, [topic]);
    await produce(topic, [
      {
        key: Buffer.from('k1'),
        value: Buffer.from('{"id":1}'),
        headers: new Map([[Buffer.from('lang'), Buffer.from('hello-ë')]]),
      },
      { key: Buffer.from('k1') },
      { value: Buffer.from('plain') },
    ]);
    const fn = scriptedFunction();
    pollers.push(
      await startPoller({
        bootstrapServers: kafka.bootstrap,
        topics: [topic],
        groupId: `g-shape-${RUN}`,
        fn,
        batchingWindowMs: 300,
      }),
    );

    await waitFor('3 records', () => recordsOf(fn.events).length >= 3, { timeoutMs: 30_000 });

    const event = fn.events[0]!;
    expect(event.eventSource).toBe('aws:kafka');
    expect(event.eventSourceArn).toMatch(/^arn:aws:kafka:/);
    expect(event.bootstrapServers).toBe(kafka.bootstrap);
    expect(Object.keys(event.records)).toEqual([`${topic}-0`]);
    expect(recordsOf(fn.events)).toEqual([
      {
        topic,
        partition: 0,
        offset: 0,
        timestamp: expect.any(Number),
        timestampType: 'CREATE_TIME',
        key: Buffer.from('k1').toString('base64'),
        value: Buffer.from('{"id":1}').toString('base64'),
        headers: [{ lang: [104, 101, 108, 108, 111, 45, -61, -85] }],
      },
      expect.objectContaining({
        offset: 1,
        key: Buffer.from('k1').toString('base64'),
        value: null,
        headers: [],
      }),
      expect.objectContaining({ offset: 2, key: null, value: Buffer.from('plain').toString('base64') }),
    ]);
  });

  it('sends SelfManagedKafka events without an eventSourceArn when asked', async () => {
    const topic = `self-${RUN}`;
    await createTopics(kafka.bootstrap, [topic]);
    await produce(topic, [{ value: Buffer.from('{}') }]);
    const fn = scriptedFunction();
    pollers.push(
      await startPoller({
        bootstrapServers: kafka.bootstrap,
        topics: [topic],
        groupId: `g-self-${RUN}`,
        fn,
        eventSource: 'SelfManagedKafka',
      }),
    );

    await waitFor('one event', () => fn.events.length >= 1, { timeoutMs: 30_000 });

    expect(fn.events[0]?.eventSource).toBe('SelfManagedKafka');
    expect(fn.events[0]).not.toHaveProperty('eventSourceArn');
  });

  it('cuts batches at the batch size', async () => {
    const topic = `size-${RUN}`;
    await createTopics(kafka.bootstrap, [topic]);
    const producer = new Producer({ clientId: 'e2e-poller', bootstrapBrokers: [kafka.bootstrap] });
    await producer.send({
      messages: Array.from({ length: 25 }, (_, i) => ({ topic, value: Buffer.from(`{"i":${i}}`) })),
    });
    await producer.close();
    const fn = scriptedFunction();
    pollers.push(
      await startPoller({
        bootstrapServers: kafka.bootstrap,
        topics: [topic],
        groupId: `g-size-${RUN}`,
        fn,
        batchSize: 10,
      }),
    );

    await waitFor('25 records', () => recordsOf(fn.events).length >= 25, { timeoutMs: 30_000 });

    expect(fn.events.map((e) => recordsOf([e]).length)).toEqual([10, 10, 5]);
    expect(recordsOf(fn.events).map((r) => r.offset)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it('keeps every event at or below the 6 MB invoke payload limit', async () => {
    const topic = `big-${RUN}`;
    await createTopics(kafka.bootstrap, [topic]);
    // 700 KB values: about 933 KB each in base64, so six fit in 6 MB and the seventh does not.
    await produce(
      topic,
      Array.from({ length: 8 }, (_, i) => ({ value: Buffer.alloc(700_000, 97 + i) })),
    );
    const fn = scriptedFunction();
    pollers.push(
      await startPoller({
        bootstrapServers: kafka.bootstrap,
        topics: [topic],
        groupId: `g-big-${RUN}`,
        fn,
        batchingWindowMs: 1_000,
      }),
    );

    await waitFor('8 records', () => recordsOf(fn.events).length >= 8, { timeoutMs: 60_000 });

    for (const event of fn.events)
      expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    expect(fn.events.map((e) => recordsOf([e]).length)).toEqual([6, 2]);
  });

  it('retries a failed batch with the same records and commits only after success', async () => {
    const topic = `retry-${RUN}`;
    const groupId = `g-retry-${RUN}`;
    await createTopics(kafka.bootstrap, [topic]);
    await produce(topic, [{ value: Buffer.from('{"a":1}') }, { value: Buffer.from('{"a":2}') }]);
    const fn = scriptedFunction(3);
    const poller = await startPoller({
      bootstrapServers: kafka.bootstrap,
      topics: [topic],
      groupId,
      fn,
      retry: { initialMs: 300, maxMs: 300 },
    });
    pollers.push(poller);

    await waitFor('the second failure', () => fn.events.length >= 2, { timeoutMs: 30_000 });
    expect(await committedOffset(groupId, topic)).toBe(-1n);

    await waitFor('a successful invocation', () => poller.stats.batches >= 1, { timeoutMs: 30_000 });
    expect(fn.events).toHaveLength(4);
    for (const event of fn.events) expect(event).toEqual(fn.events[0]);
    expect(poller.stats).toMatchObject({ invocations: 4, failures: 3, records: 2 });
    expect(await committedOffset(groupId, topic)).toBe(2n);
  });

  it('resumes after a restart from the committed offset of its stable group', async () => {
    const topic = `restart-${RUN}`;
    const groupId = `g-restart-${RUN}`;
    await createTopics(kafka.bootstrap, [topic]);
    await produce(topic, [{ value: Buffer.from('{"a":1}') }]);
    const first = scriptedFunction();
    const poller = await startPoller({
      bootstrapServers: kafka.bootstrap,
      topics: [topic],
      groupId,
      fn: first,
    });
    await waitFor('the first batch to commit', () => poller.stats.batches >= 1, { timeoutMs: 30_000 });
    await poller.stop();

    await produce(topic, [{ value: Buffer.from('{"a":2}') }]);
    const second = scriptedFunction();
    pollers.push(
      await startPoller({ bootstrapServers: kafka.bootstrap, topics: [topic], groupId, fn: second }),
    );
    await waitFor('the second batch', () => second.events.length >= 1, { timeoutMs: 30_000 });

    expect(recordsOf(second.events).map((r) => r.offset)).toEqual([1]);
  });
});
