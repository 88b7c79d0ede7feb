import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { parseDeployConfig } from '../../cdk/deploy-config.ts';
import { SINK_METRICS } from '../../cdk/sink-operations.ts';
import { StarRocksSinkStack } from '../../cdk/sink-stack.ts';
import { CLUSTER_ARN, CODE_PATH, ordersMappedOnly, SINK_CONFIG, synthSink } from './sink-fixture.ts';

function dashboardBody(template: ReturnType<typeof synthSink>['template']): string {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  return JSON.stringify(dashboard?.Properties.DashboardBody);
}

describe('alarms', () => {
  it('alarms on function errors and throttles', () => {
    const { template } = synthSink();

    for (const metric of ['Errors', 'Throttles']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: metric,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^SinkFunction') } }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
    }
  });

  it('alarms on the mappings offset lag above the threshold for 15 minutes', () => {
    const { template } = synthSink(() => ({ offsetLagAlarmThreshold: 50_000 }));

    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'OffsetLag',
      Statistic: 'Maximum',
      Threshold: 50_000,
      Period: 300,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('notifies the alarm topic on alarm and on recovery', () => {
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:oncall';
    const { template } = synthSink((stack) => ({ alarmTopic: sns.Topic.fromTopicArn(stack, 'T', topicArn) }));
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));

    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topicArn]);
      expect(alarm.Properties.OKActions).toEqual([topicArn]);
    }
  });
});

describe('dashboard', () => {
  it('shows rows, bytes and latency for every table of the config', () => {
    const { template, sink } = synthSink();
    const body = dashboardBody(template);

    expect(sink.tables).toEqual(['customers', 'orders_tbl']);
    for (const metric of SINK_METRICS.perTable) {
      for (const table of sink.tables) {
        expect(body).toContain(
          `[\\"StarRocksLambdaSink\\",\\"${metric}\\",\\"service\\",\\"Test/Sink\\",\\"table\\",\\"${table}\\"`,
        );
      }
    }
  });

  it('shows errors, failed batches and consumer lag', () => {
    const body = dashboardBody(synthSink().template);

    expect(body).toContain('[\\"AWS/Lambda\\",\\"Errors\\"');
    expect(body).toContain('[\\"StarRocksLambdaSink\\",\\"BatchesFailed\\",\\"service\\",\\"Test/Sink\\"');
    expect(body).toContain('[\\"AWS/Lambda\\",\\"OffsetLag\\"');
  });

  it('gives each sink its own service dimension, the one its function is told to emit', () => {
    const app = new App();
    const first = synthSink(() => ({}), app);
    const second = synthSink(() => ({ serviceName: 'orders-sink' }), new App());
    const env = (t: typeof first.template) =>
      Object.values(t.findResources('AWS::Lambda::Function'))[0]?.Properties.Environment.Variables;

    expect(first.sink.serviceName).toBe('Test/Sink');
    expect(env(first.template).POWERTOOLS_SERVICE_NAME).toBe('Test/Sink');
    expect(env(second.template).POWERTOOLS_SERVICE_NAME).toBe('orders-sink');
    expect(dashboardBody(second.template)).toContain('\\"service\\",\\"orders-sink\\"');
    expect(dashboardBody(second.template)).not.toContain('Test/Sink');
  });

  it('takes its name from the dashboardName prop, or from alarms.dashboardName of the deployment file', () => {
    const named = synthSink(() => ({ dashboardName: 'orders-sink' }));
    named.template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'orders-sink' });

    const deploy = parseDeployConfig({
      stackName: 'Ops',
      sinkConfig: SINK_CONFIG,
      msk: { clusterArn: CLUSTER_ARN, topics: ['orders', 'dbserver1.public.customers'] },
      alarms: { dashboardName: 'orders_sink-2' },
    });
    const stack = new StarRocksSinkStack(new App(), 'Ops', { deploy, codePath: CODE_PATH });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'orders_sink-2',
    });
  });

  it('refuses a dashboard name CloudWatch would refuse, naming the key', () => {
    expect(() =>
      parseDeployConfig({
        stackName: 'Ops',
        sinkConfig: SINK_CONFIG,
        msk: { clusterArn: CLUSTER_ARN, topics: ['orders'] },
        alarms: { dashboardName: 'orders sink' },
      }),
    ).toThrow('alarms.dashboardName: "orders sink" is not a CloudWatch dashboard name');
  });

  it('lets CloudFormation name the dashboard by default', () => {
    const [dashboard] = Object.values(synthSink().template.findResources('AWS::CloudWatch::Dashboard'));
    expect(dashboard?.Properties.DashboardName).toBeUndefined();
  });

  it('adds a table for a topic without a map entry under the topic name', () => {
    const { sink } = synthSink(() => ordersMappedOnly(['orders', 'payments']));

    expect(sink.tables).toEqual(['orders_tbl', 'payments']);
  });
});

describe('metric names', () => {
  it('match what the function emits', () => {
    const handler = readFileSync('functions/sink/handler.ts', 'utf8');
    const metrics = readFileSync('functions/sink/metrics.ts', 'utf8');

    expect(handler).toContain(`namespace: '${SINK_METRICS.namespace}'`);
    expect(handler).toContain(`process.env.POWERTOOLS_SERVICE_NAME || '${SINK_METRICS.service}'`);
    expect(handler).toMatch(/new Metrics\(\{ namespace: '[^']+', serviceName \}\)/);
    for (const name of SINK_METRICS.perBatch) expect(handler + metrics).toContain(`'${name}'`);
    for (const name of SINK_METRICS.perTable) expect(metrics).toContain(`'${name}'`);
    expect(metrics).toContain("addDimension('table'");
  });
});
