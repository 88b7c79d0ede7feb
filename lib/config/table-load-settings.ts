/**
 * Per-table load settings: `sink.table.<table>.properties.<header>` overrides
 * `sink.properties.<header>` in that table's Stream Loads (`columns`, `jsonpaths`, `where`,
 * `partial_update`, `merge_condition`, `max_filter_ratio`, …). Headers that decide how every body is
 * written or how the sink delivers are global and refused per table. {@link loadHeadersFor} is the
 * one lookup every sender uses.
 */

import { TABLE_PROPERTIES_PREFIX } from './keys.ts';
import { readLoadHeader } from './load-headers.ts';
import { type ConfigSource, isValidTableName } from './values.ts';

/** The infix between the table name and the header in a per-table key. */
const PROPERTIES_INFIX = '.properties.';

/**
 * Headers one setting serves every table by: the body format and its framing (written once per
 * batch by the serializer), compression, and merge commit (which changes how labels are awaited).
 */
export const GLOBAL_ONLY_HEADERS: ReadonlySet<string> = new Set([
  'format',
  'strip_outer_array',
  'row_delimiter',
  'column_separator',
  'compression',
  'content-encoding',
  'enable_merge_commit',
  'merge_commit_interval_ms',
  'merge_commit_parallel',
  'merge_commit_async',
]);

/** Every table's own headers as read from the config (lower-cased names), before merging. */
export type TableHeaderOverrides = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** What {@link loadHeadersFor} reads from the sink's config. */
export interface TableLoadHeaders {
  /** Every `sink.properties.*` header, with the body format's defaults. */
  readonly loadHeaders: Readonly<Record<string, string>>;
  /** Per table, the global headers with that table's own over them; only tables that have some. */
  readonly tableLoadHeaders: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/**
 * Reads every `sink.table.<table>.properties.<header>` key. Reports a key not of that form, a table
 * name StarRocks would refuse, a header the sink sets or that is global, and a value a header
 * cannot carry, each naming the key.
 */
export function parseTableLoadSettings(source: ConfigSource): TableHeaderOverrides {
  const byTable = new Map<string, Record<string, string>>();
  for (const [key, value] of source.raw) {
    if (!key.startsWith(TABLE_PROPERTIES_PREFIX)) continue;
    const rest = key.slice(TABLE_PROPERTIES_PREFIX.length);
    const at = rest.indexOf(PROPERTIES_INFIX);
    const table = at < 0 ? '' : rest.slice(0, at);
    const header = at < 0 ? '' : rest.slice(at + PROPERTIES_INFIX.length).toLowerCase();
    if (table === '' || header === '') {
      source.problem(
        key,
        `is not a per-table load setting; write sink.table.<table>.properties.<stream load header>, e.g. sink.table.orders.properties.columns`,
      );
      continue;
    }
    if (!isValidTableName(table)) {
      source.problem(
        key,
        `"${table}" is not a valid StarRocks table name (letters, digits and _, starting with a letter or _)`,
      );
      continue;
    }
    if (GLOBAL_ONLY_HEADERS.has(header)) {
      source.problem(
        key,
        `"${header}" applies to every table (it decides how bodies are written or loads delivered); set sink.properties.${header} instead`,
      );
      continue;
    }
    const checked = readLoadHeader(key, header, value, source.problem);
    if (checked === undefined) continue;
    let headers = byTable.get(table);
    if (headers === undefined) {
      headers = {};
      byTable.set(table, headers);
    }
    headers[header] = checked;
  }
  return byTable;
}

/** Each table's headers merged once over the global ones, so a load looks them up without copying. */
export function mergeTableHeaders(
  global: Readonly<Record<string, string>>,
  overrides: TableHeaderOverrides,
): ReadonlyMap<string, Readonly<Record<string, string>>> {
  const merged = new Map<string, Readonly<Record<string, string>>>();
  for (const [table, own] of overrides) merged.set(table, { ...global, ...own });
  return merged;
}

/**
 * The Stream Load headers of `table`'s loads: `sink.properties.*` with the table's
 * `sink.table.<table>.properties.*` over them. Every sender (Stream Load, transactions) takes its
 * headers from here.
 */
export function loadHeadersFor(config: TableLoadHeaders, table: string): Readonly<Record<string, string>> {
  return config.tableLoadHeaders.get(table) ?? config.loadHeaders;
}
