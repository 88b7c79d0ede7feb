import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDeployConfig, parseDeployConfig } from '../../cdk/deploy-config.ts';

const CDK = path.resolve('node_modules/.bin/cdk');
const NODE24 = path.resolve('node_modules/.bin/node');

/** The environment of a machine with no AWS credentials and no network but loopback. */
function offlineEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('AWS_') && !key.startsWith('CDK_')) env[key] = value;
  return {
    ...env,
    ...extra,
    // Node 24 first, as under npm scripts: cdk.json runs `node cdk/app.ts`.
    PATH: `${path.dirname(NODE24)}${path.delimiter}${process.env.PATH ?? ''}`,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_CONFIG_FILE: '/nonexistent',
    CDK_DISABLE_VERSION_CHECK: '1',
  };
}

function cdkSynth(configFile: string) {
  const out = mkdtempSync(path.join(tmpdir(), 'cdk-out-'));
  const result = spawnSync(CDK, ['synth', '--quiet', '--no-notices', '--output', out], {
    env: offlineEnv({ SINK_DEPLOY_CONFIG: configFile }),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { ...result, out };
}

beforeAll(() => {
  // The app deploys the real bundle; build it when a bare `vitest --project cdk` runs first.
  if (!existsSync('dist/sink/index.mjs')) execFileSync(NODE24, ['scripts/build.mjs'], { stdio: 'inherit' });
}, 120_000);

describe('cdk/app.ts', () => {
  it.each([
    ['config/sink.example.json', 'StarRocksLambdaSink', 'aws:kafka', 'sink.properties.strip_outer_array'],
    [
      'config/sink.confluent.example.json',
      'StarRocksLambdaSinkConfluent',
      'self-managed',
      'transforms.unwrap.delete.handling.mode',
    ],
    ['config/sink.glue.example.json', 'StarRocksLambdaSinkGlue', 'aws:kafka', 'glue:GetSchemaVersion'],
    [
      'config/sink.confluent-avro.example.json',
      'StarRocksLambdaSinkConfluentAvro',
      'self-managed',
      'value.converter.schema.registry.secret.arn\\":\\"arn:aws:secretsmanager:us-east-1:123456789012:secret:confluent-registry-key-GhIjKl',
    ],
  ])('synthesizes %s offline with cdk-nag clean', (file, stackName, kind, particular) => {
    const result = cdkSynth(file);

    expect(result.stderr + result.stdout).not.toMatch(/AwsSolutions-|Validation failed/);
    expect(result.status).toBe(0);
    const template = JSON.parse(readFileSync(path.join(result.out, `${stackName}.template.json`), 'utf8'));
    const types = Object.values(
      template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>,
    );
    const fn = types.find((r) => r.Type === 'AWS::Lambda::Function');
    expect(fn?.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
    });
    const mappings = types.filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    expect(mappings.length).toBeGreaterThan(0);
    for (const m of mappings) {
      if (kind === 'aws:kafka') expect(m.Properties.EventSourceArn).toMatch(/^arn:aws:kafka:/);
      else expect(m.Properties.SelfManagedEventSource).toBeDefined();
    }
    expect(JSON.stringify(template)).not.toMatch(/starrocks\.password|"SecretString"/);
    expect(JSON.stringify(template)).toContain(particular);
  });

  it('fails synth with the function parser message on a bad sinkConfig', () => {
    const example = JSON.parse(readFileSync('config/sink.example.json', 'utf8'));
    example.sinkConfig['starrocks.topic2table.map'] = 'test';
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'deploy-')), 'sink.json');
    writeFileSync(file, JSON.stringify(example));

    const result = cdkSynth(file);

    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('SINK_CONFIG has 1 problem:');
    expect(result.stderr).toContain('starrocks.topic2table.map: entry "test" is not "topic:table"');
  });
});

describe('deployment file', () => {
  it('reads the documented example and drops $comment keys from sinkConfig', () => {
    const config = loadDeployConfig('config/sink.example.json');

    expect(config.stackName).toBe('StarRocksLambdaSink');
    expect(Object.keys(config.sinkConfig).some((k) => k.startsWith('$'))).toBe(false);
    expect(config.msk?.auth).toBe('iam');
  });

  it('lists every problem, naming the key and what is valid', () => {
    const input = {
      stackName: 'S',
      sinkConfig: {},
      msk: { clusterArn: 'arn', topics: ['t'], auth: 'scram' },
      network: { vpcId: 'vpc-1' },
      eventSource: { batchsize: 10 },
    };

    expect(() => parseDeployConfig(input, 'sink.json')).toThrow(
      [
        'sink.json has 4 problems:',
        '  - network.availabilityZones: is required',
        '  - network.privateSubnetIds: is required',
        '  - eventSource.batchsize: is not a known key; valid keys: batchSize, maxBatchingWindowSeconds, startingPosition, startingPositionTimestamp, consumerGroupPrefix, provisioned, schemaRegistry',
        '  - msk.auth: "scram" is not valid; valid values: iam, sasl-scram-512, mtls, unauthenticated',
      ].join('\n'),
    );
  });

  it('requires a source and the secret its auth needs', () => {
    expect(() => parseDeployConfig({ stackName: 'S', sinkConfig: {} })).toThrow(
      'give "msk" or "selfManaged"',
    );
    expect(() =>
      parseDeployConfig({
        stackName: 'S',
        sinkConfig: {},
        selfManaged: { bootstrapServers: ['b:9092'], topics: ['t'] },
      }),
    ).toThrow('selfManaged.secretArn: is required with selfManaged.auth "basic"');
  });
});
