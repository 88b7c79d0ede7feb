import { AlterJobs } from './alter-jobs.ts';
import { compareValues, currentDateTime, isNumericType, type StoredValue } from './column-types.ts';
import {
  type ColumnDef,
  DdlError,
  KEYS_TYPES,
  parseStatements,
  SQL_ERRORS,
  type Statement,
  type TableDefinition,
} from './ddl.ts';
import { formatRows } from './format-table.ts';

export type Row = readonly StoredValue[];

/** One row of a load, ready to apply. `present` marks the columns a partial update sets. */
export interface RowOp {
  readonly op: 'upsert' | 'delete';
  readonly values: Row;
  readonly present?: readonly boolean[];
  /** The source row as text, for the error log; computed only when a row fails. */
  readonly source: () => string;
}

export interface RowError {
  readonly reason: string;
  readonly source: string;
}

export interface ApplyOptions {
  readonly mergeCondition?: string;
}

/** The content a load would leave behind; `commit` makes it current. */
export interface PendingContent {
  readonly table: Table;
  readonly content: TableContent;
  readonly loaded: number;
  readonly errors: readonly RowError[];
}

type TableContent =
  | { readonly kind: 'keyed'; readonly rows: Map<string, Row> }
  | { readonly kind: 'list'; readonly rows: Row[] };

export function defaultFor(column: ColumnDef): StoredValue {
  const value = column.defaultValue;
  if (value === undefined) return null;
  return value.kind === 'currentTimestamp' ? currentDateTime() : value.value;
}

export class Table {
  readonly database: string;
  readonly keyIndexes: readonly number[];
  private schema: TableDefinition;
  /** Per column: is it a key column. */
  private keys: readonly boolean[];
  private content: TableContent;
  private readonly unpublished: (() => void)[] = [];
  private publishing = false;

  constructor(database: string, definition: TableDefinition) {
    this.database = database;
    this.schema = definition;
    this.keyIndexes = definition.keyColumns.map((key) => definition.columns.findIndex((c) => c.name === key));
    this.keys = definition.columns.map((_, index) => this.keyIndexes.includes(index));
    this.content = this.emptyContent();
  }

  /** The current schema; ALTER TABLE ADD COLUMN replaces it. */
  get definition(): TableDefinition {
    return this.schema;
  }

  /** Per column: is it a key column. */
  get keyMask(): readonly boolean[] {
    return this.keys;
  }

  /**
   * Appends value columns (ALTER TABLE ADD COLUMN): stored rows get each new column's DEFAULT (or
   * NULL). Key columns stay where they are, so row keys do not change.
   */
  addColumns(columns: readonly ColumnDef[]): void {
    this.publishPending();
    this.schema = { ...this.schema, columns: [...this.schema.columns, ...columns] };
    this.keys = [...this.keys, ...columns.map(() => false)];
    const widen = (row: Row): Row => this.widen(row);
    this.content =
      this.content.kind === 'list'
        ? { kind: 'list', rows: this.content.rows.map(widen) }
        : { kind: 'keyed', rows: new Map([...this.content.rows].map(([key, row]) => [key, widen(row)])) };
  }

  /** A row read before columns were added, completed with their defaults (as StarRocks fills them). */
  private widen(row: Row): Row {
    const columns = this.schema.columns;
    if (row.length >= columns.length) return row;
    return [...row, ...columns.slice(row.length).map((column) => defaultFor(column))];
  }

  get isPrimaryKey(): boolean {
    return this.definition.keysType === KEYS_TYPES.primary;
  }

  /** Primary and unique key tables replace rows by key; duplicate key tables append. */
  get isKeyed(): boolean {
    return this.definition.keysType !== KEYS_TYPES.duplicate;
  }

  columnIndex(name: string): number {
    const exact = this.definition.columns.findIndex((c) => c.name === name);
    if (exact >= 0) return exact;
    return this.definition.columns.findIndex((c) => c.name.toLowerCase() === name.toLowerCase());
  }

  truncate(): void {
    this.content = this.emptyContent();
  }

  /** Current rows: keyed tables ordered by key, duplicate key tables in load order. */
  rows(): Row[] {
    if (this.content.kind === 'list') return [...this.content.rows];
    const columns = this.definition.columns;
    return [...this.content.rows.values()].sort((a, b) => {
      for (const index of this.keyIndexes) {
        const type = (columns[index] as ColumnDef).type;
        const order = compareValues(type, a[index] ?? null, b[index] ?? null);
        if (order !== 0) return order;
      }
      return 0;
    });
  }

  /** {@link rows} as objects keyed by column name. */
  records(): Record<string, StoredValue>[] {
    const columns = this.definition.columns;
    return this.rows().map((row) =>
      Object.fromEntries(columns.map((column, i) => [column.name, row[i] ?? null])),
    );
  }

  /** The table as the MySQL client prints `SELECT *`. */
  format(): string {
    const columns = this.definition.columns.map((column) => ({
      name: column.name,
      align: isNumericType(column.type) ? ('right' as const) : ('left' as const),
    }));
    return formatRows(columns, this.records());
  }

  /**
   * Works out what the table would hold after `ops`, without changing it. Rows that cannot apply (a
   * partial-update insert missing a NOT NULL value) come back as errors so the caller can count them
   * as filtered before deciding to commit.
   */
  prepare(ops: readonly RowOp[], options: ApplyOptions = {}): PendingContent {
    // Versions become visible in commit order: an earlier commit still publishing goes first.
    this.publishPending();
    const errors: RowError[] = [];
    let loaded = 0;
    if (this.content.kind === 'list') {
      const rows = [...this.content.rows];
      for (const op of ops) {
        if (op.op === 'delete') continue;
        rows.push(this.widen(op.values));
        loaded++;
      }
      return { table: this, content: { kind: 'list', rows }, loaded, errors };
    }
    const rows = new Map(this.content.rows);
    const columns = this.definition.columns;
    const mergeIndex = options.mergeCondition === undefined ? -1 : this.columnIndex(options.mergeCondition);
    for (const op of ops) {
      const key = this.keyOf(op.values);
      if (op.op === 'delete') {
        rows.delete(key);
        loaded++;
        continue;
      }
      const existing = rows.get(key);
      let next: StoredValue[];
      if (op.present === undefined) {
        next = [...this.widen(op.values)];
      } else {
        next = columns.map((column, index) =>
          op.present?.[index]
            ? (op.values[index] ?? null)
            : existing
              ? (existing[index] ?? null)
              : defaultFor(column),
        );
        const missing = existing ? undefined : columns.find((c, i) => !c.nullable && next[i] === null);
        if (missing !== undefined) {
          errors.push({
            reason: `column '${missing.name}' has no value and no default for a new row in a partial update`,
            source: op.source(),
          });
          continue;
        }
      }
      if (existing !== undefined && mergeIndex >= 0) {
        const type = (columns[mergeIndex] as ColumnDef).type;
        if (compareValues(type, next[mergeIndex] ?? null, existing[mergeIndex] ?? null) < 0) {
          loaded++;
          continue;
        }
      }
      rows.set(key, next);
      loaded++;
    }
    return { table: this, content: { kind: 'keyed', rows }, loaded, errors };
  }

  /**
   * Queues a committed load whose rows become visible later (a slow publish). Queued loads are
   * applied in commit order, and before any later load is worked out.
   */
  deferPublish(apply: () => void): void {
    this.unpublished.push(apply);
  }

  /** Applies every queued load now, oldest first. */
  publishPending(): void {
    if (this.publishing) return;
    this.publishing = true;
    try {
      for (let next = this.unpublished.shift(); next !== undefined; next = this.unpublished.shift()) next();
    } finally {
      this.publishing = false;
    }
  }

  commit(pending: PendingContent): void {
    if (pending.table !== this) throw new Error('pending content belongs to another table');
    this.content = pending.content;
  }

  private keyOf(values: Row): string {
    return JSON.stringify(this.keyIndexes.map((index) => values[index] ?? null));
  }

  private emptyContent(): TableContent {
    return this.isKeyed ? { kind: 'keyed', rows: new Map() } : { kind: 'list', rows: [] };
  }
}

/** Options of a {@link Catalog}. */
export interface CatalogOptions {
  /**
   * How many SHOW ALTER TABLE COLUMN polls the next ADD COLUMN job stays RUNNING for (0 or
   * undefined: it finishes at once, as fast schema evolution does).
   */
  readonly runningPollsForNextAlter?: () => number | undefined;
}

/** Databases and tables, changed by DDL through {@link Catalog.execute} or {@link Catalog.executeIn}. */
export class Catalog {
  private readonly databases = new Map<string, Map<string, Table>>();
  private currentDatabase: string | undefined;
  /** ALTER TABLE … ADD COLUMN jobs, as SHOW ALTER TABLE COLUMN lists them. */
  readonly alterJobs = new AlterJobs();
  private readonly runningPollsForNextAlter: () => number | undefined;

  constructor(options: CatalogOptions = {}) {
    this.runningPollsForNextAlter = options.runningPollsForNextAlter ?? (() => undefined);
  }

  hasDatabase(name: string): boolean {
    return this.databases.has(name);
  }

  /** Database names in creation order. */
  databaseNames(): string[] {
    return [...this.databases.keys()];
  }

  /** Table names of a database in creation order (none for an unknown database). */
  tableNames(database: string): string[] {
    return [...(this.databases.get(database)?.keys() ?? [])];
  }

  table(database: string, name: string): Table | undefined {
    return this.databases.get(database)?.get(name);
  }

  /** Like {@link table}, throwing a message that names what is missing. */
  requireTable(database: string, name: string): Table {
    const tables = this.databases.get(database);
    if (tables === undefined) throw new Error(`Unknown database '${database}'`);
    const table = tables.get(name);
    if (table === undefined) throw new Error(`Unknown table '${database}.${name}'`);
    return table;
  }

  /** Runs DDL in the catalog's own session (`USE` there lasts across calls). */
  execute(sql: string): void {
    this.currentDatabase = this.executeIn(sql, this.currentDatabase);
  }

  /**
   * Runs DDL in a caller's session (a MySQL connection) whose current database is `database`;
   * returns the session's current database afterwards (changed by `USE`).
   */
  executeIn(sql: string, database: string | undefined): string | undefined {
    let current = database;
    for (const statement of parseStatements(sql)) current = this.run(statement, current);
    return current;
  }

  private run(statement: Statement, current: string | undefined): string | undefined {
    switch (statement.kind) {
      case 'createDatabase':
        if (this.databases.has(statement.name)) {
          if (statement.ifNotExists) break;
          throw new DdlError(
            `Can't create database '${statement.name}'; database exists`,
            SQL_ERRORS.dbCreateExists,
          );
        }
        this.databases.set(statement.name, new Map());
        break;
      case 'dropDatabase':
        if (!this.databases.delete(statement.name) && !statement.ifExists) {
          throw new DdlError(
            `Can't drop database '${statement.name}'; database doesn't exist`,
            SQL_ERRORS.dbDropExists,
          );
        }
        if (current === statement.name) return undefined;
        break;
      case 'use':
        if (!this.databases.has(statement.name)) {
          throw new DdlError(`Unknown database '${statement.name}'`, SQL_ERRORS.badDatabase);
        }
        return statement.name;
      case 'createTable': {
        const [database, tables] = this.resolve(statement.database, current);
        if (tables.has(statement.table.name)) {
          if (statement.ifNotExists) break;
          throw new DdlError(`Table '${statement.table.name}' already exists`, SQL_ERRORS.tableExists);
        }
        tables.set(statement.table.name, new Table(database, statement.table));
        break;
      }
      case 'dropTable': {
        const [database, tables] = this.resolve(statement.database, current);
        if (!tables.delete(statement.name) && !statement.ifExists) {
          throw new DdlError(`Unknown table '${database}.${statement.name}'`, SQL_ERRORS.badTable);
        }
        break;
      }
      case 'truncateTable':
        this.resolveTable(statement.database, statement.name, current).truncate();
        break;
      case 'addColumns':
        this.addColumns(this.resolveTable(statement.database, statement.name, current), statement.columns);
        break;
    }
    return current;
  }

  /**
   * ALTER TABLE … ADD COLUMN: checks the names against the table (and each other), then records a
   * job. A job that finishes at once changes the schema now; a RUNNING one (a fault) changes it when
   * it finishes, and until then the table refuses further ALTERs.
   */
  private addColumns(table: Table, columns: readonly ColumnDef[]): void {
    const name = table.definition.name;
    if (this.alterJobs.running(table.database, name) !== undefined) {
      throw new DdlError(
        `Table[${name}]'s state(SCHEMA_CHANGE) is not NORMAL. Do not allow doing ALTER ops`,
        SQL_ERRORS.generic,
      );
    }
    const seen = new Set(table.definition.columns.map((column) => column.name.toLowerCase()));
    for (const column of columns) {
      const lower = column.name.toLowerCase();
      if (seen.has(lower))
        throw new DdlError(`Duplicate column name '${column.name}'`, SQL_ERRORS.duplicateField);
      seen.add(lower);
      if (!column.nullable && column.defaultValue === undefined) {
        throw new DdlError(
          `Column '${column.name}' is NOT NULL and has no DEFAULT: the stand-in adds such a column only with a DEFAULT for the existing rows`,
        );
      }
    }
    this.alterJobs.start(table.database, name, this.runningPollsForNextAlter() ?? 0, () =>
      table.addColumns(columns),
    );
  }

  private resolveTable(database: string | undefined, name: string, current: string | undefined): Table {
    const [resolved, tables] = this.resolve(database, current);
    const table = tables.get(name);
    if (table === undefined) throw new DdlError(`Unknown table '${resolved}.${name}'`, SQL_ERRORS.badTable);
    return table;
  }

  private resolve(database: string | undefined, current: string | undefined): [string, Map<string, Table>] {
    const name = database ?? current;
    if (name === undefined) {
      throw new DdlError(
        'No database selected: qualify the table or run USE <database> first',
        SQL_ERRORS.noDatabase,
      );
    }
    const tables = this.databases.get(name);
    if (tables === undefined) throw new DdlError(`Unknown database '${name}'`, SQL_ERRORS.badDatabase);
    return [name, tables];
  }
}
