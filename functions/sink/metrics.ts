import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BatchReport } from '../../lib/sink.ts';

/** Per-invocation totals, and rows, bytes and latency per table (dimension `table`). */
export function recordMetrics(metrics: Metrics, report: BatchReport): void {
  metrics.addMetric('RecordsReceived', MetricUnit.Count, report.records);
  metrics.addMetric('RecordsSkipped', MetricUnit.Count, report.skipped.total ?? 0);
  for (const table of report.tables) {
    const single = metrics.singleMetric();
    single.addDimension('table', table.table);
    single.addMetric('RowsLoaded', MetricUnit.Count, table.outcome === 'loaded' ? table.rows : 0);
    single.addMetric('BytesLoaded', MetricUnit.Bytes, table.outcome === 'loaded' ? table.bytes : 0);
    single.addMetric('LoadLatency', MetricUnit.Milliseconds, table.ms);
  }
}
