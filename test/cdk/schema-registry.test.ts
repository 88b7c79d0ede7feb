import type { Stack } from 'aws-cdk-lib';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ConfluentSchemaRegistry, GlueSchemaRegistry } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { type DeployConfig, parseDeployConfig } from '../../cdk/deploy-config.ts';
import { StarRocksSinkStack } from '../../cdk/sink-stack.ts';
import {
  CODE_PATH,
  CONFLUENT_BOOTSTRAP,
  importedVpc,
  kafkaSecret,
  SINK_CONFIG,
  synthSink,
} from './sink-fixture.ts';

const REGISTRY_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:registry-api-key-StUvWx';
const OTHER_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:other-registry-YzAbCd';
const REGISTRY_URL = 'https://psrc-abc12.us-east-1.aws.confluent.cloud';
const GLUE_REGISTRY_ARN = 'arn:aws:glue:us-east-1:123456789012:registry/orders';
const AVRO = 'io.confluent.connect.avro.AvroConverter';
const PROTOBUF = 'io.confluent.connect.protobuf.ProtobufConverter';
const GLUE_AVRO = 'com.amazonaws.services.schemaregistry.kafkaconnect.AWSKafkaAvroConverter';

const { 'value.converter.schemas.enable': _schemas, ...BASE_CONFIG } = SINK_CONFIG;

/** The fixture's config with a Confluent Avro value converter. */
const CONFLUENT_CONFIG: Record<string, string> = {
  ...BASE_CONFIG,
  'value.converter': AVRO,
  'value.converter.schema.registry.url': REGISTRY_URL,
};

/** The fixture's config with a Glue Avro value converter. */
const GLUE_CONFIG: Record<string, string> = { ...BASE_CONFIG, 'value.converter': GLUE_AVRO };

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
}

function statements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement,
  );
}

function secretReads(template: Template): unknown[] {
  return statements(template)
    .filter((s) => JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue'))
    .map((s) => s.Resource);
}

function glueStatements(template: Template): Statement[] {
  return statements(template).filter((s) => JSON.stringify(s.Action).includes('glue:'));
}

/** The function's SINK_CONFIG, parsed (the tests use concrete ARNs, so it is plain JSON). */
function deployedConfig(template: Template): Record<string, string> {
  const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
  return JSON.parse(fn?.Properties.Environment.Variables.SINK_CONFIG);
}

/** `arn:${Partition}:glue:<region>:${AccountId}:<resource>` as formatArn renders it. */
function glueArn(region: string | undefined, resource: string): unknown {
  return {
    'Fn::Join': [
      '',
      [
        'arn:',
        { Ref: 'AWS::Partition' },
        `:glue:${region === undefined ? '' : `${region}:`}`,
        ...(region === undefined ? [{ Ref: 'AWS::Region' }, ':'] : []),
        { Ref: 'AWS::AccountId' },
        `:${resource}`,
      ],
    ],
  };
}

function egressRules(template: Template): Array<Record<string, unknown>> {
  const group = Object.values(template.findResources('AWS::EC2::SecurityGroup')).find((g) =>
    String(g.Properties.GroupDescription).startsWith('StarRocks sink function'),
  );
  return group?.Properties.SecurityGroupEgress ?? [];
}

function registrySecret(stack: Stack, arn = REGISTRY_SECRET_ARN): secretsmanager.ISecret {
  return secretsmanager.Secret.fromSecretCompleteArn(stack, `Registry${arn.slice(-6)}`, arn);
}

describe('registry credentials', () => {
  it('lets the function read schemaRegistrySecret and names it under the value converter', () => {
    const { template } = synthSink((stack) => ({
      sinkConfig: CONFLUENT_CONFIG,
      schemaRegistrySecret: registrySecret(stack),
    }));
    const config = deployedConfig(template);

    expect(secretReads(template)).toEqual([SINK_CONFIG['starrocks.secret.arn'], REGISTRY_SECRET_ARN]);
    expect(config['value.converter.schema.registry.secret.arn']).toBe(REGISTRY_SECRET_ARN);
    expect(config).not.toHaveProperty('key.converter.schema.registry.secret.arn');
  });

  it('names the secret under the key converter too when it is a Confluent converter', () => {
    const { template } = synthSink((stack) => ({
      sinkConfig: {
        ...CONFLUENT_CONFIG,
        'key.converter': AVRO,
        'key.converter.schema.registry.url': REGISTRY_URL,
      },
      schemaRegistrySecret: registrySecret(stack),
    }));
    const config = deployedConfig(template);

    expect(config['key.converter.schema.registry.secret.arn']).toBe(REGISTRY_SECRET_ARN);
    expect(config['value.converter.schema.registry.secret.arn']).toBe(REGISTRY_SECRET_ARN);
    expect(secretReads(template)).toEqual([SINK_CONFIG['starrocks.secret.arn'], REGISTRY_SECRET_ARN]);
  });

  it('imports the secret the config names and lets the function read that one alone', () => {
    const { template } = synthSink(() => ({
      sinkConfig: { ...CONFLUENT_CONFIG, 'value.converter.schema.registry.secret.arn': REGISTRY_SECRET_ARN },
    }));

    expect(secretReads(template)).toEqual([SINK_CONFIG['starrocks.secret.arn'], REGISTRY_SECRET_ARN]);
    expect(deployedConfig(template)['value.converter.schema.registry.secret.arn']).toBe(REGISTRY_SECRET_ARN);
  });

  it('grants no registry secret when the converters read no registry', () => {
    const { template } = synthSink();

    expect(secretReads(template)).toEqual([SINK_CONFIG['starrocks.secret.arn']]);
  });

  it('takes a secret the stack creates, its ARN resolved at deployment', () => {
    const { template } = synthSink((stack) => ({
      sinkConfig: CONFLUENT_CONFIG,
      schemaRegistrySecret: new secretsmanager.Secret(stack, 'RegistryKey') as secretsmanager.ISecret,
    }));
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];

    expect(secretReads(template)).toContainEqual({ Ref: expect.stringMatching(/^RegistryKey/) });
    expect(JSON.stringify(fn?.Properties.Environment.Variables.SINK_CONFIG)).toMatch(
      /value\.converter\.schema\.registry\.secret\.arn.*RegistryKey/,
    );
  });

  it.each([
    ['value.converter.basic.auth.user.info', { 'value.converter.basic.auth.user.info': 'SRKEY:Sr-S3cret' }],
    ['value.converter.bearer.auth.token', { 'value.converter.bearer.auth.token': 'Sr-S3cret-T0ken' }],
    [
      'user info in value.converter.schema.registry.url',
      {
        'value.converter.schema.registry.url':
          'https://SRKEY:Sr-S3cret@psrc-abc12.us-east-1.aws.confluent.cloud',
      },
    ],
    [
      'key.converter.basic.auth.user.info',
      {
        'key.converter': AVRO,
        'key.converter.schema.registry.url': REGISTRY_URL,
        'key.converter.basic.auth.credentials.source': 'USER_INFO',
        'key.converter.basic.auth.user.info': 'SRKEY:Sr-S3cret',
      },
    ],
    [
      'user info in key.converter.schema.registry.url',
      {
        'key.converter': AVRO,
        'key.converter.schema.registry.url': `${REGISTRY_URL},https://SRKEY:Sr-S3cret@sr2.example.com`,
      },
    ],
  ])('refuses %s, asking for a secret and showing no credential', (key, extra) => {
    const synth = () => synthSink(() => ({ sinkConfig: { ...CONFLUENT_CONFIG, ...extra } }));

    expect(synth).toThrow(`sinkConfig must not contain ${key}: registry credentials would be stored`);
    expect(synth).toThrow(/Secrets Manager secret and pass it as schemaRegistrySecret/);
    expect(synth).not.toThrow(/S3cret/);
  });

  it('refuses a schemaRegistrySecret other than the secret the config names', () => {
    expect(() =>
      synthSink((stack) => ({
        sinkConfig: { ...CONFLUENT_CONFIG, 'value.converter.schema.registry.secret.arn': OTHER_SECRET_ARN },
        schemaRegistrySecret: registrySecret(stack),
      })),
    ).toThrow(
      `registry secret "${OTHER_SECRET_ARN}" (schema.registry.secret.arn), which is not the schemaRegistrySecret`,
    );
  });

  it('refuses schemaRegistrySecret when no converter is a Confluent converter', () => {
    expect(() =>
      synthSink((stack) => ({ sinkConfig: GLUE_CONFIG, schemaRegistrySecret: registrySecret(stack) })),
    ).toThrow(
      'schemaRegistrySecret is given, but neither value.converter nor key.converter is a Confluent schema-registry converter',
    );
  });
});

describe('AWS Glue Schema Registry', () => {
  it.each([
    [
      'every registry of the stack region by default',
      GLUE_CONFIG,
      undefined,
      [glueArn(undefined, 'registry/*'), glueArn(undefined, 'schema/*')],
    ],
    [
      'the registry glueSchemaRegistryName names',
      GLUE_CONFIG,
      'orders',
      [glueArn(undefined, 'registry/orders'), glueArn(undefined, 'schema/orders/*')],
    ],
    [
      "the converter's region",
      { ...GLUE_CONFIG, 'value.converter.region': 'eu-west-1' },
      'orders',
      [glueArn('eu-west-1', 'registry/orders'), glueArn('eu-west-1', 'schema/orders/*')],
    ],
    [
      'a Glue key converter',
      { ...SINK_CONFIG, 'key.converter': GLUE_AVRO, 'key.converter.region': 'eu-central-1' },
      undefined,
      [glueArn('eu-central-1', 'registry/*'), glueArn('eu-central-1', 'schema/*')],
    ],
  ])('grants glue:GetSchemaVersion alone on %s', (_name, sinkConfig, glueSchemaRegistryName, resources) => {
    const { template } = synthSink(() => ({
      sinkConfig,
      ...(glueSchemaRegistryName !== undefined ? { glueSchemaRegistryName } : {}),
    }));

    expect(glueStatements(template)).toEqual([
      { Action: 'glue:GetSchemaVersion', Effect: 'Allow', Resource: resources },
    ]);
  });

  it.each([
    ['JsonConverter', SINK_CONFIG],
    ['a Confluent converter', CONFLUENT_CONFIG],
  ])('grants no Glue action with %s', (_name, sinkConfig) => {
    const { template } = synthSink(() => ({ sinkConfig }));

    expect(glueStatements(template)).toEqual([]);
  });

  it('refuses glueSchemaRegistryName without a Glue converter', () => {
    expect(() =>
      synthSink(() => ({ sinkConfig: CONFLUENT_CONFIG, glueSchemaRegistryName: 'orders' })),
    ).toThrow(
      'glueSchemaRegistryName is given, but neither value.converter nor key.converter is an AWS Glue converter',
    );
  });

  it('refuses a glueSchemaRegistryName Glue would not accept', () => {
    expect(() => synthSink(() => ({ sinkConfig: GLUE_CONFIG, glueSchemaRegistryName: 'orders/*' }))).toThrow(
      'glueSchemaRegistryName "orders/*" is not a Glue registry name',
    );
  });
});

describe('egress to the registry', () => {
  const ANY_443 = { CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 };

  it.each([
    [
      'an https Confluent registry',
      CONFLUENT_CONFIG,
      'Schema registry psrc-abc12.us-east-1.aws.confluent.cloud:443',
    ],
    ['a Glue converter', GLUE_CONFIG, 'AWS Glue Schema Registry 443'],
  ])('opens 443 to any IPv4 address for %s', (_name, sinkConfig, description) => {
    const { template } = synthSink((stack) => ({
      sinkConfig,
      // With the endpoint, Secrets Manager does not open 443 to any address itself.
      network: { vpc: importedVpc(stack), secretsManagerEndpoint: true },
    }));

    expect(egressRules(template)).toContainEqual({ ...ANY_443, Description: description });
  });

  it('opens no port to any address without a registry converter (the check above can fail)', () => {
    const { template } = synthSink((stack) => ({
      network: { vpc: importedVpc(stack), secretsManagerEndpoint: true },
    }));

    expect(egressRules(template).filter((r) => r.CidrIp === '0.0.0.0/0')).toEqual([]);
  });

  it("shares Secrets Manager's 443 rule, one rule naming both", () => {
    const { template } = synthSink((stack) => ({
      sinkConfig: CONFLUENT_CONFIG,
      network: { vpc: importedVpc(stack) },
    }));

    expect(egressRules(template).filter((r) => r.CidrIp === '0.0.0.0/0')).toEqual([
      {
        ...ANY_443,
        Description:
          'Schema registry psrc-abc12.us-east-1.aws.confluent.cloud:443; Secrets Manager (public endpoint through NAT)',
      },
    ]);
  });

  it('opens the registry URL ports to schemaRegistryPeers only', () => {
    const { template } = synthSink((stack) => ({
      sinkConfig: {
        ...CONFLUENT_CONFIG,
        'value.converter.schema.registry.url': 'http://10.0.5.10:8081,https://10.0.5.11',
      },
      network: {
        vpc: importedVpc(stack),
        secretsManagerEndpoint: true,
        schemaRegistryPeers: [ec2.Peer.ipv4('10.0.5.0/24')],
      },
    }));
    const rules = egressRules(template);

    expect(rules).toContainEqual({
      CidrIp: '10.0.5.0/24',
      IpProtocol: 'tcp',
      FromPort: 8081,
      ToPort: 8081,
      Description: 'Schema registry 10.0.5.10:8081',
    });
    expect(rules).toContainEqual(expect.objectContaining({ CidrIp: '10.0.5.0/24', FromPort: 443 }));
    expect(rules.filter((r) => r.CidrIp === '0.0.0.0/0')).toEqual([]);
  });

  it("opens a Glue endpoint's port to schemaRegistryPeers", () => {
    const { template } = synthSink((stack) => ({
      sinkConfig: { ...GLUE_CONFIG, 'value.converter.endpoint': 'https://glue-vpce.example.internal:8443' },
      network: { vpc: importedVpc(stack), schemaRegistryPeers: [ec2.Peer.ipv4('10.0.6.0/24')] },
    }));

    expect(egressRules(template)).toContainEqual({
      CidrIp: '10.0.6.0/24',
      IpProtocol: 'tcp',
      FromPort: 8443,
      ToPort: 8443,
      Description: 'AWS Glue Schema Registry 8443',
    });
  });

  it('refuses schemaRegistryPeers when no converter reads a registry', () => {
    expect(() =>
      synthSink((stack) => ({
        network: { vpc: importedVpc(stack), schemaRegistryPeers: [ec2.Peer.ipv4('10.0.5.0/24')] },
      })),
    ).toThrow(
      'network.schemaRegistryPeers is given, but neither value.converter nor key.converter reads a schema registry',
    );
  });

  it('refuses a plain-http registry without schemaRegistryPeers', () => {
    expect(() =>
      synthSink((stack) => ({
        sinkConfig: { ...CONFLUENT_CONFIG, 'value.converter.schema.registry.url': 'http://10.0.5.10:8081' },
        network: { vpc: importedVpc(stack) },
      })),
    ).toThrow(
      "value.converter.schema.registry.url has plain-http 10.0.5.10:8081: the function's security group opens no port to it unless network.schemaRegistryPeers",
    );
  });
});

describe("the event-source mappings' own schema registry", () => {
  const PROVISIONED = { provisionedMode: { minimumPollers: 1 } };

  function confluentRegistry(stack: Stack, format = lambda.EventRecordFormat.JSON): lambda.ISchemaRegistry {
    return new ConfluentSchemaRegistry({
      schemaRegistryUri: REGISTRY_URL,
      authenticationType: lambda.KafkaSchemaRegistryAccessConfigType.BASIC_AUTH,
      secret: registrySecret(stack, OTHER_SECRET_ARN),
      eventRecordFormat: format,
      schemaValidationConfigs: [{ attribute: lambda.KafkaSchemaValidationAttribute.VALUE }],
    });
  }

  function glueRegistry(format: lambda.EventRecordFormat): lambda.ISchemaRegistry {
    return new GlueSchemaRegistry({
      schemaRegistryArn: GLUE_REGISTRY_ARN,
      eventRecordFormat: format,
      schemaValidationConfigs: [{ attribute: lambda.KafkaSchemaValidationAttribute.VALUE }],
    });
  }

  it('sets schemaRegistryConfig on every MSK mapping', () => {
    const { template } = synthSink((stack) => ({
      sinkConfig: CONFLUENT_CONFIG,
      eventSourceSchemaRegistry: confluentRegistry(stack),
      ...PROVISIONED,
    }));

    template.resourcePropertiesCountIs(
      'AWS::Lambda::EventSourceMapping',
      {
        AmazonManagedKafkaEventSourceConfig: {
          ConsumerGroupId: Match.anyValue(),
          SchemaRegistryConfig: {
            SchemaRegistryURI: REGISTRY_URL,
            EventRecordFormat: 'JSON',
            AccessConfigs: [{ Type: 'BASIC_AUTH', URI: OTHER_SECRET_ARN }],
            SchemaValidationConfigs: [{ Attribute: 'VALUE' }],
          },
        },
      },
      2,
    );
  });

  it('sets schemaRegistryConfig on every self-managed mapping (Glue, SOURCE)', () => {
    const { template } = synthSink((stack) => ({
      sinkConfig: GLUE_CONFIG,
      sources: [
        {
          kind: 'self-managed',
          bootstrapServers: [CONFLUENT_BOOTSTRAP],
          topics: ['orders', 'dbserver1.public.customers'],
          auth: { method: 'basic', secret: kafkaSecret(stack) },
        },
      ],
      eventSourceSchemaRegistry: glueRegistry(lambda.EventRecordFormat.SOURCE),
      ...PROVISIONED,
    }));

    template.resourcePropertiesCountIs(
      'AWS::Lambda::EventSourceMapping',
      {
        SelfManagedKafkaEventSourceConfig: {
          ConsumerGroupId: Match.anyValue(),
          SchemaRegistryConfig: {
            SchemaRegistryURI: GLUE_REGISTRY_ARN,
            EventRecordFormat: 'SOURCE',
            SchemaValidationConfigs: [{ Attribute: 'VALUE' }],
          },
        },
      },
      2,
    );
  });

  it('refuses it without provisioned mode', () => {
    expect(() =>
      synthSink((stack) => ({
        sinkConfig: CONFLUENT_CONFIG,
        eventSourceSchemaRegistry: confluentRegistry(stack),
      })),
    ).toThrow('eventSourceSchemaRegistry needs provisionedMode');
  });

  it.each<[string, Record<string, string>, (stack: Stack) => lambda.ISchemaRegistry, string]>([
    [
      'SOURCE with JsonConverter',
      SINK_CONFIG,
      (stack) => confluentRegistry(stack, lambda.EventRecordFormat.SOURCE),
      'only a schema-registry converter reads',
    ],
    [
      'SOURCE from Glue with a Confluent converter',
      CONFLUENT_CONFIG,
      () => glueRegistry(lambda.EventRecordFormat.SOURCE),
      "the mapping's registry is AWS Glue but value.converter reads a Confluent-compatible registry",
    ],
    [
      'JSON with JsonConverter expecting the schema envelope',
      { ...SINK_CONFIG, 'value.converter.schemas.enable': 'true' },
      (stack) => confluentRegistry(stack),
      'without the {"schema","payload"} envelope value.converter.schemas.enable=true requires',
    ],
  ])('refuses %s', (_name, sinkConfig, registry, message) => {
    expect(() =>
      synthSink((stack) => ({ sinkConfig, eventSourceSchemaRegistry: registry(stack), ...PROVISIONED })),
    ).toThrow(message);
  });

  it('accepts SOURCE with a Protobuf converter: the body keeps its message indexes', () => {
    const { template } = synthSink((stack) => ({
      sinkConfig: { ...CONFLUENT_CONFIG, 'value.converter': PROTOBUF },
      eventSourceSchemaRegistry: confluentRegistry(stack, lambda.EventRecordFormat.SOURCE),
      ...PROVISIONED,
    }));

    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
  });

  it('accepts JSON with JsonConverter reading schemaless values', () => {
    const { template } = synthSink((stack) => ({
      sinkConfig: SINK_CONFIG,
      eventSourceSchemaRegistry: confluentRegistry(stack),
      ...PROVISIONED,
    }));

    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
  });
});

describe('the deployment file', () => {
  const BASE: DeployConfig = {
    stackName: 'Sink',
    sinkConfig: CONFLUENT_CONFIG,
    msk: { clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd1234-4', topics: ['orders'] },
  };

  function synthDeploy(deploy: Record<string, unknown>): Template {
    const stack = new StarRocksSinkStack(new App(), 'Sink', {
      deploy: parseDeployConfig({ ...BASE, ...deploy }),
      codePath: CODE_PATH,
    });
    return Template.fromStack(stack);
  }

  it('grants schemaRegistry.secretArn and names it in SINK_CONFIG', () => {
    const template = synthDeploy({ schemaRegistry: { secretArn: REGISTRY_SECRET_ARN } });

    expect(secretReads(template)).toContainEqual(REGISTRY_SECRET_ARN);
    expect(deployedConfig(template)['value.converter.schema.registry.secret.arn']).toBe(REGISTRY_SECRET_ARN);
  });

  it('scopes the Glue grant to schemaRegistry.glueRegistryName', () => {
    const template = synthDeploy({ sinkConfig: GLUE_CONFIG, schemaRegistry: { glueRegistryName: 'orders' } });

    expect(glueStatements(template)).toEqual([
      {
        Action: 'glue:GetSchemaVersion',
        Effect: 'Allow',
        Resource: [glueArn(undefined, 'registry/orders'), glueArn(undefined, 'schema/orders/*')],
      },
    ]);
  });

  it('opens the registry ports to network.schemaRegistryCidrs', () => {
    const template = synthDeploy({
      sinkConfig: { ...CONFLUENT_CONFIG, 'value.converter.schema.registry.url': 'http://10.0.5.10:8081' },
      network: {
        vpcId: 'vpc-0123456789abcdef0',
        availabilityZones: ['us-east-1a'],
        privateSubnetIds: ['subnet-0123456789abcdef0'],
        vpcCidrBlock: '10.0.0.0/16',
        schemaRegistryCidrs: ['10.0.5.0/24'],
      },
    });

    expect(egressRules(template)).toContainEqual(
      expect.objectContaining({ CidrIp: '10.0.5.0/24', FromPort: 8081, ToPort: 8081 }),
    );
  });

  it.each([
    [
      'confluent',
      { type: 'confluent', uri: REGISTRY_URL, authSecretArn: OTHER_SECRET_ARN, eventRecordFormat: 'JSON' },
      {
        SchemaRegistryURI: REGISTRY_URL,
        EventRecordFormat: 'JSON',
        AccessConfigs: [{ Type: 'BASIC_AUTH', URI: OTHER_SECRET_ARN }],
        SchemaValidationConfigs: [{ Attribute: 'VALUE' }],
      },
    ],
    [
      'glue',
      { type: 'glue', uri: GLUE_REGISTRY_ARN, eventRecordFormat: 'JSON', attributes: ['KEY', 'VALUE'] },
      {
        SchemaRegistryURI: GLUE_REGISTRY_ARN,
        EventRecordFormat: 'JSON',
        SchemaValidationConfigs: [{ Attribute: 'KEY' }, { Attribute: 'VALUE' }],
      },
    ],
  ])('sets eventSource.schemaRegistry (%s) on the mappings', (_type, schemaRegistry, expected) => {
    const template = synthDeploy({ eventSource: { provisioned: { minimumPollers: 1 }, schemaRegistry } });

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      AmazonManagedKafkaEventSourceConfig: {
        ConsumerGroupId: Match.anyValue(),
        SchemaRegistryConfig: expected,
      },
    });
  });

  it.each([
    [
      { schemaRegistry: { secretArn: 'arn:aws:s3:::bucket' } },
      'schemaRegistry.secretArn: "arn:aws:s3:::bucket" is not a Secrets Manager secret ARN or name',
    ],
    [
      { schemaRegistry: { glueRegistryName: 'a b' } },
      'schemaRegistry.glueRegistryName: "a b" is not a Glue registry name',
    ],
    [
      { schemaRegistry: { secretArns: 'x' } },
      'schemaRegistry.secretArns: is not a known key; valid keys: secretArn, glueRegistryName',
    ],
    [
      {
        eventSource: { schemaRegistry: { type: 'glue', uri: GLUE_REGISTRY_ARN, eventRecordFormat: 'JSON' } },
      },
      'eventSource.schemaRegistry: needs eventSource.provisioned',
    ],
    [
      { eventSource: { provisioned: {}, schemaRegistry: { type: 'glue', uri: GLUE_REGISTRY_ARN } } },
      'eventSource.schemaRegistry.eventRecordFormat: is required',
    ],
    [
      {
        eventSource: {
          provisioned: {},
          schemaRegistry: {
            type: 'apicurio',
            uri: REGISTRY_URL,
            eventRecordFormat: 'AVRO',
            attributes: ['HEADERS'],
          },
        },
      },
      [
        'eventSource.schemaRegistry.type: "apicurio" is not valid; valid values: confluent, glue',
        'eventSource.schemaRegistry.eventRecordFormat: "AVRO" is not valid; valid values: JSON, SOURCE',
        'eventSource.schemaRegistry.attributes: "HEADERS" is not valid; valid values: KEY, VALUE',
      ],
    ],
    [
      {
        eventSource: {
          provisioned: {},
          schemaRegistry: {
            type: 'glue',
            uri: 'orders',
            eventRecordFormat: 'JSON',
            authSecretArn: OTHER_SECRET_ARN,
          },
        },
      },
      [
        'eventSource.schemaRegistry.uri: "orders" is not a Glue registry ARN',
        "eventSource.schemaRegistry.authSecretArn: is for a Confluent registry; the mappings read a Glue registry with the function's role",
      ],
    ],
    [
      {
        eventSource: {
          provisioned: {},
          schemaRegistry: {
            type: 'confluent',
            uri: 'https://KEY:S3cret@psrc-abc12.example.com',
            eventRecordFormat: 'SOURCE',
          },
        },
      },
      [
        'eventSource.schemaRegistry.uri: is not an http(s) URL without user info',
        'eventSource.schemaRegistry.authSecretArn: is required with type "confluent"',
      ],
    ],
  ])('reports %j', (section, messages) => {
    const parse = () => parseDeployConfig({ ...BASE, ...section });

    for (const message of [messages].flat()) expect(parse).toThrow(message);
    expect(parse).not.toThrow(/S3cret/);
  });
});
