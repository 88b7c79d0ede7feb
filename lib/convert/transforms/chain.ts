import type { PredicateConfig } from '../../config/transform-classes/predicates.ts';
import type { TransformConfig } from '../../config/transforms.ts';
import type { KafkaRecord } from '../../decode/event.ts';
import type { ConnectRecord, PredicateTest, TransformSkip, TransformStep } from './connect-record.ts';
import { DEBEZIUM_STEPS } from './debezium.ts';
import { KAFKA_RECORD_STEPS } from './kafka-records.ts';
import { KAFKA_ROUTING_STEPS } from './kafka-routing.ts';
import { KAFKA_TYPE_STEPS } from './kafka-types.ts';
import type { StepFactories } from './step-factories.ts';

/**
 * The transform chain: the configured transforms, in the listed order as Connect runs them, each
 * behind its predicate; a step that skips the record ends the chain.
 */

const FACTORIES = {
  ...KAFKA_RECORD_STEPS,
  ...KAFKA_ROUTING_STEPS,
  ...KAFKA_TYPE_STEPS,
  ...DEBEZIUM_STEPS,
} as StepFactories<TransformConfig>;

/** The configured transforms, ready to run on a record. */
export type TransformChain = (record: ConnectRecord) => ConnectRecord | TransformSkip;

const chains = new WeakMap<readonly TransformConfig[], TransformChain>();

/** The chain of `transforms` (built once per config). */
export function transformChain(
  transforms: readonly TransformConfig[],
  predicates: ReadonlyMap<string, PredicateConfig>,
): TransformChain {
  let chain = chains.get(transforms);
  if (chain === undefined) {
    chain = buildChain(transforms, predicates);
    chains.set(transforms, chain);
  }
  return chain;
}

function buildChain(
  transforms: readonly TransformConfig[],
  predicates: ReadonlyMap<string, PredicateConfig>,
): TransformChain {
  const steps = transforms.map((config) => guardedStep(config, predicates));
  return (record) => {
    let current = record;
    for (const step of steps) {
      const next = step(current);
      if (!('source' in next)) return next;
      current = next;
    }
    return current;
  };
}

/** A transform's step, run only where its predicate (negated or not) says. */
function guardedStep(
  config: TransformConfig,
  predicates: ReadonlyMap<string, PredicateConfig>,
): TransformStep {
  const factory = FACTORIES[config.kind] as (config: TransformConfig) => TransformStep;
  const step = factory(config);
  if (config.predicate === undefined) return step;
  const predicate = predicates.get(config.predicate);
  if (predicate === undefined) throw new Error(`predicate "${config.predicate}" was not parsed`);
  const test = predicateTest(predicate);
  const negate = config.negate;
  return (record) => (test(record) !== negate ? step(record) : record);
}

/** Kafka's predicates, as Connect defines them. */
export function predicateTest(predicate: PredicateConfig): PredicateTest {
  switch (predicate.kind) {
    case 'topicNameMatches': {
      const pattern = predicate.pattern.whole;
      return (record) => pattern.test(record.topic);
    }
    case 'hasHeaderKey': {
      const name = predicate.headerName;
      return (record) => record.headers.some((h) => h.key === name);
    }
    case 'recordIsTombstone':
      return (record) => record.value === null || record.value === undefined;
  }
}

/**
 * Whether any transform reads or writes the record key (a `$Key` variant, ValueToKey, ...): only
 * then is the key converted.
 */
export function chainReadsKey(transforms: readonly TransformConfig[]): boolean {
  return transforms.some((t) => 'readsKey' in t && t.readsKey === true);
}

/**
 * A schemaless record around `value` (the transforms' tests, and values decoded without a Connect
 * schema).
 */
export function schemalessRecord(source: KafkaRecord, value: unknown): ConnectRecord {
  return {
    topic: source.topic,
    partition: source.partition,
    offset: source.offset,
    timestamp: source.timestamp ?? null,
    timestampType: timestampTypeOf(source),
    keySchema: null,
    key: null,
    valueSchema: null,
    value,
    headers: (source.headers ?? []).map((h) => ({
      key: h.key,
      schema: null,
      value: h.value.toString('utf8'),
    })),
    source,
  };
}

/** Connect's name for the record's timestamp type. */
export function timestampTypeOf(source: KafkaRecord): ConnectRecord['timestampType'] {
  if (source.timestamp === undefined) return 'NoTimestampType';
  return source.timestampType === 'LOG_APPEND_TIME' ? 'LogAppendTime' : 'CreateTime';
}
