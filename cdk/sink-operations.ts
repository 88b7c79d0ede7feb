import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/**
 * What the function emits (functions/sink/handler.ts and metrics.ts): Powertools EMF in this
 * namespace, every metric with the `service` dimension (POWERTOOLS_SERVICE_NAME, one per sink;
 * `service` here is the default when it is unset), per-table ones also with `table`.
 * test/cdk/operations.test.ts checks these names against the handler's source.
 */
export const SINK_METRICS = {
  namespace: 'StarRocksLambdaSink',
  service: 'starrocks-lambda-sink',
  perBatch: ['RecordsReceived', 'RecordsSkipped', 'BatchesFailed'],
  perTable: ['RowsLoaded', 'BytesLoaded', 'LoadLatency'],
} as const;

export interface SinkOperationsProps {
  readonly function: lambda.IFunction;
  /** The `service` dimension the function's metrics carry (its POWERTOOLS_SERVICE_NAME). */
  readonly service: string;
  /** Tables the sink loads (known from the config at synth time), one line each on the dashboard. */
  readonly tables: readonly string[];
  /** @default - alarms change state without notifying anyone */
  readonly alarmTopic?: sns.ITopic;
  /** @default 10_000 records */
  readonly offsetLagThreshold?: number;
  /** @default - CloudFormation generates the name */
  readonly dashboardName?: string;
}

/** Alarms on function errors, throttles and consumer lag, and a dashboard of the sink's metrics. */
export class SinkOperations extends Construct {
  readonly errorsAlarm: cloudwatch.Alarm;
  readonly throttlesAlarm: cloudwatch.Alarm;
  readonly offsetLagAlarm: cloudwatch.Alarm;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: SinkOperationsProps) {
    super(scope, id);
    const fn = props.function;
    const period = Duration.minutes(5);

    const lagThreshold = props.offsetLagThreshold ?? 10_000;
    /** An alarm on any occurrence of `metric` within a period. */
    const onAny = (alarmId: string, alarmDescription: string, metric: cloudwatch.IMetric) =>
      new cloudwatch.Alarm(this, alarmId, {
        alarmDescription,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });

    // Any error means a batch is being retried whole: its partitions stop advancing.
    this.errorsAlarm = onAny(
      'Errors',
      'The sink function failed: a batch is retried whole until it loads (see the function logs for table, label and offsets).',
      fn.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
    );
    this.throttlesAlarm = onAny(
      'Throttles',
      'The sink function was throttled: the event pollers back off and lag grows (check reserved concurrency).',
      fn.metricThrottles({ period, statistic: cloudwatch.Stats.SUM }),
    );
    this.offsetLagAlarm = new cloudwatch.Alarm(this, 'OffsetLag', {
      alarmDescription:
        'Consumer lag of the sink event-source mappings stayed high for 15 minutes: the sink is not keeping up or a batch keeps failing.',
      metric: offsetLag(fn, period),
      threshold: lagThreshold,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const alarms = [this.errorsAlarm, this.throttlesAlarm, this.offsetLagAlarm];
    if (props.alarmTopic) {
      const action = new actions.SnsAction(props.alarmTopic);
      for (const alarm of alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }

    const minute = Duration.minutes(1);
    const perTable = (metricName: string, statistic: string, label: string) =>
      props.tables.map(
        (table) =>
          new cloudwatch.Metric({
            namespace: SINK_METRICS.namespace,
            metricName,
            dimensionsMap: { service: props.service, table },
            statistic,
            period: minute,
            label: `${table} ${label}`.trim(),
          }),
      );
    const perBatch = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: SINK_METRICS.namespace,
        metricName,
        dimensionsMap: { service: props.service },
        statistic: cloudwatch.Stats.SUM,
        period: minute,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      ...(props.dashboardName !== undefined ? { dashboardName: props.dashboardName } : {}),
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Rows loaded per table',
        left: perTable('RowsLoaded', cloudwatch.Stats.SUM, ''),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Bytes loaded per table',
        left: perTable('BytesLoaded', cloudwatch.Stats.SUM, ''),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Stream Load latency per table (ms)',
        left: perTable('LoadLatency', cloudwatch.Stats.AVERAGE, 'avg'),
        right: perTable('LoadLatency', cloudwatch.Stats.MAXIMUM, 'max'),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Function errors and throttles',
        left: [
          fn.metricErrors({ period: minute, statistic: cloudwatch.Stats.SUM }),
          fn.metricThrottles({ period: minute, statistic: cloudwatch.Stats.SUM }),
          perBatch('BatchesFailed'),
        ],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Records received and skipped (tombstones)',
        left: [perBatch('RecordsReceived'), perBatch('RecordsSkipped')],
        right: [fn.metricDuration({ period: minute, statistic: cloudwatch.Stats.MAXIMUM })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Consumer lag (OffsetLag, max over mappings)',
        left: [offsetLag(fn, minute)],
        leftAnnotations: [{ value: lagThreshold, label: 'alarm threshold' }],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms,
        width: 24,
      }),
    );
  }
}

/**
 * Lambda's `OffsetLag` for Kafka mappings: records between the end of a topic and what the
 * mapping's consumer group committed. Published per function (FunctionName).
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
 */
function offsetLag(fn: lambda.IFunction, period: Duration): cloudwatch.Metric {
  return fn.metric('OffsetLag', { period, statistic: cloudwatch.Stats.MAXIMUM });
}
