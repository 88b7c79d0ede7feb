/**
 * Apache Kafka's built-in transforms that add, drop, rename, mask or move fields: InsertField,
 * ReplaceField, MaskField, ValueToKey, ExtractField, HoistField (class names under
 * `org.apache.kafka.connect.transforms.`, with `$Key`/`$Value` where Kafka has them), their options
 * with Kafka's defaults, and the checks Kafka makes when it configures them.
 */

import {
  FIELD_SYNTAX_VERSION_DOC,
  FIELD_SYNTAX_VERSION_OPTION,
  type FieldPath,
  readFieldPath,
  readFieldSyntaxVersion,
} from '../field-syntax.ts';
import type { TransformClass, TransformOptionReader } from '../transform-spec.ts';
import {
  KAFKA_TRANSFORMS_PACKAGE,
  keyAndValue,
  type PartSpec,
  partOf,
  REPLACE_NULL_WITH_DEFAULT,
  REPLACE_NULL_WITH_DEFAULT_DOC,
  readReplaceNullWithDefault,
} from './kafka-classes.ts';

const PACKAGE = KAFKA_TRANSFORMS_PACKAGE;

/** A field InsertField adds: its name, and whether its schema is optional (`name?`, the default) or required (`name!`). */
export interface InsertedField {
  readonly name: string;
  readonly optional: boolean;
}

export type InsertFieldSpec = PartSpec & {
  readonly kind: 'insertField';
  readonly topicField?: InsertedField | undefined;
  readonly partitionField?: InsertedField | undefined;
  readonly offsetField?: InsertedField | undefined;
  readonly timestampField?: InsertedField | undefined;
  readonly staticField?: InsertedField | undefined;
  readonly staticValue?: string | undefined;
  readonly replaceNullWithDefault: boolean;
};

export type ReplaceFieldSpec = PartSpec & {
  readonly kind: 'replaceField';
  /** Fields dropped; wins over `include`. */
  readonly exclude: ReadonlySet<string>;
  /** When not empty, the only fields kept. */
  readonly include: ReadonlySet<string>;
  /** Old name → new name. */
  readonly renames: ReadonlyMap<string, string>;
  readonly replaceNullWithDefault: boolean;
};

export type MaskFieldSpec = PartSpec & {
  readonly kind: 'maskField';
  readonly fields: ReadonlySet<string>;
  /** The text every masked value becomes (converted to the value's type); absent: the type's empty value. */
  readonly replacement?: string | undefined;
  readonly replaceNullWithDefault: boolean;
};

export interface ValueToKeySpec {
  readonly kind: 'valueToKey';
  readonly readsKey: true;
  /** The value's fields that make the key, in order (a name may repeat, as Kafka's list may). */
  readonly fields: readonly string[];
  readonly replaceNullWithDefault: boolean;
}

export type ExtractFieldSpec = PartSpec & {
  readonly kind: 'extractField';
  readonly field: FieldPath;
  readonly replaceNullWithDefault: boolean;
};

export type HoistFieldSpec = PartSpec & {
  readonly kind: 'hoistField';
  readonly field: string;
};

export type KafkaRecordTransformSpec =
  | InsertFieldSpec
  | ReplaceFieldSpec
  | MaskFieldSpec
  | ValueToKeySpec
  | ExtractFieldSpec
  | HoistFieldSpec;

const INSERTED_FIELD_OPTIONS = {
  'topic.field': 'the record topic (string)',
  'partition.field': 'the Kafka partition (int32)',
  'offset.field': 'the Kafka offset (int64)',
  'timestamp.field': 'the record timestamp (Timestamp with a schema, epoch milliseconds without)',
  'static.field': 'static.value (string)',
} as const;
type InsertedFieldOption = keyof typeof INSERTED_FIELD_OPTIONS;

const OPTIONALITY = 'Suffix `!` makes the field required in the schema, `?` (the default) optional.';

/** `name`, `name?` (optional) or `name!` (required), as InsertField reads a field option. */
function readInsertedField(
  options: TransformOptionReader,
  option: InsertedFieldOption,
): InsertedField | undefined {
  const text = options.string(option);
  if (text === undefined) return undefined;
  const suffix = text.at(-1);
  const name = suffix === '?' || suffix === '!' ? text.slice(0, -1) : text;
  if (name === '') {
    options.problem(
      option,
      `"${text}" has no field name; give the name of the field for ${INSERTED_FIELD_OPTIONS[option]}`,
    );
    return undefined;
  }
  return { name, optional: suffix !== '!' };
}

const insertField: TransformClass<InsertFieldSpec> = {
  classes: keyAndValue('InsertField'),
  options: {
    ...Object.fromEntries(
      Object.entries(INSERTED_FIELD_OPTIONS).map(([option, holds]) => [
        option,
        { doc: `Field name for ${holds}. ${OPTIONALITY}` },
      ]),
    ),
    'static.value': { doc: 'The value of static.field (required when static.field is set).' },
    [REPLACE_NULL_WITH_DEFAULT]: REPLACE_NULL_WITH_DEFAULT_DOC,
  },
  parse(className, options) {
    const fields = {
      topicField: readInsertedField(options, 'topic.field'),
      partitionField: readInsertedField(options, 'partition.field'),
      offsetField: readInsertedField(options, 'offset.field'),
      timestampField: readInsertedField(options, 'timestamp.field'),
      staticField: readInsertedField(options, 'static.field'),
    };
    const staticValue = options.raw('static.value')?.trim();
    const configured = Object.keys(INSERTED_FIELD_OPTIONS).some((o) => options.raw(o) !== undefined);
    if (!configured) {
      options.problem(
        'type',
        `InsertField inserts no field: set at least one of ${Object.keys(INSERTED_FIELD_OPTIONS)
          .map((o) => options.prefix + o)
          .join(', ')}`,
      );
    }
    if (fields.staticField !== undefined && staticValue === undefined) {
      options.problem(
        'static.value',
        `is required with static.field ("${fields.staticField.name}"): the value to insert`,
      );
    }
    return {
      kind: 'insertField',
      ...partOf(className),
      ...fields,
      staticValue,
      replaceNullWithDefault: readReplaceNullWithDefault(options),
    };
  },
};

/** Kafka 4.0 removed these ReplaceField options; Kafka 3.x read them as exclude / include. */
const REMOVED_REPLACE_FIELD_OPTIONS = { blacklist: 'exclude', whitelist: 'include' } as const;

/** `old:new` pairs, split as Java's `String.split(":")` does (trailing empty parts dropped): exactly two parts each. */
function readRenames(options: TransformOptionReader): Map<string, string> {
  const renames = new Map<string, string>();
  for (const mapping of options.list('renames')) {
    const parts = mapping.split(':');
    while (parts.length > 0 && parts.at(-1) === '') parts.pop();
    const [from, to] = parts;
    if (parts.length !== 2 || from === undefined || to === undefined) {
      options.problem(
        'renames',
        `has an invalid rename mapping "${mapping}"; valid: a list of colon-delimited pairs, e.g. foo:bar,abc:xyz`,
      );
      continue;
    }
    renames.set(from, to);
  }
  return renames;
}

const replaceField: TransformClass<ReplaceFieldSpec> = {
  classes: keyAndValue('ReplaceField'),
  options: {
    exclude: { default: '""', doc: 'Fields to drop; wins over include.' },
    include: { default: '""', doc: 'Fields to keep; when set, every other field is dropped.' },
    renames: { default: '""', doc: 'Field renames, a list of old:new pairs (foo:bar,abc:xyz).' },
    [REPLACE_NULL_WITH_DEFAULT]: REPLACE_NULL_WITH_DEFAULT_DOC,
    blacklist: { doc: 'Removed in Kafka 4.0: use exclude.' },
    whitelist: { doc: 'Removed in Kafka 4.0: use include.' },
  },
  parse(className, options) {
    for (const [removed, replacement] of Object.entries(REMOVED_REPLACE_FIELD_OPTIONS)) {
      if (options.raw(removed) !== undefined) {
        options.problem(
          removed,
          `was removed from ReplaceField in Kafka 4.0 (Kafka 4 ignores it, so nothing would be ${replacement === 'exclude' ? 'dropped' : 'kept back'}); rename it to ${options.prefix}${replacement}`,
        );
      }
    }
    return {
      kind: 'replaceField',
      ...partOf(className),
      exclude: new Set(options.list('exclude')),
      include: new Set(options.list('include')),
      renames: readRenames(options),
      replaceNullWithDefault: readReplaceNullWithDefault(options),
    };
  },
};

/** A required list option with at least one name (Kafka's NonEmptyListValidator). */
function readNonEmptyList(
  options: TransformOptionReader,
  option: string,
  what: string,
): string[] | undefined {
  const names = options.list(option);
  if (names.length === 0) {
    options.problem(option, `is required and may not be empty: ${what}`);
    return undefined;
  }
  return names;
}

const maskField: TransformClass<MaskFieldSpec> = {
  classes: keyAndValue('MaskField'),
  options: {
    fields: { doc: 'Names of the fields to mask (required, not empty).' },
    replacement: {
      doc: 'The value masked fields get, converted to each field type (numbers and strings only); by default each type has its empty value (0, false, "", empty array or map, the epoch).',
    },
    [REPLACE_NULL_WITH_DEFAULT]: REPLACE_NULL_WITH_DEFAULT_DOC,
  },
  parse(className, options) {
    const fields = readNonEmptyList(options, 'fields', 'the names of the fields to mask');
    const replacement = options.string('replacement');
    if (replacement === '') {
      options.problem(
        'replacement',
        'is empty; give a non-empty replacement, or remove it to mask with empty values',
      );
    }
    const replaceNullWithDefault = readReplaceNullWithDefault(options);
    if (fields === undefined) return undefined;
    return {
      kind: 'maskField',
      ...partOf(className),
      fields: new Set(fields),
      replacement: replacement === '' ? undefined : replacement,
      replaceNullWithDefault,
    };
  },
};

const valueToKey: TransformClass<ValueToKeySpec> = {
  classes: [`${PACKAGE}ValueToKey`],
  options: {
    fields: { doc: 'The value fields that make the new key (required, not empty).' },
    [REPLACE_NULL_WITH_DEFAULT]: REPLACE_NULL_WITH_DEFAULT_DOC,
  },
  parse(_className, options) {
    const fields = readNonEmptyList(options, 'fields', 'the value fields that make the key');
    const replaceNullWithDefault = readReplaceNullWithDefault(options);
    if (fields === undefined) return undefined;
    return { kind: 'valueToKey', readsKey: true, fields, replaceNullWithDefault };
  },
};

const extractField: TransformClass<ExtractFieldSpec> = {
  classes: keyAndValue('ExtractField'),
  options: {
    field: { doc: 'The field to extract (a path with field.syntax.version=V2).' },
    [REPLACE_NULL_WITH_DEFAULT]: REPLACE_NULL_WITH_DEFAULT_DOC,
    [FIELD_SYNTAX_VERSION_OPTION]: FIELD_SYNTAX_VERSION_DOC,
  },
  parse(className, options) {
    const version = readFieldSyntaxVersion(options);
    const field = readFieldPath(options, 'field', version, 'the field to extract');
    const replaceNullWithDefault = readReplaceNullWithDefault(options);
    if (field === undefined) return undefined;
    return { kind: 'extractField', ...partOf(className), field, replaceNullWithDefault };
  },
};

const hoistField: TransformClass<HoistFieldSpec> = {
  classes: keyAndValue('HoistField'),
  options: {
    field: { doc: 'The name of the one field of the struct or map that wraps the data.' },
  },
  parse(className, options) {
    const field = options.required('field', 'the name of the field that wraps the data');
    if (field === undefined) return undefined;
    return { kind: 'hoistField', ...partOf(className), field };
  },
};

export const KAFKA_RECORD_TRANSFORMS: readonly TransformClass<KafkaRecordTransformSpec>[] = [
  insertField,
  replaceField,
  maskField,
  valueToKey,
  extractField,
  hoistField,
] as readonly TransformClass[] as readonly TransformClass<KafkaRecordTransformSpec>[];
