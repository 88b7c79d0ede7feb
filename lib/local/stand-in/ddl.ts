import { type ColumnType, convertValue, type StoredValue, type TypeName } from './column-types.ts';
import { JsonNumber } from './json-text.ts';

export const KEYS_TYPES = { primary: 'PRIMARY', duplicate: 'DUPLICATE', unique: 'UNIQUE' } as const;
export type KeysType = (typeof KEYS_TYPES)[keyof typeof KEYS_TYPES];

export type DefaultValue =
  | { readonly kind: 'value'; readonly value: StoredValue }
  | { readonly kind: 'currentTimestamp' };

export interface ColumnDef {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly defaultValue?: DefaultValue;
  /** The COMMENT text, as `information_schema.columns` reports it. */
  readonly comment?: string;
}

export interface TableDefinition {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly keysType: KeysType;
  readonly keyColumns: readonly string[];
}

export type Statement =
  | { readonly kind: 'createDatabase'; readonly name: string; readonly ifNotExists: boolean }
  | { readonly kind: 'dropDatabase'; readonly name: string; readonly ifExists: boolean }
  | { readonly kind: 'use'; readonly name: string }
  | {
      readonly kind: 'createTable';
      readonly database: string | undefined;
      readonly table: TableDefinition;
      readonly ifNotExists: boolean;
    }
  | {
      readonly kind: 'dropTable';
      readonly database: string | undefined;
      readonly name: string;
      readonly ifExists: boolean;
    }
  | { readonly kind: 'truncateTable'; readonly database: string | undefined; readonly name: string }
  | {
      readonly kind: 'addColumns';
      readonly database: string | undefined;
      readonly name: string;
      readonly columns: readonly ColumnDef[];
    };

const SUPPORTED =
  'the stand-in runs CREATE DATABASE, DROP DATABASE, USE, CREATE TABLE, DROP TABLE, TRUNCATE TABLE and ALTER TABLE … ADD COLUMN';

/** MySQL error numbers and SQL states StarRocks answers with (its `ErrorCode`), for the MySQL listener. */
export const SQL_ERRORS = {
  dbCreateExists: { errno: 1007, sqlState: 'HY000' },
  dbDropExists: { errno: 1008, sqlState: 'HY000' },
  noDatabase: { errno: 1046, sqlState: '3D000' },
  badDatabase: { errno: 1049, sqlState: '42000' },
  tableExists: { errno: 1050, sqlState: '42S01' },
  badTable: { errno: 1051, sqlState: '42S02' },
  badField: { errno: 1054, sqlState: '42S22' },
  duplicateField: { errno: 1060, sqlState: '42S21' },
  /** StarRocks' generic analysis/DDL failure (`ERROR 1064 (HY000)`). */
  generic: { errno: 1064, sqlState: 'HY000' },
} as const;

export interface SqlErrorCode {
  readonly errno: number;
  readonly sqlState: string;
}

/** A statement the stand-in refuses; `code` is what the MySQL listener answers with. */
export class DdlError extends Error {
  override readonly name = 'DdlError';
  readonly code: SqlErrorCode;

  constructor(message: string, code: SqlErrorCode = SQL_ERRORS.generic) {
    super(message);
    this.code = code;
  }
}

type Token =
  | { readonly kind: 'word'; readonly text: string; readonly at: number }
  | { readonly kind: 'quoted'; readonly text: string; readonly at: number }
  | { readonly kind: 'string'; readonly text: string; readonly at: number }
  | { readonly kind: 'number'; readonly text: string; readonly at: number }
  | { readonly kind: 'punct'; readonly text: string; readonly at: number };

function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < sql.length) {
    const ch = sql[pos] as string;
    if (/\s/.test(ch)) {
      pos++;
    } else if (sql.startsWith('--', pos) || ch === '#') {
      const end = sql.indexOf('\n', pos);
      pos = end < 0 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', pos)) {
      const end = sql.indexOf('*/', pos + 2);
      if (end < 0) throw new DdlError(`Unterminated comment at offset ${pos}`);
      pos = end + 2;
    } else if (ch === '`') {
      let text = '';
      let i = pos + 1;
      for (;;) {
        const c = sql[i];
        if (c === undefined) throw new DdlError(`Unterminated quoted identifier at offset ${pos}`);
        if (c === '`') {
          if (sql[i + 1] === '`') {
            text += '`';
            i += 2;
            continue;
          }
          break;
        }
        text += c;
        i++;
      }
      tokens.push({ kind: 'quoted', text, at: pos });
      pos = i + 1;
    } else if (ch === "'" || ch === '"') {
      let text = '';
      let i = pos + 1;
      for (;;) {
        const c = sql[i];
        if (c === undefined) throw new DdlError(`Unterminated string at offset ${pos}`);
        if (c === '\\') {
          text += sql[i + 1] ?? '';
          i += 2;
          continue;
        }
        if (c === ch) {
          if (sql[i + 1] === ch) {
            text += ch;
            i += 2;
            continue;
          }
          break;
        }
        text += c;
        i++;
      }
      tokens.push({ kind: 'string', text, at: pos });
      pos = i + 1;
    } else if (/[0-9]/.test(ch)) {
      const match = /\d+(?:\.\d+)?/y;
      match.lastIndex = pos;
      const text = (match.exec(sql) as RegExpExecArray)[0];
      tokens.push({ kind: 'number', text, at: pos });
      pos += text.length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const match = /[A-Za-z_][A-Za-z0-9_$]*/y;
      match.lastIndex = pos;
      const text = (match.exec(sql) as RegExpExecArray)[0];
      tokens.push({ kind: 'word', text, at: pos });
      pos += text.length;
    } else {
      // Characters no supported statement uses still become tokens, so the parser can say which
      // statement or clause it does not support instead of complaining about a character.
      tokens.push({ kind: 'punct', text: ch, at: pos });
      pos++;
    }
  }
  return tokens;
}

const TYPE_ALIASES: Record<string, TypeName> = {
  TINYINT: 'TINYINT',
  SMALLINT: 'SMALLINT',
  INT: 'INT',
  INTEGER: 'INT',
  BIGINT: 'BIGINT',
  LARGEINT: 'LARGEINT',
  FLOAT: 'FLOAT',
  DOUBLE: 'DOUBLE',
  DECIMAL: 'DECIMAL',
  DECIMALV2: 'DECIMAL',
  DECIMAL32: 'DECIMAL',
  DECIMAL64: 'DECIMAL',
  DECIMAL128: 'DECIMAL',
  NUMERIC: 'DECIMAL',
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  CHAR: 'CHAR',
  VARCHAR: 'VARCHAR',
  STRING: 'STRING',
  TEXT: 'STRING',
  DATE: 'DATE',
  DATETIME: 'DATETIME',
  JSON: 'JSON',
};

const AGGREGATE_FUNCTIONS = new Set([
  'SUM',
  'MIN',
  'MAX',
  'REPLACE',
  'REPLACE_IF_NOT_NULL',
  'HLL_UNION',
  'BITMAP_UNION',
]);

/** Defaults when a length is omitted (StarRocks: CHAR(1), VARCHAR(65533); see the stand-in's README). */
const DEFAULT_CHAR_LENGTH = 1;
const DEFAULT_VARCHAR_LENGTH = 65533;

class Parser {
  private pos = 0;
  private readonly sql: string;
  private readonly tokens: readonly Token[];

  constructor(sql: string, tokens: readonly Token[]) {
    this.sql = sql;
    this.tokens = tokens;
  }

  statements(): Statement[] {
    const result: Statement[] = [];
    while (this.pos < this.tokens.length) {
      if (this.acceptPunct(';')) continue;
      result.push(this.statement());
      if (this.pos < this.tokens.length && !this.acceptPunct(';')) this.fail('expected ; or end of input');
    }
    return result;
  }

  private statement(): Statement {
    const start = this.pos;
    if (this.acceptWord('USE')) return { kind: 'use', name: this.identifier() };
    if (this.acceptWord('CREATE')) {
      if (this.acceptWord('DATABASE') || this.acceptWord('SCHEMA')) {
        const ifNotExists = this.acceptWords('IF', 'NOT', 'EXISTS');
        const name = this.identifier();
        if (this.acceptWord('PROPERTIES')) this.properties();
        return { kind: 'createDatabase', name, ifNotExists };
      }
      if (this.acceptWord('TABLE')) return this.createTable();
    } else if (this.acceptWord('DROP')) {
      if (this.acceptWord('DATABASE') || this.acceptWord('SCHEMA')) {
        const ifExists = this.acceptWords('IF', 'EXISTS');
        const name = this.identifier();
        this.acceptWord('FORCE');
        return { kind: 'dropDatabase', name, ifExists };
      }
      if (this.acceptWord('TABLE')) {
        const ifExists = this.acceptWords('IF', 'EXISTS');
        const [database, name] = this.qualifiedName();
        this.acceptWord('FORCE');
        return { kind: 'dropTable', database, name, ifExists };
      }
    } else if (this.acceptWord('TRUNCATE')) {
      this.acceptWord('TABLE');
      const [database, name] = this.qualifiedName();
      return { kind: 'truncateTable', database, name };
    } else if (this.acceptWords('ALTER', 'TABLE')) {
      return this.alterTable(start);
    }
    this.pos = start;
    throw new DdlError(`Unsupported statement "${this.statementText(start)}": ${SUPPORTED}`);
  }

  private createTable(): Statement {
    const ifNotExists = this.acceptWords('IF', 'NOT', 'EXISTS');
    const [database, name] = this.qualifiedName();
    this.expectPunct('(');
    const columns: ColumnDef[] = [];
    do {
      if (this.acceptWord('INDEX')) {
        this.skipUntilTopLevel([',', ')']);
        continue;
      }
      columns.push(this.columnDef());
    } while (this.acceptPunct(','));
    this.expectPunct(')');

    let keysType: KeysType = KEYS_TYPES.duplicate;
    let keyColumns: string[] | undefined;
    for (;;) {
      if (this.atStatementEnd()) break;
      if (this.acceptWord('ENGINE')) {
        this.expectPunct('=');
        const engine = this.identifier();
        if (engine.toUpperCase() !== 'OLAP') this.fail(`ENGINE=${engine} is not supported (only OLAP)`);
      } else if (this.acceptWords('PRIMARY', 'KEY')) {
        keysType = KEYS_TYPES.primary;
        keyColumns = this.nameList();
      } else if (this.acceptWords('DUPLICATE', 'KEY')) {
        keysType = KEYS_TYPES.duplicate;
        keyColumns = this.nameList();
      } else if (this.acceptWords('UNIQUE', 'KEY')) {
        keysType = KEYS_TYPES.unique;
        keyColumns = this.nameList();
      } else if (this.peekWord('AGGREGATE')) {
        this.fail('Aggregate tables are not supported by the stand-in');
      } else if (this.acceptWord('COMMENT')) {
        this.stringLiteral();
      } else if (this.acceptWords('PARTITION', 'BY')) {
        this.skipUntilTopLevel(['DISTRIBUTED', 'ORDER', 'PROPERTIES', ';']);
      } else if (this.acceptWords('DISTRIBUTED', 'BY')) {
        if (this.acceptWord('HASH')) this.nameList();
        else if (!this.acceptWord('RANDOM')) this.fail('expected HASH(...) or RANDOM after DISTRIBUTED BY');
        if (this.acceptWord('BUCKETS')) this.expectNumber();
      } else if (this.acceptWords('ORDER', 'BY')) {
        this.nameList();
      } else if (this.acceptWord('PROPERTIES')) {
        this.properties();
      } else {
        this.fail('unsupported table clause');
      }
    }
    return {
      kind: 'createTable',
      database,
      ifNotExists,
      table: this.tableDefinition(name, columns, keysType, keyColumns),
    };
  }

  private tableDefinition(
    name: string,
    declared: ColumnDef[],
    keysType: KeysType,
    keyColumns: string[] | undefined,
  ): TableDefinition {
    const seen = new Set<string>();
    for (const column of declared) {
      const lower = column.name.toLowerCase();
      if (seen.has(lower)) throw new DdlError(`Duplicate column name '${column.name}' in table ${name}`);
      seen.add(lower);
    }
    const keys = (keyColumns ?? []).map((key) => {
      const column = declared.find((c) => c.name.toLowerCase() === key.toLowerCase());
      if (column === undefined) throw new DdlError(`Key column '${key}' of table ${name} is not declared`);
      return column.name;
    });
    if (keysType !== KEYS_TYPES.duplicate) {
      keys.forEach((key, index) => {
        if (declared[index]?.name !== key) {
          throw new DdlError(`Key columns should be a ordered prefix of the schema (table ${name})`);
        }
      });
    }
    // Primary and unique key columns are NOT NULL in StarRocks whatever the column says.
    const columns = declared.map((column) =>
      keysType !== KEYS_TYPES.duplicate && keys.includes(column.name)
        ? { ...column, nullable: false }
        : column,
    );
    return { name, columns, keysType, keyColumns: keys };
  }

  private columnDef(): ColumnDef {
    return this.columnDefinition().column;
  }

  /** A column definition, and whether it said KEY (which ADD COLUMN must know). */
  private columnDefinition(): { column: ColumnDef; key: boolean } {
    const name = this.identifier();
    const type = this.columnType(name);
    let nullable = true;
    let key = false;
    let defaultValue: DefaultValue | undefined;
    let comment: string | undefined;
    for (;;) {
      if (this.acceptWords('NOT', 'NULL')) nullable = false;
      else if (this.acceptWord('NULL')) nullable = true;
      else if (this.acceptWord('COMMENT')) comment = this.stringLiteral();
      else if (this.acceptWord('KEY')) key = true;
      else if (this.acceptWord('DEFAULT')) defaultValue = this.defaultValue(name, type);
      else if (this.peekWord('AUTO_INCREMENT') || this.peekWord('AS')) {
        this.fail(`column '${name}': AUTO_INCREMENT and generated columns are not supported by the stand-in`);
      } else if (this.peekAnyWord(AGGREGATE_FUNCTIONS)) {
        this.fail('Aggregate tables are not supported by the stand-in');
      } else break;
    }
    const column: ColumnDef = {
      name,
      type,
      nullable,
      ...(defaultValue === undefined ? {} : { defaultValue }),
      // An empty COMMENT is no comment (information_schema shows '' either way).
      ...(comment === undefined || comment === '' ? {} : { comment }),
    };
    return { column, key };
  }

  /**
   * `ALTER TABLE [db.]t ADD COLUMN c T …[, ADD COLUMN …]` or `ADD COLUMN (c T, d T)`, optionally
   * followed by PROPERTIES. New columns are value columns appended at the end: KEY, AFTER, FIRST,
   * TO <rollup>, generated columns and every other ALTER clause are refused by name.
   */
  private alterTable(start: number): Statement {
    const [database, name] = this.qualifiedName();
    const columns: ColumnDef[] = [];
    do {
      if (!this.acceptWords('ADD', 'COLUMN')) {
        this.pos = start;
        throw new DdlError(
          `Unsupported statement "${this.statementText(start)}": the stand-in's ALTER TABLE runs only ADD COLUMN`,
        );
      }
      if (this.acceptPunct('(')) {
        do columns.push(this.addedColumn());
        while (this.acceptPunct(','));
        this.expectPunct(')');
      } else {
        columns.push(this.addedColumn());
      }
    } while (this.acceptPunct(','));
    if (this.acceptWord('TO')) this.fail('ADD COLUMN … TO <rollup> is not supported by the stand-in');
    if (this.acceptWord('PROPERTIES')) this.properties();
    return { kind: 'addColumns', database, name, columns };
  }

  private addedColumn(): ColumnDef {
    const { column, key } = this.columnDefinition();
    if (key) {
      this.fail(`column '${column.name}': the stand-in adds value columns only (KEY is not supported)`);
    }
    if (this.peekWord('AFTER') || this.peekWord('FIRST')) {
      this.fail(`column '${column.name}': the stand-in adds columns at the end only (no AFTER/FIRST)`);
    }
    return column;
  }

  private columnType(column: string): ColumnType {
    const token = this.tokens[this.pos];
    if (token?.kind !== 'word') this.fail(`expected a type for column '${column}'`);
    const name = TYPE_ALIASES[token.text.toUpperCase()];
    if (name === undefined) {
      this.fail(`type ${token.text} of column '${column}' is not supported by the stand-in`);
    }
    this.pos++;
    const args: number[] = [];
    if (this.acceptPunct('(')) {
      do args.push(Number(this.expectNumber()));
      while (this.acceptPunct(','));
      this.expectPunct(')');
    }
    switch (name) {
      case 'DECIMAL': {
        const precision = args[0] ?? 10;
        const scale = args[1] ?? 0;
        if (precision < 1 || precision > 38 || scale > precision) {
          this.fail(`invalid DECIMAL(${precision},${scale}) for column '${column}'`);
        }
        return { name, precision, scale };
      }
      case 'CHAR':
        return { name, length: args[0] ?? DEFAULT_CHAR_LENGTH };
      case 'VARCHAR':
        return { name, length: args[0] ?? DEFAULT_VARCHAR_LENGTH };
      default:
        // int(11) and the like: the display width means nothing to storage.
        return { name };
    }
  }

  private defaultValue(column: string, type: ColumnType): DefaultValue {
    if (this.acceptWord('CURRENT_TIMESTAMP')) {
      if (this.acceptPunct('(')) this.expectPunct(')');
      return { kind: 'currentTimestamp' };
    }
    if (this.acceptWord('NULL')) return { kind: 'value', value: null };
    const negative = this.acceptPunct('-');
    const token = this.tokens[this.pos];
    if (token?.kind !== 'string' && token?.kind !== 'number') {
      this.fail(`unsupported DEFAULT for column '${column}'`);
    }
    this.pos++;
    const raw = token.kind === 'number' ? new JsonNumber(`${negative ? '-' : ''}${token.text}`) : token.text;
    const converted = convertValue(type, raw, column, 'csv');
    if (!converted.ok) throw new DdlError(`Invalid default value for '${column}': ${converted.reason}`);
    return { kind: 'value', value: converted.value };
  }

  private properties(): void {
    this.expectPunct('(');
    if (this.acceptPunct(')')) return;
    do {
      this.stringLiteral();
      this.expectPunct('=');
      this.stringLiteral();
    } while (this.acceptPunct(','));
    this.expectPunct(')');
  }

  private nameList(): string[] {
    this.expectPunct('(');
    const names: string[] = [];
    do names.push(this.identifier());
    while (this.acceptPunct(','));
    this.expectPunct(')');
    return names;
  }

  private qualifiedName(): [string | undefined, string] {
    const first = this.identifier();
    if (this.acceptPunct('.')) return [first, this.identifier()];
    return [undefined, first];
  }

  private identifier(): string {
    const token = this.tokens[this.pos];
    if (token?.kind !== 'word' && token?.kind !== 'quoted') this.fail('expected a name');
    this.pos++;
    return token.text;
  }

  private stringLiteral(): string {
    const token = this.tokens[this.pos];
    if (token?.kind !== 'string') this.fail('expected a quoted string');
    this.pos++;
    return token.text;
  }

  private expectNumber(): string {
    const token = this.tokens[this.pos];
    if (token?.kind !== 'number') this.fail('expected a number');
    this.pos++;
    return token.text;
  }

  private skipUntilTopLevel(stops: readonly string[]): void {
    let depth = 0;
    for (;;) {
      const token = this.tokens[this.pos];
      if (token === undefined) return;
      const text = token.kind === 'punct' || token.kind === 'word' ? token.text.toUpperCase() : '';
      if (depth === 0 && token.kind !== 'quoted' && token.kind !== 'string' && stops.includes(text)) return;
      if (text === '(') depth++;
      if (text === ')') {
        if (depth === 0) return;
        depth--;
      }
      this.pos++;
    }
  }

  private atStatementEnd(): boolean {
    const token = this.tokens[this.pos];
    return token === undefined || (token.kind === 'punct' && token.text === ';');
  }

  private peekWord(word: string, offset = 0): boolean {
    const token = this.tokens[this.pos + offset];
    return token?.kind === 'word' && token.text.toUpperCase() === word;
  }

  private peekAnyWord(words: ReadonlySet<string>): boolean {
    const token = this.tokens[this.pos];
    return token?.kind === 'word' && words.has(token.text.toUpperCase());
  }

  private acceptWord(word: string): boolean {
    if (!this.peekWord(word)) return false;
    this.pos++;
    return true;
  }

  private acceptWords(...words: string[]): boolean {
    if (!words.every((word, index) => this.peekWord(word, index))) return false;
    this.pos += words.length;
    return true;
  }

  private acceptPunct(punct: string): boolean {
    const token = this.tokens[this.pos];
    if (token?.kind !== 'punct' || token.text !== punct) return false;
    this.pos++;
    return true;
  }

  private expectPunct(punct: string): void {
    if (!this.acceptPunct(punct)) this.fail(`expected '${punct}'`);
  }

  private statementText(start: number): string {
    const from = this.tokens[start]?.at ?? this.sql.length;
    let end = this.tokens.findIndex(
      (token, index) => index >= start && token.kind === 'punct' && token.text === ';',
    );
    if (end < 0) end = this.tokens.length;
    const to = this.tokens[end]?.at ?? this.sql.length;
    const text = this.sql.slice(from, to).replace(/\s+/g, ' ').trim();
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  }

  private fail(what: string): never {
    const token = this.tokens[this.pos];
    const near =
      token === undefined
        ? 'at end of input'
        : `near "${this.sql.slice(token.at, token.at + 30).split('\n')[0]}"`;
    throw new DdlError(`SQL error: ${what} ${near}`);
  }
}

/**
 * Parses `;`-separated DDL. Throws a {@link DdlError} naming the statement or the token it could not take.
 *
 * @example parseStatements('CREATE DATABASE example_db; USE example_db; CREATE TABLE t (id INT, city STRING);')
 */
export function parseStatements(sql: string): Statement[] {
  return new Parser(sql, tokenize(sql)).statements();
}
