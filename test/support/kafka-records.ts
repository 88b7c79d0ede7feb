import { transformOptionReader } from '../../lib/config/transform-spec.ts';
import { TRANSFORM_CATALOGUE, type TransformConfig } from '../../lib/config/transforms.ts';
import type { ConnectSchema } from '../../lib/convert/connect-schema.ts';
import { schemalessRecord } from '../../lib/convert/transforms/chain.ts';
import type {
  ConnectRecord,
  TransformSkip,
  TransformStep,
} from '../../lib/convert/transforms/connect-record.ts';
import { KAFKA_RECORD_STEPS } from '../../lib/convert/transforms/kafka-records.ts';
import type { StepFactories } from '../../lib/convert/transforms/step-factories.ts';
import { recordWithValue } from './records.ts';

/**
 * The field transforms' test factories: a Connect record at topic `orders.v1`, partition 3,
 * offset 7, timestamp 1700000000123 (schemaless, with any part replaced), and a step built from a
 * class name and its options as the config parser reads them.
 */

export const TIMESTAMP = 1_700_000_000_123;

/** A record with schemaless null key and value, then `changes`. */
export function connectRecord(changes: Partial<Omit<ConnectRecord, 'source'>> = {}): ConnectRecord {
  const source = recordWithValue(null);
  return { ...schemalessRecord(source, null), timestamp: TIMESTAMP, timestampType: 'CreateTime', ...changes };
}

/** A struct schema of `fields` (each a field schema with its `field` name). */
export function struct(fields: readonly ConnectSchema[], extra: Partial<ConnectSchema> = {}): ConnectSchema {
  return { type: 'struct', fields, ...extra };
}

/** A field schema: `name` of `type`, optional unless `extra` says otherwise. */
export function field(name: string, type: string, extra: Partial<ConnectSchema> = {}): ConnectSchema {
  return { type, optional: true, field: name, ...extra };
}

/** `className` (under `org.apache.kafka.connect.transforms.`) with `options` → the parsed config; throws on problems. */
export function fieldTransformConfig(
  className: string,
  options: Record<string, string> = {},
): TransformConfig {
  const fullName = `org.apache.kafka.connect.transforms.${className}`;
  const entry = TRANSFORM_CATALOGUE.find((c) => c.classes.includes(fullName));
  if (entry === undefined) throw new Error(`no class ${fullName}`);
  const prefix = 'transforms.t.';
  const raw = new Map(Object.entries(options).map(([k, v]) => [`${prefix}${k}`, v]));
  const problems: string[] = [];
  const spec = entry.parse(
    fullName,
    transformOptionReader(prefix, raw, (k, m) => problems.push(`${k} ${m}`)),
  );
  if (spec === undefined || problems.length > 0) throw new Error(problems.join('; '));
  return { ...spec, name: 't', className: fullName, negate: false, predicate: undefined } as TransformConfig;
}

/** The step of `className` with `options`. */
export function fieldTransformStep(className: string, options: Record<string, string> = {}): TransformStep {
  const config = fieldTransformConfig(className, options);
  const factories = KAFKA_RECORD_STEPS as StepFactories<TransformConfig>;
  const factory = factories[config.kind] as (c: TransformConfig) => TransformStep;
  return factory(config);
}

/** The record a step returns, failing on a skip. */
export function applied(step: TransformStep, record: ConnectRecord): ConnectRecord {
  const result: ConnectRecord | TransformSkip = step(record);
  if (!('source' in result)) throw new Error(`skipped: ${result.reason}`);
  return result;
}
