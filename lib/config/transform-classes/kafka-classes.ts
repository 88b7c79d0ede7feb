/**
 * What Apache Kafka's built-in transform classes share in the catalogue: their package, the
 * `$Key`/`$Value` pair of class names and the part each works on, and `replace.null.with.default`.
 */
import type { RecordPart, TransformOptionDoc, TransformOptionReader } from '../transform-spec.ts';

export const KAFKA_TRANSFORMS_PACKAGE = 'org.apache.kafka.connect.transforms.';

/** What every `$Key`/`$Value` transform has: the part it works on, and whether the key must be read. */
export interface PartSpec {
  readonly part: RecordPart;
  readonly readsKey: boolean;
}

/** `<Class>$Key` and `<Class>$Value`. */
export function keyAndValue(simpleName: string): string[] {
  return [`${KAFKA_TRANSFORMS_PACKAGE}${simpleName}$Key`, `${KAFKA_TRANSFORMS_PACKAGE}${simpleName}$Value`];
}

/** The part a `$Key`/`$Value` class name works on. */
export function partOf(className: string): PartSpec {
  const part: RecordPart = className.endsWith('$Key') ? 'key' : 'value';
  return { part, readsKey: part === 'key' };
}

export const REPLACE_NULL_WITH_DEFAULT = 'replace.null.with.default';
export const REPLACE_NULL_WITH_DEFAULT_DOC: TransformOptionDoc = {
  default: 'true',
  doc: 'A null field whose schema has a default reads as that default (true) or stays null (false); with a schema only.',
};

/** `replace.null.with.default`, true unless set otherwise. */
export function readReplaceNullWithDefault(options: TransformOptionReader): boolean {
  return options.boolean(REPLACE_NULL_WITH_DEFAULT, true);
}
