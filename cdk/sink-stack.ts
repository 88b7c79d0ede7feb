import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ConfluentSchemaRegistry, GlueSchemaRegistry } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DeadLetterDestinationProps } from './dead-letter-destination.ts';
import type {
  DeadLettersConfig,
  DeployConfig,
  EventSourceRegistryConfig,
  VpcConfig,
} from './deploy-config.ts';
import type { FailureDestination } from './failure-destination.ts';
import type { KafkaSource, ProvisionedModeProps } from './kafka-sources.ts';
import { importSecret, StarRocksKafkaSink, type StarRocksKafkaSinkProps } from './starrocks-kafka-sink.ts';

export interface StarRocksSinkStackProps extends StackProps {
  readonly deploy: DeployConfig;
  /** @default dist/sink */
  readonly codePath?: string;
}

/**
 * One sink deployed from a deployment file. Environment-agnostic (no `env`): every resource it
 * refers to is imported by ARN or ID, so synth needs no credentials and no lookups.
 */
export class StarRocksSinkStack extends Stack {
  readonly sink: StarRocksKafkaSink;

  constructor(scope: Construct, id: string, props: StarRocksSinkStackProps) {
    super(scope, id, props);
    const d = props.deploy;
    const sources: KafkaSource[] = [];
    if (d.msk) {
      const auth = d.msk.auth ?? 'iam';
      const secret = () => importSecret(this, 'MskSecret', d.msk?.secretArn ?? '', d.msk?.secretKmsKeyArn);
      sources.push({
        kind: 'msk',
        clusterArn: d.msk.clusterArn,
        topics: d.msk.topics,
        auth:
          auth === 'sasl-scram-512' || auth === 'mtls'
            ? { method: auth, secret: secret() }
            : { method: auth },
      });
    }
    if (d.selfManaged) {
      const sm = d.selfManaged;
      const auth = sm.auth ?? 'basic';
      sources.push({
        kind: 'self-managed',
        bootstrapServers: sm.bootstrapServers,
        topics: sm.topics,
        auth:
          auth === 'none'
            ? { method: 'none' }
            : { method: auth, secret: importSecret(this, 'KafkaSecret', sm.secretArn ?? '') },
        ...(sm.rootCaSecretArn
          ? { rootCACertificate: importSecret(this, 'KafkaRootCa', sm.rootCaSecretArn) }
          : {}),
        ...(sm.network
          ? {
              network: {
                vpc: importVpc(this, 'BrokerVpc', sm.network),
                subnets: {
                  subnets: sm.network.subnetIds.map((id, i) =>
                    ec2.Subnet.fromSubnetId(this, `BrokerSubnet${i}`, id),
                  ),
                },
                securityGroup: ec2.SecurityGroup.fromSecurityGroupId(
                  this,
                  'BrokerSecurityGroup',
                  sm.network.securityGroupId,
                ),
              },
            }
          : {}),
      });
    }

    const fn = d.function ?? {};
    const es = d.eventSource ?? {};
    const net = d.network;
    const vpc = net ? importVpc(this, 'Vpc', net) : undefined;
    const sinkProps: StarRocksKafkaSinkProps = {
      sinkConfig: d.sinkConfig,
      sources,
      ...(props.codePath !== undefined ? { codePath: props.codePath } : {}),
      ...(d.starrocksUsername !== undefined ? { starrocksUsername: d.starrocksUsername } : {}),
      ...(fn.memorySize !== undefined ? { memorySize: fn.memorySize } : {}),
      ...(fn.timeoutSeconds !== undefined ? { timeout: Duration.seconds(fn.timeoutSeconds) } : {}),
      ...(fn.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: fn.reservedConcurrency }
        : {}),
      ...(fn.logRetentionDays !== undefined ? { logRetention: retention(fn.logRetentionDays) } : {}),
      ...(net && vpc
        ? {
            network: {
              vpc,
              ...(net.starrocksCidrs
                ? { starrocksPeers: net.starrocksCidrs.map((c) => ec2.Peer.ipv4(c)) }
                : {}),
              ...(net.feHttpPorts ? { feHttpPorts: net.feHttpPorts } : {}),
              ...(net.beHttpPort !== undefined ? { beHttpPort: net.beHttpPort } : {}),
              ...(net.secretsManagerEndpoint !== undefined
                ? { secretsManagerEndpoint: net.secretsManagerEndpoint }
                : {}),
              ...(net.schemaRegistryCidrs
                ? { schemaRegistryPeers: net.schemaRegistryCidrs.map((c) => ec2.Peer.ipv4(c)) }
                : {}),
            },
          }
        : {}),
      ...(es.batchSize !== undefined ? { batchSize: es.batchSize } : {}),
      ...(es.maxBatchingWindowSeconds !== undefined
        ? { maxBatchingWindow: Duration.seconds(es.maxBatchingWindowSeconds) }
        : {}),
      ...(es.startingPosition !== undefined
        ? { startingPosition: lambda.StartingPosition[es.startingPosition] }
        : {}),
      ...(es.startingPositionTimestamp !== undefined
        ? { startingPositionTimestamp: es.startingPositionTimestamp }
        : {}),
      ...(es.consumerGroupPrefix !== undefined ? { consumerGroupPrefix: es.consumerGroupPrefix } : {}),
      ...(es.provisioned ? { provisionedMode: provisionedMode(es.provisioned) } : {}),
      ...(d.failureDestination ? { failureDestination: this.failureDestination(d) } : {}),
      ...(d.deadLetters ? { deadLetters: this.deadLetters(d.deadLetters) } : {}),
      ...(d.alarms?.snsTopicArn
        ? { alarmTopic: sns.Topic.fromTopicArn(this, 'AlarmTopic', d.alarms.snsTopicArn) }
        : {}),
      ...(d.alarms?.offsetLagThreshold !== undefined
        ? { offsetLagAlarmThreshold: d.alarms.offsetLagThreshold }
        : {}),
      ...(d.alarms?.dashboardName !== undefined ? { dashboardName: d.alarms.dashboardName } : {}),
      ...(d.schemaRegistry?.secretArn !== undefined
        ? {
            schemaRegistrySecret: importSecret(this, 'SchemaRegistrySecret', d.schemaRegistry.secretArn),
          }
        : {}),
      ...(d.schemaRegistry?.glueRegistryName !== undefined
        ? { glueSchemaRegistryName: d.schemaRegistry.glueRegistryName }
        : {}),
      ...(es.schemaRegistry
        ? { eventSourceSchemaRegistry: this.eventSourceRegistry(es.schemaRegistry) }
        : {}),
    };
    this.sink = new StarRocksKafkaSink(this, 'Sink', sinkProps);
    // What the "Watch it work" steps of docs/deploy.md need, printed by `cdk deploy`.
    new CfnOutput(this, 'FunctionName', { value: this.sink.function.functionName });
    new CfnOutput(this, 'LogGroupName', { value: this.sink.function.logGroup.logGroupName });
    new CfnOutput(this, 'DashboardName', { value: this.sink.operations.dashboard.dashboardName });
    new CfnOutput(this, 'StarRocksSecretArn', { value: this.sink.starrocksSecret.secretArn });
  }

  /** The mappings' registry from the deployment file (checked by parseDeployConfig). */
  private eventSourceRegistry(r: EventSourceRegistryConfig): lambda.ISchemaRegistry {
    const common = {
      eventRecordFormat: lambda.EventRecordFormat[r.eventRecordFormat],
      schemaValidationConfigs: (r.attributes ?? ['VALUE']).map((attribute) => ({
        attribute: lambda.KafkaSchemaValidationAttribute[attribute],
      })),
    };
    if (r.type === 'glue') return new GlueSchemaRegistry({ ...common, schemaRegistryArn: r.uri });
    return new ConfluentSchemaRegistry({
      ...common,
      schemaRegistryUri: r.uri,
      authenticationType: lambda.KafkaSchemaRegistryAccessConfigType[r.authType ?? 'BASIC_AUTH'],
      secret: importSecret(this, 'EventSourceRegistrySecret', r.authSecretArn ?? ''),
    });
  }

  private deadLetters(d: DeadLettersConfig): DeadLetterDestinationProps {
    if (d.type === 'sqs') {
      return d.queueArn
        ? { type: 'sqs', queue: sqs.Queue.fromQueueArn(this, 'DeadLetterQueue', d.queueArn) }
        : { type: 'sqs' };
    }
    return {
      type: 's3',
      ...(d.bucketName ? { bucket: s3.Bucket.fromBucketName(this, 'DeadLetterBucket', d.bucketName) } : {}),
      ...(d.prefix !== undefined ? { prefix: d.prefix } : {}),
    };
  }

  private failureDestination(d: DeployConfig): FailureDestination {
    const f = d.failureDestination;
    if (f === undefined || f.type === 'none') return { type: 'none' };
    if (f.type === 'sqs') {
      return f.queueArn
        ? { type: 'sqs', queue: sqs.Queue.fromQueueArn(this, 'FailedBatches', f.queueArn) }
        : { type: 'sqs' };
    }
    return f.bucketName
      ? { type: 's3', bucket: s3.Bucket.fromBucketName(this, 'FailedBatches', f.bucketName) }
      : { type: 's3' };
  }
}

/** By attributes, never `Vpc.fromLookup`: synth stays offline. */
function importVpc(
  scope: Construct,
  id: string,
  v: VpcConfig & { readonly privateSubnetIds?: readonly string[] },
): ec2.IVpc {
  const vpc = ec2.Vpc.fromVpcAttributes(scope, id, {
    vpcId: v.vpcId,
    availabilityZones: [...v.availabilityZones],
    ...(v.vpcCidrBlock !== undefined ? { vpcCidrBlock: v.vpcCidrBlock } : {}),
    ...(v.privateSubnetIds ? { privateSubnetIds: [...v.privateSubnetIds] } : {}),
  });
  Validations.of(vpc).acknowledge({
    id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
    reason:
      'The sink only places network interfaces in these subnets; it never reads or changes their route tables.',
  });
  return vpc;
}

function provisionedMode(
  p: NonNullable<NonNullable<DeployConfig['eventSource']>['provisioned']>,
): ProvisionedModeProps {
  const { maxRecordAgeSeconds, ...rest } = p;
  return {
    ...rest,
    ...(maxRecordAgeSeconds !== undefined ? { maxRecordAge: Duration.seconds(maxRecordAgeSeconds) } : {}),
  };
}

function retention(days: number): logs.RetentionDays {
  const valid = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!valid.includes(days)) {
    throw new Error(
      `function.logRetentionDays: ${days} is not a CloudWatch Logs retention; valid: ${valid.join(', ')}`,
    );
  }
  return days as logs.RetentionDays;
}
