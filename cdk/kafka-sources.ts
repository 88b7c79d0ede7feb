import { Duration, Fn, Names, Token } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import {
  AuthenticationMethod,
  ManagedKafkaEventSource,
  SelfManagedKafkaEventSource,
} from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * How the event-source mapping authenticates to an Amazon MSK cluster.
 *
 * - `iam`: the execution role gets the `kafka-cluster:*` actions on exactly the cluster, the
 *   topics and the consumer groups of this sink.
 * - `sasl-scram-512`: a secret `{"username","password"}` associated with the cluster (MSK only
 *   offers SCRAM-SHA-512; such secrets must be encrypted with a customer managed KMS key, so
 *   import it with its key).
 * - `mtls`: a secret holding the client `certificate` chain and PKCS#8 `privateKey`.
 *   `ManagedKafkaEventSource` has no mTLS option in aws-cdk-lib 2.276, so the construct sets
 *   `SourceAccessConfigurations` on the mapping itself.
 * - `unauthenticated`: plaintext or TLS without client authentication, inside the VPC.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/msk-cluster-auth.html
 */
export type MskAuth =
  | { readonly method: 'iam' }
  | { readonly method: 'sasl-scram-512'; readonly secret: secretsmanager.ISecret }
  | { readonly method: 'mtls'; readonly secret: secretsmanager.ISecret }
  | { readonly method: 'unauthenticated' };

/** Topics of an Amazon MSK cluster (provisioned or serverless). */
export interface MskSource {
  readonly kind: 'msk';
  /** `arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`. */
  readonly clusterArn: string;
  /** One event-source mapping is created per topic. */
  readonly topics: readonly string[];
  readonly auth: MskAuth;
}

/**
 * How the event-source mapping authenticates to a self-managed or Confluent Cloud cluster. The
 * secret is `{"username","password"}` for the SASL methods (for Confluent Cloud: the API key and
 * secret, as `BASIC_AUTH`, which is SASL/PLAIN over TLS), or the client `certificate` and
 * `privateKey` for `mtls`. `none` is only possible for brokers inside a VPC (aws-cdk-lib requires
 * a secret for brokers reached over the internet).
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-cluster-auth.html
 */
export type SelfManagedAuth =
  | {
      readonly method: 'basic' | 'sasl-scram-256' | 'sasl-scram-512' | 'mtls';
      readonly secret: secretsmanager.ISecret;
    }
  | { readonly method: 'none' };

/** Where the event pollers reach brokers that live in a VPC. */
export interface BrokerNetwork {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  /** Must allow egress to the brokers (and, in on-demand mode, 443 to Lambda, STS and Secrets Manager). */
  readonly securityGroup: ec2.ISecurityGroup;
}

/** Topics of a self-managed Kafka or Confluent Cloud cluster. */
export interface SelfManagedSource {
  readonly kind: 'self-managed';
  /** `host:port` of the bootstrap brokers. Changing them replaces the mappings. */
  readonly bootstrapServers: readonly string[];
  /** One event-source mapping is created per topic. */
  readonly topics: readonly string[];
  readonly auth: SelfManagedAuth;
  /**
   * Secret holding the root CA certificate of brokers whose certificates a private CA signed.
   *
   * @default - the brokers' certificates are signed by a public CA
   */
  readonly rootCACertificate?: secretsmanager.ISecret;
  /**
   * Set when the brokers are only reachable inside a VPC.
   *
   * @default - brokers are reached over the internet (Confluent Cloud)
   */
  readonly network?: BrokerNetwork;
}

export type KafkaSource = MskSource | SelfManagedSource;

/**
 * Provisioned mode for the event pollers, and the error-handling controls that aws-cdk-lib
 * documents as "Available in provisioned mode only" (README of aws-lambda-event-sources 2.276:
 * `bisectBatchOnError`, `reportBatchItemFailures`, `retryAttempts`, `maxRecordAge`). Keeping
 * them inside this object makes it impossible to set them on an on-demand mapping.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-scaling-modes.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
 */
export interface ProvisionedModeProps {
  /** Pollers kept running (billed as Event Poller Units). @default 1 */
  readonly minimumPollers?: number;
  /** @default 200 (Lambda's default) */
  readonly maximumPollers?: number;
  /** Mappings with the same group name share poller capacity. @default - not grouped */
  readonly pollerGroupName?: string;
  /**
   * Retries of a failed batch before it goes to the failure destination; -1 is infinite.
   *
   * @default -1 (with a failure destination Lambda caps infinite retries at 10)
   */
  readonly retryAttempts?: number;
  /** Records older than this go to the failure destination. @default - no limit */
  readonly maxRecordAge?: Duration;
  /**
   * Split a failing batch in two and retry the halves. A half has other offsets than the whole,
   * so it gets other Stream Load labels: rows of a table that loaded before the failure can load
   * twice into a Duplicate Key table (Primary Key tables absorb it).
   *
   * @default false
   */
  readonly bisectBatchOnError?: boolean;
  /**
   * Honour `batchItemFailures` in the function's response. The function reports them with
   * `sink.partial.batch.response=true` in the sink config, which sets this to true.
   *
   * @default - true with `sink.partial.batch.response=true`, else false
   */
  readonly reportBatchItemFailures?: boolean;
}

/** Settings shared by every mapping of the sink. */
export interface MappingSettings {
  readonly batchSize: number;
  readonly maxBatchingWindow: Duration;
  readonly startingPosition: lambda.StartingPosition;
  readonly startingPositionTimestamp?: number;
  readonly consumerGroupId: (topic: string) => string;
  readonly provisioned?: ProvisionedModeProps;
  readonly onFailure?: lambda.IEventSourceDlq;
  /** The mapping's own schema registry (provisioned mode only), for every mapping. */
  readonly schemaRegistry?: lambda.ISchemaRegistry;
}

const SELF_MANAGED_METHODS = {
  basic: AuthenticationMethod.BASIC_AUTH,
  'sasl-scram-256': AuthenticationMethod.SASL_SCRAM_256_AUTH,
  'sasl-scram-512': AuthenticationMethod.SASL_SCRAM_512_AUTH,
  mtls: AuthenticationMethod.CLIENT_CERTIFICATE_TLS_AUTH,
} as const;

/** One mapping per topic of every source, all invoking `fn`. */
export function addKafkaSources(
  fn: lambda.Function,
  sources: readonly KafkaSource[],
  settings: MappingSettings,
): void {
  const common = commonProps(settings);
  for (const source of sources) {
    for (const topic of source.topics) {
      const consumerGroupId = settings.consumerGroupId(topic);
      if (source.kind === 'msk') addMskTopic(fn, source, topic, consumerGroupId, common);
      else addSelfManagedTopic(fn, source, topic, consumerGroupId, common);
    }
  }
}

type CommonProps = Omit<
  ConstructorParameters<typeof ManagedKafkaEventSource>[0],
  'clusterArn' | 'topic' | 'consumerGroupId' | 'secret'
>;

function commonProps(settings: MappingSettings): CommonProps {
  const p = settings.provisioned;
  return {
    batchSize: settings.batchSize,
    maxBatchingWindow: settings.maxBatchingWindow,
    startingPosition: settings.startingPosition,
    ...(settings.startingPositionTimestamp !== undefined
      ? { startingPositionTimestamp: settings.startingPositionTimestamp }
      : {}),
    ...(settings.onFailure ? { onFailure: settings.onFailure } : {}),
    ...(settings.schemaRegistry ? { schemaRegistryConfig: settings.schemaRegistry } : {}),
    ...(p
      ? {
          provisionedPollerConfig: {
            minimumPollers: p.minimumPollers ?? 1,
            ...(p.maximumPollers !== undefined ? { maximumPollers: p.maximumPollers } : {}),
            ...(p.pollerGroupName !== undefined ? { pollerGroupName: p.pollerGroupName } : {}),
          },
          ...(p.retryAttempts !== undefined ? { retryAttempts: p.retryAttempts } : {}),
          ...(p.maxRecordAge !== undefined ? { maxRecordAge: p.maxRecordAge } : {}),
          ...(p.bisectBatchOnError !== undefined ? { bisectBatchOnError: p.bisectBatchOnError } : {}),
          ...(p.reportBatchItemFailures !== undefined
            ? { reportBatchItemFailures: p.reportBatchItemFailures }
            : {}),
        }
      : {}),
  };
}

function addMskTopic(
  fn: lambda.Function,
  source: MskSource,
  topic: string,
  consumerGroupId: string,
  common: CommonProps,
): void {
  const { auth, clusterArn } = source;
  const eventSource = new ManagedKafkaEventSource({
    ...common,
    clusterArn,
    topic,
    consumerGroupId,
    ...(auth.method === 'sasl-scram-512' ? { secret: auth.secret } : {}),
  });
  fn.addEventSource(eventSource);
  // ManagedKafkaEventSource grants DescribeCluster/GetBootstrapBrokers/ListScramSecrets; serverless
  // clusters are described with DescribeClusterV2.
  fn.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['kafka:DescribeClusterV2'], resources: [clusterArn] }),
  );
  if (auth.method === 'mtls') {
    // The id ManagedKafkaEventSource.bind gives the mapping (aws-cdk-lib 2.276 kafka.js).
    const mapping = fn.node.tryFindChild(`KafkaEventSource:${Names.nodeUniqueId(fn.node)}${topic}`);
    const cfn = mapping?.node.defaultChild as lambda.CfnEventSourceMapping | undefined;
    if (cfn === undefined) throw new Error(`no event-source mapping found for MSK topic "${topic}"`);
    cfn.sourceAccessConfigurations = [{ type: 'CLIENT_CERTIFICATE_TLS_AUTH', uri: auth.secret.secretArn }];
    auth.secret.grantRead(fn);
  }
  if (auth.method === 'iam') {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
        resources: [clusterArn],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        resources: [mskChildArn(clusterArn, 'topic', topic)],
      }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        resources: [mskChildArn(clusterArn, 'group', consumerGroupId)],
      }),
    );
  }
}

function addSelfManagedTopic(
  fn: lambda.Function,
  source: SelfManagedSource,
  topic: string,
  consumerGroupId: string,
  common: CommonProps,
): void {
  const { auth, network, rootCACertificate } = source;
  fn.addEventSource(
    new SelfManagedKafkaEventSource({
      ...common,
      bootstrapServers: [...source.bootstrapServers],
      topic,
      consumerGroupId,
      ...(auth.method !== 'none'
        ? { secret: auth.secret, authenticationMethod: SELF_MANAGED_METHODS[auth.method] }
        : {}),
      ...(rootCACertificate ? { rootCACertificate } : {}),
      ...(network
        ? { vpc: network.vpc, vpcSubnets: network.subnets, securityGroup: network.securityGroup }
        : {}),
    }),
  );
  // The pollers read the root CA with the execution role, but SelfManagedKafkaEventSource only
  // grants the auth secret.
  rootCACertificate?.grantRead(fn);
}

/**
 * `arn:…:topic/<cluster name>/<cluster uuid>/<topic>` (or `group/…`) from the cluster ARN, so
 * IAM access is limited to this sink's topics and consumer groups.
 */
export function mskChildArn(clusterArn: string, kind: 'topic' | 'group', name: string): string {
  if (!Token.isUnresolved(clusterArn)) return `${clusterArn.replace(':cluster/', `:${kind}/`)}/${name}`;
  const parts = Fn.split(':cluster/', clusterArn, 2);
  return Fn.join('', [Fn.select(0, parts), `:${kind}/`, Fn.select(1, parts), `/${name}`]);
}

/** Lambda's limit for functions behind Kafka event-source mappings. */
export const KAFKA_MAX_FUNCTION_TIMEOUT = Duration.minutes(14);
