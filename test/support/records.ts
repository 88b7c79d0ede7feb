import { decodeRecord, type KafkaRecord } from '../../lib/decode/event.ts';

/**
 * One record of an event, as the converters see it, with the value given as bytes or text (or
 * null for a tombstone): the factory the converter tests share.
 */

export interface RecordPlace {
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: number;
}

/** A record at `place` (default `orders.v1`, partition 3, offset 7) holding `value`. */
export function recordWithValue(value: Buffer | string | null, place: RecordPlace = {}): KafkaRecord {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return decodeRecord({
    topic: place.topic ?? 'orders.v1',
    partition: place.partition ?? 3,
    offset: place.offset ?? 7,
    timestamp: 0,
    key: null,
    value: bytes === null ? null : bytes.toString('base64'),
    headers: [],
  });
}
