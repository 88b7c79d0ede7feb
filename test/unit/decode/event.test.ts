import { describe, expect, it } from 'vitest';
import { decodeEvent, decodeKafkaEvent, recordKey } from '../../../lib/decode/event.ts';
import { ErrorCode, SinkError } from '../../../lib/errors.ts';
import { b64, kafkaRecord, mskEvent, selfManagedEvent } from '../../fixtures/events.ts';

describe('decodeEvent', () => {
  it('decodes an MSK record: base64 key and value, signed header bytes', () => {
    const event = mskEvent([
      kafkaRecord({
        topic: 'orders',
        offset: 15,
        key: 'k-1',
        value: { id: 1 },
        headers: [{ lang: 'hello-ë' }],
      }),
    ]);

    const [record] = decodeEvent(event);

    expect(record).toMatchObject({ topic: 'orders', partition: 0, offset: 15 });
    expect(record?.key?.toString()).toBe('k-1');
    expect(record?.value?.toString()).toBe('{"id":1}');
    expect(record?.headers.map((h) => [h.key, h.value.toString('utf8')])).toEqual([['lang', 'hello-ë']]);
  });

  it('keeps the signed-byte header of the documented sample ("ë" is [-61,-85])', () => {
    const event = mskEvent([kafkaRecord()]);
    (event.records['test-0']?.[0] as { headers: unknown }).headers = [{ lang: [104, -61, -85] }];
    expect(decodeEvent(event)[0]?.headers[0]?.value.toString('utf8')).toBe('hë');
  });

  it('decodes a self-managed (Confluent) event, which has no eventSourceArn', () => {
    const records = decodeEvent(selfManagedEvent([kafkaRecord({ value: { a: 1 } })]));
    expect(records).toHaveLength(1);
  });

  it('treats a null key, a null value and an absent value as absent', () => {
    const records = decodeEvent(
      mskEvent([
        kafkaRecord({ offset: 1, value: null }),
        kafkaRecord({ offset: 2, omitValue: true }),
        kafkaRecord({ offset: 3 }),
      ]),
    );
    expect(records.map((r) => [r.key, r.value === null ? null : 'set'])).toEqual([
      [null, null],
      [null, null],
      [null, 'set'],
    ]);
  });

  it('reads topic and partition from the record, for topics whose names contain - and .', () => {
    const event = mskEvent([
      kafkaRecord({ topic: 'user-events-v2', partition: 12, offset: 3 }),
      kafkaRecord({ topic: 'test.public.customers', partition: 1, offset: 9 }),
    ]);
    expect(decodeEvent(event).map((r) => `${r.topic}|${r.partition}|${r.offset}`)).toEqual([
      'test.public.customers|1|9',
      'user-events-v2|12|3',
    ]);
  });

  it('orders records by topic, partition and offset', () => {
    const event = mskEvent([
      kafkaRecord({ topic: 'b', partition: 1, offset: 5 }),
      kafkaRecord({ topic: 'a', partition: 2, offset: 1 }),
      kafkaRecord({ topic: 'a', partition: 0, offset: 7 }),
      kafkaRecord({ topic: 'a', partition: 0, offset: 6 }),
    ]);
    expect(decodeEvent(event).map((r) => `${r.topic}-${r.partition}@${r.offset}`)).toEqual([
      'a-0@6',
      'a-0@7',
      'a-2@1',
      'b-1@5',
    ]);
  });

  it('accepts headers: null', () => {
    const event = mskEvent([kafkaRecord()]);
    (event.records['test-0']?.[0] as { headers: unknown }).headers = null;
    expect(decodeEvent(event)[0]?.headers).toEqual([]);
  });

  it.each([
    ['a non-object event', 'x', /not an object/],
    ['an SQS event', { Records: [] }, /eventSource undefined is not a Kafka event/],
    ['a Kinesis source', { eventSource: 'aws:kinesis', records: {} }, /"aws:kinesis" is not a Kafka event/],
    ['missing records', { eventSource: 'aws:kafka' }, /no "records" object/],
  ])('rejects %s', (_case, event, message) => {
    expect(() => decodeEvent(event)).toThrow(message);
  });

  it('names topic, partition and offset when a value is not base64', () => {
    const event = mskEvent([kafkaRecord({ topic: 'orders', partition: 2, offset: 41 })]);
    (event.records['orders-2']?.[0] as { value: unknown }).value = 'not base64!';
    expect(() => decodeEvent(event)).toThrow(
      'topic "orders", partition 2, offset 41: value is not base64 text',
    );
  });

  it('rejects a record without integer offsets', () => {
    const event = mskEvent([kafkaRecord()]);
    (event.records['test-0']?.[0] as { offset: unknown }).offset = '15';
    expect(() => decodeEvent(event)).toThrow(SinkError);
  });

  it('decodes an empty batch to no records', () => {
    expect(decodeEvent({ eventSource: 'aws:kafka', records: {} })).toEqual([]);
  });

  it('round-trips binary values byte for byte', () => {
    const event = mskEvent([kafkaRecord()]);
    const bytes = Buffer.from([0, 255, 128, 10]);
    (event.records['test-0']?.[0] as { value: unknown }).value = bytes.toString('base64');
    expect(decodeEvent(event)[0]?.value).toEqual(bytes);
    expect(b64('')).toBe('');
  });
});

describe('decodeKafkaEvent, tolerant', () => {
  it('decodes a clean event in decodeEvent order and records every partition at its lowest offset', () => {
    const event = mskEvent([
      kafkaRecord({ topic: 'b.x', partition: 1, offset: 9 }),
      kafkaRecord({ topic: 'a-y', partition: 0, offset: 5 }),
      kafkaRecord({ topic: 'a-y', partition: 0, offset: 4 }),
    ]);

    const { records, undecodable, lowestOffsets } = decodeKafkaEvent(event, { tolerant: true });

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
    const { records, undecodable } = decodeKafkaEvent(mskEvent([kafkaRecord({ offset: 1 }), bad]), {
      tolerant: true,
    });

    expect(records).toHaveLength(1);
    expect(undecodable).toMatchObject([{ topic: 'test', partition: 2, offset: 7, raw: bad }]);
    expect(undecodable[0]?.error.code).toBe(ErrorCode.DECODE_EVENT);
  });

  it('still fails an event that is not a Kafka event', () => {
    expect(() => decodeKafkaEvent({ eventSource: 'aws:sqs', records: {} }, { tolerant: true })).toThrow(
      /not a Kafka event/,
    );
  });

  it.each([
    ['a non-object event', 'x', /not an object/],
    ['missing records', { eventSource: 'aws:kafka' }, /no "records" object/],
    [
      'a list that is not an array',
      { eventSource: 'aws:kafka', records: { 'test-0': {} } },
      /records\["test-0"\] is not an array/,
    ],
  ])('fails %s as strict decoding does', (_case, event, message) => {
    expect(() => decodeKafkaEvent(event, { tolerant: true })).toThrow(message);
  });

  it('fails the batch for a record whose topic, partition or offset cannot be read', () => {
    const event = mskEvent([kafkaRecord({ offset: 1 }), kafkaRecord({ offset: 2 })]);
    (event.records['test-0']?.[1] as { offset: unknown }).offset = '2';

    expect(() => decodeKafkaEvent(event, { tolerant: true })).toThrow(/partition 0 and offset "2"/);
  });

  it('keeps the raw record of every position, undecodable ones included, and a layout of the rest', () => {
    const bad = { ...kafkaRecord({ offset: 2 }), value: 'abc' };
    const event = mskEvent([kafkaRecord({ offset: 1 }), bad, kafkaRecord({ offset: 3 })]);

    const { records, layout, raw } = decodeKafkaEvent(event, { tolerant: true });

    expect(records.map((r) => r.offset)).toEqual([1, 3]);
    expect(layout?.runs).toEqual([{ topic: 'test', partition: 0, start: 0, end: 2 }]);
    expect(raw.get(recordKey({ topic: 'test', partition: 0, offset: 2 }))).toBe(bad);
    expect(raw.size).toBe(3);
  });
});

describe('decodeKafkaEvent, a record sent twice', () => {
  const twice = (list: 'same' | 'other' | 'undecodable') => {
    const first = kafkaRecord({ offset: 4, value: { id: 1 } });
    const again = kafkaRecord({ offset: 4, value: { id: 2 } });
    if (list === 'same') return mskEvent([kafkaRecord({ offset: 3 }), first, again]);
    // Another list holding the same position (the list keys are only labels of the records).
    const late = list === 'other' ? again : { ...again, value: 'abc' };
    return {
      eventSource: 'aws:kafka' as const,
      records: {
        'test-0': [kafkaRecord({ offset: 3 }), first],
        'test-0-copy': [kafkaRecord({ offset: 2 }), late],
      },
    };
  };

  it.each([
    ['next to each other in its list', 'same'],
    ['in another list of the event', 'other'],
  ] as const)('refuses the event, strict, when the record is %s', (_case, list) => {
    expect(() => decodeKafkaEvent(twice(list))).toThrow(
      'the event holds topic "test", partition 0, offset 4 more than once',
    );
  });

  it.each([
    ['next to each other in its list', 'same'],
    ['in another list of the event', 'other'],
    ['in another list, and one copy cannot be decoded', 'undecodable'],
  ] as const)('refuses the event, tolerant, when the record is %s', (_case, list) => {
    let error: unknown;
    try {
      decodeKafkaEvent(twice(list), { tolerant: true });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(SinkError);
    expect((error as SinkError).code).toBe(ErrorCode.DECODE_EVENT);
    expect((error as SinkError).message).toContain('offset 4 more than once');
  });
});
