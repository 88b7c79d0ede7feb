import { parseSinkConfig, type SinkConfig } from '../../lib/config/sink-config.ts';
import { transformChain } from '../../lib/convert/transforms/chain.ts';
import type {
  ConnectHeader,
  ConnectRecord,
  TransformSkip,
} from '../../lib/convert/transforms/connect-record.ts';
import { decodeRecord } from '../../lib/decode/event.ts';
import { seedConfig } from '../fixtures/events.ts';

/**
 * Factories for the routing and header transforms' tests: Connect records, and configs parsed from
 * `transforms.*` / `predicates.*` keys as a user writes them.
 */

/** A schemaless record on `orders.v1` (partition 3, offset 7, timestamp 2024-03-05T06:07:08.009Z), with changes. */
export function connectRecord(changes: Partial<Omit<ConnectRecord, 'source'>> = {}): ConnectRecord {
  const topic = changes.topic ?? 'orders.v1';
  const source = decodeRecord({
    topic,
    partition: 3,
    offset: 7,
    timestamp: 1709618828009,
    key: null,
    value: null,
  });
  return {
    topic,
    partition: 3,
    offset: 7,
    timestamp: 1709618828009,
    timestampType: 'CreateTime',
    keySchema: null,
    key: null,
    valueSchema: null,
    value: { id: 1 },
    headers: [],
    source,
    ...changes,
  };
}

/** Text headers, as the chain receives a Kafka record's headers. */
export function textHeaders(...pairs: [string, string][]): ConnectHeader[] {
  return pairs.map(([key, value]) => ({ key, schema: null, value }));
}

/**
 * The seed config with `keys` added, without the seed's `topics` and topic map unless `keys` gives
 * them (every topic loads into the table of its own name).
 */
export function sinkConfig(keys: Record<string, string>): SinkConfig {
  return parseSinkConfig(configInput(keys));
}

/** The raw config {@link sinkConfig} parses. */
export function configInput(keys: Record<string, string>): Record<string, string> {
  const input = seedConfig();
  delete input.topics;
  delete input['starrocks.topic2table.map'];
  return { ...input, ...keys };
}

/** The chain of the transforms `keys` configure. */
export function chainOf(
  keys: Record<string, string>,
): (record: ConnectRecord) => ConnectRecord | TransformSkip {
  const config = sinkConfig(keys);
  return transformChain(config.transforms, config.predicates);
}

/** The keys of one transform named `t` of class `org.apache.kafka.connect.transforms.<className>`. */
export function oneTransform(
  className: string,
  options: Record<string, string> = {},
): Record<string, string> {
  const keys: Record<string, string> = {
    transforms: 't',
    'transforms.t.type': `org.apache.kafka.connect.transforms.${className}`,
  };
  for (const [option, value] of Object.entries(options)) keys[`transforms.t.${option}`] = value;
  return keys;
}
