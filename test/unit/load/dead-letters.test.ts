import { describe, expect, it } from 'vitest';
import { buildTableBatches, withoutRows } from '../../../lib/batch/table-batches.ts';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { decodeEvent } from '../../../lib/decode/event.ts';
import { ErrorCode, SinkError } from '../../../lib/errors.ts';
import { deadLetterOf } from '../../../lib/load/dead-letter-records.ts';
import { matchRejectedRows, parseErrorLog } from '../../../lib/load/rejected-rows.ts';
import { b64, kafkaRecord, mskEvent, seedConfig } from '../../fixtures/events.ts';

const config = parseSinkConfig(seedConfig());

function tableOf(values: unknown[]) {
  const records = decodeEvent(mskEvent(values.map((value, offset) => kafkaRecord({ offset, value }))));
  const batch = buildTableBatches(records, config).tables[0];
  if (batch === undefined) throw new Error('no table');
  return batch;
}

describe('parseErrorLog', () => {
  it('reads the reason and row of every line, and sets apart lines of another shape', () => {
    const text =
      'Error: NULL value in non-nullable column \'id\'. Row: {"id":null,"city":"b"}\nsomething else\n\n';

    expect(parseErrorLog(text)).toEqual({
      rows: [{ reason: "NULL value in non-nullable column 'id'", row: '{"id":null,"city":"b"}' }],
      unparsed: ['something else'],
    });
  });
});

describe('matchRejectedRows', () => {
  it('matches JSON rows whatever their key order and spacing, each row once', () => {
    const batch = tableOf([{ id: 1 }, { id: 'x', city: 'a' }, { id: 'x', city: 'a' }]);

    const matched = matchRejectedRows(
      batch,
      [
        { reason: 'r1', row: '{"city": "a", "id": "x"}' },
        { reason: 'r2', row: '{"id":"x","city":"a"}' },
      ],
      'json',
    );

    expect([...(matched?.keys() ?? [])].sort()).toEqual([1, 2]);
  });

  it('gives up when a rejected row matches no row, rather than guess', () => {
    const batch = tableOf([{ id: 1 }]);
    expect(matchRejectedRows(batch, [{ reason: 'r', row: '{"id":2}' }], 'json')).toBeUndefined();
  });

  it('rebuilds the table without the rejected rows, with ranges that count only what is left', () => {
    const batch = tableOf([{ id: 0 }, { id: 1 }, { id: 2 }]);

    const rest = withoutRows(batch, new Set([1]));

    expect(rest.rows).toHaveLength(2);
    // The count, and so the label, differs from the whole table's.
    expect(rest.ranges).toEqual([{ topic: 'test', partition: 0, first: 0, last: 2, count: 2 }]);
  });
});

describe('deadLetterOf', () => {
  it('keeps the raw key, value and headers (as base64), the position and the error', () => {
    const raw = kafkaRecord({
      topic: 'orders.v1',
      partition: 3,
      offset: 42,
      key: 'k',
      value: 'v',
      headers: [{ h: 'é' }],
    });

    const letter = deadLetterOf(raw, new SinkError(ErrorCode.DECODE_VALUE, 'bad'), 'convert', 'orders');

    expect(letter).toEqual({
      topic: 'orders.v1',
      partition: 3,
      offset: 42,
      timestamp: raw.timestamp,
      key: b64('k'),
      value: b64('v'),
      headers: [{ key: 'h', value: b64('é') }],
      table: 'orders',
      error: { stage: 'convert', code: 'DECODE_VALUE', message: 'bad' },
    });
  });
});
