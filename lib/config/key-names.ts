/**
 * The unknown-key check: sorts every key of the config by the catalogue (lib/config/keys.ts) into
 * read, ignored, refused and unknown, and lists the valid keys when one is unknown.
 */
import { IGNORED_KEYS, IGNORED_PREFIXES, KEY_FAMILIES, REFUSED_KEYS, SINK_KEYS } from './keys.ts';
import type { ConfigSource } from './values.ts';

const readKeys = new Set<string>(Object.keys(SINK_KEYS));
const ignoredKeys = new Set<string>(IGNORED_KEYS);

/**
 * Reports every key the catalogue does not know (naming the valid keys) or refuses, and returns
 * the ignored Kafka Connect keys that are present, in the order given. The keys of a family are
 * checked by the family's parser.
 */
export function checkKeyNames(source: ConfigSource): string[] {
  const ignored: string[] = [];
  for (const key of source.raw.keys()) {
    if (readKeys.has(key)) continue;
    // Ignored before families: `value.converter.` is a family with ignored members.
    if (ignoredKeys.has(key) || IGNORED_PREFIXES.some((p) => key.startsWith(p))) {
      ignored.push(key);
      continue;
    }
    if (KEY_FAMILIES.some((family) => key.startsWith(family.prefix))) continue;
    // hasOwn: a key such as "toString" is unknown, not a refusal inherited from Object.
    const refusal = Object.hasOwn(REFUSED_KEYS, key) ? REFUSED_KEYS[key] : undefined;
    source.problem(key, refusal ?? `is not a known key. ${describeValidKeys()}`);
  }
  return ignored;
}

function describeValidKeys(): string {
  const families = KEY_FAMILIES.map((family) => family.shown).join(', ');
  return `Valid keys: ${Object.keys(SINK_KEYS).join(', ')}, ${families}; ignored Kafka Connect keys: ${IGNORED_KEYS.join(', ')}`;
}
