/**
 * What `npm run migrate` reads: a Kafka Connect connector config as a `.properties` file (read the
 * way java.util.Properties loads one) or as JSON (the Connect REST body `{"name", "config"}` or the
 * bare config object), as keys and values in the order given.
 */

/** One key as the file gives it. */
export interface InputEntry {
  readonly key: string;
  readonly value: string;
  /** The line the key starts on (1-based); JSON entries have none. */
  readonly line?: number;
}

/** A connector config as read: its form, its entries (each key once, the last value winning). */
export interface ConnectorInput {
  readonly form: 'properties' | 'rest-json' | 'json';
  readonly entries: readonly InputEntry[];
  /** Keys given more than once: Kafka Connect takes the last value, and so do we; reported. */
  readonly repeated: readonly string[];
}

/** A file migrate cannot read at all; the message says where and why. */
export class MigrateInputError extends Error {
  override readonly name = 'MigrateInputError';
}

/**
 * Reads `text` as JSON when its first non-blank character is `{`, else as a `.properties` file,
 * whatever the file is called (the seed's `sr-sink.properties` holds JSON).
 */
export function readConnectorInput(text: string): ConnectorInput {
  return /^\s*\{/.test(text) ? readConnectorJson(text) : readConnectorProperties(text);
}

/** The Connect REST body (`{"name": …, "config": {…}}`, its name becoming the `name` key) or a bare config object. */
export function readConnectorJson(text: string): ConnectorInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MigrateInputError(`not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw new MigrateInputError('the JSON is not an object of connector settings');
  const rest = isObject(parsed.config);
  const config = rest ? (parsed.config as Record<string, unknown>) : parsed;
  const entries: InputEntry[] = [];
  if (rest && parsed.name !== undefined && !Object.hasOwn(config, 'name')) {
    entries.push({ key: 'name', value: textOf('name', parsed.name) });
  }
  for (const [key, value] of Object.entries(config)) entries.push({ key, value: textOf(key, value) });
  return { form: rest ? 'rest-json' : 'json', entries, repeated: [] };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** JSON numbers and booleans are their text, as Kafka Connect reads them; anything else is refused. */
function textOf(key: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  throw new MigrateInputError(`"${key}" must be a string, got ${kind}`);
}

/** A `.properties` file, each key once (the last value wins, as in java.util.Properties). */
export function readConnectorProperties(text: string): ConnectorInput {
  const byKey = new Map<string, InputEntry>();
  const repeated: string[] = [];
  for (const entry of parseJavaProperties(text)) {
    if (byKey.has(entry.key) && !repeated.includes(entry.key)) repeated.push(entry.key);
    byKey.delete(entry.key);
    byKey.set(entry.key, entry);
  }
  return { form: 'properties', entries: [...byKey.values()], repeated };
}

const WHITESPACE = new Set([' ', '\t', '\f']);

/**
 * Every `key=value` of a `.properties` text in order, repeats included, as java.util.Properties
 * reads it: lines end at `\n`, `\r` or `\r\n`; a line whose first non-blank character is `#` or `!`
 * is a comment (even when it ends in a backslash); a line ending in an odd number of backslashes
 * continues on the next one, whose leading blanks are skipped; the key ends at the first
 * unescaped `=`, `:` or blank, and one `=` or `:` with blanks around it separates it from the
 * value, whose trailing blanks are kept; `\t`, `\n`, `\r`, `\f` and `\uXXXX` are escapes, and a
 * backslash before any other character stands for that character.
 */
export function parseJavaProperties(text: string): InputEntry[] {
  const lines = text.split(/\r\n|\r|\n/);
  const entries: InputEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = skipBlanks(lines[i] ?? '');
    if (first === '' || first.startsWith('#') || first.startsWith('!')) continue;
    const startLine = i + 1;
    let logical = first;
    while (endsInOddBackslashes(logical) && i + 1 < lines.length) {
      logical = logical.slice(0, -1) + skipBlanks(lines[++i] ?? '');
    }
    // A last line ending in a lone backslash: java.util.Properties drops the backslash.
    if (endsInOddBackslashes(logical)) logical = logical.slice(0, -1);
    const { key, value } = splitKeyValue(logical);
    entries.push({
      key: unescapeJava(key, startLine),
      value: unescapeJava(value, startLine),
      line: startLine,
    });
  }
  return entries;
}

function skipBlanks(line: string): string {
  let i = 0;
  while (i < line.length && WHITESPACE.has(line[i] as string)) i++;
  return line.slice(i);
}

function endsInOddBackslashes(line: string): boolean {
  let count = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) count++;
  return count % 2 === 1;
}

/** The raw (still escaped) key and value of one logical line. */
function splitKeyValue(line: string): { key: string; value: string } {
  let end = 0;
  while (end < line.length) {
    const c = line[end] as string;
    if (c === '\\') {
      end += 2;
      continue;
    }
    if (c === '=' || c === ':' || WHITESPACE.has(c)) break;
    end++;
  }
  const key = line.slice(0, Math.min(end, line.length));
  let at = end;
  while (at < line.length && WHITESPACE.has(line[at] as string)) at++;
  if (line[at] === '=' || line[at] === ':') at++;
  while (at < line.length && WHITESPACE.has(line[at] as string)) at++;
  return { key, value: line.slice(at) };
}

const ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescapeJava(text: string, line: number): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === undefined) break;
    if (next === 'u') {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new MigrateInputError(`line ${line}: malformed \\uXXXX escape "\\u${hex}"`);
      }
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 4;
      continue;
    }
    out += ESCAPES[next] ?? next;
  }
  return out;
}
