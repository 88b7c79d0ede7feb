import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local Secrets Manager endpoint speaking the service's JSON protocol (`X-Amz-Target:
 * secretsmanager.GetSecretValue`), so the real AWS SDK client is exercised without AWS. Point a
 * function at it with `AWS_ENDPOINT_URL_SECRETS_MANAGER`.
 */

export interface LocalSecrets {
  readonly endpoint: string;
  /** Creates or replaces a secret; returns its ARN. */
  put(name: string, secretString: string): string;
  /** How many GetSecretValue calls each secret received. */
  readonly reads: Map<string, number>;
  close(): Promise<void>;
}

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

export async function startLocalSecrets(): Promise<LocalSecrets> {
  const secrets = new Map<string, { arn: string; name: string; value: string; version: string }>();
  const reads = new Map<string, number>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: object) => {
        res.writeHead(status, {
          'Content-Type': 'application/x-amz-json-1.1',
          'x-amzn-RequestId': randomUUID(),
        });
        res.end(JSON.stringify(body));
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target !== 'secretsmanager.GetSecretValue') {
        reply(400, {
          __type: 'UnknownOperationException',
          message: `${target} is not served by the local endpoint`,
        });
        return;
      }
      let secretId = '';
      try {
        secretId = String(
          (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: unknown }).SecretId ?? '',
        );
      } catch {
        reply(400, { __type: 'SerializationException', message: 'the body is not JSON' });
        return;
      }
      const secret = [...secrets.values()].find((s) => s.arn === secretId || s.name === secretId);
      if (secret === undefined) {
        reply(400, {
          __type: 'ResourceNotFoundException',
          message: "Secrets Manager can't find the specified secret.",
        });
        return;
      }
      reads.set(secret.arn, (reads.get(secret.arn) ?? 0) + 1);
      reply(200, {
        ARN: secret.arn,
        Name: secret.name,
        SecretString: secret.value,
        VersionId: secret.version,
        VersionStages: ['AWSCURRENT'],
        CreatedDate: Date.now() / 1000,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    reads,
    put(name, secretString) {
      const existing = secrets.get(name);
      const arn =
        existing?.arn ??
        `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${randomUUID().slice(0, 6)}`;
      secrets.set(name, { arn, name, value: secretString, version: randomUUID() });
      return arn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
