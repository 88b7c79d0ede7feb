import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { createRetainedBucket, createRetainedQueue, grantPutObjects } from './retained-stores.ts';

/**
 * Where the event-source mapping sends a batch it gives up on (retries exhausted or records too
 * old; in on-demand mode retries are infinite, so only records that expire from Kafka get there).
 * An SQS destination receives the batch's metadata (topic, partitions, offsets) to replay from;
 * an S3 destination also receives the whole invocation payload.
 *
 * - `{ type: 'sqs' }` / `{ type: 's3' }`: the construct creates an encrypted queue or bucket.
 * - `{ type: 'sqs', queue }` / `{ type: 's3', bucket }`: use an existing one.
 * - `{ type: 'none' }`: discarded batches are only visible in the function's logs.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html
 */
export type FailureDestination =
  | { readonly type: 'sqs'; readonly queue?: sqs.IQueue }
  | { readonly type: 's3'; readonly bucket?: s3.IBucket }
  | { readonly type: 'none' };

/** Creates or wraps the failure destination. Created ones are kept on stack deletion (they hold data). */
export function createFailureDestination(
  scope: Construct,
  spec: FailureDestination,
): lambda.IEventSourceDlq | undefined {
  if (spec.type === 'none') return undefined;
  if (spec.type === 'sqs') {
    return new SqsDlq(
      spec.queue ?? createRetainedQueue(scope, 'FailedBatches', 'the Kafka event-source mapping'),
    );
  }
  // aws-cdk-lib's classes declare optional members its interfaces do not: under
  // exactOptionalPropertyTypes a Bucket needs an explicit widening to IBucket.
  const bucket: s3.IBucket =
    spec.bucket ??
    (createRetainedBucket(scope, 'FailedBatches', 'the Lambda service writes failed batches') as s3.IBucket);
  return new S3PutOnlyDestination(bucket);
}

/**
 * S3 on-failure destination that grants only what Lambda needs (`s3:PutObject`, `s3:ListBucket`),
 * where aws-cdk-lib's `S3OnFailureDestination` grants read, write and delete on the bucket.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html
 */
export class S3PutOnlyDestination implements lambda.IEventSourceDlq {
  readonly bucket: s3.IBucket;

  constructor(bucket: s3.IBucket) {
    this.bucket = bucket;
  }

  bind(_target: lambda.IEventSourceMapping, targetHandler: lambda.IFunction): lambda.DlqDestinationConfig {
    targetHandler.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
    );
    grantPutObjects(
      targetHandler,
      this.bucket,
      '*',
      'Lambda names the objects of failed batches itself, so s3:PutObject needs every key of this one bucket; no other bucket and no read or delete are granted.',
    );
    return { destination: this.bucket.bucketArn };
  }
}
