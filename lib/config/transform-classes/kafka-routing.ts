/**
 * Apache Kafka's built-in transforms that filter, route and handle headers: Filter, RegexRouter,
 * TimestampRouter, DropHeaders, HeaderFrom, InsertHeader (class names under
 * `org.apache.kafka.connect.transforms.`, with `$Key`/`$Value` where Kafka has them).
 */
import type { TransformClass } from '../transform-spec.ts';

export type KafkaRoutingTransformSpec = never;

export const KAFKA_ROUTING_TRANSFORMS: readonly TransformClass<KafkaRoutingTransformSpec>[] = [];
