/**
 * Apache Kafka's built-in transforms that add, drop, rename, mask or move fields: InsertField,
 * ReplaceField, MaskField, ValueToKey, ExtractField, HoistField (class names under
 * `org.apache.kafka.connect.transforms.`, with `$Key`/`$Value` where Kafka has them).
 */
import type { RecordPart, TransformClass } from '../transform-spec.ts';

/** A field InsertField adds: its name, and whether its schema is optional (`name?`, the default) or required (`name!`). */
export interface InsertedField {
  readonly name: string;
  readonly optional: boolean;
}

export type KafkaRecordTransformSpec = {
  readonly kind: 'insertField';
  readonly part: RecordPart;
  readonly readsKey: boolean;
  readonly topicField?: InsertedField | undefined;
  readonly partitionField?: InsertedField | undefined;
  readonly offsetField?: InsertedField | undefined;
  readonly timestampField?: InsertedField | undefined;
  readonly staticField?: InsertedField | undefined;
  readonly staticValue?: string | undefined;
  readonly replaceNullWithDefault: boolean;
};

export const KAFKA_RECORD_TRANSFORMS: readonly TransformClass<KafkaRecordTransformSpec>[] = [];
