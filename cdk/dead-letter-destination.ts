import { Token } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { DEFAULT_DEAD_LETTER_PREFIX } from '../lib/config/keys.ts';
import { createRetainedBucket, createRetainedQueue, grantPutObjects } from './retained-stores.ts';

/**
 * Where the function itself writes records it cannot load (`errors.tolerance=all`): records that
 * cannot be decoded, converted or routed, and rows StarRocks rejects. Not the event-source
 * mapping's failure destination, which receives whole batches the mapping gives up on.
 *
 * - `{ type: 's3' }` / `{ type: 'sqs' }`: the construct creates an encrypted bucket or queue.
 * - `{ type: 's3', bucket }` / `{ type: 'sqs', queue }`: use an existing one.
 *
 * @see docs/delivery.md "Poison records: errors.tolerance and dead letters"
 */
export type DeadLetterDestinationProps =
  | {
      readonly type: 's3';
      readonly bucket?: s3.IBucket;
      /** Key prefix of the dead letters. @default 'dead-letters/' */
      readonly prefix?: string;
    }
  | { readonly type: 'sqs'; readonly queue?: sqs.IQueue };

/** The config keys the function reads for a destination. */
export const DEAD_LETTER_KEYS = [
  'errors.tolerance',
  'errors.deadletterqueue.s3.bucket',
  'errors.deadletterqueue.s3.prefix',
  'errors.deadletterqueue.sqs.url',
] as const;

export interface WiredDeadLetters {
  readonly bucket?: s3.IBucket;
  readonly queue?: sqs.IQueue;
  /** `errors.tolerance=all` and the destination's keys, to merge into `SINK_CONFIG`. */
  readonly config: Readonly<Record<string, string>>;
  /** The same keys with placeholders for values only known at deployment, for synth-time checks. */
  readonly checkedConfig: Readonly<Record<string, string>>;
  /** Grants the function write access to the destination, nothing more. */
  grant(fn: lambda.IFunction): void;
}

/** Creates or imports the destination; the function is granted access once it exists. */
export function wireDeadLetters(scope: Construct, spec: DeadLetterDestinationProps): WiredDeadLetters {
  if (spec.type === 's3') {
    const bucket: s3.IBucket =
      spec.bucket ??
      (createRetainedBucket(scope, 'DeadLetters', 'the sink function writes dead letters') as s3.IBucket);
    const prefix = spec.prefix ?? DEFAULT_DEAD_LETTER_PREFIX;
    const grant = (fn: lambda.IFunction) =>
      grantPutObjects(
        fn,
        bucket,
        `${prefix}*`,
        'Dead letters are named after their topic, partition and offset, so s3:PutObject needs every key under the dead-letter prefix of this one bucket; no read or delete is granted.',
      );
    const config = {
      'errors.tolerance': 'all',
      'errors.deadletterqueue.s3.bucket': bucket.bucketName,
      'errors.deadletterqueue.s3.prefix': prefix,
    };
    const checkedConfig = Token.isUnresolved(bucket.bucketName)
      ? { ...config, 'errors.deadletterqueue.s3.bucket': 'created-by-stack' }
      : config;
    return { bucket, config, checkedConfig, grant };
  }
  const queue = spec.queue ?? createRetainedQueue(scope, 'DeadLetters', 'the sink');
  const config = { 'errors.tolerance': 'all', 'errors.deadletterqueue.sqs.url': queue.queueUrl };
  const checkedConfig = Token.isUnresolved(queue.queueUrl)
    ? {
        ...config,
        'errors.deadletterqueue.sqs.url': 'https://sqs.us-east-1.amazonaws.com/123456789012/created-by-stack',
      }
    : config;
  return { queue, config, checkedConfig, grant: (fn) => queue.grantSendMessages(fn) };
}
