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
 * Resolves the table for a record's topic (`topic`: the topic the transforms gave it):
 * `starrocks.topic2table.map`, else the topic's own name. With `topics`/`topics.regex` set, any
 * other topic is an error.
 */
export function resolveTable(record: KafkaRecord, config: SinkConfig, topic: string = record.topic): string {
  let tables = resolvedTables.get(config);
  if (tables === undefined) {
    tables = new Map();
    resolvedTables.set(config, tables);
  }
  const known = tables.get(topic);
  if (known !== undefined) return known;
  const table = checkedTable(record, topic, config);
  tables.set(topic, table);
  return table;
}

/** Topics resolved to tables, per config: the checks below run once per topic, not per record. */
const resolvedTables = new WeakMap<SinkConfig, Map<string, string>>();

function checkedTable(record: KafkaRecord, topic: string, config: SinkConfig): string {
  const route = routeTopic(topic, config);
  if ('problem' in route) throw new RecordError(ErrorCode.ROUTE_TOPIC_NOT_ALLOWED, record, route.problem);
  return route.table;
}

/**
 * The table a topic loads into, or why none: the topic is outside `topics`/`topics.regex`, or it
 * has no `starrocks.topic2table.map` entry and is no valid table name itself. The function routes
 * records with it, and the CDK construct checks its source topics with it at synth time.
 */
export function routeTopic(
  topic: string,
  config: Pick<SinkConfig, 'topics' | 'topicsRegex' | 'topicToTable'>,
): { readonly table: string } | { readonly problem: string } {
  if (config.topics !== undefined && !config.topics.has(topic)) {
    return {
      problem: `topic "${topic}" is not in "topics" (${[...config.topics].join(',')}); add it there, or check the event-source mapping's topics`,
    };
  }
  if (config.topicsRegex !== undefined && !config.topicsRegex.test(topic)) {
    return {
      problem: `topic "${topic}" does not match topics.regex ${shortened(config.topicsRegex.source)}; widen the pattern, or check the event-source mapping's topics`,
    };
  }
  const table = config.topicToTable.get(topic) ?? topic;
  if (!isValidTableName(table)) {
    return {
      problem: `topic "${topic}" has no entry in starrocks.topic2table.map and is not a valid StarRocks table name; add "${topic}:<table>" to starrocks.topic2table.map`,
    };
  }
  return { table };
}
