import type { TransformConfig } from '../../lib/config/transforms.ts';
import { schemalessRecord, transformChain } from '../../lib/convert/transforms/chain.ts';
import { TransformSkip } from '../../lib/convert/transforms/connect-record.ts';
import type { KafkaRecord } from '../../lib/decode/event.ts';

export type TransformOutcome =
  | { readonly kind: 'row'; readonly value: Record<string, unknown> }
  | { readonly kind: 'skip'; readonly reason: string };

/**
 * The configured transforms run on a schemaless value (a converted object, as the change-row
 * general path hands it over): the row, or why the record was skipped.
 */
export function applyTransforms(
  record: KafkaRecord,
  value: Record<string, unknown>,
  transforms: readonly TransformConfig[],
  schemaName?: string,
): TransformOutcome {
  const outcome = transformChain(
    transforms,
    new Map(),
  )({
    ...schemalessRecord(record, value),
    valueSchemaName: schemaName,
  });
  if (outcome instanceof TransformSkip) return { kind: 'skip', reason: outcome.reason };
  return { kind: 'row', value: outcome.value as Record<string, unknown> };
}

/** A transform as the config parser gives it: the spec with its name, class and no predicate. */
export function transformConfig<S extends Omit<TransformConfig, 'className' | 'negate' | 'predicate'>>(
  spec: S,
  className = 'test.Transform',
): TransformConfig {
  return { ...spec, className, negate: false } as unknown as TransformConfig;
}
