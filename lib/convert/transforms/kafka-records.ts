/**
 * Apache Kafka's field transforms, ready to run: each spec kind of
 * config/transform-classes/kafka-records.ts → its step.
 */
import type { KafkaRecordTransformSpec } from '../../config/transform-classes/kafka-records.ts';
import type { StepFactories } from './step-factories.ts';

export const KAFKA_RECORD_STEPS: StepFactories<KafkaRecordTransformSpec> = {
  // Replaced by the InsertField step; the catalogue has no InsertField class until then.
  insertField: () => {
    throw new Error('InsertField has no step yet');
  },
};
