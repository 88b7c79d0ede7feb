/**
 * Apache Kafka's built-in transforms that filter, route and handle headers: Filter, RegexRouter,
 * TimestampRouter, DropHeaders, HeaderFrom, InsertHeader (class names under
 * `org.apache.kafka.connect.transforms.`, with `$Key`/`$Value` where Kafka has them).
 */

import { javaDateFormatProblem } from '../java-date-format.ts';
import { type CompiledJavaPattern, compileJavaPattern } from '../java-regex.ts';
import { shortened } from '../shown-values.ts';
import type { RecordPart, TransformClass, TransformOptionReader } from '../transform-spec.ts';
import {
  KAFKA_TRANSFORMS_PACKAGE,
  keyAndValue,
  partOf,
  REPLACE_NULL_WITH_DEFAULT,
  REPLACE_NULL_WITH_DEFAULT_DOC,
  readReplaceNullWithDefault,
} from './kafka-classes.ts';

const PACKAGE = KAFKA_TRANSFORMS_PACKAGE;

/**
 * One piece of a RegexRouter replacement, as Java's `Matcher` reads `$1`, `${name}` and `\$`:
 * literal text, or the text a group matched (nothing when the group took no part in the match).
 */
export type ReplacementPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'group'; readonly group: number }
  | { readonly kind: 'named'; readonly name: string };

export type KafkaRoutingTransformSpec =
  /** Drops every record it runs on (so, behind a predicate, the records the predicate picks). */
  | { readonly kind: 'filter' }
  /** A topic `pattern` matches as a whole is rewritten: its first match replaced by `replacement`. */
  | {
      readonly kind: 'regexRouter';
      readonly pattern: CompiledJavaPattern;
      readonly replacement: readonly ReplacementPart[];
    }
  /** The topic becomes `topicFormat` with `${topic}` and `${timestamp}` filled in. */
  | {
      readonly kind: 'timestampRouter';
      readonly topicFormat: string;
      /** A Java `SimpleDateFormat` pattern, applied in UTC. */
      readonly timestampFormat: string;
    }
  /** Removes every header with one of these names. */
  | { readonly kind: 'dropHeaders'; readonly headers: readonly string[] }
  /** Each field of `fields` is copied (or moved) into the header of the same position in `headers`. */
  | {
      readonly kind: 'headerFrom';
      readonly part: RecordPart;
      readonly readsKey: boolean;
      readonly fields: readonly string[];
      readonly headers: readonly string[];
      readonly operation: 'copy' | 'move';
      readonly replaceNullWithDefault: boolean;
    }
  /** Adds the header `header` holding `literal`, read as Connect's `Values.parseString` reads it. */
  | { readonly kind: 'insertHeader'; readonly header: string; readonly literal: string };

const filter: TransformClass<KafkaRoutingTransformSpec> = {
  classes: [`${PACKAGE}Filter`],
  options: {},
  parse: () => ({ kind: 'filter' }),
};

const regexRouter: TransformClass<KafkaRoutingTransformSpec> = {
  classes: [`${PACKAGE}RegexRouter`],
  options: {
    regex: {
      doc: 'A Java regular expression; a topic it matches as a whole is rerouted (required).',
    },
    replacement: {
      doc: `The new topic, in Java replacement syntax: $1 or \${name} for a group, \\$ and \\\\ for the characters (required).`,
    },
  },
  parse(_className, options) {
    const regexText = options.required('regex', 'a Java regular expression for topic names');
    const replacementText = options.string('replacement');
    if (replacementText === undefined) {
      options.problem('replacement', 'is required: the new topic, e.g. $1 for the first group');
    }
    if (regexText === undefined) return undefined;
    const pattern = compileJavaPattern(`${options.prefix}regex`, regexText, (_key, message) =>
      options.problem('regex', message),
    );
    if (pattern === undefined || replacementText === undefined) return undefined;
    const replacement = parseReplacement(replacementText, pattern, (message) =>
      options.problem('replacement', `"${shortened(replacementText)}" ${message}`),
    );
    return replacement === undefined ? undefined : { kind: 'regexRouter', pattern, replacement };
  },
};

/** The groups a pattern has: their count, and the names of the named ones. */
function groupsOf(pattern: CompiledJavaPattern): { count: number; names: ReadonlySet<string> } {
  // An alternative that matches the empty text makes every group show up, unmatched.
  const match = new RegExp(`${pattern.source}|`, 'u').exec('') as RegExpExecArray;
  return { count: match.length - 1, names: new Set(Object.keys(match.groups ?? {})) };
}

/**
 * A replacement read as Java's `Matcher.appendReplacement` reads it, checked against the pattern's
 * groups now (Java finds a bad reference only at the first matching record). Undefined after
 * reporting why Java would refuse it.
 */
export function parseReplacement(
  text: string,
  pattern: CompiledJavaPattern,
  problem: (message: string) => void,
): ReplacementPart[] | undefined {
  const groups = groupsOf(pattern);
  const parts: ReplacementPart[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') parts.push({ kind: 'text', text: literal });
    literal = '';
  };
  let at = 0;
  while (at < text.length) {
    const c = text[at] as string;
    if (c === '\\') {
      const escaped = text[at + 1];
      if (escaped === undefined) {
        problem('ends in a lone "\\" (the character to escape is missing); write \\\\ for a backslash');
        return undefined;
      }
      literal += escaped;
      at += 2;
    } else if (c === '$') {
      const reference = readGroupReference(text, at + 1, groups);
      if ('problem' in reference) {
        problem(`${reference.problem}; write \\$ for a dollar sign`);
        return undefined;
      }
      flush();
      parts.push(reference.part);
      at = reference.end;
    } else {
      literal += c;
      at++;
    }
  }
  flush();
  return parts;
}

/** The group reference after a `$` at `at`: `{name}` or digits (as many as name a group). */
function readGroupReference(
  text: string,
  at: number,
  groups: { count: number; names: ReadonlySet<string> },
): { part: ReplacementPart; end: number } | { problem: string } {
  const next = text[at];
  if (next === undefined) return { problem: `ends in "$" without a group number or \${name}` };
  if (next === '{') {
    const name = /^\{([A-Za-z0-9]*)(\}?)/.exec(text.slice(at)) as RegExpExecArray;
    const [whole, groupName = '', closed] = name;
    if (groupName === '') return { problem: 'has "${" without a group name' };
    if (closed === '') return { problem: `has "\${${groupName}" without its closing "}"` };
    if (/^[0-9]/.test(groupName)) return { problem: `names group {${groupName}}, which starts with a digit` };
    if (!groups.names.has(groupName)) {
      return {
        problem: `names group {${groupName}}, which the regex does not have${namedList(groups.names)}`,
      };
    }
    return { part: { kind: 'named', name: groupName }, end: at + whole.length };
  }
  if (!/[0-9]/.test(next)) return { problem: `has "$${next}", which is no group reference ($1, \${name})` };
  // Java reads the first digit always, and each further digit while the number still names a group.
  let group = Number(next);
  let end = at + 1;
  while (end < text.length && /[0-9]/.test(text[end] as string)) {
    const longer = group * 10 + Number(text[end]);
    if (longer > groups.count) break;
    group = longer;
    end++;
  }
  if (group > groups.count) {
    return {
      problem: `refers to group ${group}, but the regex has ${groups.count} group${groups.count === 1 ? '' : 's'}`,
    };
  }
  return { part: { kind: 'group', group }, end };
}

function namedList(names: ReadonlySet<string>): string {
  return names.size === 0 ? ' (it has no named groups)' : ` (its named groups: ${[...names].join(', ')})`;
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: TimestampRouter's placeholder, not a template
export const TOPIC_PLACEHOLDER = '${topic}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: TimestampRouter's placeholder, not a template
export const TIMESTAMP_PLACEHOLDER = '${timestamp}';
const DEFAULT_TOPIC_FORMAT = `${TOPIC_PLACEHOLDER}-${TIMESTAMP_PLACEHOLDER}`;

const timestampRouter: TransformClass<KafkaRoutingTransformSpec> = {
  classes: [`${PACKAGE}TimestampRouter`],
  options: {
    'topic.format': {
      default: DEFAULT_TOPIC_FORMAT,
      doc: `The new topic: ${TOPIC_PLACEHOLDER} stands for the topic, ${TIMESTAMP_PLACEHOLDER} for the record timestamp, formatted.`,
    },
    'timestamp.format': {
      default: 'yyyyMMdd',
      doc: 'A java.text.SimpleDateFormat pattern for the timestamp, applied in UTC.',
    },
  },
  parse(_className, options) {
    const topicFormat = options.string('topic.format', DEFAULT_TOPIC_FORMAT) as string;
    const timestampFormat = options.string('timestamp.format', 'yyyyMMdd') as string;
    const problem = javaDateFormatProblem(timestampFormat);
    if (problem !== undefined) {
      options.problem(
        'timestamp.format',
        `"${timestampFormat}" is not a SimpleDateFormat pattern this sink reads: ${problem}`,
      );
      return undefined;
    }
    return { kind: 'timestampRouter', topicFormat, timestampFormat };
  },
};

const dropHeaders: TransformClass<KafkaRoutingTransformSpec> = {
  classes: [`${PACKAGE}DropHeaders`],
  options: { headers: { doc: 'The names of the headers to remove (required, a non-empty list).' } },
  parse(_className, options) {
    const headers = requiredList(options, 'headers', 'the names of the headers to remove');
    return headers === undefined ? undefined : { kind: 'dropHeaders', headers };
  },
};

/** A required non-empty list option (Kafka's NonEmptyListValidator); undefined after reporting it. */
function requiredList(options: TransformOptionReader, option: string, what: string): string[] | undefined {
  if (options.raw(option) === undefined) {
    options.problem(option, `is required: ${what}, comma-separated`);
    return undefined;
  }
  const list = options.list(option);
  if (list.length === 0) {
    options.problem(option, `is an empty list; it needs ${what}, comma-separated`);
    return undefined;
  }
  return list;
}

const HEADER_FROM_OPERATIONS = ['move', 'copy'] as const;

const headerFrom: TransformClass<KafkaRoutingTransformSpec> = {
  classes: keyAndValue('HeaderFrom'),
  options: {
    fields: { doc: 'The fields whose values go into headers (required, a non-empty list).' },
    headers: { doc: 'The header names, one per field, in the same order (required).' },
    operation: { doc: '`move` (the fields leave the key/value) or `copy` (required).' },
    [REPLACE_NULL_WITH_DEFAULT]: REPLACE_NULL_WITH_DEFAULT_DOC,
  },
  parse(className, options) {
    const fields = requiredList(options, 'fields', 'the field names to copy or move');
    const headers = requiredList(options, 'headers', 'one header name per field');
    const operation = requiredOperation(options);
    const replaceNullWithDefault = readReplaceNullWithDefault(options);
    if (fields === undefined || headers === undefined || operation === undefined) return undefined;
    if (fields.length !== headers.length) {
      options.problem(
        'headers',
        `names ${headers.length} header${headers.length === 1 ? '' : 's'} for ${fields.length} field${fields.length === 1 ? '' : 's'} (${options.prefix}fields); give one header per field, in the same order`,
      );
      return undefined;
    }
    return {
      kind: 'headerFrom',
      ...partOf(className),
      fields,
      headers,
      operation,
      replaceNullWithDefault,
    };
  },
};

/** `operation`: `move` or `copy`, exactly (Kafka's ValidString is case-sensitive and has no default). */
function requiredOperation(options: TransformOptionReader): 'move' | 'copy' | undefined {
  const text = options.raw('operation');
  if (text === undefined) {
    options.problem('operation', `is required; valid values: ${HEADER_FROM_OPERATIONS.join(', ')}`);
    return undefined;
  }
  const operation = HEADER_FROM_OPERATIONS.find((o) => o === text.trim());
  if (operation === undefined) {
    options.problem(
      'operation',
      `"${text}" is not valid; valid values: ${HEADER_FROM_OPERATIONS.join(', ')}`,
    );
  }
  return operation;
}

const insertHeader: TransformClass<KafkaRoutingTransformSpec> = {
  classes: [`${PACKAGE}InsertHeader`],
  options: {
    header: { doc: 'The name of the header to add (required).' },
    'value.literal': {
      doc: "The header's value, typed as Connect's Values.parseString reads it: true/false, null, numbers, ISO dates and times, else text (required).",
    },
  },
  parse(_className, options) {
    const header = options.string('header');
    const literal = options.string('value.literal');
    if (header === undefined) options.problem('header', 'is required: the name of the header to add');
    if (literal === undefined) options.problem('value.literal', 'is required: the value of the header');
    if (header === undefined || literal === undefined) return undefined;
    return { kind: 'insertHeader', header, literal };
  },
};

export const KAFKA_ROUTING_TRANSFORMS: readonly TransformClass<KafkaRoutingTransformSpec>[] = [
  filter,
  regexRouter,
  timestampRouter,
  dropHeaders,
  headerFrom,
  insertHeader,
];
