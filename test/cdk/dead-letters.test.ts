import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { parseDeployConfig } from '../../cdk/deploy-config.ts';
import { StarRocksSinkStack } from '../../cdk/sink-stack.ts';
import { buildSink, CLUSTER_ARN, CODE_PATH, SINK_CONFIG, synthSink } from './sink-fixture.ts';

/** SINK_CONFIG of the function, as CloudFormation text with tokens left as objects. */
function sinkConfigText(template: Template): string {
  const fns = Object.values(template.findResources('AWS::Lambda::Function')) as {
    Properties: { Environment: { Variables: { SINK_CONFIG: unknown } } };
  }[];
  return JSON.stringify(fns[0]?.Properties.Environment.Variables.SINK_CONFIG);
}

/** The statements of the function role's policies. */
function statements(template: Template): { Action: unknown; Resource: unknown }[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } })
        .Properties.PolicyDocument.Statement,
  );
}

describe('the deadLetters prop', () => {
  it('creates an encrypted bucket, grants only s3:PutObject under the prefix and sets the config keys', () => {
    const { template } = synthSink(() => ({ deadLetters: { type: 's3' } }));

    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: Match.objectLike({}),
      PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true }),
    });
    const config = sinkConfigText(template);
    expect(config).toContain('\\"errors.tolerance\\":\\"all\\"');
    expect(config).toContain('errors.deadletterqueue.s3.bucket');
    expect(config).toContain('\\"errors.deadletterqueue.s3.prefix\\":\\"dead-letters/\\"');
    const put = statements(template).find((s) => s.Action === 's3:PutObject');
    expect(JSON.stringify(put?.Resource)).toContain('/dead-letters/*');
    expect(statements(template).some((s) => JSON.stringify(s.Action).includes('s3:GetObject'))).toBe(false);
  });

  it('uses an imported bucket and prefix', () => {
    const { template } = synthSink((stack) => ({
      deadLetters: {
        type: 's3',
        bucket: s3.Bucket.fromBucketName(stack, 'Dl', 'my-dead-letters'),
        prefix: 'sink/',
      },
    }));

    template.resourceCountIs('AWS::S3::Bucket', 0);
    const config = sinkConfigText(template);
    expect(config).toContain('\\"errors.deadletterqueue.s3.bucket\\":\\"my-dead-letters\\"');
    expect(JSON.stringify(statements(template).find((s) => s.Action === 's3:PutObject')?.Resource)).toContain(
      'my-dead-letters/sink/*',
    );
  });

  it('creates an encrypted queue, grants sending to it and sets its URL', () => {
    const { template, sink } = synthSink(() => ({
      deadLetters: { type: 'sqs' },
      failureDestination: { type: 'none' },
    }));

    template.resourceCountIs('AWS::SQS::Queue', 1);
    expect(sink.deadLetterQueue).toBeDefined();
    expect(sinkConfigText(template)).toContain('errors.deadletterqueue.sqs.url');
    expect(statements(template).some((s) => JSON.stringify(s.Action).includes('sqs:SendMessage'))).toBe(true);
  });

  it('uses an imported queue', () => {
    const { template } = synthSink((stack) => ({
      deadLetters: {
        type: 'sqs',
        queue: sqs.Queue.fromQueueArn(stack, 'Q', 'arn:aws:sqs:us-east-1:123456789012:sink-dlq'),
      },
      failureDestination: { type: 'none' },
    }));

    template.resourceCountIs('AWS::SQS::Queue', 0);
    expect(sinkConfigText(template)).toContain('https://sqs.us-east-1.');
  });

  it('refuses dead-letter keys in sinkConfig without the prop, which would leave the function without access', () => {
    expect(() =>
      buildSink(() => ({
        sinkConfig: { ...SINK_CONFIG, 'errors.tolerance': 'all', 'errors.deadletterqueue.s3.bucket': 'b-dl' },
      })),
    ).toThrow(/use the deadLetters prop/);
  });

  it('refuses the prop together with the keys it sets', () => {
    expect(() =>
      buildSink(() => ({
        sinkConfig: { ...SINK_CONFIG, 'errors.tolerance': 'all' },
        deadLetters: { type: 'sqs' },
      })),
    ).toThrow(/which the deadLetters prop sets itself/);
  });

  it.each([['s3'], ['sqs']] as const)('passes cdk-nag with a %s destination', (type) => {
    const app = new App();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    buildSink(() => ({ deadLetters: { type } }), app);

    expect(() => app.synth()).not.toThrow();
  });

  it('keeps a stack without the prop free of dead-letter resources and keys', () => {
    const { template } = synthSink(() => ({ failureDestination: { type: 'none' } }));
    template.resourceCountIs('AWS::SQS::Queue', 0);
    expect(sinkConfigText(template)).not.toContain('errors.');
  });

  it('is set from the deployment file', () => {
    const deploy = parseDeployConfig({
      stackName: 'Dl',
      sinkConfig: SINK_CONFIG,
      msk: { clusterArn: CLUSTER_ARN, topics: ['orders', 'dbserver1.public.customers'] },
      deadLetters: { type: 's3', bucketName: 'my-dead-letters', prefix: 'sink/' },
    });
    const stack = new StarRocksSinkStack(new App(), 'Dl', { deploy, codePath: CODE_PATH });

    expect(sinkConfigText(Template.fromStack(stack))).toContain(
      '\\"errors.deadletterqueue.s3.bucket\\":\\"my-dead-letters\\"',
    );
  });

  it('refuses an unknown dead-letter type in the deployment file', () => {
    expect(() =>
      parseDeployConfig({
        stackName: 'Dl',
        sinkConfig: SINK_CONFIG,
        msk: { clusterArn: CLUSTER_ARN, topics: ['orders'] },
        deadLetters: { type: 'kafka' },
      }),
    ).toThrow(/deadLetters.type/);
  });
});
