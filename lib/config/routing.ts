/**
 * The routing keys: which topics are accepted (`topics` or `topics.regex`) and which table each
 * topic loads into (`starrocks.topic2table.map`), checked against each other.
 */
import { compileJavaPattern } from './java-regex.ts';
import { shortened } from './shown-values.ts';
import { type ConfigSource, isValidTableName, type Report, splitList, TOPIC_PATTERN } from './values.ts';

/** Which topics are accepted, and the tables of those not loaded into a table of their own name. */
export interface Routing {
  readonly topicToTable: ReadonlyMap<string, string>;
  readonly topics: ReadonlySet<string> | undefined;
  readonly topicsRegex: RegExp | undefined;
}

/**
 * Reads the topic map, then `topics` / `topics.regex`, then checks each against the other. With
 * `routed` (a transform changes topics: RegexRouter, TimestampRouter, route.by.field), the map's
 * topics are the routed ones and a consumed topic need not be a table name, so those two checks
 * are left to run time.
 */
export function parseRouting(source: ConfigSource, routed = false): Routing {
  const { get, problem } = source;
  const topicToTable = parseTopicToTableMap(get('starrocks.topic2table.map'), problem);
  const topicsText = get('topics');
  const regexText = get('topics.regex');
  if (topicsText !== undefined && regexText !== undefined) {
    problem('topics', 'set either "topics" or "topics.regex", not both (Kafka Connect accepts only one)');
  }
  const topics = topicsText === undefined ? undefined : parseTopics(topicsText, problem);
  const topicsRegex = regexText === undefined ? undefined : parseTopicsRegex(regexText, problem);
  if (routed) return { topicToTable, topics, topicsRegex };
  for (const topic of topics ?? []) {
    if (!topicToTable.has(topic) && !isValidTableName(topic)) {
      problem(
        'topics',
        `topic "${topic}" has no entry in starrocks.topic2table.map and is not a valid StarRocks table name; add "${topic}:<table>" to starrocks.topic2table.map`,
      );
    }
  }
  for (const topic of topicToTable.keys()) {
    if (topics !== undefined && !topics.has(topic)) {
      problem(
        'starrocks.topic2table.map',
        `maps topic "${topic}", which is not listed in "topics" (${[...topics].join(',')})`,
      );
    }
    if (topicsRegex !== undefined && !topicsRegex.test(topic)) {
      problem(
        'starrocks.topic2table.map',
        `maps topic "${topic}", which does not match topics.regex "${shortened(regexText ?? '')}"`,
      );
    }
  }
  return { topicToTable, topics, topicsRegex };
}

function parseTopics(text: string, problem: Report): Set<string> {
  const list = splitList(text);
  if (list.length === 0)
    problem('topics', 'is empty; list the topics to accept, e.g. "orders,customers", or remove it');
  for (const topic of list) {
    if (!TOPIC_PATTERN.test(topic))
      problem('topics', `"${topic}" is not a valid Kafka topic name ([A-Za-z0-9._-], 1-249 characters)`);
  }
  return new Set(list);
}

/**
 * `topics.regex` as a JavaScript RegExp that matches a whole topic name (Kafka Connect uses Java's
 * `Matcher.matches()`), read with Java's syntax (java-regex.ts). The translated pattern is compiled
 * alone before it is wrapped in `^(?:…)$`, so it cannot close the wrapper's group and escape it;
 * messages show at most the start of a long pattern.
 */
function parseTopicsRegex(text: string, problem: Report): RegExp | undefined {
  return compileJavaPattern('topics.regex', text, problem)?.whole;
}

/**
 * `topic1:table1,topic2:table2`. Unlike the Java connector, a malformed entry is an error rather
 * than a silent fallback to topic-named tables.
 */
function parseTopicToTableMap(text: string | undefined, problem: Report): Map<string, string> {
  const key = 'starrocks.topic2table.map';
  const map = new Map<string, string>();
  if (text === undefined) return map;
  if (text.trim() === '') {
    problem(key, 'is empty; give "topic:table" pairs separated by commas, or remove the key');
    return map;
  }
  for (const entry of text.split(',')) {
    const parts = entry.split(':').map((s) => s.trim());
    if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
      problem(
        key,
        `entry "${entry.trim()}" is not "topic:table"; the value must look like "orders:orders_tbl,users:users_tbl"`,
      );
      continue;
    }
    const [topic, table] = parts as [string, string];
    if (!TOPIC_PATTERN.test(topic)) {
      problem(
        key,
        `entry "${entry.trim()}": "${topic}" is not a valid Kafka topic name ([A-Za-z0-9._-], 1-249 characters)`,
      );
    }
    if (!isValidTableName(table)) {
      const hint = table.includes('.')
        ? '; the database comes from starrocks.database.name, give the table name alone'
        : '';
      problem(
        key,
        `entry "${entry.trim()}": "${table}" is not a valid StarRocks table name (letters, digits and _, starting with a letter or _)${hint}`,
      );
    }
    if (map.has(topic)) problem(key, `topic "${topic}" is mapped twice ("${map.get(topic)}" and "${table}")`);
    map.set(topic, table);
  }
  return map;
}
