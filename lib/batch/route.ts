import { shortened } from '../config/shown-values.ts';
import type { SinkConfig } from '../config/sink-config.ts';
import { isValidTableName } from '../config/values.ts';
import type { KafkaRecord } from '../decode/event.ts';
import { ErrorCode, RecordError } from '../errors.ts';

/**
 * Routing: the table each topic loads into (`starrocks.topic2table.map`, `topics`, `topics.regex`).
 * The function routes records with it, and the CDK construct checks its source topics with it.
 */

/**
 * Resolves the table of a record: its Kafka topic must be one `topics`/`topics.regex` accept (they
 * name the topics consumed), and the topic the transforms gave it (`routed`, e.g. by RegexRouter)
 * picks the table: `starrocks.topic2table.map`, else the topic's own name.
 */
export function resolveTable(record: KafkaRecord, config: SinkConfig, routed: string = record.topic): string {
  let tables = resolvedTables.get(config);
  if (tables === undefined) {
    tables = new Map();
    resolvedTables.set(config, tables);
  }
  const key = routed === record.topic ? routed : `${record.topic}\u0000${routed}`;
  const known = tables.get(key);
  if (known !== undefined) return known;
  const accepted = acceptTopic(record.topic, config);
  if (accepted !== undefined) throw new RecordError(ErrorCode.ROUTE_TOPIC_NOT_ALLOWED, record, accepted);
  const route = tableOfTopic(routed, config);
  if ('problem' in route) {
    const via = routed === record.topic ? '' : ` (the transforms routed topic "${record.topic}" to it)`;
    throw new RecordError(ErrorCode.ROUTE_TOPIC_NOT_ALLOWED, record, `${route.problem}${via}`);
  }
  tables.set(key, route.table);
  return route.table;
}

/** Topics resolved to tables, per config: the checks below run once per topic, not per record. */
const resolvedTables = new WeakMap<SinkConfig, Map<string, string>>();

/**
 * The table a topic loads into, or why none: the topic is outside `topics`/`topics.regex`, or it
 * has no `starrocks.topic2table.map` entry and is no valid table name itself. The CDK construct
 * checks its source topics with it at synth time.
 */
export function routeTopic(
  topic: string,
  config: Pick<SinkConfig, 'topics' | 'topicsRegex' | 'topicToTable'>,
): { readonly table: string } | { readonly problem: string } {
  const problem = acceptTopic(topic, config);
  return problem === undefined ? tableOfTopic(topic, config) : { problem };
}

/** Why `topics`/`topics.regex` refuse a consumed topic; undefined when they accept it (or are unset). */
export function acceptTopic(
  topic: string,
  config: Pick<SinkConfig, 'topics' | 'topicsRegex'>,
): string | undefined {
  if (config.topics !== undefined && !config.topics.has(topic)) {
    return `topic "${topic}" is not in "topics" (${[...config.topics].join(',')}); add it there, or check the event-source mapping's topics`;
  }
  if (config.topicsRegex !== undefined && !config.topicsRegex.test(topic)) {
    return `topic "${topic}" does not match topics.regex ${shortened(config.topicsRegex.source)}; widen the pattern, or check the event-source mapping's topics`;
  }
  return undefined;
}

/** The table of a (routed) topic: its map entry, else its own name if StarRocks accepts it. */
function tableOfTopic(
  topic: string,
  config: Pick<SinkConfig, 'topicToTable'>,
): { readonly table: string } | { readonly problem: string } {
  const table = config.topicToTable.get(topic) ?? topic;
  if (!isValidTableName(table)) {
    return {
      problem: `topic "${topic}" has no entry in starrocks.topic2table.map and is not a valid StarRocks table name; add "${topic}:<table>" to starrocks.topic2table.map`,
    };
  }
  return { table };
}
