import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../lib/config/sink-config.ts';
import { decodeEachRecord } from '../../lib/decode/each-record.ts';
import { ConfigError, ErrorCode, SinkError } from '../../lib/errors.ts';
import { PartitionFailures } from '../../lib/load/partial-batch.ts';
import { kafkaRecord, mskEvent, seedConfig } from '../fixtures/events.ts';

describe('decodeEachRecord', () => {
  it('decodes a clean event in decodeEvent order and records every partition at its lowest offset', () => {
    const event = mskEvent([
      kafkaRecord({ topic: 'b.x', partition: 1, offset: 9 }),
      kafkaRecord({ topic: 'a-y', partition: 0, offset: 5 }),
      kafkaRecord({ topic: 'a-y', partition: 0, offset: 4 }),
    ]);

    const { records, undecodable, lowestOffsets } = decodeEachRecord(event);

    expect(records.map((r) => `${r.topic}-${r.partition}@${r.offset}`)).toEqual([
      'a-y-0@4',
      'a-y-0@5',
      'b.x-1@9',
    ]);
    expect(undecodable).toEqual([]);
    expect([...lowestOffsets.entries()]).toEqual(
      expect.arrayContaining([
        ['a-y-0', { topic: 'a-y', partition: 0, offset: 4 }],
        ['b.x-1', { topic: 'b.x', partition: 1, offset: 9 }],
      ]),
    );
  });

  it('sets aside a record that cannot be decoded with its position and raw form', () => {
    const bad = { ...kafkaRecord({ partition: 2, offset: 7 }), key: 'not base64' };
    const { records, undecodable } = decodeEachRecord(mskEvent([kafkaRecord({ offset: 1 }), bad]));

    expect(records).toHaveLength(1);
    expect(undecodable).toMatchObject([{ topic: 'test', partition: 2, offset: 7, raw: bad }]);
    expect(undecodable[0]?.error.code).toBe(ErrorCode.DECODE_EVENT);
  });

  it('still fails an event that is not a Kafka event', () => {
    expect(() => decodeEachRecord({ eventSource: 'aws:sqs', records: {} })).toThrow(/not a Kafka event/);
  });
});

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
