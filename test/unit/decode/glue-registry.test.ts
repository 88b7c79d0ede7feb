import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlueRegistry } from '../../../lib/decode/schema-registry/glue-registry.ts';
import { ErrorCode, type SinkError } from '../../../lib/errors.ts';

/**
 * The Glue client is the real AWS SDK client, pointed at a loopback endpoint that answers
 * `AWSGlue.GetSchemaVersion` in the AWS JSON 1.1 protocol as Glue does.
 */

const KNOWN = '0f8fad5b-d9cb-469f-a165-70867728950e';
const DENIED = '11111111-2222-4333-8444-555555555555';
const THROTTLED = '22222222-2222-4333-8444-555555555555';

let server: Server;
let endpoint: string;
const targets: string[] = [];
const saved = { ...process.env };

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID = 'AKIDLOCALTEST';
  process.env.AWS_SECRET_ACCESS_KEY = 'local-secret';
  delete process.env.AWS_PROFILE;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      targets.push(String(req.headers['x-amz-target']));
      const id = (JSON.parse(body) as { SchemaVersionId?: string }).SchemaVersionId;
      const reply = (status: number, payload: unknown, type?: string) => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          ...(type ? { 'x-amzn-errortype': type } : {}),
        });
        res.end(JSON.stringify(payload));
      };
      if (id === KNOWN) {
        reply(200, {
          SchemaVersionId: id,
          SchemaDefinition: '{"type":"string"}',
          DataFormat: 'AVRO',
          Status: 'AVAILABLE',
        });
      } else if (id === DENIED) {
        reply(400, { __type: 'AccessDeniedException', Message: 'not allowed' }, 'AccessDeniedException');
      } else if (id === THROTTLED) {
        reply(500, { __type: 'InternalServiceException', Message: 'try later' }, 'InternalServiceException');
      } else {
        reply(
          400,
          { __type: 'EntityNotFoundException', Message: 'Schema version is not found.' },
          'EntityNotFoundException',
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  process.env = saved;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const glue = () => new GlueRegistry({ kind: 'glue', region: 'eu-west-1', endpoint });
const soon = () => Date.now() + 10_000;

describe('Glue registry client', () => {
  it('fetches a schema version through GetSchemaVersion', async () => {
    await expect(glue().fetchSchema(KNOWN, soon())).resolves.toEqual({
      registry: 'glue',
      id: KNOWN,
      format: 'avro',
      text: '{"type":"string"}',
      references: [],
    });
    expect(targets.at(-1)).toBe('AWSGlue.GetSchemaVersion');
  });

  it('answers undefined for a schema version Glue does not know', async () => {
    await expect(glue().fetchSchema('33333333-2222-4333-8444-555555555555', soon())).resolves.toBeUndefined();
  });

  it('names the permission the role lacks on AccessDenied', async () => {
    const error = (await glue()
      .fetchSchema(DENIED, soon())
      .catch((e: unknown) => e)) as SinkError;
    expect(error.code).toBe(ErrorCode.REGISTRY_AUTH);
    expect(error.message).toContain('glue:GetSchemaVersion');
  });

  it('fails a Glue-side error as retryable', async () => {
    const error = (await glue()
      .fetchSchema(THROTTLED, soon())
      .catch((e: unknown) => e)) as SinkError;
    expect(error.code).toBe(ErrorCode.REGISTRY_UNAVAILABLE);
    expect(error.retryable).toBe(true);
  });
});
