import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { ConfigError, ErrorCode, SinkError } from '../../../lib/errors.ts';
import { PartitionFailures } from '../../../lib/load/partial-batch.ts';
import { seedConfig } from '../../fixtures/events.ts';

describe('PartitionFailures', () => {
  const lowest = new Map([
    ['t-0', { topic: 't', partition: 0, offset: 3 }],
    ['t-1', { topic: 't', partition: 1, offset: 10 }],
  ]);

  it('reports each failed partition once, at its lowest offset in the batch', () => {
    const failed = new PartitionFailures(lowest);
    failed.add({ topic: 't', partition: 0 }, new SinkError(ErrorCode.DECODE_VALUE, 'first'));
    failed.add({ topic: 't', partition: 0 }, new SinkError(ErrorCode.DECODE_VALUE, 'second'));

    expect(failed.items()).toEqual([{ itemIdentifier: { partition: 't-0', offset: 3 } }]);
    expect(failed.list()[0]?.error.message).toBe('first');
    expect(failed.coversAll()).toBe(false);
    failed.addRanges(
      [{ topic: 't', partition: 1, first: 12, last: 14, count: 3 }],
      new SinkError(ErrorCode.LOAD_FAILED, 'x'),
    );
    expect(failed.coversAll()).toBe(true);
  });
});

describe('sink.partial.batch.response', () => {
  it('defaults to false and accepts true', () => {
    expect(parseSinkConfig(seedConfig()).partialBatchResponse).toBe(false);
    expect(parseSinkConfig(seedConfig({ 'sink.partial.batch.response': 'true' })).partialBatchResponse).toBe(
      true,
    );
  });

  it('refuses a value that is not a boolean', () => {
    expect(() => parseSinkConfig(seedConfig({ 'sink.partial.batch.response': 'yes' }))).toThrow(ConfigError);
  });
});
