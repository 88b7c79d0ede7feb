/**
 * Apache Kafka's predicates (`predicates=<names>`, `predicates.<name>.type` and options), which make
 * a transform run only on the records they match (`transforms.<name>.predicate`, `.negate`).
 */
import { type CompiledJavaPattern, compileJavaPattern } from '../java-regex.ts';
import type { TransformOptionReader } from '../transform-spec.ts';

const PACKAGE = 'org.apache.kafka.connect.transforms.predicates.';

export type PredicateSpec =
  /** The record's topic matches `pattern` (whole name, as Java's `Matcher.matches()`). */
  | { readonly kind: 'topicNameMatches'; readonly pattern: CompiledJavaPattern }
  /** The record has at least one header named `name`. */
  | { readonly kind: 'hasHeaderKey'; readonly headerName: string }
  /** The record's value is null. */
  | { readonly kind: 'recordIsTombstone' };

export type PredicateConfig = PredicateSpec & { readonly name: string; readonly className: string };

interface PredicateClass {
  readonly className: string;
  readonly options: Readonly<Record<string, string>>;
  readonly parse: (options: TransformOptionReader) => PredicateSpec | undefined;
}

export const PREDICATE_CLASSES: readonly PredicateClass[] = [
  {
    className: `${PACKAGE}TopicNameMatches`,
    options: { pattern: 'A Java regular expression the whole topic name must match (required).' },
    parse(options) {
      const text = options.required('pattern', 'a Java regular expression for topic names');
      if (text === undefined) return undefined;
      const pattern = compileJavaPattern(`${options.prefix}pattern`, text, (_key, message) =>
        options.problem('pattern', message),
      );
      return pattern === undefined ? undefined : { kind: 'topicNameMatches', pattern };
    },
  },
  {
    className: `${PACKAGE}HasHeaderKey`,
    options: { name: 'The header name to look for (required).' },
    parse(options) {
      // Trimmed, as Kafka's ConfigDef trims every string option before its non-empty check.
      const headerName = options.required('name', 'the header name to look for');
      return headerName === undefined ? undefined : { kind: 'hasHeaderKey', headerName };
    },
  },
  {
    className: `${PACKAGE}RecordIsTombstone`,
    options: {},
    parse: () => ({ kind: 'recordIsTombstone' }),
  },
];
