/**
 * The transform keys: `transforms` (the names, in order), `transforms.<name>.*` (each one's class,
 * options, `predicate` and `negate`), and `predicates` / `predicates.<name>.*`. Every class and its
 * options come from the catalogue (transform-classes/); an unknown class or option is a problem
 * naming the key and what is supported.
 */
import { didYouMean, nearestKeys } from './nearest-key.ts';
import {
  checkDebeziumTransforms,
  DEBEZIUM_TRANSFORMS,
  type DebeziumTransformSpec,
} from './transform-classes/debezium.ts';
import { KAFKA_RECORD_TRANSFORMS, type KafkaRecordTransformSpec } from './transform-classes/kafka-records.ts';
import {
  KAFKA_ROUTING_TRANSFORMS,
  type KafkaRoutingTransformSpec,
} from './transform-classes/kafka-routing.ts';
import { KAFKA_TYPE_TRANSFORMS, type KafkaTypeTransformSpec } from './transform-classes/kafka-types.ts';
import { PREDICATE_CLASSES, type PredicateConfig } from './transform-classes/predicates.ts';
import { type TransformClass, transformOptionReader } from './transform-spec.ts';
import { type ConfigSource, type Report, splitList } from './values.ts';

export type { PredicateConfig } from './transform-classes/predicates.ts';

/** Every transform's parsed options, discriminated by `kind` (one kind per class, or per `$Key`/`$Value` pair). */
export type TransformSpec =
  | KafkaRecordTransformSpec
  | KafkaRoutingTransformSpec
  | KafkaTypeTransformSpec
  | DebeziumTransformSpec;

/** A transform as configured: its spec, its name in `transforms`, and its predicate. */
export type TransformConfig = TransformSpec & {
  readonly name: string;
  /** The class name as configured (with `$Key`/`$Value`). */
  readonly className: string;
  /** `transforms.<name>.predicate`: the transform runs only on records the predicate matches. */
  readonly predicate?: string | undefined;
  /** `transforms.<name>.negate`: run on the records the predicate does not match. */
  readonly negate: boolean;
};

/** Every transform class the sink applies, in the order the docs list them. */
export const TRANSFORM_CATALOGUE: readonly TransformClass<TransformSpec>[] = [
  ...KAFKA_RECORD_TRANSFORMS,
  ...KAFKA_ROUTING_TRANSFORMS,
  ...KAFKA_TYPE_TRANSFORMS,
  ...DEBEZIUM_TRANSFORMS,
] as readonly TransformClass<TransformSpec>[];

/**
 * Whether a transform may change a record's topic (RegexRouter, TimestampRouter, Debezium's
 * `route.by.field`): the table is then known only per record.
 */
export function changesTopics(transforms: readonly TransformConfig[]): boolean {
  return transforms.some(
    (t) =>
      t.kind === 'regexRouter' ||
      t.kind === 'timestampRouter' ||
      ('routeByField' in t && typeof t.routeByField === 'string' && t.routeByField !== ''),
  );
}

/** Options every transform takes, whatever its class. */
const COMMON_OPTIONS = ['type', 'predicate', 'negate'];

export interface Transforms {
  readonly transforms: readonly TransformConfig[];
  readonly predicates: ReadonlyMap<string, PredicateConfig>;
}

/**
 * The transforms listed in `transforms`, in order, and the predicates listed in `predicates`; then
 * every `transforms.*` / `predicates.*` key of no listed name is reported.
 */
export function parseTransforms(source: ConfigSource): Transforms {
  const predicates = parsePredicates(source);
  const names = listedNames(source, 'transforms');
  const transforms: TransformConfig[] = [];
  for (const name of names) {
    const transform = parseTransform(name, source.raw, source.problem, predicates);
    if (transform !== undefined) transforms.push(transform);
  }
  reportUnlisted(source, 'transforms', names);
  checkDebeziumTransforms(transforms, source.problem);
  return { transforms, predicates };
}

/** The names in a list key, each once (a repeat is reported). */
function listedNames(source: ConfigSource, key: 'transforms' | 'predicates'): string[] {
  const names: string[] = [];
  for (const name of splitList(source.get(key))) {
    if (names.includes(name)) source.problem(key, `"${name}" is listed twice`);
    else names.push(name);
  }
  return names;
}

function reportUnlisted(
  source: ConfigSource,
  key: 'transforms' | 'predicates',
  names: readonly string[],
): void {
  for (const option of source.raw.keys()) {
    if (option.startsWith(`${key}.`) && !names.some((n) => option.startsWith(`${key}.${n}.`))) {
      source.problem(option, `belongs to no name listed in "${key}" (${names.join(',') || 'none listed'})`);
    }
  }
}

const VALID_CLASSES = (): string =>
  `supported classes: ${TRANSFORM_CATALOGUE.flatMap((c) => c.classes).join(', ')}`;

function parseTransform(
  name: string,
  raw: ReadonlyMap<string, string>,
  report: Report,
  predicates: ReadonlyMap<string, PredicateConfig>,
): TransformConfig | undefined {
  const options = transformOptionReader(`transforms.${name}.`, raw, report);
  const className = options.string('type');
  if (className === undefined || className === '') {
    options.problem('type', `is required for transform "${name}"; ${VALID_CLASSES()}`);
    return undefined;
  }
  const entry = TRANSFORM_CATALOGUE.find((c) => c.classes.includes(className));
  if (entry === undefined) {
    options.problem('type', `"${className}" is not supported; ${VALID_CLASSES()}`);
    return undefined;
  }
  for (const option of optionsGiven(raw, options.prefix)) {
    if (COMMON_OPTIONS.includes(option) || option in entry.options) continue;
    const known = Object.keys(entry.options);
    options.problem(
      option,
      `is not an option of ${className}; ${known.length === 0 ? 'it takes none' : `its options: ${known.join(', ')}`} (and predicate, negate)${suggestOption(options.prefix, option, [...known, ...COMMON_OPTIONS])}`,
    );
  }
  const predicate = options.string('predicate');
  if (predicate !== undefined && !predicates.has(predicate)) {
    options.problem(
      'predicate',
      `"${predicate}" is not a predicate listed in "predicates" (${[...predicates.keys()].join(',') || 'none listed'})`,
    );
  }
  const negate = options.boolean('negate', false);
  if (raw.has(`${options.prefix}negate`) && predicate === undefined) {
    options.problem(
      'negate',
      'has no effect without transforms.<name>.predicate; set a predicate or remove it',
    );
  }
  const spec: TransformSpec | undefined = entry.parse(className, options);
  if (spec === undefined) return undefined;
  return { ...spec, name, className, predicate, negate };
}

/** `; did you mean <prefix><option>?` for the option nearest to an unknown one, or nothing. */
function suggestOption(prefix: string, option: string, known: readonly string[]): string {
  const nearest = nearestKeys(option, known).map((name) => `${prefix}${name}`);
  return nearest.length === 0 ? '' : `; ${didYouMean(nearest)}`;
}

/** The option names given under `prefix`. */
function optionsGiven(raw: ReadonlyMap<string, string>, prefix: string): string[] {
  return [...raw.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
}

function parsePredicates(source: ConfigSource): ReadonlyMap<string, PredicateConfig> {
  const names = listedNames(source, 'predicates');
  const predicates = new Map<string, PredicateConfig>();
  const valid = `supported classes: ${PREDICATE_CLASSES.map((p) => p.className).join(', ')}`;
  for (const name of names) {
    const options = transformOptionReader(`predicates.${name}.`, source.raw, source.problem);
    const className = options.string('type');
    const entry = PREDICATE_CLASSES.find((p) => p.className === className);
    if (entry === undefined) {
      options.problem(
        'type',
        className === undefined
          ? `is required for predicate "${name}"; ${valid}`
          : `"${className}" is not supported; ${valid}`,
      );
      continue;
    }
    for (const option of optionsGiven(source.raw, options.prefix)) {
      if (option !== 'type' && !(option in entry.options)) {
        const known = Object.keys(entry.options);
        options.problem(
          option,
          `is not an option of ${entry.className}; ${known.length === 0 ? 'it takes none' : `its options: ${known.join(', ')}`}${suggestOption(options.prefix, option, [...known, 'type'])}`,
        );
      }
    }
    const spec = entry.parse(options);
    if (spec !== undefined) predicates.set(name, { ...spec, name, className: entry.className });
  }
  reportUnlisted(source, 'predicates', names);
  return predicates;
}
