import {
  type ArrayNode,
  type AvroNode,
  AvroPathError,
  type FieldNode,
  type LogicalNode,
  logicalValue,
  type RecordNode,
  setMember,
  type UnionNode,
} from './avro-plan.ts';
import { doubleValue, floatValue, int64Value } from './json-numbers.ts';

/**
 * The Avro object path: an avsc-decoded value (wrapped unions, Buffers, bigint longs) → the row
 * value the JSON path builds for the same Connect data, by converters compiled once per schema
 * from its plan (avro-plan.ts says what each type becomes).
 */

/** Converts one avsc-decoded value of a type. */
export type RowConverter = (value: unknown) => unknown;

/** Compiles the converter of a schema's plan. */
export function compileRowConverter(node: AvroNode): RowConverter {
  return converterOf(node, { records: new Map(), defaults: true });
}

/**
 * The row value a null of this field takes, or undefined when a null stays null. The default is
 * converted as it is written in the schema (its own null fields stay null), which also keeps a
 * recursive type from converting defaults without end.
 */
export function nullDefaultOf(field: FieldNode): unknown {
  if (field.avroDefault === undefined) return undefined;
  return converterOf(field.node, { records: new Map(), defaults: false })(field.avroDefault);
}

interface Compilation {
  /** The converter of each record compiled so far (a recursive record finds its own). */
  readonly records: Map<RecordNode, RowConverter>;
  /** Whether a null field takes its Avro default. */
  readonly defaults: boolean;
}

const same: RowConverter = (value) => value;
const toNull: RowConverter = () => null;
const toBase64: RowConverter = (value) => (value as Buffer).toString('base64');

function converterOf(node: AvroNode, compilation: Compilation): RowConverter {
  switch (node.kind) {
    case 'null':
      return toNull;
    case 'long':
      return int64Value as RowConverter;
    case 'float':
      return floatValue as RowConverter;
    case 'double':
      return doubleValue as RowConverter;
    case 'bytes':
    case 'fixed':
      return toBase64;
    case 'array':
      return arrayConverter(node, compilation);
    case 'map':
      return mapConverter(converterOf(node.values, compilation));
    case 'record':
      return recordConverter(node, compilation);
    case 'union':
      return unionConverter(node, compilation);
    case 'logical':
      return logicalConverter(node, converterOf(node.base, compilation));
    default:
      return same;
  }
}

function logicalConverter(node: LogicalNode, base: RowConverter): RowConverter {
  return (value) => logicalValue(node, base(value));
}

function recordConverter(node: RecordNode, compilation: Compilation): RowConverter {
  const known = compilation.records.get(node);
  if (known !== undefined) return known;
  // A recursive record refers to its own converter before it is built.
  let built: RowConverter | undefined;
  const converter: RowConverter = (value) => (built as RowConverter)(value);
  compilation.records.set(node, converter);
  const converters = node.fields.map((field) => converterOf(field.node, compilation));
  const defaults = node.fields.map((field) => (compilation.defaults ? nullDefaultOf(field) : undefined));
  built = node.fields.some((f) => f.name === '__proto__')
    ? fieldByFieldRecord(node.fields, converters, defaults)
    : generatedRecordConverter(node.fields, converters, defaults);
  return converter;
}

/**
 * A record's converter as generated code: the row is one object literal in field order (one
 * shape for every row), and each field's converter has a call site of its own, so V8 inlines it.
 * Field names reach the code as JSON string literals, which no name can escape.
 */
function generatedRecordConverter(
  fields: readonly FieldNode[],
  converters: readonly RowConverter[],
  defaults: readonly unknown[],
): RowConverter {
  const members = fields.map((field, i) => {
    const name = JSON.stringify(field.name);
    const member = `v[${name}]`;
    const value =
      defaults[i] === undefined ? `c${i}(${member})` : `(${member} === null ? d${i} : c${i}(${member}))`;
    return `${name}: (i = ${i}, ${value})`;
  });
  const body = `return function convertRecord(v) {
  let i = 0;
  try {
    return { ${members.join(', ')} };
  } catch (error) {
    if (isPathError(error)) error.steps.push(names[i]);
    throw error;
  }
};`;
  const parameters = [
    'names',
    'isPathError',
    ...converters.map((_, i) => `c${i}`),
    ...defaults.map((_, i) => `d${i}`),
  ];
  const isPathError = (error: unknown) => error instanceof AvroPathError;
  const names = fields.map((f) => f.name);
  return new Function(...parameters, body)(names, isPathError, ...converters, ...defaults) as RowConverter;
}

/** A record with a field named `__proto__`, which an object literal would take for the prototype. */
function fieldByFieldRecord(
  fields: readonly FieldNode[],
  converters: readonly RowConverter[],
  defaults: readonly unknown[],
): RowConverter {
  return (value) => {
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    let i = 0;
    try {
      for (; i < fields.length; i++) {
        const name = (fields[i] as FieldNode).name;
        const member = source[name];
        const fallback = defaults[i];
        setMember(
          out,
          name,
          member === null && fallback !== undefined ? fallback : (converters[i] as RowConverter)(member),
        );
      }
    } catch (error) {
      if (error instanceof AvroPathError) error.steps.push(fields[i]?.name ?? '');
      throw error;
    }
    return out;
  };
}

function arrayConverter(node: ArrayNode, compilation: Compilation): RowConverter {
  const entries = node.mapEntries;
  if (entries === undefined) {
    const items = converterOf(node.items, compilation);
    return (value) => {
      const source = value as unknown[];
      const out = new Array<unknown>(source.length);
      let i = 0;
      try {
        for (; i < source.length; i++) out[i] = items(source[i]);
      } catch (error) {
        if (error instanceof AvroPathError) error.steps.push(`[${i}]`);
        throw error;
      }
      return out;
    };
  }
  const key = converterOf(entries.key, compilation);
  const entryValue = converterOf(entries.value, compilation);
  const stringKeys = entries.stringKeys;
  return (value) => {
    const pairs = value as { key: unknown; value: unknown }[];
    let i = 0;
    try {
      if (stringKeys) {
        const out: Record<string, unknown> = {};
        for (; i < pairs.length; i++) {
          const pair = pairs[i] as { key: unknown; value: unknown };
          setMember(out, String(key(pair.key)), entryValue(pair.value));
        }
        return out;
      }
      const out = new Array<unknown>(pairs.length);
      for (; i < pairs.length; i++) {
        const pair = pairs[i] as { key: unknown; value: unknown };
        out[i] = [key(pair.key), entryValue(pair.value)];
      }
      return out;
    } catch (error) {
      if (error instanceof AvroPathError) error.steps.push(`[${i}]`);
      throw error;
    }
  };
}

function mapConverter(values: RowConverter): RowConverter {
  return (value) => {
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(source)) {
      try {
        setMember(out, key, values(source[key]));
      } catch (error) {
        if (error instanceof AvroPathError) error.steps.push(`[${JSON.stringify(key)}]`);
        throw error;
      }
    }
    return out;
  };
}

/** A wrapped union value (`{ branchName: value }`): its one key. */
function branchKeyOf(value: Record<string, unknown>): string {
  for (const key in value) return key;
  return '';
}

function unionConverter(node: UnionNode, compilation: Compilation): RowConverter {
  const byKey = new Map<string, { index: number; convert: RowConverter }>();
  node.branches.forEach((branch, index) => {
    byKey.set(node.branchKeys[index] as string, { index, convert: converterOf(branch, compilation) });
  });
  if (node.bare) {
    const present = node.branches.findIndex((b) => b.kind !== 'null');
    const convert = present < 0 ? toNull : converterOf(node.branches[present] as AvroNode, compilation);
    return (value) => (value === null ? null : convert(value));
  }
  if (node.shape === 'optional') {
    return (value) => {
      if (value === null) return null;
      const wrapped = value as Record<string, unknown>;
      const key = branchKeyOf(wrapped);
      return (byKey.get(key) as { convert: RowConverter }).convert(wrapped[key]);
    };
  }
  // Confluent's Union struct: every member named, null but the one written.
  const memberNames = node.memberNames;
  return (value) => {
    if (value === null) return null;
    const wrapped = value as Record<string, unknown>;
    const key = branchKeyOf(wrapped);
    const branch = byKey.get(key) as { index: number; convert: RowConverter };
    const converted = branch.convert(wrapped[key]);
    const out: Record<string, unknown> = {};
    memberNames.forEach((name, i) => {
      if (name !== undefined) setMember(out, name, i === branch.index ? converted : null);
    });
    return out;
  };
}
