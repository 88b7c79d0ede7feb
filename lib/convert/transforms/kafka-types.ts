/**
 * Apache Kafka's type transforms (Cast, TimestampConverter, Flatten), ready to run: each spec kind
 * of config/transform-classes/kafka-types.ts → its step (cast.ts, timestamp-converter.ts,
 * flatten.ts).
 */
import type { KafkaTypeTransformSpec } from '../../config/transform-classes/kafka-types.ts';
import { castStep } from './cast.ts';
import { flattenStep } from './flatten.ts';
import type { StepFactories } from './step-factories.ts';
import { timestampConverterStep } from './timestamp-converter.ts';

export const KAFKA_TYPE_STEPS: StepFactories<KafkaTypeTransformSpec> = {
  cast: (config) => castStep(config, config.name),
  timestampConverter: (config) => timestampConverterStep(config, config.name),
  flatten: (config) => flattenStep(config, config.name),
};
