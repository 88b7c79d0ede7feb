/**
 * Field paths in transform options, as Kafka Connect's `field.syntax.version` defines them: `V1`
 * names one field at the top of a struct or map; `V2` walks nested fields with dots, and backticks
 * wrap a name that holds dots (`` `foo.bar`.baz ``; a backslash before a backtick keeps it in the
 * name). Parsed once at cold start; lib/convert/transforms/field-path.ts reads values by them.
 */
import type { TransformOptionDoc, TransformOptionReader } from './transform-spec.ts';

export const FIELD_SYNTAX_VERSIONS = ['V1', 'V2'] as const;
export type FieldSyntaxVersion = (typeof FIELD_SYNTAX_VERSIONS)[number];

/** The option that picks the syntax, for a class's `options` map. */
export const FIELD_SYNTAX_VERSION_OPTION = 'field.syntax.version';

export const FIELD_SYNTAX_VERSION_DOC: TransformOptionDoc = {
  default: 'V1',
  doc: 'How field paths are read: V1, a field at the top level; V2, nested fields with dots, and backticks around a name that holds dots (`foo.bar`.baz).',
};

/** A parsed field path: the text as configured and the field names it walks, outermost first (never empty). */
export interface FieldPath {
  readonly text: string;
  readonly version: FieldSyntaxVersion;
  readonly steps: readonly string[];
}

/** The path, or why its text is not one (an unclosed backtick, as Kafka's ConfigException says). */
export function parseFieldPath(
  text: string,
  version: FieldSyntaxVersion,
): FieldPath | { readonly problem: string } {
  if (version === 'V1') return { text, version, steps: [text] };
  const steps = stepsV2(text);
  if (typeof steps === 'string') return { problem: steps };
  if (steps.length === 0) return { problem: 'is an empty path' };
  return { text, version, steps };
}

/** `transforms.<name>.field.syntax.version`, V1 or V2 in any case (V1 by default). */
export function readFieldSyntaxVersion(options: TransformOptionReader): FieldSyntaxVersion {
  return options.choice(FIELD_SYNTAX_VERSION_OPTION, FIELD_SYNTAX_VERSIONS, 'V1', true);
}

/**
 * A required path option read with `version`; undefined after reporting it missing or malformed
 * under its full key.
 */
export function readFieldPath(
  options: TransformOptionReader,
  option: string,
  version: FieldSyntaxVersion,
  what: string,
): FieldPath | undefined {
  const text = options.required(option, what);
  if (text === undefined) return undefined;
  const path = parseFieldPath(text, version);
  if ('problem' in path) {
    options.problem(option, `"${text}" ${path.problem} (field.syntax.version=${version})`);
    return undefined;
  }
  return path;
}

const BACKTICK = '`';

/**
 * The steps of a V2 path, or the problem: names are split at dots; a name starting with a backtick
 * runs to the next backtick that ends the text or precedes a dot and is not escaped by a backslash
 * (an escaped one stays in the name, without its backslash); a final dot adds an empty name.
 */
function stepsV2(path: string): string[] | string {
  const steps: string[] = [];
  let at = 0;
  while (at >= 0 && at < path.length) {
    if (path[at] !== BACKTICK) {
      const dot = path.indexOf('.', at);
      steps.push(dot >= 0 ? path.slice(at, dot) : path.slice(at));
      at = dot >= 0 ? dot + 1 : -1;
      continue;
    }
    const quoted = quotedStep(path, at);
    if (typeof quoted === 'string') return quoted;
    steps.push(quoted.name);
    at = quoted.next;
  }
  if (path.endsWith('.')) steps.push('');
  return steps;
}

/** The backticked name opening at `open`, and where the text after it starts; or the problem. */
function quotedStep(path: string, open: number): { name: string; next: number } | string {
  const unclosed = `has an incomplete backtick pair; add a backslash before the backtick at position ${open} to keep it in the name`;
  let name = '';
  let start = open + 1;
  let at = start;
  for (;;) {
    at = path.indexOf(BACKTICK, at);
    if (at < 0) return unclosed;
    const escaped = path[at - 1] === '\\';
    if (at >= path.length - 1) {
      if (escaped) return unclosed;
      return { name: name + path.slice(start, at), next: at + 1 };
    }
    if (path[at + 1] !== '.') {
      at += 1;
      continue;
    }
    if (escaped) {
      name += `${path.slice(start, at - 1)}${BACKTICK}`;
      at += 1;
      start = at;
      continue;
    }
    return { name: name + path.slice(start, at), next: at + 2 };
  }
}
