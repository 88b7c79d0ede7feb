import type { Schema } from 'avsc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KafkaEventRecord } from '../../lib/decode/event.ts';
import { startLocalDeadLetters } from '../../lib/local/dead-letter-endpoint.ts';
import type { LocalFunction } from '../../lib/local/lambda-runtime.ts';
import { type LocalSecrets, startLocalSecrets } from '../../lib/local/secrets-endpoint.ts';
import type { StandIn } from '../../lib/local/stand-in/index.ts';
import { mskEvent, seedConfig } from '../fixtures/events.ts';
import {
  type ScriptedRegistry,
  type ScriptedSchema,
  startScriptedRegistry,
} from '../support/scripted-registry.ts';
import { openStandIn, type StarRocksTarget, targetConfigKeys } from '../support/starrocks-target.ts';
import { jsonLogs, startBundle } from './support/bundle.ts';

/**
 * Values written through a schema registry, end to end in the built bundle: the Confluent wire
 * format, schemas fetched from a registry on loopback once per container, and what happens when the
 * registry is down, an id is unknown or a value is not framed.
 */

const USER = 'sr_user';
const PASSWORD = 'Sr-Secret-Pa55!';
const JSON_SCHEMA: ScriptedSchema = {
  schemaType: 'JSON',
  schema: '{"type":"object","properties":{"id":{"type":"integer"},"city":{"type":"string"}}}',
};

let target: StarRocksTarget & { standIn: StandIn };
let registry: ScriptedRegistry;
const closers: (() => Promise<void>)[] = [];

beforeEach(async () => {
  target = await openStandIn({ standInUsers: { [USER]: PASSWORD } });
  await target.execute('CREATE TABLE test_tbl (id BIGINT, city STRING) DUPLICATE KEY(id);');
  registry = await startScriptedRegistry({ schemas: { '7': JSON_SCHEMA, '8': JSON_SCHEMA } });
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  await registry.close();
  await target.close();
});

async function startSink(
  overrides: Record<string, string> = {},
  env: Record<string, string> = {},
): Promise<LocalFunction> {
  const sink = await startBundle(
    seedConfig({
      ...targetConfigKeys(target),
      'value.converter': 'io.confluent.connect.json.JsonSchemaConverter',
      'value.converter.schema.registry.url': registry.url,
      ...overrides,
    }),
    env,
  );
  closers.push(() => sink.close());
  return sink;
}

/** A Confluent-framed value: magic byte 0, the schema id, then the body. */
function framed(id: number, body: Buffer | string): string {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  return Buffer.concat([header, Buffer.from(body)]).toString('base64');
}

function record(offset: number, value: string | null): KafkaEventRecord {
  return {
    topic: 'test',
    partition: 0,
    offset,
    timestamp: 1_764_000_000_000,
    timestampType: 'CREATE_TIME',
    key: null,
    value,
    headers: [],
  };
}

describe('JSON Schema values through a Confluent-compatible registry', () => {
  it('loads framed values of two schema ids in one batch, fetching each id once per container', async () => {
    const sink = await startSink();
    const batch = (base: number) =>
      mskEvent([
        record(base, framed(7, '{"id": 9007199254740993, "city": "Oslo"}')),
        record(base + 1, framed(8, '{"id": 2, "city": "Lima"}')),
        record(base + 2, null),
      ]);

    expect((await sink.invoke(batch(0))).ok).toBe(true);
    expect((await sink.invoke(batch(3))).ok).toBe(true);

    // A duplicate-key table keeps both copies, sorted by key; the id past 2^53 keeps every digit.
    expect(await target.rows('test_tbl')).toEqual([
      { id: 2, city: 'Lima' },
      { id: 2, city: 'Lima' },
      { id: '9007199254740993', city: 'Oslo' },
      { id: '9007199254740993', city: 'Oslo' },
    ]);
    expect(registry.requests.map((r) => r.path).sort()).toEqual(['/schemas/ids/7', '/schemas/ids/8']);
  });

  it('fails the batch as retryable while the registry is down, and loads it when it is back', async () => {
    const sink = await startSink();
    registry.script((_req, res) => {
      res.writeHead(503).end('maintenance');
      return true;
    });
    const event = mskEvent([record(0, framed(7, '{"id": 1, "city": "Oslo"}'))]);

    const failed = await sink.invoke(event);
    expect(failed.ok).toBe(false);
    if (!failed.ok) expect(failed.error.code).toBe('REGISTRY_UNAVAILABLE');
    expect(await target.rows('test_tbl')).toEqual([]);

    registry.script(undefined);
    expect((await sink.invoke(event)).ok).toBe(true);
    expect(await target.rows('test_tbl')).toEqual([{ id: 1, city: 'Oslo' }]);
  });

  it.each([
    [framed(41, '{"id": 1}'), 'DECODE_SCHEMA', 'the schema registry has no schema with id 41'],
    [Buffer.from('{"id": 1}').toString('base64'), 'DECODE_VALUE', 'magic byte 0x00'],
  ])(
    'fails the batch on a bad value, naming topic, partition, offset and why (%#)',
    async (value, code, reason) => {
      const sink = await startSink();
      const result = await sink.invoke(mskEvent([record(0, framed(7, '{"id": 1}')), record(1, value)]));
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe(code);
      expect(result.error.errorMessage).toContain('topic "test", partition 0, offset 1');
      expect(result.error.errorMessage).toContain(reason);
      expect(await target.rows('test_tbl')).toEqual([]);
    },
  );

  it('with errors.tolerance=all, dead-letters the value of an unknown schema and loads the rest', async () => {
    const aws = await startLocalDeadLetters();
    closers.push(() => aws.close());
    aws.createBucket('letters');
    const sink = await startSink(
      { 'errors.tolerance': 'all', 'errors.deadletterqueue.s3.bucket': 'letters' },
      { AWS_ENDPOINT_URL_S3: aws.endpoint, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
    );
    const result = await sink.invoke(
      mskEvent([record(0, framed(7, '{"id": 1}')), record(1, framed(99, '{"id": 2}'))]),
    );
    expect(result.ok).toBe(true);
    expect(await target.rows('test_tbl')).toEqual([{ id: 1, city: null }]);
    const letters = [...aws.objects('letters').values()].map(
      (text) => JSON.parse(text) as Record<string, unknown>,
    );
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ topic: 'test', partition: 0, offset: 1 });
    expect(JSON.stringify(letters[0])).toContain('no schema with id 99');
  });

  it('loads values an event-source mapping already decoded to JSON (valueSchemaMetadata)', async () => {
    const sink = await startSink();
    const decoded = {
      ...record(0, Buffer.from('{"id": 5, "city": "Kyiv"}').toString('base64')),
      valueSchemaMetadata: { dataFormat: 'JSON', schemaId: '7' },
    };
    expect((await sink.invoke(mskEvent([decoded]))).ok).toBe(true);
    expect(await target.rows('test_tbl')).toEqual([{ id: 5, city: 'Kyiv' }]);
    expect(registry.requests).toHaveLength(0);
  });
});

describe('registry credentials from Secrets Manager (the real SDK client against a local endpoint)', () => {
  let secrets: LocalSecrets;
  beforeEach(async () => {
    secrets = await startLocalSecrets();
    closers.push(() => secrets.close());
  });

  it('sends the secret as basic auth, and never logs or returns it', async () => {
    await registry.close();
    const authorization = `Basic ${Buffer.from('SRKEY:Sr-T0p-S3cret').toString('base64')}`;
    registry = await startScriptedRegistry({ schemas: { '7': JSON_SCHEMA }, authorization });
    const arn = secrets.put(
      'registry/sink',
      JSON.stringify({ username: 'SRKEY', password: 'Sr-T0p-S3cret' }),
    );
    const sink = await startSink(
      {
        'value.converter.schema.registry.url': registry.url,
        'value.converter.basic.auth.credentials.source': 'USER_INFO',
        'value.converter.schema.registry.secret.arn': arn,
      },
      {
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
    );
    const first = await sink.invoke(mskEvent([record(0, framed(7, '{"id": 1}'))]));
    expect(first).toMatchObject({ ok: true });
    expect(registry.requests[0]?.authorization).toBe(authorization);

    // Now the registry refuses the same credentials, echoing them: the error and logs must not.
    registry.script((req, res) => {
      res.writeHead(401).end(`bad credentials ${req.headers.authorization}`);
      return true;
    });
    const refused = await sink.invoke(mskEvent([record(1, framed(8, '{"id": 2}'))]));
    expect(refused.ok).toBe(false);
    const everything = JSON.stringify(refused) + JSON.stringify(jsonLogs(sink)) + sink.logs.join('\n');
    expect(everything).not.toContain('Sr-T0p-S3cret');
    expect(everything).not.toContain(authorization.slice('Basic '.length));
  });
});

describe('Avro values through a Confluent-compatible registry', () => {
  const ORDER_V1 = {
    type: 'record',
    name: 'Order',
    namespace: 'shop',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
      { name: 'placed', type: { type: 'long', logicalType: 'timestamp-micros' } },
      { name: 'day', type: { type: 'int', logicalType: 'date' } },
      { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
      { name: 'note', type: ['null', 'string'], default: null },
    ],
  };
  // Schema evolution inside one batch: v2 adds a field with a default.
  const ORDER_V2 = {
    ...ORDER_V1,
    fields: [...ORDER_V1.fields, { name: 'channel', type: 'string', default: 'web' }],
  };

  it('loads rows of two schema versions in one batch, with decimals, timestamps, dates, enums and unions as StarRocks loads them', async () => {
    const avro = (await import('avsc')).default;
    await registry.close();
    registry = await startScriptedRegistry({
      schemas: { '21': { schema: JSON.stringify(ORDER_V1) }, '22': { schema: JSON.stringify(ORDER_V2) } },
    });
    await target.execute(
      'CREATE TABLE orders (id BIGINT, amount DECIMAL(12,2), placed DATETIME, day DATE, status STRING, note STRING, channel STRING) DUPLICATE KEY(id);',
    );
    const v1 = avro.Type.forSchema(ORDER_V1 as Schema);
    const v2 = avro.Type.forSchema(ORDER_V2 as Schema);
    const cents = (n: number) => {
      const bytes = Buffer.alloc(4);
      bytes.writeInt32BE(n);
      return bytes;
    };
    const first = v1.toBuffer({
      id: 1,
      amount: cents(-12345),
      placed: 1_733_400_000_123_456,
      day: 20_062,
      status: 'NEW',
      note: null,
    });
    const second = v2.toBuffer({
      id: 2,
      amount: cents(500),
      placed: 0,
      day: 0,
      status: 'PAID',
      note: 'gift',
      channel: 'app',
    });
    const sink = await startSink({
      'value.converter': 'io.confluent.connect.avro.AvroConverter',
      'value.converter.schema.registry.url': registry.url,
      topics: 'shop.orders',
      'starrocks.topic2table.map': 'shop.orders:orders',
    });
    const event = mskEvent([
      { ...record(0, framed(21, first)), topic: 'shop.orders' },
      { ...record(1, framed(22, second)), topic: 'shop.orders' },
    ]);
    const result = await sink.invoke(event);
    expect(result.ok ? 'loaded' : result.error.errorMessage).toBe('loaded');
    expect(await target.rows('orders')).toEqual([
      {
        id: 1,
        amount: '-123.45',
        placed: '2024-12-05 12:00:00.123456',
        day: '2024-12-05',
        status: 'NEW',
        note: null,
        channel: null,
      },
      {
        id: 2,
        amount: '5.00',
        placed: '1970-01-01 00:00:00',
        day: '1970-01-01',
        status: 'PAID',
        note: 'gift',
        channel: 'app',
      },
    ]);
  });
});
