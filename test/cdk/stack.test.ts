import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { StarRocksKafkaSink } from '../../cdk/starrocks-kafka-sink.ts';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:starrocks-sink-AbCdEf';
const SINK_CONFIG = {
  topics: 'test',
  'value.converter.schemas.enable': 'false',
  'starrocks.http.url': '10.0.1.10:8030',
  'starrocks.database.name': 'example_db',
  'starrocks.topic2table.map': 'test:test_tbl',
  'starrocks.secret.arn': SECRET_ARN,
};

function synth(sinkConfig: Record<string, string>): Template {
  const stack = new Stack(new App(), 'Test');
  new StarRocksKafkaSink(stack, 'Sink', {
    sinkConfig,
    starrocksSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'Secret', SECRET_ARN),
    msk: { clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd', topics: ['test'] },
  });
  return Template.fromStack(stack);
}

describe('StarRocksKafkaSink', () => {
  it('deploys the built bundle on nodejs24.x arm64 with SINK_CONFIG and one ESM per topic', () => {
    const template = synth(SINK_CONFIG);

    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Environment: {
        Variables: Match.objectLike({
          SINK_CONFIG: JSON.stringify(SINK_CONFIG),
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { Topics: ['test'] });
  });

  it('fails synth with the function parser message for a bad config', () => {
    expect(() => synth({ ...SINK_CONFIG, 'starrocks.topic2table.map': 'broken' })).toThrow(
      'starrocks.topic2table.map: entry "broken" is not "topic:table"',
    );
  });

  it('refuses a plain password in the config', () => {
    expect(() => synth({ ...SINK_CONFIG, 'starrocks.password': 'x' })).toThrow(
      'must not contain starrocks.password',
    );
  });
});
