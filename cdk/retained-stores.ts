import { CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * The bucket and queue the stack creates for records it gives up on (the ESM's failure
 * destination, the sink's dead letters): encrypted, TLS only, kept on stack deletion (they hold
 * data), with the cdk-nag findings that do not apply acknowledged.
 */

/** A private bucket whose objects expire after 90 days; `writes` says who writes what into it. */
export function createRetainedBucket(scope: Construct, id: string, writes: string): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: Duration.days(90) }],
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions::AwsSolutions-S1',
    reason: `Only ${writes} here; server access logs would need a second bucket and add nothing that CloudTrail data events cannot give when wanted.`,
  });
  return bucket;
}

/** A queue that keeps messages 14 days; `deadLetterOf` names what it is the dead-letter destination of. */
export function createRetainedQueue(scope: Construct, id: string, deadLetterOf: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SQS3',
    reason: `This queue is itself the dead-letter destination of ${deadLetterOf}; a DLQ behind it would only move the same records again.`,
  });
  return queue;
}

/**
 * Grants `fn` `s3:PutObject` on the objects `keys` (a pattern) of `bucket`, and encryption with
 * its key, nothing else; the wildcard is acknowledged for cdk-nag with `reason`.
 */
export function grantPutObjects(
  fn: lambda.IFunction,
  bucket: s3.IBucket,
  keys: string,
  reason: string,
): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects(keys)] }),
  );
  bucket.encryptionKey?.grantEncrypt(fn);
  if (fn.role) {
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagResourceName(bucket)}/${keys}]`,
      reason,
    });
  }
}

/** How cdk-nag prints a bucket ARN in a finding: `<LogicalId.Arn>` for a bucket of this stack. */
function nagResourceName(bucket: s3.IBucket): string {
  const cfn = bucket.node.defaultChild;
  if (cfn instanceof CfnElement) return `<${Stack.of(bucket).getLogicalId(cfn)}.Arn>`;
  return `arn:<AWS::Partition>:s3:::${bucket.bucketName}`;
}
