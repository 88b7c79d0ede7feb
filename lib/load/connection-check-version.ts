import { isMergeCommitEnabled } from '../config/load-headers.ts';
import type { SinkConfig } from '../config/sink-config.ts';
import type { CheckLine } from './connection-check-report.ts';

/**
 * The StarRocks version (`SELECT current_version()`) and what it enables, against what the config
 * asks for: the HTTP SQL API (3.2), compressed JSON loads (3.2.7), merge commit (3.4), the
 * transaction API (2.4) and multi-table transactions (4.0).
 */

/** A release number: major, minor, patch. */
export type Version = readonly [number, number, number];

/** A StarRocks feature the sink may use, the release it came with, and whether the config asks for it. */
interface Feature {
  readonly name: string;
  readonly since: Version;
  /** The key (and value) that asks for it, or undefined when the config does not. */
  asked(config: SinkConfig): string | undefined;
}

/** The first release with the HTTP SQL API (this check's reads, drift detection, the offsets table). */
export const SQL_API_SINCE: Version = [3, 2, 0];

const FEATURES: readonly Feature[] = [
  {
    name: 'compressed JSON loads',
    since: [3, 2, 7],
    asked: (config) =>
      config.compression === undefined
        ? undefined
        : `sink.properties.compression=${config.compression.codec}`,
  },
  {
    name: 'merge commit',
    since: [3, 4, 0],
    asked: (config) => (mergeCommitTables(config) ? 'sink.properties.enable_merge_commit=true' : undefined),
  },
  {
    name: 'the transaction API',
    since: [2, 4, 0],
    asked: (config) =>
      config.exactlyOnce?.mode === 'per-table' ? 'sink.transaction.mode=per-table' : undefined,
  },
  {
    name: 'multi-table transactions',
    since: [4, 0, 0],
    asked: (config) => (config.exactlyOnce?.mode === 'multi' ? 'sink.transaction.mode=multi' : undefined),
  },
];

/** Whether merge commit is on for any load: globally or in a table's own properties. */
function mergeCommitTables(config: SinkConfig): boolean {
  if (isMergeCommitEnabled(config.loadHeaders)) return true;
  return [...config.tableLoadHeaders.values()].some((headers) => isMergeCommitEnabled(headers));
}

/**
 * The release number at the start of `current_version()`'s answer (`3.3.5-5d2fb5b`,
 * `4.0.1 ab12cd3`), or undefined for a build that does not say one.
 */
export function parseVersion(text: string): Version | undefined {
  const match = /^\s*v?(\d+)\.(\d+)(?:\.(\d+))?/i.exec(text);
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
}

export function atLeast(version: Version, since: Version): boolean {
  for (let i = 0; i < 3; i++) {
    const [a, b] = [version[i] as number, since[i] as number];
    if (a !== b) return a > b;
  }
  return true;
}

export function versionText(version: Version): string {
  return version.join('.');
}

/**
 * One line for the version and what it enables, and one per feature the config asks for that it
 * does not enable. `version` undefined with `noSqlApi`: the FE has no SQL API, so the release is
 * older than 3.2 and every feature since then is known to be missing.
 */
export function versionLines(
  versionAnswer: string | undefined,
  config: SinkConfig,
  noSqlApi: boolean,
  whyNotRead = 'no FE answered SELECT current_version()',
): CheckLine[] {
  if (noSqlApi) return olderThanSqlApi(config);
  if (versionAnswer === undefined) {
    return [
      {
        status: 'skip',
        subject: 'version',
        message: `not read (${whyNotRead}); not checked: the features the config asks for (${askedText(config)})`,
      },
    ];
  }
  const version = parseVersion(versionAnswer);
  if (version === undefined) {
    return [
      {
        status: 'warn',
        subject: 'version',
        message: `"${versionAnswer.slice(0, 60)}" names no release number; check by hand that it is at least what the config needs (${askedText(config)})`,
      },
    ];
  }
  const enabled = FEATURES.filter((f) => atLeast(version, f.since));
  const missing = FEATURES.filter((f) => !atLeast(version, f.since));
  const lines: CheckLine[] = [
    {
      status: 'ok',
      subject: 'version',
      message: `StarRocks ${versionText(version)}: ${describeFeatures(enabled, missing)}`,
    },
  ];
  for (const feature of missing) {
    const key = feature.asked(config);
    if (key === undefined) continue;
    lines.push({
      status: 'fail',
      subject: 'version',
      message: `${key} needs ${feature.name}, which came with StarRocks ${versionText(feature.since)}; this cluster runs ${versionText(version)}: upgrade StarRocks or remove the setting`,
    });
  }
  return lines;
}

function describeFeatures(enabled: readonly Feature[], missing: readonly Feature[]): string {
  const sqlApi = 'the HTTP SQL API';
  const has = [sqlApi, ...enabled.map((f) => f.name)];
  const lacks = missing.map((f) => `${f.name} (${versionText(f.since)})`);
  return lacks.length === 0
    ? `enables ${has.join(', ')}`
    : `enables ${has.join(', ')}; not ${lacks.join(', ')}`;
}

/** No SQL API: StarRocks < 3.2; every feature of 3.2 and later that the config asks for fails. */
function olderThanSqlApi(config: SinkConfig): CheckLine[] {
  const lines: CheckLine[] = [
    {
      status: 'warn',
      subject: 'version',
      message: `the FE has no HTTP SQL API (POST /api/v1/catalogs/…/sql answers 404), so StarRocks is older than ${versionText(SQL_API_SINCE)}; not checked: the version, the tables and their columns, the sample's fields. Upgrade to ${versionText(SQL_API_SINCE)} or later to check them (and for schema drift detection)`,
    },
  ];
  for (const feature of FEATURES) {
    const key = feature.asked(config);
    if (key === undefined || !atLeast(feature.since, SQL_API_SINCE)) continue;
    lines.push({
      status: 'fail',
      subject: 'version',
      message: `${key} needs ${feature.name}, which came with StarRocks ${versionText(feature.since)}; this cluster is older than ${versionText(SQL_API_SINCE)}: upgrade StarRocks or remove the setting`,
    });
  }
  return lines;
}

function askedText(config: SinkConfig): string {
  const asked = FEATURES.map((f) => {
    const key = f.asked(config);
    return key === undefined ? undefined : `${key}: ${versionText(f.since)}`;
  }).filter((t) => t !== undefined);
  return asked.length === 0 ? `the SQL API: ${versionText(SQL_API_SINCE)}` : asked.join(', ');
}
