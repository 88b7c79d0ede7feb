import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local S3 and SQS endpoint for dead letters: S3 `PutObject` (path-style `PUT /bucket/key`) and
 * SQS `SendMessageBatch` (JSON protocol, `X-Amz-Target: AmazonSQS.SendMessageBatch`), so the real
 * AWS SDK clients are exercised without AWS. Point a function at it with `AWS_ENDPOINT_URL_S3` and
 * a queue URL from {@link LocalDeadLetters.createQueue}.
 */
export interface LocalDeadLetters {
  readonly endpoint: string;
  createBucket(name: string): void;
  /** Creates a queue and returns its URL (on this endpoint). */
  createQueue(name: string): string;
  /** Objects of a bucket: key → body text. */
  objects(bucket: string): ReadonlyMap<string, string>;
  /** Message bodies a queue received, in order. */
  messages(queueUrl: string): readonly string[];
  /** The next `count` requests answer HTTP 500 (the SDK retries these, then gives up). */
  failNext(count: number): void;
  close(): Promise<void>;
}

const ACCOUNT = '000000000000';

export async function startLocalDeadLetters(): Promise<LocalDeadLetters> {
  const buckets = new Map<string, Map<string, string>>();
  const queues = new Map<string, string[]>();
  let failures = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (failures > 0) {
        failures--;
        res.writeHead(500, { 'Content-Type': 'application/xml' });
        res.end('<Error><Code>InternalError</Code><Message>injected failure</Message></Error>');
        return;
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target !== '') serveSqs(target, body, res);
      else serveS3(req, body, res);
    });
  });

  function serveS3(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    const objects = buckets.get(bucket);
    if (req.method !== 'PUT' || key === '') {
      s3Error(res, 405, 'MethodNotAllowed', 'only PutObject is served by the local endpoint');
      return;
    }
    if (objects === undefined) {
      s3Error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
      return;
    }
    const encoding = String(req.headers['content-encoding'] ?? '');
    const content = encoding.includes('aws-chunked') ? unchunk(body) : body;
    objects.set(key, content.toString('utf8'));
    res.writeHead(200, { ETag: `"${createHash('md5').update(content).digest('hex')}"` });
    res.end();
  }

  function serveSqs(target: string, body: Buffer, res: http.ServerResponse): void {
    const reply = (status: number, payload: object, extra: Record<string, string> = {}) => {
      res.writeHead(status, {
        'Content-Type': 'application/x-amz-json-1.0',
        'x-amzn-RequestId': randomUUID(),
        ...extra,
      });
      res.end(JSON.stringify(payload));
    };
    if (target !== 'AmazonSQS.SendMessageBatch') {
      reply(400, {
        __type: 'com.amazonaws.sqs#UnsupportedOperation',
        message: `${target} is not served here`,
      });
      return;
    }
    const input = JSON.parse(body.toString('utf8')) as {
      QueueUrl?: string;
      Entries?: { Id: string; MessageBody: string }[];
    };
    const queue = queues.get(input.QueueUrl ?? '');
    if (queue === undefined) {
      reply(
        400,
        { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' },
        { 'x-amzn-query-error': 'AWS.SimpleQueueService.NonExistentQueue;Sender' },
      );
      return;
    }
    const successful = (input.Entries ?? []).map((e) => {
      queue.push(e.MessageBody);
      return {
        Id: e.Id,
        MessageId: randomUUID(),
        MD5OfMessageBody: createHash('md5').update(e.MessageBody, 'utf8').digest('hex'),
      };
    });
    reply(200, { Successful: successful, Failed: [] });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    createBucket: (name) => {
      buckets.set(name, buckets.get(name) ?? new Map());
    },
    createQueue: (name) => {
      const url = `${endpoint}/${ACCOUNT}/${name}`;
      queues.set(url, queues.get(url) ?? []);
      return url;
    },
    objects: (bucket) => buckets.get(bucket) ?? new Map(),
    messages: (queueUrl) => queues.get(queueUrl) ?? [],
    failNext: (count) => {
      failures = count;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function s3Error(res: http.ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml', 'x-amz-request-id': randomUUID() });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
  );
}

/** Decodes an `aws-chunked` body (`<hex size>[;ext]\r\n<data>\r\n` … `0\r\n<trailers>`). */
function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (let guard = 0; guard < 100_000 && pos < body.length; guard++) {
    const lineEnd = body.indexOf('\r\n', pos);
    if (lineEnd < 0) break;
    const size = Number.parseInt(body.subarray(pos, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
