import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildSink, SINK_CONFIG, synthSink } from './sink-fixture.ts';

const PARTIAL = { ...SINK_CONFIG, 'sink.partial.batch.response': 'true' };

describe('partial batch responses', () => {
  it('sets ReportBatchItemFailures on every mapping when the sink config reports failed partitions', () => {
    const { template } = synthSink(() => ({ sinkConfig: PARTIAL, provisionedMode: { minimumPollers: 1 } }));

    const mappings = template.findResources('AWS::Lambda::EventSourceMapping');
    expect(Object.keys(mappings)).toHaveLength(2);
    for (const mapping of Object.values(mappings)) {
      expect(mapping.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    }
  });

  it('leaves ReportBatchItemFailures off when the sink config does not report failed partitions', () => {
    const { template } = synthSink(() => ({ provisionedMode: { minimumPollers: 1 } }));

    template.allResourcesProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: Match.absent(),
    });
  });

  it('refuses sink.partial.batch.response without provisioned mode', () => {
    expect(() => buildSink(() => ({ sinkConfig: PARTIAL }))).toThrow(/needs provisionedMode/);
  });

  it('refuses sink.partial.batch.response with reportBatchItemFailures turned off', () => {
    expect(() =>
      buildSink(() => ({
        sinkConfig: PARTIAL,
        provisionedMode: { minimumPollers: 1, reportBatchItemFailures: false },
      })),
    ).toThrow(/reportBatchItemFailures is false/);
  });
});
