/**
 * The converter keys: `key.converter` / `value.converter` (JsonConverter or StringConverter) and
 * JsonConverter's `schemas.enable` and `replace.null.with.default`.
 */
import { CONVERTER_CLASSES, SINK_KEYS } from './keys.ts';
import { type ConfigSource, readBoolean } from './values.ts';

export type ConverterConfig =
  | { readonly kind: 'json'; readonly schemasEnable: boolean; readonly replaceNullWithDefault: boolean }
  | { readonly kind: 'string' };

/**
 * How the record keys or values are read. `key.converter.replace.null.with.default` is an ignored
 * key (keys are not loaded), so only the value converter reads it.
 */
export function parseConverter(which: 'key' | 'value', source: ConfigSource): ConverterConfig {
  const key = `${which}.converter` as const;
  const cls = source.get(key) ?? SINK_KEYS[key].default;
  if (cls === CONVERTER_CLASSES.string) return { kind: 'string' };
  if (cls !== CONVERTER_CLASSES.json) {
    source.problem(
      key,
      `"${cls}" is not supported; valid values: ${CONVERTER_CLASSES.json}, ${CONVERTER_CLASSES.string}`,
    );
  }
  const schemasEnable = readBoolean(source, `${which}.converter.schemas.enable`);
  // Keys are not loaded, so the key converter takes the value converter's default unread.
  const replaceNullWithDefault =
    which === 'value'
      ? readBoolean(source, 'value.converter.replace.null.with.default')
      : SINK_KEYS['value.converter.replace.null.with.default'].default;
  return { kind: 'json', schemasEnable, replaceNullWithDefault };
}
