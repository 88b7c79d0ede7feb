/**
 * The transform keys: `transforms` (the names, in order) and `transforms.<name>.*` (each one's class
 * and options), for the two transforms the sink applies itself.
 */
import {
  DELETE_HANDLING_MODES,
  type DeleteHandlingMode,
  TRANSFORM_CLASSES,
  TRANSFORM_OPTIONS,
} from './keys.ts';
import { type ConfigSource, checkBoolean, type Report, splitList } from './values.ts';

export type TransformConfig =
  | { readonly name: string; readonly kind: 'addOpField' }
  | {
      readonly name: string;
      readonly kind: 'extractNewRecordState';
      readonly dropTombstones: boolean;
      readonly deleteHandlingMode: DeleteHandlingMode;
    };

const UNWRAP_OPTIONS: readonly string[] = Object.keys(TRANSFORM_OPTIONS);
const VALID_CLASSES = `valid values: ${Object.values(TRANSFORM_CLASSES).join(', ')}`;

/** The transforms listed in `transforms`, in order; then every `transforms.*` key of no listed one. */
export function parseTransforms(source: ConfigSource): TransformConfig[] {
  const { raw, problem } = source;
  const names = splitList(source.get('transforms'));
  const transforms: TransformConfig[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      problem('transforms', `"${name}" is listed twice`);
      continue;
    }
    seen.add(name);
    const transform = parseTransform(name, raw, problem);
    if (transform !== undefined) transforms.push(transform);
  }
  for (const key of raw.keys()) {
    if (key.startsWith('transforms.') && !names.some((n) => key.startsWith(`transforms.${n}.`))) {
      problem(key, `belongs to no transform listed in "transforms" (${names.join(',') || 'none listed'})`);
    }
  }
  return transforms;
}

function parseTransform(
  name: string,
  raw: ReadonlyMap<string, string>,
  problem: Report,
): TransformConfig | undefined {
  const prefix = `transforms.${name}.`;
  const type = raw.get(`${prefix}type`);
  const options = [...raw.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  if (type === undefined) {
    problem(`${prefix}type`, `is required for transform "${name}"; ${VALID_CLASSES}`);
    return undefined;
  }
  if (type === TRANSFORM_CLASSES.addOpField) {
    for (const option of options) {
      if (option !== 'type') problem(`${prefix}${option}`, `is not an option of ${type} (it takes none)`);
    }
    return { name, kind: 'addOpField' };
  }
  if (type === TRANSFORM_CLASSES.extractNewRecordState) {
    for (const option of options) {
      if (!UNWRAP_OPTIONS.includes(option)) {
        problem(
          `${prefix}${option}`,
          `is not a supported option of ${type}; supported: ${UNWRAP_OPTIONS.slice(1).join(', ')}`,
        );
      }
    }
    return parseUnwrap(name, raw, problem);
  }
  problem(`${prefix}type`, `"${type}" is not supported; ${VALID_CLASSES}`);
  return undefined;
}

/** ExtractNewRecordState's options, with their catalogue defaults. */
function parseUnwrap(name: string, raw: ReadonlyMap<string, string>, problem: Report): TransformConfig {
  const prefix = `transforms.${name}.`;
  const dropText = raw.get(`${prefix}drop.tombstones`);
  const dropTombstones =
    (dropText === undefined ? undefined : checkBoolean(`${prefix}drop.tombstones`, dropText, problem)) ??
    TRANSFORM_OPTIONS['drop.tombstones'].default;
  const fallbackMode = TRANSFORM_OPTIONS['delete.handling.mode'].default;
  const modeText = raw.get(`${prefix}delete.handling.mode`) ?? fallbackMode;
  const mode = DELETE_HANDLING_MODES.find((m) => m === modeText.trim().toLowerCase());
  if (mode === undefined) {
    problem(
      `${prefix}delete.handling.mode`,
      `"${modeText}" is not valid; valid values: ${DELETE_HANDLING_MODES.join(', ')}`,
    );
  }
  return {
    name,
    kind: 'extractNewRecordState',
    dropTombstones,
    deleteHandlingMode: mode ?? fallbackMode,
  };
}
