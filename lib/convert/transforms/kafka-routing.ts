/**
 * Apache Kafka's filtering, routing and header transforms, ready to run: each spec kind of
 * config/transform-classes/kafka-routing.ts → its step.
 */
import type { KafkaRoutingTransformSpec } from '../../config/transform-classes/kafka-routing.ts';
import type { StepFactories } from './step-factories.ts';

export const KAFKA_ROUTING_STEPS: StepFactories<KafkaRoutingTransformSpec> = {};
