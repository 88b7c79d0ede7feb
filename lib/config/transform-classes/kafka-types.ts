/**
 * Apache Kafka's built-in transforms that change the types of values: Cast, TimestampConverter and
 * Flatten (class names under `org.apache.kafka.connect.transforms.`, each with `$Key`/`$Value`).
 */
import type { TransformClass } from '../transform-spec.ts';

export type KafkaTypeTransformSpec = never;

export const KAFKA_TYPE_TRANSFORMS: readonly TransformClass<KafkaTypeTransformSpec>[] = [];
