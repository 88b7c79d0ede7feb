import { App, Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ConfluentSchemaRegistry, GlueSchemaRegistry } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import type { StarRocksKafkaSinkProps } from '../../cdk/starrocks-kafka-sink.ts';
import { buildSink, CONFLUENT_BOOTSTRAP, importedVpc, kafkaSecret, SINK_CONFIG } from './sink-fixture.ts';

const { 'starrocks.secret.arn': _arn, ...CONFIG_WITHOUT_SECRET } = SINK_CONFIG;
const { 'value.converter.schemas.enable': _schemas, ...CONFIG_WITHOUT_SCHEMAS } = SINK_CONFIG;
const GLUE_AVRO = 'com.amazonaws.services.schemaregistry.kafkaconnect.AWSKafkaAvroConverter';
const REGISTRY_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-api-key-StUvWx';

function nagApp(): App {
  const app = new App();
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return app;
}

/** Synthesizes with cdk-nag; returns the validation failure text, or '' when clean. */
function nagErrors(app: App): string {
  try {
    app.synth();
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

function acknowledgments(root: IConstruct): Array<{ id: string; reason: string }> {
  return root.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ id, reason })));
}

const VARIANTS: Array<[string, (stack: Stack) => Partial<StarRocksKafkaSinkProps>]> = [
  ['MSK with IAM in a VPC, SQS destination', (stack) => ({ network: { vpc: importedVpc(stack) } })],
  [
    'MSK with SCRAM, Secrets Manager endpoint, created secret',
    (stack) => ({
      sinkConfig: CONFIG_WITHOUT_SECRET,
      network: { vpc: importedVpc(stack), secretsManagerEndpoint: true },
    }),
  ],
  [
    'Confluent with BASIC_AUTH, provisioned mode, S3 destination',
    (stack) => ({
      sources: [
        {
          kind: 'self-managed',
          bootstrapServers: [CONFLUENT_BOOTSTRAP],
          topics: ['orders', 'dbserver1.public.customers'],
          auth: { method: 'basic', secret: kafkaSecret(stack) },
        },
      ],
      provisionedMode: { minimumPollers: 1, retryAttempts: 3 },
      failureDestination: { type: 's3' },
    }),
  ],
  [
    'Glue Avro converter on every registry of the account, in a VPC',
    (stack) => ({
      sinkConfig: { ...CONFIG_WITHOUT_SCHEMAS, 'value.converter': GLUE_AVRO },
      network: { vpc: importedVpc(stack), secretsManagerEndpoint: true },
    }),
  ],
  [
    "Glue Avro converter and the mappings' Glue registry (SOURCE), provisioned mode",
    () => ({
      sinkConfig: { ...CONFIG_WITHOUT_SCHEMAS, 'value.converter': GLUE_AVRO },
      eventSourceSchemaRegistry: new GlueSchemaRegistry({
        schemaRegistryArn: 'arn:aws:glue:us-east-1:123456789012:registry/orders',
        eventRecordFormat: lambda.EventRecordFormat.SOURCE,
        schemaValidationConfigs: [{ attribute: lambda.KafkaSchemaValidationAttribute.VALUE }],
      }),
      provisionedMode: { minimumPollers: 1 },
    }),
  ],
  [
    'Glue Avro converter scoped to one registry',
    () => ({
      sinkConfig: { ...CONFIG_WITHOUT_SCHEMAS, 'value.converter': GLUE_AVRO },
      glueSchemaRegistryName: 'orders',
    }),
  ],
  [
    'Confluent Avro converter with a registry secret and an ESM registry',
    (stack) => {
      const secret = kafkaSecret(stack, REGISTRY_SECRET_ARN);
      return {
        sinkConfig: {
          ...CONFIG_WITHOUT_SCHEMAS,
          'value.converter': 'io.confluent.connect.avro.AvroConverter',
          'value.converter.schema.registry.url': 'https://psrc-abc12.us-east-1.aws.confluent.cloud',
        },
        schemaRegistrySecret: secret,
        eventSourceSchemaRegistry: new ConfluentSchemaRegistry({
          schemaRegistryUri: 'https://psrc-abc12.us-east-1.aws.confluent.cloud',
          authenticationType: lambda.KafkaSchemaRegistryAccessConfigType.BASIC_AUTH,
          secret,
          eventRecordFormat: lambda.EventRecordFormat.JSON,
          schemaValidationConfigs: [{ attribute: lambda.KafkaSchemaValidationAttribute.VALUE }],
        }),
        provisionedMode: { minimumPollers: 1 },
        network: { vpc: importedVpc(stack) },
      };
    },
  ],
];

describe('cdk-nag AwsSolutions', () => {
  it.each(VARIANTS)('passes with no unacknowledged findings: %s', (_name, props) => {
    const app = nagApp();
    buildSink(props, app);

    expect(nagErrors(app)).toBe('');
  });

  it('reports findings in this setup (the check above can fail)', () => {
    const app = nagApp();
    new sqs.Queue(new Stack(app, 'Bad'), 'Queue');

    expect(nagErrors(app)).toContain("Acknowledge with 'AwsSolutions::AwsSolutions-SQS4'");
  });

  it.each(VARIANTS)('justifies every acknowledgment with a reason: %s', (_name, props) => {
    const { sink } = buildSink(props);
    const acks = acknowledgments(sink);

    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.id).toMatch(/^AwsSolutions::AwsSolutions-(IAM5\[Resource::.+\]|S1|SQS3|SMG4)$/);
      expect(ack.reason.length).toBeGreaterThan(60);
    }
  });

  it.each([
    [0, ['AwsSolutions::AwsSolutions-IAM5[Resource::*]']],
    [
      2,
      [
        expect.stringMatching(
          /^AwsSolutions::AwsSolutions-IAM5\[Resource::<SinkFailedBatches[0-9A-F]+\.Arn>\/\*\]$/,
        ),
      ],
    ],
    [
      5,
      [
        'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:schema/orders/*]',
        'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      ],
    ],
  ] as const)(
    'acknowledges wildcards only for network interfaces, failure bucket objects and Glue schemas (variant %i)',
    (index, expected) => {
      const { sink } = buildSink(VARIANTS[index]?.[1]);
      const ids = acknowledgments(sink).map((a) => a.id);

      expect([...new Set(ids.filter((id) => id.includes('IAM5')))]).toEqual(expected);
    },
  );
});
