import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { KafkaSource } from '../../cdk/kafka-sources.ts';
import { StarRocksKafkaSink, type StarRocksKafkaSinkProps } from '../../cdk/starrocks-kafka-sink.ts';

/** A stand-in bundle directory, so these tests do not depend on `npm run build`. */
export const CODE_PATH = mkdtempSync(path.join(tmpdir(), 'sink-bundle-'));
writeFileSync(path.join(CODE_PATH, 'index.mjs'), 'export const handler = async () => {};\n');

export const ACCOUNT = '123456789012';
export const STARROCKS_SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:starrocks-sink-AbCdEf`;
export const KAFKA_SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:kafka-creds-GhIjKl`;
export const ROOT_CA_ARN = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:kafka-root-ca-MnOpQr`;
export const CLUSTER_ARN = `arn:aws:kafka:us-east-1:${ACCOUNT}:cluster/demo/abcd1234-abcd-cafe-abab-9876543210ab-4`;
export const CONFLUENT_BOOTSTRAP = 'pkc-abc12.us-east-1.aws.confluent.cloud:9092';

export const SINK_CONFIG = {
  topics: 'orders,dbserver1.public.customers',
  'value.converter.schemas.enable': 'false',
  'starrocks.http.url': '10.0.1.10:8030,10.0.1.11:8031',
  'starrocks.database.name': 'example_db',
  'starrocks.topic2table.map': 'orders:orders_tbl,dbserver1.public.customers:customers',
  'starrocks.secret.arn': STARROCKS_SECRET_ARN,
} as const;

export const MSK_IAM: KafkaSource = {
  kind: 'msk',
  clusterArn: CLUSTER_ARN,
  topics: ['orders', 'dbserver1.public.customers'],
  auth: { method: 'iam' },
};

/** A sink whose config maps only `orders` (to `orders_tbl`), fed by MSK with `topics`. */
export function ordersMappedOnly(topics: string[]): Partial<StarRocksKafkaSinkProps> {
  return {
    sinkConfig: {
      'starrocks.http.url': 'fe:8030',
      'starrocks.database.name': 'db',
      'starrocks.secret.arn': 'starrocks-sink',
      'starrocks.topic2table.map': 'orders:orders_tbl',
    },
    sources: [{ kind: 'msk', clusterArn: CLUSTER_ARN, topics, auth: { method: 'iam' } }],
  };
}

export function kafkaSecret(stack: Stack, arn = KAFKA_SECRET_ARN): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretCompleteArn(stack, `Imported${arn.slice(-6)}`, arn);
}

export function importedVpc(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    vpcCidrBlock: '10.0.0.0/16',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
  });
}

export interface Synthesized {
  readonly app: App;
  readonly stack: Stack;
  readonly sink: StarRocksKafkaSink;
  readonly template: Template;
}

/** A stack holding one sink; `props` may use the stack to import things. Not synthesized. */
export function buildSink(
  props: (stack: Stack) => Partial<StarRocksKafkaSinkProps> = () => ({}),
  app = new App(),
): Omit<Synthesized, 'template'> {
  const stack = new Stack(app, 'Test');
  const sink = new StarRocksKafkaSink(stack, 'Sink', {
    sinkConfig: SINK_CONFIG,
    sources: [MSK_IAM],
    codePath: CODE_PATH,
    ...props(stack),
  });
  return { app, stack, sink };
}

/** {@link buildSink}, synthesized into a `Template`. */
export function synthSink(
  props: (stack: Stack) => Partial<StarRocksKafkaSinkProps> = () => ({}),
  app = new App(),
): Synthesized {
  const built = buildSink(props, app);
  return { ...built, template: Template.fromStack(built.stack) };
}
