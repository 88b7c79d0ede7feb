/**
 * A small JSON reader for load bodies.
 *
 * `JSON.parse` is not enough here: BIGINT, LARGEINT and DECIMAL values must keep their source digits
 * (a double would silently round them), a body may be a stream of concatenated or newline-separated
 * documents, and StarRocks keeps the *first* occurrence of a duplicated key where `JSON.parse` keeps
 * the last.
 */

/** A JSON number kept as its source text. */
export class JsonNumber {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }
}

export type JsonObject = Map<string, JsonValue>;
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

class Reader {
  private pos = 0;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  atEnd(): boolean {
    this.skipWhitespace();
    return this.pos >= this.text.length;
  }

  value(depth = 0): JsonValue {
    if (depth > 512) this.fail('nesting too deep');
    this.skipWhitespace();
    const ch = this.text[this.pos];
    switch (ch) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.number();
        return this.fail(ch === undefined ? 'unexpected end of input' : `unexpected character '${ch}'`);
    }
  }

  private object(depth: number): JsonObject {
    const result: JsonObject = new Map();
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      const item = this.value(depth + 1);
      if (!result.has(key)) result.set(key, item);
      this.skipWhitespace();
      const next = this.text[this.pos];
      this.pos++;
      if (next === '}') return result;
      if (next !== ',') this.fail("expected ',' or '}'", this.pos - 1);
    }
  }

  private array(depth: number): JsonValue[] {
    const result: JsonValue[] = [];
    this.pos++;
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      result.push(this.value(depth + 1));
      this.skipWhitespace();
      const next = this.text[this.pos];
      this.pos++;
      if (next === ']') return result;
      if (next !== ',') this.fail("expected ',' or ']'", this.pos - 1);
    }
  }

  private string(): string {
    const text = this.text;
    let out = '';
    let chunkStart = ++this.pos;
    for (;;) {
      const code = text.charCodeAt(this.pos);
      if (code === QUOTE) {
        out += text.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (code === BACKSLASH) {
        out += text.slice(chunkStart, this.pos);
        out += this.escape();
        chunkStart = this.pos;
        continue;
      }
      if (code < 0x20 || Number.isNaN(code)) {
        this.fail(Number.isNaN(code) ? 'unterminated string' : 'control character in string');
      }
      this.pos++;
    }
  }

  private escape(): string {
    const ch = this.text[this.pos + 1];
    this.pos += 2;
    switch (ch) {
      case '"':
        return '"';
      case '\\':
        return '\\';
      case '/':
        return '/';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case 'n':
        return '\n';
      case 'r':
        return '\r';
      case 't':
        return '\t';
      case 'u': {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
        this.pos += 4;
        return String.fromCharCode(Number.parseInt(hex, 16));
      }
      default:
        return this.fail('bad escape', this.pos - 1);
    }
  }

  private number(): JsonNumber {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.pos;
    const found = match.exec(this.text);
    if (found === null) this.fail('bad number');
    this.pos += found[0].length;
    return new JsonNumber(found[0]);
  }

  private literal<T>(word: string, value: T): T {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return value;
    }
    return this.fail('unexpected token');
  }

  private skipWhitespace(): void {
    const text = this.text;
    for (;;) {
      const code = text.charCodeAt(this.pos);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.pos++;
    }
  }

  private fail(what: string, at = this.pos): never {
    throw new JsonSyntaxError(`${what} at offset ${at}`);
  }
}

/** Reads every JSON document of a body: one value, or several concatenated / newline-separated ones. */
export function parseJsonDocuments(text: string): JsonValue[] {
  const reader = new Reader(text);
  const documents: JsonValue[] = [];
  while (!reader.atEnd()) documents.push(reader.value());
  return documents;
}

/** Parses exactly one JSON value. */
export function parseJsonValue(text: string): JsonValue {
  const documents = parseJsonDocuments(text);
  if (documents.length !== 1) throw new JsonSyntaxError(`expected one JSON value, found ${documents.length}`);
  return documents[0] as JsonValue;
}

/** Compact JSON text, numbers written with their source digits. */
export function stringifyJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof JsonNumber) return value.text;
  let out = '';
  if (Array.isArray(value)) {
    for (const item of value) out += `${out === '' ? '' : ','}${stringifyJson(item)}`;
    return `[${out}]`;
  }
  for (const [key, item] of value)
    out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${stringifyJson(item)}`;
  return `{${out}}`;
}

export function isJsonObject(value: JsonValue | undefined): value is JsonObject {
  return value instanceof Map;
}
