import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CONVERTER_OPTIONS,
  IGNORED_KEYS,
  IGNORED_PREFIXES,
  KEY_FAMILIES,
  type KeySpec,
  REQUIRED,
  SINK_KEYS,
  SINK_PROPERTIES,
  SINK_PROPERTIES_PREFIX,
} from '../../../lib/config/keys.ts';

/**
 * docs/configuration.md is written by hand and held to the key catalogue (lib/config/keys.ts):
 * every key the sink reads has a row, every row is a key the sink reads, each default and each
 * "Ours." matches the catalogue, and the ignored Kafka Connect keys are all listed. The checks are
 * also run on broken copies of the page, so they are known to fail.
 */

const DOC = readFileSync(
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/configuration.md'),
  'utf8',
);

/** Every key the table has a row for, as the page writes it, with its catalogue entry. */
const CATALOGUE: ReadonlyMap<string, KeySpec> = new Map<string, KeySpec>([
  ...Object.entries(SINK_KEYS),
  ...Object.entries(SINK_PROPERTIES).map(([header, spec]): [string, KeySpec] => [
    `${SINK_PROPERTIES_PREFIX}${header}`,
    spec,
  ]),
  [
    'transforms.<name>.type',
    {
      group: 'connector',
      kind: 'choice',
      values: [],
      default: REQUIRED,
      doc: 'The transform class.',
    } as KeySpec,
  ],
  [
    'transforms.<name>.predicate',
    { group: 'connector', kind: 'text', default: undefined, doc: 'A predicate.' } as KeySpec,
  ],
  [
    'transforms.<name>.negate',
    { group: 'connector', kind: 'boolean', default: false, doc: 'Negate.' } as KeySpec,
  ],
  [
    'predicates.<name>.type',
    {
      group: 'connector',
      kind: 'choice',
      values: [],
      default: REQUIRED,
      doc: 'The predicate class.',
    } as KeySpec,
  ],
  ...Object.entries(CONVERTER_OPTIONS).map(([option, spec]): [string, KeySpec] => [
    `*.converter.${option}`,
    spec,
  ]),
]);

/** A whole family may have one row, `prefix*`. */
const FAMILY_ROWS = new Set(KEY_FAMILIES.map((family) => `${family.prefix}*`));

interface Row {
  readonly key: string;
  readonly defaultCell: string;
  readonly doc: string;
}

/** The text of the `## title` section. */
function section(markdown: string, title: string): string {
  return markdown.split(/^## /m).find((s) => s.startsWith(`${title}\n`)) ?? '';
}

function keyRows(markdown: string, problems: string[]): Row[] {
  const rows: Row[] = [];
  for (const line of section(markdown, 'Keys').split('\n')) {
    if (!line.startsWith('|') || line.startsWith('| key |') || line.startsWith('|---')) continue;
    const [, keyCell = '', defaultCell = '', ...rest] = line.split('|').map((cell) => cell.trim());
    const key = /^`([^`]+)`$/.exec(keyCell)?.[1];
    if (key === undefined) problems.push(`a row does not name one key: ${keyCell}`);
    else rows.push({ key, defaultCell, doc: rest.join('|').trim() });
  }
  return rows;
}

/** How the page writes a catalogue default at the start of the default cell. */
function defaultText(spec: KeySpec): string {
  if (spec.default === REQUIRED) return 'required';
  if (spec.default === undefined) return '—';
  return `\`${String(spec.default).replaceAll('\n', '\\n')}\``;
}

/** `errors.log.*` → a pattern matching every key it names. */
function keyPattern(listed: string): RegExp {
  return new RegExp(`^${listed.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
}

/** A key an ignored prefix covers, to hold the page's list to the prefixes. */
function sampleOf(prefix: string): string {
  return prefix.endsWith('.') ? `${prefix}example` : `${prefix}.example`;
}

function checkIgnoredKeys(markdown: string, problems: string[]): void {
  const paragraph =
    section(markdown, 'Ignored and refused keys')
      .split(/\n\s*\n/)
      .find((p) => p.trimStart().startsWith('Kafka Connect keys with no meaning in Lambda')) ?? '';
  const listed = [...paragraph.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
  const ignored = [...IGNORED_KEYS, ...IGNORED_PREFIXES.map(sampleOf)];
  for (const key of ignored) {
    if (!listed.some((l) => keyPattern(l).test(key))) problems.push(`ignored key not listed: ${key}`);
  }
  for (const l of listed) {
    if (!ignored.some((key) => keyPattern(l).test(key))) problems.push(`listed as ignored, but is not: ${l}`);
  }
}

/** Every difference between the page and the catalogue, as sentences; none when the page is true. */
function docProblems(markdown: string): string[] {
  const problems: string[] = [];
  const rows = keyRows(markdown, problems);
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.key)) problems.push(`listed twice: ${row.key}`);
    seen.add(row.key);
    const spec = CATALOGUE.get(row.key);
    if (spec === undefined) {
      if (!FAMILY_ROWS.has(row.key)) problems.push(`not a key the sink reads: ${row.key}`);
      continue;
    }
    const expected = defaultText(spec);
    if (!row.defaultCell.startsWith(expected)) {
      problems.push(`${row.key}: the default is ${expected} in the catalogue, "${row.defaultCell}" here`);
    }
    const saysOurs = /^Ours\b/.test(row.doc);
    if (saysOurs !== (spec.group === 'ours')) {
      problems.push(
        `${row.key}: is ${spec.group === 'ours' ? 'ours' : "the connector's"}, the page says otherwise`,
      );
    }
  }
  for (const key of CATALOGUE.keys()) if (!seen.has(key)) problems.push(`missing from the table: ${key}`);
  for (const family of KEY_FAMILIES) {
    if (![...seen].some((key) => key.startsWith(family.prefix))) {
      problems.push(`no row for the family ${family.shown}`);
    }
  }
  checkIgnoredKeys(markdown, problems);
  return problems;
}

/** The page with `from` replaced by `to`, failing if `from` is not there (a mutation must bite). */
function broken(from: string | RegExp, to: string): string {
  const text = DOC.replace(from, to);
  expect(text).not.toBe(DOC);
  return text;
}

describe('docs/configuration.md', () => {
  it('has a row for every key of the catalogue', () => {
    expect(keyRows(DOC, []).length).toBeGreaterThanOrEqual(CATALOGUE.size);
  });

  it('matches the key catalogue: keys, defaults, which are ours and the ignored keys', () => {
    expect(docProblems(DOC)).toEqual([]);
  });

  it.each([
    [
      'a key missing',
      () => broken(/^\| `connect\.timeoutms` .*\n/m, ''),
      'missing from the table: connect.timeoutms',
    ],
    [
      'a key the sink does not read',
      () =>
        broken('| `connect.timeoutms` |', '| `connect.timeout.ms` | `1000` | x |\n| `connect.timeoutms` |'),
      'not a key the sink reads: connect.timeout.ms',
    ],
    [
      'a wrong default',
      () => broken('| `connect.timeoutms` | `1000` |', '| `connect.timeoutms` | `3000` |'),
      'connect.timeoutms: the default is `1000` in the catalogue, "`3000`" here',
    ],
    [
      'a required key shown with no default',
      () => broken('| `starrocks.database.name` | required |', '| `starrocks.database.name` | — |'),
      'starrocks.database.name: the default is required in the catalogue, "—" here',
    ],
    [
      'a key of ours not marked',
      () => broken('| `1` | Ours. The level', '| `1` | The level'),
      'sink.compression.level: is ours, the page says otherwise',
    ],
    [
      'an ignored key not listed',
      () => broken('`config.action.reload`,', ''),
      'ignored key not listed: config.action.reload',
    ],
    [
      'an ignored prefix not listed',
      () => broken(', `producer.override.*`', ''),
      'ignored key not listed: producer.override.example',
    ],
    [
      'a listed key that is not ignored',
      () => broken('`name`,', '`name`, `sink.buffer.size`,'),
      'listed as ignored, but is not: sink.buffer.size',
    ],
  ])('finds %s', (_case, page, problem) => {
    expect(docProblems(page())).toContain(problem);
  });
});
