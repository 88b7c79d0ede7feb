import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../lib/config/sink-config.ts';
import { CODE_PATH, ordersMappedOnly, SINK_CONFIG, synthSink } from './sink-fixture.ts';

describe('StarRocksKafkaSink function', () => {
  it('deploys the bundle on nodejs24.x arm64 with SINK_CONFIG and source maps', () => {
    const { template } = synthSink();

    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 1024,
      Timeout: 300,
      Environment: {
        Variables: {
          SINK_CONFIG: JSON.stringify(SINK_CONFIG),
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'Test/Sink',
          POWERTOOLS_METRICS_NAMESPACE: 'StarRocksLambdaSink',
        },
      },
    });
  });

  it('writes to its own log group with a one-month retention by default', () => {
    const { template } = synthSink();

    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^SinkLogs') } },
    });
  });

  it('applies memory, timeout, reserved concurrency and retention props', () => {
    const { template } = synthSink(() => ({
      memorySize: 2048,
      timeout: Duration.minutes(14),
      reservedConcurrentExecutions: 4,
      logRetention: 7,
    }));

    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 2048,
      Timeout: 840,
      ReservedConcurrentExecutions: 4,
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('refuses a timeout over the 14 minutes Kafka mappings allow', () => {
    expect(() => synthSink(() => ({ timeout: Duration.minutes(15) }))).toThrow(
      'over 14 minutes, the limit for functions behind Kafka event-source mappings',
    );
  });

  it('asks for npm run build when the bundle is missing', () => {
    expect(() => synthSink(() => ({ codePath: `${CODE_PATH}-missing` }))).toThrow(
      'does not exist: run `npm run build` first',
    );
  });
});

describe('StarRocksKafkaSink config validation', () => {
  it('fails synth with exactly the message the function parser gives', () => {
    const bad = { ...SINK_CONFIG, 'starrocks.topic2table.map': 'orders:orders_tbl,broken' };
    const functionMessage = messageOf(() => parseSinkConfig(bad));

    expect(functionMessage).toContain('entry "broken" is not "topic:table"');
    expect(() => synthSink(() => ({ sinkConfig: bad }))).toThrow(functionMessage);
  });

  it('fails synth listing every problem the parser finds', () => {
    const bad = { ...SINK_CONFIG, 'starrocks.http.url': 'fe', 'tasks.maxx': '1' };

    expect(() => synthSink(() => ({ sinkConfig: bad }))).toThrow(
      /SINK_CONFIG has 2 problems:[\s\S]*tasks\.maxx[\s\S]*"fe" has no port/,
    );
  });

  it('refuses a plain password in the config', () => {
    expect(() => synthSink(() => ({ sinkConfig: { ...SINK_CONFIG, 'starrocks.password': 'x' } }))).toThrow(
      'sinkConfig must not contain starrocks.password',
    );
  });

  it('refuses a user name in the config next to the secret, with the parser message', () => {
    expect(() => synthSink(() => ({ sinkConfig: { ...SINK_CONFIG, 'starrocks.username': 'root' } }))).toThrow(
      'starrocks.secret.arn: is set together with starrocks.username/starrocks.password',
    );
  });

  it('refuses a source topic the config does not accept', () => {
    expect(() =>
      synthSink(() => ({
        sources: [
          {
            kind: 'msk',
            clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/a/b',
            topics: ['payments'],
            auth: { method: 'iam' },
          },
        ],
      })),
    ).toThrow('source topic "payments" is not accepted by sinkConfig');
  });

  it('refuses a source topic that would route to no valid table', () => {
    expect(() => synthSink(() => ordersMappedOnly(['orders', 'dbserver1.public.payments']))).toThrow(
      'source topic "dbserver1.public.payments" is not accepted by sinkConfig: topic "dbserver1.public.payments" has no entry in starrocks.topic2table.map and is not a valid StarRocks table name',
    );
  });

  it('refuses sources without topics', () => {
    expect(() => synthSink(() => ({ sources: [] }))).toThrow('sources must name at least one Kafka topic');
  });
});

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the call to throw');
}
