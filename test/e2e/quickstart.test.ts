import { Producer } from '@platformatic/kafka';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type StandIn, startStandIn } from '../../lib/local/stand-in/index.ts';
import { seedConfig } from '../fixtures/events.ts';
import { createTopics, type KafkaBroker, kafkaForSuite } from './harness/kafka.ts';
import { ensureJars } from './harness/maven.ts';
import { tail } from './harness/process.ts';
import { type SinkPipeline, startSinkPipeline } from './harness/sink.ts';
import { waitFor } from './harness/wait.ts';

/** Scenario 1: the seed's JSON quickstart through a real Kafka, the local poller and the bundle. */

const PASSWORD = 'Str0ng-Pa55!';
const RUN = Date.now().toString(36);
const TOPIC = `test`;

let kafka: KafkaBroker;
let starrocks: StandIn;
let sink: SinkPipeline | undefined;

beforeAll(async () => {
  await ensureJars((line) => console.log(line));
  kafka = await kafkaForSuite('kafka-quickstart');
  starrocks = await startStandIn({ users: { root: '', user1: PASSWORD } });
  starrocks.execute(
    'CREATE DATABASE example_db; USE example_db; CREATE TABLE test_tbl (id INT, city STRING);',
  );
});

afterEach(({ task }) => {
  if (task.result?.state === 'fail') {
    if (sink !== undefined) console.error(tail(sink.logFile, 60));
    if (kafka?.logFile !== undefined) console.error(tail(kafka.logFile, 30));
  }
});

afterAll(async () => {
  await sink?.stop();
  await starrocks?.close();
  await kafka?.stop();
});

describe('scenario 1: the seed JSON quickstart through real Kafka', () => {
  it('loads the three produced rows into example_db.test_tbl and commits their offsets', async () => {
    // An existing Kafka (E2E_KAFKA_BOOTSTRAP) may already hold a `test` topic: use a fresh one there.
    const topic = process.env.E2E_KAFKA_BOOTSTRAP ? `${TOPIC}-${RUN}` : TOPIC;
    await createTopics(kafka.bootstrap, [topic]);
    const producer = new Producer({ clientId: 'e2e-quickstart', bootstrapBrokers: [kafka.bootstrap] });
    try {
      await producer.send({
        messages: [
          '{"id":1,"city":"New York"}',
          '{"id":2,"city":"Los Angeles"}',
          '{"id":3,"city":"Chicago"}',
        ].map((value) => ({ topic, value: Buffer.from(value) })),
      });
    } finally {
      await producer.close();
    }

    sink = await startSinkPipeline({
      name: `quickstart-${RUN}`,
      bootstrap: kafka.bootstrap,
      topics: [topic],
      sinkConfig: seedConfig({
        topics: topic,
        'starrocks.topic2table.map': `${topic}:test_tbl`,
        'starrocks.http.url': starrocks.feUrl,
        'starrocks.password': PASSWORD,
        'value.converter.schemas.enable': 'false',
      }),
    });
    await waitFor('three rows in test_tbl', () => starrocks.rows('example_db', 'test_tbl').length >= 3, {
      timeoutMs: 60_000,
    });
    await waitFor(
      'the offsets to be committed',
      () => sink?.poller.stats.committed.get(`${topic}-0`) === 3n,
      {
        timeoutMs: 10_000,
      },
    );

    expect(starrocks.rows('example_db', 'test_tbl')).toEqual([
      { id: 1, city: 'New York' },
      { id: 2, city: 'Los Angeles' },
      { id: 3, city: 'Chicago' },
    ]);
    expect(sink.invocations.every((i) => i.result.ok)).toBe(true);
  });
});
