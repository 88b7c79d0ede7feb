import { Duration } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import type { MskAuth, SelfManagedAuth } from '../../cdk/kafka-sources.ts';
import {
  CLUSTER_ARN,
  CONFLUENT_BOOTSTRAP,
  importedVpc,
  KAFKA_SECRET_ARN,
  kafkaSecret,
  ROOT_CA_ARN,
  synthSink,
} from './sink-fixture.ts';

const TOPICS = ['orders', 'dbserver1.public.customers'];

function policyStatements(template: Template): Array<{ Action: string | string[]; Resource: unknown }> {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies).flatMap(
    (p) => (p as { Properties: { PolicyDocument: { Statement: [] } } }).Properties.PolicyDocument.Statement,
  );
}

function mskSink(auth: (stack: Parameters<typeof kafkaSecret>[0]) => MskAuth) {
  return synthSink((stack) => ({
    sources: [{ kind: 'msk', clusterArn: CLUSTER_ARN, topics: TOPICS, auth: auth(stack) }],
  }));
}

function confluentSink(auth: (stack: Parameters<typeof kafkaSecret>[0]) => SelfManagedAuth) {
  return synthSink((stack) => ({
    sources: [
      { kind: 'self-managed', bootstrapServers: [CONFLUENT_BOOTSTRAP], topics: TOPICS, auth: auth(stack) },
    ],
  }));
}

describe('MSK sources', () => {
  it('creates one mapping per topic with a stable consumer group, batching and starting position', () => {
    const { template, sink } = mskSink(() => ({ method: 'iam' }));
    const mappings = template.findResources('AWS::Lambda::EventSourceMapping');

    expect(Object.keys(mappings)).toHaveLength(2);
    for (const topic of TOPICS) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: CLUSTER_ARN,
        FunctionName: { Ref: Match.stringLikeRegexp('^SinkFunction') },
        Topics: [topic],
        BatchSize: 10_000,
        MaximumBatchingWindowInSeconds: 5,
        StartingPosition: 'TRIM_HORIZON',
        AmazonManagedKafkaEventSourceConfig: {
          ConsumerGroupId: Match.stringLikeRegexp(
            `^starrocks-sink-[0-9a-f]{8}\\.${topic.replaceAll('.', '\\.')}$`,
          ),
        },
      });
    }
    expect(sink.function.runtime.name).toBe('nodejs24.x');
  });

  it('keeps the same consumer group ids across synths', () => {
    const groups = () =>
      Object.values(
        mskSink(() => ({ method: 'iam' })).template.findResources('AWS::Lambda::EventSourceMapping'),
      ).map((m) => m.Properties.AmazonManagedKafkaEventSourceConfig.ConsumerGroupId);

    expect(groups()).toEqual(groups());
  });

  it('uses IAM auth with kafka-cluster actions scoped to the cluster, topics and groups', () => {
    const { template } = mskSink(() => ({ method: 'iam' }));

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      SourceAccessConfigurations: Match.absent(),
    });
    const statements = policyStatements(template);
    const cluster = CLUSTER_ARN;
    const topicArn = cluster.replace(':cluster/', ':topic/');
    const groupArn = cluster.replace(':cluster/', ':group/');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeClusterDynamicConfiguration'],
        Resource: cluster,
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        Resource: `${topicArn}/orders`,
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        Resource: expect.stringMatching(new RegExp(`^${groupArn}/starrocks-sink-[0-9a-f]{8}\\.orders$`)),
      }),
    );
    expect(JSON.stringify(statements)).not.toContain('kafka-cluster:*');
  });

  it('uses SASL/SCRAM-512 with the cluster secret and may read it', () => {
    const { template } = mskSink((stack) => ({ method: 'sasl-scram-512', secret: kafkaSecret(stack) }));

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      SourceAccessConfigurations: [{ Type: 'SASL_SCRAM_512_AUTH', URI: KAFKA_SECRET_ARN }],
    });
    expect(policyStatements(template)).toContainEqual(
      expect.objectContaining({
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: KAFKA_SECRET_ARN,
      }),
    );
    expect(JSON.stringify(policyStatements(template))).not.toContain('kafka-cluster:');
  });

  it('uses mTLS through the mapping source access configuration', () => {
    const { template } = mskSink((stack) => ({ method: 'mtls', secret: kafkaSecret(stack) }));

    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(2);
    for (const m of mappings) {
      expect(m.Properties.SourceAccessConfigurations).toEqual([
        { Type: 'CLIENT_CERTIFICATE_TLS_AUTH', URI: KAFKA_SECRET_ARN },
      ]);
    }
    expect(policyStatements(template)).toContainEqual(
      expect.objectContaining({
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: KAFKA_SECRET_ARN,
      }),
    );
  });

  it('connects unauthenticated without secrets or kafka-cluster actions', () => {
    const { template } = mskSink(() => ({ method: 'unauthenticated' }));

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      SourceAccessConfigurations: Match.absent(),
    });
    expect(JSON.stringify(policyStatements(template))).not.toContain('kafka-cluster:');
  });

  it('grants the MSK cluster actions the mapping needs on the cluster alone', () => {
    const { template } = mskSink(() => ({ method: 'iam' }));

    expect(policyStatements(template)).toContainEqual(
      expect.objectContaining({
        Action: ['kafka:DescribeCluster', 'kafka:GetBootstrapBrokers', 'kafka:ListScramSecrets'],
        Resource: CLUSTER_ARN,
      }),
    );
    expect(policyStatements(template)).toContainEqual(
      expect.objectContaining({ Action: 'kafka:DescribeClusterV2', Resource: CLUSTER_ARN }),
    );
  });

  it('refuses the same MSK topic twice', () => {
    expect(() =>
      synthSink(() => ({
        sources: [
          { kind: 'msk', clusterArn: CLUSTER_ARN, topics: ['orders'], auth: { method: 'iam' } },
          {
            kind: 'msk',
            clusterArn: CLUSTER_ARN.replace('demo', 'other'),
            topics: ['orders'],
            auth: { method: 'iam' },
          },
        ],
      })),
    ).toThrow('MSK topic "orders" appears twice');
  });
});

describe('self-managed and Confluent sources', () => {
  it.each([
    ['basic', 'BASIC_AUTH'],
    ['sasl-scram-256', 'SASL_SCRAM_256_AUTH'],
    ['sasl-scram-512', 'SASL_SCRAM_512_AUTH'],
    ['mtls', 'CLIENT_CERTIFICATE_TLS_AUTH'],
  ] as const)('maps auth %s to %s with the secret and reads it', (method, type) => {
    const { template } = confluentSink((stack) => ({ method, secret: kafkaSecret(stack) }));

    for (const topic of TOPICS) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: [CONFLUENT_BOOTSTRAP] } },
        Topics: [topic],
        SourceAccessConfigurations: [{ Type: type, URI: KAFKA_SECRET_ARN }],
        SelfManagedKafkaEventSourceConfig: {
          ConsumerGroupId: Match.stringLikeRegexp(`\\.${topic.replaceAll('.', '\\.')}$`),
        },
        BatchSize: 10_000,
        StartingPosition: 'TRIM_HORIZON',
      });
    }
    expect(policyStatements(template)).toContainEqual(
      expect.objectContaining({
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: KAFKA_SECRET_ARN,
      }),
    );
    expect(JSON.stringify(policyStatements(template))).not.toMatch(/kafka:|kafka-cluster:/);
  });

  it('adds the root CA secret and grants reading it', () => {
    const { template } = synthSink((stack) => ({
      sources: [
        {
          kind: 'self-managed',
          bootstrapServers: ['broker-1.internal:9096'],
          topics: ['orders'],
          auth: { method: 'sasl-scram-512', secret: kafkaSecret(stack) },
          rootCACertificate: kafkaSecret(stack, ROOT_CA_ARN),
        },
      ],
    }));

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      SourceAccessConfigurations: [
        { Type: 'SASL_SCRAM_512_AUTH', URI: KAFKA_SECRET_ARN },
        { Type: 'SERVER_ROOT_CA_CERTIFICATE', URI: ROOT_CA_ARN },
      ],
    });
    expect(policyStatements(template)).toContainEqual(
      expect.objectContaining({
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: ROOT_CA_ARN,
      }),
    );
  });

  it('reaches brokers in a VPC through the given subnets and security group', () => {
    const { template } = synthSink((stack) => {
      const vpc = importedVpc(stack);
      return {
        sources: [
          {
            kind: 'self-managed',
            bootstrapServers: ['broker-1.internal:9092'],
            topics: ['orders'],
            auth: { method: 'none' },
            network: {
              vpc,
              subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
              securityGroup: ec2.SecurityGroup.fromSecurityGroupId(stack, 'BrokerSg', 'sg-0brokers'),
            },
          },
        ],
      };
    });

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      SourceAccessConfigurations: [
        { Type: 'VPC_SECURITY_GROUP', URI: 'sg-0brokers' },
        { Type: 'VPC_SUBNET', URI: 'subnet-0123456789abcdef0' },
        { Type: 'VPC_SUBNET', URI: 'subnet-0fedcba9876543210' },
      ],
    });
    expect(policyStatements(template)).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['ec2:CreateNetworkInterface']),
        Resource: '*',
      }),
    );
  });
});

describe('mapping modes', () => {
  it('leaves the provisioned-only controls out in on-demand mode', () => {
    const { template } = mskSink(() => ({ method: 'iam' }));

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ProvisionedPollerConfig: Match.absent(),
      MaximumRetryAttempts: Match.absent(),
      MaximumRecordAgeInSeconds: Match.absent(),
      BisectBatchOnFunctionError: Match.absent(),
      FunctionResponseTypes: Match.absent(),
    });
  });

  it.each(['msk', 'self-managed'] as const)(
    'sets pollers and error controls in provisioned mode (%s)',
    (kind) => {
      const { template } = synthSink((stack) => ({
        sources: [
          kind === 'msk'
            ? { kind, clusterArn: CLUSTER_ARN, topics: ['orders'], auth: { method: 'iam' } }
            : {
                kind,
                bootstrapServers: [CONFLUENT_BOOTSTRAP],
                topics: ['orders'],
                auth: { method: 'basic', secret: kafkaSecret(stack) },
              },
        ],
        provisionedMode: {
          minimumPollers: 2,
          maximumPollers: 6,
          pollerGroupName: 'starrocks',
          retryAttempts: 5,
          maxRecordAge: Duration.hours(6),
          bisectBatchOnError: true,
          reportBatchItemFailures: true,
        },
      }));

      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 6, PollerGroupName: 'starrocks' },
        MaximumRetryAttempts: 5,
        MaximumRecordAgeInSeconds: 21_600,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    },
  );

  it('applies batch size, window, starting position and consumer group prefix props', () => {
    const { template } = synthSink(() => ({
      batchSize: 500,
      maxBatchingWindow: Duration.seconds(30),
      startingPosition: lambda.StartingPosition.AT_TIMESTAMP,
      startingPositionTimestamp: 1_750_000_000,
      consumerGroupPrefix: 'sr-prod',
    }));

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      Topics: ['orders'],
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 30,
      StartingPosition: 'AT_TIMESTAMP',
      StartingPositionTimestamp: 1_750_000_000,
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'sr-prod.orders' },
    });
  });
});
