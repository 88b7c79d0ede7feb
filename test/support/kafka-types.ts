import type { TransformConfig } from '../../lib/config/transforms.ts';
import type { ConnectSchema } from '../../lib/convert/connect-schema.ts';
import type { ConnectRecord, TransformStep } from '../../lib/convert/transforms/connect-record.ts';
import { KAFKA_TYPE_STEPS } from '../../lib/convert/transforms/kafka-types.ts';
import type { StepFactories } from '../../lib/convert/transforms/step-factories.ts';
import { applied, connectRecord, fieldTransformConfig } from './kafka-records.ts';

/**
 * The type transforms' test factories: a step from a class name (under
 * `org.apache.kafka.connect.transforms.`) and its options as the config parser reads them, and
 * what it makes of a value (or key) with or without a schema.
 */

export { connectRecord, field, struct } from './kafka-records.ts';

/** `className` with `options` → its step; throws on config problems. */
export function typeStep(className: string, options: Record<string, string>): TransformStep {
  const config = fieldTransformConfig(className, options);
  const factories = KAFKA_TYPE_STEPS as unknown as StepFactories<TransformConfig>;
  return (factories[config.kind] as (c: TransformConfig) => TransformStep)(config);
}

/** What `step` makes of the record's value (`schema` null: schemaless). */
export function onValue(
  step: TransformStep,
  value: unknown,
  schema: ConnectSchema | null = null,
): { schema: ConnectSchema | null; value: unknown } {
  const out: ConnectRecord = applied(step, connectRecord({ value, valueSchema: schema }));
  return { schema: out.valueSchema, value: out.value };
}

/** What `step` makes of the record's key (`schema` null: schemaless); the value is left as given. */
export function onKey(
  step: TransformStep,
  key: unknown,
  schema: ConnectSchema | null = null,
): { schema: ConnectSchema | null; value: unknown; recordValue: unknown } {
  const out = applied(step, connectRecord({ key, keySchema: schema, value: { v: 1 } }));
  return { schema: out.keySchema, value: out.key, recordValue: out.value };
}
