import { deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfluentRegistryConnection } from '../../../lib/config/converters.ts';
import { decodeKafkaEvent } from '../../../lib/decode/event.ts';
import { ConfluentRegistry } from '../../../lib/decode/schema-registry/confluent-registry.ts';
import { credentialsFromSecret, SchemaCache } from '../../../lib/decode/schema-registry/schema-cache.ts';
import { readFraming } from '../../../lib/decode/schema-registry/wire-format.ts';
import { ErrorCode, type SinkError } from '../../../lib/errors.ts';
import { kafkaRecord, mskEvent } from '../../fixtures/events.ts';
import { type ScriptedRegistry, startScriptedRegistry } from '../../support/scripted-registry.ts';

/**
 * The registry side of the formats: the wire formats read from a value's first bytes, and the
 * Confluent REST client against a real loopback server: failover, bounds, credentials that go
 * only where configured and never come back in an error, and a schema fetched once per container.
 */

const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';
const uuidBytes = Buffer.from(UUID.replaceAll('-', ''), 'hex');

function recordOf(value: Buffer, extra: Record<string, unknown> = {}) {
  const event = mskEvent([
    { ...kafkaRecord({ topic: 'orders.v1' }), value: value.toString('base64'), ...extra },
  ]);
  const record = decodeKafkaEvent(event, { tolerant: false }).records[0];
  if (record === undefined) throw new Error('no record');
  return record;
}

function errorOf(run: () => unknown): SinkError {
  try {
    run();
  } catch (error) {
    return error as SinkError;
  }
  throw new Error('expected an error');
}

describe('wire formats', () => {
  it('reads the Confluent magic byte and 4-byte big-endian schema id', () => {
    const framed = readFraming(recordOf(Buffer.from([0, 0, 0, 1, 2, 0x02, 0x54])), 'confluent');
    expect(framed).toMatchObject({ kind: 'framed', ref: { registry: 'confluent', id: '258' }, start: 5 });
  });

  it.each([
    [Buffer.from('{"id":1}'), 'it looks like JSON text'],
    [Buffer.from([1, 0, 0, 0, 1, 2]), 'it starts 0x01 0x00 0x00 0x00 0x01 0x02'],
    [Buffer.from([0, 0, 1]), 'it starts 0x00 0x00 0x01'],
  ])('refuses a value without the Confluent framing, naming the record (%#)', (value, shown) => {
    const error = errorOf(() => readFraming(recordOf(value), 'confluent'));
    expect(error.code).toBe(ErrorCode.DECODE_VALUE);
    expect(error.message).toContain('topic "orders.v1", partition 0, offset 0');
    expect(error.message).toContain('magic byte 0x00');
    expect(error.message).toContain(shown);
  });

  it('reads the Glue header and schema version UUID, uncompressed and zlib', () => {
    const body = Buffer.from('avro body');
    const plain = readFraming(recordOf(Buffer.concat([Buffer.from([3, 0]), uuidBytes, body])), 'glue');
    expect(plain).toMatchObject({ kind: 'framed', ref: { registry: 'glue', id: UUID }, start: 18 });
    const zlib = readFraming(
      recordOf(Buffer.concat([Buffer.from([3, 5]), uuidBytes, deflateSync(body)])),
      'glue',
    );
    expect(zlib.kind === 'framed' && zlib.bytes.subarray(zlib.start).toString()).toBe('avro body');
  });

  it.each([
    [Buffer.concat([Buffer.from([2, 0]), uuidBytes]), 'header version 3'],
    [Buffer.concat([Buffer.from([3, 1]), uuidBytes]), 'compression 0 or 5'],
    [Buffer.concat([Buffer.from([3, 5]), uuidBytes, Buffer.from('not zlib')]), 'does not inflate'],
  ])('refuses a bad Glue header (%#)', (value, message) => {
    expect(errorOf(() => readFraming(recordOf(value), 'glue')).message).toContain(message);
  });

  it('loads a value the event-source mapping decoded to JSON as JSON', () => {
    const record = recordOf(Buffer.from(' {"id": 1}'), {
      valueSchemaMetadata: { dataFormat: 'AVRO', schemaId: '7' },
    });
    expect(readFraming(record, 'confluent')).toMatchObject({ kind: 'esm-json' });
  });

  it('reads a SOURCE-format value with the schema the metadata names, from its first byte', () => {
    const confluent = recordOf(Buffer.from([0x02, 0x54]), {
      valueSchemaMetadata: { dataFormat: 'AVRO', schemaId: '7' },
    });
    expect(readFraming(confluent, 'confluent')).toMatchObject({
      ref: { registry: 'confluent', id: '7' },
      start: 0,
    });
    const glue = recordOf(Buffer.from([0x02]), {
      valueSchemaMetadata: { dataFormat: 'AVRO', schemaId: UUID },
    });
    expect(readFraming(glue, 'confluent')).toMatchObject({ ref: { registry: 'glue', id: UUID }, start: 0 });
  });

  it('reads a SOURCE-format Protobuf value from its message indexes, which the mapping keeps', () => {
    const record = recordOf(Buffer.from([0x02, 0x02, 0x08, 0x01]), {
      valueSchemaMetadata: { dataFormat: 'PROTOBUF', schemaId: '7' },
    });
    expect(readFraming(record, 'confluent')).toMatchObject({
      ref: { registry: 'confluent', id: '7' },
      start: 0,
    });
  });
});

const AVRO_SCHEMA = '{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}';

describe('Confluent registry client', () => {
  const registries: ScriptedRegistry[] = [];
  afterEach(async () => {
    await Promise.all(registries.splice(0).map((r) => r.close()));
  });

  async function registry(options: Parameters<typeof startScriptedRegistry>[0]): Promise<ScriptedRegistry> {
    const started = await startScriptedRegistry(options);
    registries.push(started);
    return started;
  }

  function connection(
    urls: string[],
    overrides: Partial<ConfluentRegistryConnection> = {},
  ): ConfluentRegistryConnection {
    return { kind: 'confluent', urls, auth: { kind: 'none' }, headers: {}, ...overrides };
  }

  const soon = () => Date.now() + 5_000;

  it('fetches a schema by id with its references, depth first', async () => {
    const sr = await registry({
      schemas: {
        '12': {
          schema: 'syntax = "proto3"; import "money.proto"; message Order { Money total = 1; }',
          schemaType: 'PROTOBUF',
          references: [{ name: 'money.proto', subject: 'money', version: 2 }],
        },
      },
      subjects: {
        'money/2': {
          id: 9,
          schema: 'syntax = "proto3"; message Money { int64 units = 1; }',
          schemaType: 'PROTOBUF',
        },
      },
    });
    const schema = await new ConfluentRegistry(connection([sr.url]), { kind: 'none' }).fetchSchema(
      '12',
      soon(),
    );
    expect(schema).toMatchObject({
      registry: 'confluent',
      id: '12',
      format: 'protobuf',
      references: [
        {
          name: 'money.proto',
          schema: { id: '9', format: 'protobuf', text: expect.stringContaining('Money') },
        },
      ],
    });
    expect(sr.requests.map((r) => r.path)).toEqual(['/schemas/ids/12', '/subjects/money/versions/2']);
  });

  it('answers undefined for an id the registry does not know (40403)', async () => {
    const sr = await registry({ schemas: {} });
    await expect(
      new ConfluentRegistry(connection([sr.url]), { kind: 'none' }).fetchSchema('5', soon()),
    ).resolves.toBeUndefined();
  });

  it('sends basic auth and the Confluent Cloud headers', async () => {
    const authorization = `Basic ${Buffer.from('KEY:S3CRET').toString('base64')}`;
    const sr = await registry({ schemas: { '1': { schema: AVRO_SCHEMA } }, authorization });
    const client = new ConfluentRegistry(
      connection([sr.url], { headers: { 'target-sr-cluster': 'lsrc-1' } }),
      {
        kind: 'basic',
        username: 'KEY',
        password: 'S3CRET',
      },
    );
    await expect(client.fetchSchema('1', soon())).resolves.toMatchObject({
      format: 'avro',
      text: AVRO_SCHEMA,
    });
    expect(sr.requests[0]?.headers['target-sr-cluster']).toBe('lsrc-1');
  });

  it('fails a refused credential as REGISTRY_AUTH, with the echoed credentials scrubbed', async () => {
    const sr = await registry({ schemas: { '1': { schema: AVRO_SCHEMA } }, authorization: 'Bearer right' });
    const client = new ConfluentRegistry(connection([sr.url]), { kind: 'bearer', token: 'wr0ng-t0ken' });
    const error = (await client.fetchSchema('1', soon()).catch((e: unknown) => e)) as SinkError;
    expect(error.code).toBe(ErrorCode.REGISTRY_AUTH);
    expect(error.message).toContain('Unauthorized: ***');
    expect(error.message).not.toContain('wr0ng-t0ken');
  });

  it('fails over from a dead URL and a 503 to the next, then keeps using the one that answered', async () => {
    const down = await registry({ schemas: {} });
    down.script((_req, res) => {
      res.writeHead(503).end('busy');
      return true;
    });
    const up = await registry({ schemas: { '3': { schema: AVRO_SCHEMA } } });
    const client = new ConfluentRegistry(connection(['http://127.0.0.1:9', down.url, up.url]), {
      kind: 'none',
    });
    await expect(client.fetchSchema('3', soon())).resolves.toMatchObject({ id: '3' });
    await client.fetchSchema('3', soon());
    expect(down.requests).toHaveLength(1);
    expect(up.requests).toHaveLength(2);
  });

  it('fails as a retryable REGISTRY_UNAVAILABLE naming each URL when none answers', async () => {
    const busy = await registry({ schemas: {} });
    busy.script((_req, res) => {
      res.writeHead(429).end('slow down');
      return true;
    });
    const error = (await new ConfluentRegistry(connection(['http://127.0.0.1:9', busy.url]), { kind: 'none' })
      .fetchSchema('3', soon())
      .catch((e: unknown) => e)) as SinkError;
    expect(error.code).toBe(ErrorCode.REGISTRY_UNAVAILABLE);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('http://127.0.0.1:9: ECONNREFUSED');
    expect(error.message).toContain(`${busy.url}: HTTP 429: slow down`);
  });

  it('does not follow a redirect, so the credentials stay with the configured hosts', async () => {
    const elsewhere = await registry({ schemas: { '1': { schema: AVRO_SCHEMA } } });
    const redirecting = await registry({ schemas: {} });
    redirecting.script((req, res) => {
      res.writeHead(307, { location: `${elsewhere.url}${req.url}` }).end();
      return true;
    });
    const client = new ConfluentRegistry(connection([redirecting.url]), {
      kind: 'basic',
      username: 'u',
      password: 'p4ss',
    });
    const error = (await client.fetchSchema('1', soon()).catch((e: unknown) => e)) as SinkError;
    expect(error.message).toContain('redirected');
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('bounds the answer: a body past 4 MiB is not read on', async () => {
    const huge = await registry({ schemas: {} });
    huge.script((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"schema":"${'x'.repeat(5 * 1024 * 1024)}"}`);
      return true;
    });
    const error = (await new ConfluentRegistry(connection([huge.url]), { kind: 'none' })
      .fetchSchema('1', soon())
      .catch((e: unknown) => e)) as SinkError;
    expect(error.code).toBe(ErrorCode.REGISTRY_UNAVAILABLE);
    expect(error.message).toContain('larger than 4194304 bytes');
  });

  it('treats a 404 that is not the registry\'s "not found" as a wrong base URL, not an unknown id', async () => {
    const sr = await registry({ schemas: {} });
    sr.script((_req, res) => {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html>no such page</html>');
      return true;
    });
    const error = (await new ConfluentRegistry(connection([sr.url]), { kind: 'none' })
      .fetchSchema('1', soon())
      .catch((e: unknown) => e)) as SinkError;
    expect(error.message).toContain("is this the registry's base URL?");
  });

  it('fetches each id once per container, a few at a time', async () => {
    const schemas = Object.fromEntries(
      Array.from({ length: 12 }, (_, i) => [String(i + 1), { schema: AVRO_SCHEMA }]),
    );
    const sr = await registry({ schemas });
    let inFlight = 0;
    let most = 0;
    sr.script((_req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      res.on('finish', () => inFlight--);
      return false;
    });
    const cache = new SchemaCache(connection([sr.url]));
    const ids = Object.keys(schemas);
    const first = await cache.schemasOf([...ids, ...ids], soon());
    const second = await cache.schemasOf(ids, soon());
    expect(first.size).toBe(12);
    expect(second.size).toBe(12);
    expect(sr.requests).toHaveLength(12);
    expect(most).toBeLessThanOrEqual(4);
  });

  it('asks again for an id the registry did not know, which may be registered since', async () => {
    const sr = await registry({ schemas: {} });
    const cache = new SchemaCache(connection([sr.url]));
    expect((await cache.schemasOf(['8'], soon())).get('8')).toBeUndefined();
    await cache.schemasOf(['8'], soon());
    expect(sr.requests).toHaveLength(2);
  });

  it('reads registry credentials from a secret without echoing it', () => {
    expect(credentialsFromSecret({ username: 'k', password: 's' }, 'arn', 'basic')).toEqual({
      kind: 'basic',
      username: 'k',
      password: 's',
    });
    expect(credentialsFromSecret({ token: 't' }, 'arn', 'bearer')).toEqual({ kind: 'bearer', token: 't' });
    const error = errorOf(() => credentialsFromSecret({ password: 'leak-me' }, 'sr-secret', 'basic'));
    expect(error.code).toBe(ErrorCode.SECRET_INVALID);
    expect(error.message).not.toContain('leak-me');
  });
});
