import type { DeadLetterDestination } from '../../lib/config/delivery.ts';
import { commonJsExports } from '../../lib/decode/commonjs-interop.ts';
import {
  type DeadLetter,
  type DeadLetterWriter,
  describeDestination,
} from '../../lib/load/dead-letter-records.ts';

/** Puts at most this many S3 objects at once. */
const S3_CONCURRENCY = 16;
/** SendMessageBatch takes at most ten messages. */
const SQS_BATCH = 10;

/**
 * The dead-letter writer for the configured destination. The AWS SDK client is imported on the
 * first write, not at cold start: most invocations never write a dead letter.
 */
export function createDeadLetterWriter(destination: DeadLetterDestination): DeadLetterWriter {
  const described = describeDestination(destination);
  if (destination.kind === 's3') {
    let client: Promise<{ put(key: string, body: string): Promise<unknown> }> | undefined;
    const s3 = () => {
      client ??= import('@aws-sdk/client-s3').then((m) => {
        const { S3Client, PutObjectCommand } = commonJsExports(m, 'S3Client');
        // A local endpoint (AWS_ENDPOINT_URL_S3) has no bucket sub-domains.
        const c = new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined });
        return {
          put: (key: string, body: string) =>
            c.send(
              new PutObjectCommand({
                Bucket: destination.bucket,
                Key: key,
                Body: body,
                ContentType: 'application/json',
              }),
            ),
        };
      });
      return client;
    };
    return {
      destination: described,
      async write(letters) {
        const c = await s3();
        // One object per record, named by its position: a retried batch overwrites, never adds.
        for (let i = 0; i < letters.length; i += S3_CONCURRENCY) {
          await Promise.all(
            letters
              .slice(i, i + S3_CONCURRENCY)
              .map((l) => c.put(s3Key(destination.prefix, l), JSON.stringify(l))),
          );
        }
      },
    };
  }
  let client: Promise<{ sendBatch(letters: readonly DeadLetter[]): Promise<void> }> | undefined;
  const sqs = () => {
    client ??= import('@aws-sdk/client-sqs').then((m) => {
      const { SQSClient, SendMessageBatchCommand } = commonJsExports(m, 'SQSClient');
      const c = new SQSClient({});
      return {
        async sendBatch(letters: readonly DeadLetter[]) {
          const answer = await c.send(
            new SendMessageBatchCommand({
              QueueUrl: destination.queueUrl,
              Entries: letters.map((l, i) => ({ Id: String(i), MessageBody: JSON.stringify(l) })),
            }),
          );
          const failed = answer.Failed ?? [];
          if (failed.length > 0) {
            const first = failed[0];
            throw new Error(
              `SQS refused ${failed.length} of ${letters.length} messages (${first?.Code}: ${first?.Message})`,
            );
          }
        },
      };
    });
    return client;
  };
  return {
    destination: described,
    async write(letters) {
      const c = await sqs();
      for (let i = 0; i < letters.length; i += SQS_BATCH) await c.sendBatch(letters.slice(i, i + SQS_BATCH));
    },
  };
}

/** `<prefix><topic>/<partition>/<offset>.json`: one key per record, stable across retries. */
function s3Key(prefix: string, letter: DeadLetter): string {
  return `${prefix}${letter.topic}/${letter.partition}/${letter.offset}.json`;
}
