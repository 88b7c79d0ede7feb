import path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ManagedKafkaEventSource, SelfManagedKafkaEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { parseSinkConfig } from '../lib/config.ts';

/** Topics of an Amazon MSK cluster. */
export interface MskSourceProps {
  readonly clusterArn: string;
  readonly topics: readonly string[];
  /** @default - `starrocks-sink-<construct id>` */
  readonly consumerGroupId?: string;
}

/** Topics of a self-managed or Confluent Cloud cluster. */
export interface SelfManagedSourceProps {
  readonly bootstrapServers: readonly string[];
  readonly topics: readonly string[];
  /** SASL credentials of the Kafka cluster (BASIC_AUTH for Confluent Cloud). */
  readonly secret: secretsmanager.ISecret;
  /** @default - `starrocks-sink-<construct id>` */
  readonly consumerGroupId?: string;
}

export interface StarRocksKafkaSinkProps {
  /** The connector config (`SINK_CONFIG`); credentials only through `starrocks.secret.arn`. */
  readonly sinkConfig: Readonly<Record<string, string>>;
  /** The secret named by `starrocks.secret.arn`; the function may read it and nothing else. */
  readonly starrocksSecret: secretsmanager.ISecret;
  /** Directory holding the built bundle (`npm run build`). @default dist/sink */
  readonly codePath?: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.minutes(2) */
  readonly timeout?: Duration;
  readonly msk?: MskSourceProps;
  readonly selfManaged?: SelfManagedSourceProps;
  /** Records per invocation. @default 1000 */
  readonly batchSize?: number;
  /** @default Duration.seconds(1) */
  readonly maxBatchingWindow?: Duration;
}

/**
 * The sink function, fed by one event-source mapping per topic. The config is validated at synth
 * time with the function's own parser, so a bad config fails `cdk synth` with the same message.
 */
export class StarRocksKafkaSink extends Construct {
  readonly function: lambda.Function;

  constructor(scope: Construct, id: string, props: StarRocksKafkaSinkProps) {
    super(scope, id);
    if ('starrocks.password' in props.sinkConfig) {
      throw new Error(
        'sinkConfig must not contain starrocks.password: it would be stored in the CloudFormation template. Put {"username","password"} in a Secrets Manager secret and set starrocks.secret.arn',
      );
    }
    parseSinkConfig(props.sinkConfig);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(props.codePath ?? path.join(import.meta.dirname, '..', 'dist', 'sink')),
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.minutes(2),
      logGroup,
      environment: {
        SINK_CONFIG: JSON.stringify(props.sinkConfig),
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'starrocks-lambda-sink',
      },
    });
    props.starrocksSecret.grantRead(this.function);

    const common = {
      batchSize: props.batchSize ?? 1000,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(1),
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
    };
    const { msk, selfManaged } = props;
    for (const topic of msk?.topics ?? []) {
      this.function.addEventSource(
        new ManagedKafkaEventSource({
          ...common,
          clusterArn: msk?.clusterArn ?? '',
          topic,
          consumerGroupId: msk?.consumerGroupId ?? `starrocks-sink-${id}`,
        }),
      );
    }
    if (selfManaged !== undefined) {
      for (const topic of selfManaged.topics) {
        this.function.addEventSource(
          new SelfManagedKafkaEventSource({
            ...common,
            bootstrapServers: [...selfManaged.bootstrapServers],
            topic,
            secret: selfManaged.secret,
            consumerGroupId: selfManaged.consumerGroupId ?? `starrocks-sink-${id}`,
          }),
        );
      }
    }
  }
}
