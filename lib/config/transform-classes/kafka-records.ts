/**
 * Apache Kafka's built-in transforms that move, add, drop or route parts of a record: InsertField,
 * ReplaceField, MaskField, ValueToKey, ExtractField, HoistField, Filter, RegexRouter,
 * TimestampRouter, DropHeaders, HeaderFrom, InsertHeader (class names under
 * `org.apache.kafka.connect.transforms.`, with `$Key`/`$Value` where Kafka has them).
 */
import type { TransformClass } from '../transform-spec.ts';

export type KafkaRecordTransformSpec = never;

export const KAFKA_RECORD_TRANSFORMS: readonly TransformClass<KafkaRecordTransformSpec>[] = [];
