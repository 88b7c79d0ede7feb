/**
 * The unknown-key check: sorts every key of the config by the catalogue (lib/config/keys.ts) into
 * read, ignored, refused and unknown. An unknown key names the valid key nearest to it ("did you
 * mean …?") and the few valid keys that start like it, never the whole catalogue.
 */
import {
  CONVERTER_OPTIONS,
  IGNORED_CONVERTER_OPTIONS,
  IGNORED_KEYS,
  IGNORED_PREFIXES,
  KEY_FAMILIES,
  REFUSED_KEYS,
  REGISTRY_CONVERTERS,
  SINK_KEYS,
  SINK_PROPERTIES,
  SINK_PROPERTIES_PREFIX,
  TABLE_PROPERTIES_PREFIX,
} from './keys.ts';
import {
  didYouMean,
  editDistance,
  nearestKeys,
  type ScoredKey,
  scoreKey,
  typoAllowance,
} from './nearest-key.ts';
import type { ConfigSource } from './values.ts';

const readKeys = new Set<string>(Object.keys(SINK_KEYS));
const ignoredKeys = new Set<string>(IGNORED_KEYS);

/**
 * Reports every key the catalogue does not know (naming the nearest valid key, or the valid keys
 * that start like it) or refuses, and returns the ignored Kafka Connect keys that are present, in
 * the order given. The keys of a family are checked by the family's parser; a family key no member
 * of its family could take (`value.converter.schema.enable`, `sink.table.t.propertes.columns`) and
 * that is a typo of a valid key is also reported here, with the suggestion (unless a registry
 * converter's own message lists its valid options).
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
    if (KEY_FAMILIES.some((family) => key.startsWith(family.prefix))) {
      if (familyCouldTake(key) || listsValidOptions(key, source)) continue;
      const suggestion = didYouMean(suggestKeys(key));
      if (suggestion !== '') source.problem(key, suggestion);
      continue;
    }
    // hasOwn: a key such as "toString" is unknown, not a refusal inherited from Object.
    const refusal = Object.hasOwn(REFUSED_KEYS, key) ? REFUSED_KEYS[key] : undefined;
    source.problem(key, refusal ?? describeUnknownKey(key));
  }
  return ignored;
}

/** `is not a known key; did you mean …? Valid keys: <those starting like it>`. */
export function describeUnknownKey(key: string): string {
  const suggestion = didYouMean(suggestKeys(key));
  const alike = keysStartingLike(key);
  const listed = alike.length > 0 ? `Valid keys: ${alike.join(', ')}` : '';
  if (suggestion !== '') return `is not a known key; ${suggestion}${listed === '' ? '' : ` ${listed}`}`;
  return `is not a known key. ${listed === '' ? describeKeyStarts() : listed}`;
}

/** The options a `key.converter.` / `value.converter.` key may name, whatever the class. */
const CONVERTER_MEMBERS: readonly string[] = [
  ...Object.keys(CONVERTER_OPTIONS),
  ...IGNORED_CONVERTER_OPTIONS,
  'schemas.enable',
  'replace.null.with.default',
  'decimal.format',
];

/** A wildcard segment of a family key (a table or transform name). */
const ANY = Symbol('any');

/**
 * The shape of each family's keys: literal segments, wildcards, then the member (one or more
 * segments). `members` are the members the sink knows; `closed` says no other member is valid.
 */
const FAMILY_SHAPES: readonly {
  readonly segments: readonly (string | typeof ANY)[];
  readonly members: readonly string[];
  readonly closed: boolean;
}[] = [
  { segments: ['sink', 'properties'], members: Object.keys(SINK_PROPERTIES), closed: false },
  { segments: ['sink', 'table', ANY, 'properties'], members: Object.keys(SINK_PROPERTIES), closed: false },
  { segments: ['transforms', ANY], members: ['type', 'predicate', 'negate'], closed: false },
  { segments: ['predicates', ANY], members: ['type'], closed: false },
  { segments: ['key', 'converter'], members: CONVERTER_MEMBERS, closed: true },
  { segments: ['value', 'converter'], members: CONVERTER_MEMBERS, closed: true },
];

/**
 * The valid keys nearest to `key`, best first (none when nothing is a likely typo): the catalogue's
 * keys, the ignored Kafka Connect keys, and `key` put into the shape of a key family with its
 * misspelt segments corrected (`sink.propertis.strip_outer_array` → `sink.properties.strip_outer_array`).
 */
export function suggestKeys(key: string): string[] {
  const plain = [
    ...readKeys,
    ...IGNORED_KEYS,
    ...(['key', 'value'] as const).flatMap((which) =>
      Object.keys(CONVERTER_OPTIONS).map((option) => `${which}.converter.${option}`),
    ),
  ].map((candidate) => scoreKey(key, candidate));
  return nearestKeys(key, [...plain, ...familyCandidates(key)]);
}

/** `key` reshaped into each family it nearly belongs to, with the edits that took. */
function familyCandidates(key: string): ScoredKey[] {
  const parts = key.split('.');
  const out: ScoredKey[] = [];
  for (const shape of FAMILY_SHAPES) {
    if (parts.length <= shape.segments.length) continue;
    let distance = 0;
    const fixed: string[] = [];
    shape.segments.forEach((segment, i) => {
      const given = parts[i] ?? '';
      if (segment === ANY) {
        fixed.push(given);
        return;
      }
      const edits = editDistance(given, segment);
      distance += edits <= typoAllowance(segment) ? edits : Number.POSITIVE_INFINITY;
      fixed.push(segment);
    });
    const member = parts.slice(shape.segments.length).join('.');
    const nearest = shape.members.includes(member) ? [] : nearestKeys(member, shape.members);
    const chosen = nearest[0];
    if (shape.closed && !shape.members.includes(member) && chosen === undefined) continue;
    const memberEdits = chosen === undefined ? 0 : editDistance(member, chosen);
    if (Number.isFinite(distance)) {
      out.push({ key: [...fixed, chosen ?? member].join('.'), distance: distance + memberEdits });
    }
  }
  return out;
}

/**
 * Whether some member of `key`'s family could take it by its name alone: any Stream Load header,
 * any transform or predicate option (transforms.ts checks those by class), a converter option of
 * some converter, and a per-table key of the form `sink.table.<table>.properties.<header>`.
 */
function familyCouldTake(key: string): boolean {
  for (const which of ['key', 'value']) {
    const prefix = `${which}.converter.`;
    if (key.startsWith(prefix)) return CONVERTER_MEMBERS.includes(key.slice(prefix.length));
  }
  if (key.startsWith(TABLE_PROPERTIES_PREFIX) && !key.startsWith(SINK_PROPERTIES_PREFIX)) {
    const rest = key.slice(TABLE_PROPERTIES_PREFIX.length);
    const at = rest.indexOf('.properties.');
    return at > 0 && at + '.properties.'.length < rest.length;
  }
  return true;
}

/** A schema-registry converter's own message names its valid options, the meant one among them. */
function listsValidOptions(key: string, source: ConfigSource): boolean {
  const which = key.startsWith('key.converter.')
    ? 'key'
    : key.startsWith('value.converter.')
      ? 'value'
      : undefined;
  if (which === undefined) return false;
  const cls = source.get(`${which}.converter`);
  return cls !== undefined && Object.hasOwn(REGISTRY_CONVERTERS, cls);
}

/** Every key as the docs show it: the catalogue's keys, then each family's shape. */
const SHOWN_KEYS: readonly string[] = [...readKeys, ...KEY_FAMILIES.map((family) => family.shown)];

/** The most keys listed as "starting like" an unknown one. */
const SHORT_LIST = 12;

/** The valid keys with `key`'s first segment, when there are a few. */
function keysStartingLike(key: string): string[] {
  const alike = SHOWN_KEYS.filter((k) => firstSegment(k) === firstSegment(key));
  return alike.length <= SHORT_LIST ? alike : [];
}

/** How the valid keys start, and where all of them are listed. */
function describeKeyStarts(): string {
  const starts = [...new Set(SHOWN_KEYS.map(firstSegment))].map((segment) =>
    commonStart(SHOWN_KEYS.filter((k) => firstSegment(k) === segment)),
  );
  return `Valid keys start with ${starts.join(', ')} (every key is in docs/configuration.md)`;
}

function firstSegment(key: string): string {
  return key.split('.')[0]?.toLowerCase() ?? '';
}

/** The dotted start the keys share: `errors.` for errors.tolerance and errors.deadletterqueue.*. */
function commonStart(keys: readonly string[]): string {
  const split = keys.map((k) => k.split('.'));
  const shared: string[] = [];
  for (let i = 0; split.every((parts) => parts.length > i && parts[i] === split[0]?.[i]); i++) {
    shared.push(split[0]?.[i] ?? '');
  }
  const start = shared.join('.');
  return keys.includes(start) ? start : `${start}.`;
}
