/**
 * `sink.metadata.columns`: columns filled from the Kafka record itself (topic, partition, offset,
 * timestamp, key, headers) rather than from its value, as `column:source` pairs. Parsed and checked
 * at cold start; lib/batch/metadata-columns.ts writes the values into the rows.
 */
import type { ConverterConfig } from './converters.ts';
import { METADATA_COLUMNS_KEY } from './keys.ts';
import { type ConfigSource, isValidTableName } from './values.ts';

/** Where a metadata column's value comes from. */
export type MetadataSource =
  | { readonly kind: 'topic' }
  | { readonly kind: 'partition' }
  | { readonly kind: 'offset' }
  /** StarRocks DATETIME text in UTC, with milliseconds when there are any. */
  | { readonly kind: 'timestamp' }
  /** Epoch milliseconds, a number. */
  | { readonly kind: 'timestamp.ms' }
  /** `CreateTime` or `LogAppendTime` (`NoTimestampType` when the record has no timestamp). */
  | { readonly kind: 'timestamp.type' }
  /** The key's UTF-8 text. */
  | { readonly kind: 'key' }
  /** The key parsed as JSON (with `key.converter.schemas.enable=true`, the envelope's payload). */
  | { readonly kind: 'key.json' }
  /** One top-level field of a JSON-object key. */
  | { readonly kind: 'key.field'; readonly field: string }
  /** One header's UTF-8 text (the last, when the name repeats). */
  | { readonly kind: 'header'; readonly name: string }
  /** Every header as a JSON object, name → text (the last of a repeated name). */
  | { readonly kind: 'headers' };

/** One configured metadata column. */
export interface MetadataColumn {
  readonly column: string;
  readonly source: MetadataSource;
  /** The source as the user wrote it, for messages. */
  readonly sourceText: string;
}

/** The sources without an argument, by the name a user writes. */
const PLAIN_SOURCES: ReadonlyMap<string, MetadataSource> = new Map(
  (
    [
      'topic',
      'partition',
      'offset',
      'timestamp',
      'timestamp.ms',
      'timestamp.type',
      'key',
      'key.json',
      'headers',
    ] as const
  ).map((kind) => [kind, { kind }]),
);

/** The valid sources, for messages. */
export const METADATA_SOURCES_SHOWN = [...PLAIN_SOURCES.keys(), 'key.<field>', 'header.<name>'].join(', ');

/** Whether the source reads the record key. */
export function readsKey(source: MetadataSource): boolean {
  return source.kind === 'key' || source.kind === 'key.json' || source.kind === 'key.field';
}

/**
 * The metadata columns of `sink.metadata.columns` (`column:source,…`), in the listed order; none
 * when the key is absent. Every problem is reported: a malformed pair, a column name StarRocks
 * would refuse, an unknown source (with the valid ones), a column listed twice, and a key source
 * with a schema-registry key converter (whose keys the sink does not read).
 */
export function parseMetadataColumns(source: ConfigSource, keyConverter: ConverterConfig): MetadataColumn[] {
  const text = source.get(METADATA_COLUMNS_KEY);
  if (text === undefined) return [];
  const report = (message: string) => source.problem(METADATA_COLUMNS_KEY, message);
  if (text.trim() === '') {
    report(
      'is empty; give "column:source" pairs separated by commas, e.g. "kafka_offset:offset", or remove the key',
    );
    return [];
  }
  const columns: MetadataColumn[] = [];
  const seen = new Set<string>();
  for (const entry of text.split(',')) {
    const pair = entry.trim();
    const colon = pair.indexOf(':');
    const column = colon < 0 ? '' : pair.slice(0, colon).trim();
    const sourceText = colon < 0 ? '' : pair.slice(colon + 1).trim();
    if (column === '' || sourceText === '') {
      report(
        `entry "${pair}" is not "column:source"; the value must look like "kafka_topic:topic,kafka_key:key"`,
      );
      continue;
    }
    let ok = true;
    if (!isValidTableName(column)) {
      report(
        `entry "${pair}": "${column}" is not a valid StarRocks column name here (letters, digits and _, starting with a letter or _)`,
      );
      ok = false;
    }
    if (seen.has(column)) {
      report(`column "${column}" is listed twice; give each column one source`);
      ok = false;
    }
    seen.add(column);
    const parsed = parseSource(sourceText);
    if (parsed === undefined) {
      report(
        `entry "${pair}": "${sourceText}" is not a metadata source; valid sources: ${METADATA_SOURCES_SHOWN}`,
      );
      continue;
    }
    if (readsKey(parsed) && keyConverter.kind === 'registry') {
      report(
        `entry "${pair}" reads the record key, and keys through a schema-registry key.converter are not read by this sink; use StringConverter or JsonConverter for keys`,
      );
      continue;
    }
    if (ok) columns.push({ column, source: parsed, sourceText });
  }
  return columns;
}

function parseSource(text: string): MetadataSource | undefined {
  const plain = PLAIN_SOURCES.get(text);
  if (plain !== undefined) return plain;
  if (text.startsWith('key.') && text.length > 'key.'.length)
    return { kind: 'key.field', field: text.slice('key.'.length) };
  if (text.startsWith('header.') && text.length > 'header.'.length)
    return { kind: 'header', name: text.slice('header.'.length) };
  return undefined;
}
