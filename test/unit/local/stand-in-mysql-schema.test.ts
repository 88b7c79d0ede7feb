import { describe, expect, it } from 'vitest';
import { Catalog } from '../../../lib/local/stand-in/catalog.ts';
import { DdlError } from '../../../lib/local/stand-in/ddl.ts';
import { informationSchemaColumns } from '../../../lib/local/stand-in/information-schema.ts';
import { runStatement, type SqlSession } from '../../../lib/local/stand-in/sql-statements.ts';
import { selectFrom, type VirtualTable } from '../../../lib/local/stand-in/virtual-table.ts';

/**
 * What the stand-in's MySQL port reports about schemas: information_schema.columns per column type,
 * the small WHERE / ORDER BY / LIMIT it evaluates, and ADD COLUMN through the catalog.
 */

function catalogWith(sql: string): Catalog {
  const catalog = new Catalog();
  catalog.execute(`CREATE DATABASE db; USE db; ${sql}`);
  return catalog;
}

function run(catalog: Catalog, sql: string, session: SqlSession = { user: 'root', database: 'db' }) {
  return runStatement({ catalog, version: '4.0.1', connectionId: 7 }, session, sql);
}

describe('StarRocks stand-in: information_schema.columns types', () => {
  it.each([
    { type: 'TINYINT', dataType: 'tinyint', columnType: 'tinyint(4)', precision: 3, length: null },
    { type: 'SMALLINT', dataType: 'smallint', columnType: 'smallint(6)', precision: 5, length: null },
    { type: 'INT', dataType: 'int', columnType: 'int(11)', precision: 10, length: null },
    { type: 'BIGINT', dataType: 'bigint', columnType: 'bigint(20)', precision: 19, length: null },
    { type: 'LARGEINT', dataType: 'largeint', columnType: 'largeint(40)', precision: 39, length: null },
    { type: 'FLOAT', dataType: 'float', columnType: 'float', precision: 12, length: null },
    { type: 'DOUBLE', dataType: 'double', columnType: 'double', precision: 22, length: null },
    { type: 'DECIMAL(12,3)', dataType: 'decimal', columnType: 'decimal(12,3)', precision: 12, length: null },
    { type: 'DECIMAL', dataType: 'decimal', columnType: 'decimal(10,0)', precision: 10, length: null },
    { type: 'BOOLEAN', dataType: 'boolean', columnType: 'boolean', precision: null, length: null },
    { type: 'CHAR(4)', dataType: 'char', columnType: 'char(4)', precision: null, length: 4 },
    { type: 'VARCHAR(20)', dataType: 'varchar', columnType: 'varchar(20)', precision: null, length: 20 },
    { type: 'STRING', dataType: 'varchar', columnType: 'varchar(65533)', precision: null, length: 65533 },
    { type: 'DATE', dataType: 'date', columnType: 'date', precision: null, length: null },
    { type: 'DATETIME', dataType: 'datetime', columnType: 'datetime', precision: null, length: null },
    { type: 'JSON', dataType: 'json', columnType: 'json', precision: null, length: null },
  ])('reports $type as $dataType / $columnType', ({ type, dataType, columnType, precision, length }) => {
    const catalog = catalogWith(`CREATE TABLE t (c ${type})`);

    const [row] = informationSchemaColumns(catalog).rows;

    expect(row).toMatchObject({
      DATA_TYPE: dataType,
      COLUMN_TYPE: columnType,
      NUMERIC_PRECISION: precision,
      CHARACTER_MAXIMUM_LENGTH: length,
      IS_NULLABLE: 'YES',
    });
  });

  it.each([
    { ddl: 'CREATE TABLE t (k INT, v INT) PRIMARY KEY(k)', keys: ['PRI', ''] },
    { ddl: 'CREATE TABLE t (k INT, v INT) UNIQUE KEY(k)', keys: ['UNI', ''] },
    { ddl: 'CREATE TABLE t (k INT, v INT) DUPLICATE KEY(k)', keys: ['DUP', ''] },
    { ddl: 'CREATE TABLE t (k INT, v INT)', keys: ['', ''] },
  ])('marks key columns in COLUMN_KEY for $ddl', ({ ddl, keys }) => {
    const catalog = catalogWith(ddl);

    expect(informationSchemaColumns(catalog).rows.map((row) => row.COLUMN_KEY)).toEqual(keys);
  });

  it.each([
    { column: "c VARCHAR(5) DEFAULT 'x'", expected: 'x' },
    { column: 'c INT DEFAULT -3', expected: '-3' },
    { column: 'c DATETIME DEFAULT CURRENT_TIMESTAMP', expected: 'CURRENT_TIMESTAMP' },
    { column: 'c INT DEFAULT NULL', expected: null },
    { column: 'c INT', expected: null },
  ])('reports the DEFAULT of $column as COLUMN_DEFAULT', ({ column, expected }) => {
    const catalog = catalogWith(`CREATE TABLE t (${column})`);

    expect(informationSchemaColumns(catalog).rows[0]?.COLUMN_DEFAULT).toBe(expected);
  });
});

describe('StarRocks stand-in: SELECT clauses over in-memory rows', () => {
  const table: VirtualTable = {
    name: 'people',
    columns: [
      { name: 'NAME', kind: 'text' },
      { name: 'AGE', kind: 'integer' },
    ],
    rows: [
      { NAME: "O'Brien", AGE: 40 },
      { NAME: 'ada', AGE: 36 },
      { NAME: 'Bob', AGE: 7 },
    ],
  };

  it.each([
    { where: "name = 'O''Brien'", names: ["O'Brien"] },
    { where: "name = 'O\\'Brien'", names: ["O'Brien"] },
    { where: 'age = 36', names: ['ada'] },
    { where: `t.NAME = "Bob" and AGE = 7`, names: ['Bob'] },
    { where: "name = 'ADA'", names: [] },
  ])('filters WHERE $where', ({ where, names }) => {
    const result = selectFrom(table, { list: 'name', where });

    expect(result.rows.map((row) => row[0])).toEqual(names);
  });

  it('orders, limits and labels columns as written or aliased', () => {
    const result = selectFrom(table, { list: 'age AS years, `NAME`', orderBy: 'AGE DESC', limit: '2' });

    expect(result.columns).toEqual([
      { name: 'years', kind: 'integer' },
      { name: 'NAME', kind: 'text' },
    ]);
    expect(result.rows).toEqual([
      [40, "O'Brien"],
      [36, 'ada'],
    ]);
  });

  it.each([
    { clauses: { list: 'name', where: "name LIKE 'a%'" }, message: '<column> = <literal> joined by AND' },
    {
      clauses: { list: 'name', where: "name = 'a' OR age = 1" },
      message: '<column> = <literal> joined by AND',
    },
    { clauses: { list: 'upper(name)' }, message: 'plain columns' },
    { clauses: { list: 'height' }, message: "Unknown column 'height' in 'field list'" },
    { clauses: { list: '*', orderBy: 'height' }, message: "Unknown column 'height' in 'order clause'" },
    { clauses: { list: '*', limit: '1, 2' }, message: 'LIMIT takes one number' },
  ])('refuses $clauses', ({ clauses, message }) => {
    expect(() => selectFrom(table, clauses)).toThrow(message);
  });
});

describe('StarRocks stand-in: ADD COLUMN in the catalog', () => {
  it('gives existing rows a DEFAULT CURRENT_TIMESTAMP of the ALTER time', () => {
    const catalog = catalogWith('CREATE TABLE t (id INT)');
    const table = catalog.requireTable('db', 't');
    table.commit(table.prepare([{ op: 'upsert', values: [1], source: () => '1' }]));

    catalog.execute('ALTER TABLE t ADD COLUMN at DATETIME DEFAULT CURRENT_TIMESTAMP');

    expect(table.records()[0]?.at).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('keeps a row read before the ALTER a partial update of the old columns', () => {
    const catalog = catalogWith('CREATE TABLE t (id INT, v INT) PRIMARY KEY(id)');
    const table = catalog.requireTable('db', 't');
    table.commit(table.prepare([{ op: 'upsert', values: [1, 1], source: () => '' }]));
    catalog.execute("ALTER TABLE t ADD COLUMN note VARCHAR(5) DEFAULT 'd'");
    table.commit(
      table.prepare([
        { op: 'upsert', values: [1, 2, 'kept'], present: [true, true, true], source: () => '' },
      ]),
    );

    table.commit(table.prepare([{ op: 'upsert', values: [1, 3], present: [true, true], source: () => '' }]));

    expect(table.records()).toEqual([{ id: 1, v: 3, note: 'kept' }]);
  });

  it('runs USE per session without changing the catalog’s own database', () => {
    const catalog = catalogWith('CREATE DATABASE other; CREATE TABLE t (id INT)');
    const session: SqlSession = { user: 'root', database: 'db' };

    run(catalog, 'USE other', session);
    catalog.execute('ALTER TABLE t ADD COLUMN c INT');

    expect(session.database).toBe('other');
    expect(catalog.requireTable('db', 't').definition.columns.map((c) => c.name)).toEqual(['id', 'c']);
  });

  it.each([
    { sql: 'SELECT @@nope', errno: 1193, message: "Unknown system variable 'nope'" },
    { sql: 'SELECT now()', errno: 1064, message: 'does not run the function now()' },
    { sql: 'SELECT * FROM information_schema.tables', errno: 1064, message: 'only the table columns' },
    { sql: 'SHOW TABLES FROM nowhere', errno: 1049, message: "Unknown database 'nowhere'" },
    { sql: '  ', errno: 1065, message: 'Empty query' },
  ])('refuses $sql with $errno', ({ sql, errno, message }) => {
    const catalog = catalogWith('');

    let error: unknown;
    try {
      run(catalog, sql);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(DdlError);
    expect((error as DdlError).code.errno).toBe(errno);
    expect((error as DdlError).message).toContain(message);
  });
});
