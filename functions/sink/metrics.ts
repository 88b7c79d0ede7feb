import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BatchReport } from '../../lib/load/batch-report.ts';

/** Back-pressure refusals of a batch that failed (a successful one reports them in its report). */
export function recordFailure(metrics: Metrics, backpressure: number): void {
  metrics.addMetric('BatchesFailed', MetricUnit.Count, 1);
  metrics.addMetric('BackpressureRetries', MetricUnit.Count, backpressure);
}

/** Per-invocation totals, and rows, bytes and latency per table (dimension `table`). */
export function recordMetrics(metrics: Metrics, report: BatchReport): void {
  metrics.addMetric('RecordsReceived', MetricUnit.Count, report.records);
  metrics.addMetric('RecordsSkipped', MetricUnit.Count, report.skipped.total ?? 0);
  metrics.addMetric('BackpressureRetries', MetricUnit.Count, report.backpressure);
  metrics.addMetric('PartitionsFailed', MetricUnit.Count, report.batchItemFailures.length);
  metrics.addMetric('RecordsDeadLettered', MetricUnit.Count, report.deadLettered);
  for (const table of report.tables) {
    const single = metrics.singleMetric();
    single.addDimension('table', table.table);
    single.addMetric('RowsLoaded', MetricUnit.Count, table.outcome === 'loaded' ? table.rows : 0);
    single.addMetric('BytesLoaded', MetricUnit.Bytes, table.outcome === 'loaded' ? table.bytes : 0);
    single.addMetric('LoadLatency', MetricUnit.Milliseconds, table.ms);
  }
}
