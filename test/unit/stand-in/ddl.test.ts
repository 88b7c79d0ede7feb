import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseStatements } from '../../../lib/local/stand-in/ddl.ts';
import { type StandIn, startStandIn } from '../../../lib/local/stand-in/index.ts';

const CUSTOMERS_DDL = `
CREATE TABLE \`customers\` (
  \`id\` int(11) COMMENT "",
  \`first_name\` varchar(65533) NULL COMMENT "",
  \`last_name\` varchar(65533) NULL COMMENT "",
  \`email\` varchar(65533) NULL COMMENT ""
) ENGINE=OLAP
PRIMARY KEY(\`id\`)
DISTRIBUTED BY hash(id) buckets 1
PROPERTIES (
"bucket_size" = "4294967296",
"in_memory" = "false",
"enable_persistent_index" = "true",
"replicated_storage" = "true",
"fast_schema_evolution" = "true"
);`;

describe('StarRocks stand-in: DDL', () => {
  it('parses the quickstart statements', () => {
    const statements = parseStatements(
      'CREATE DATABASE example_db;\nUSE example_db;\nCREATE TABLE test_tbl (id INT, city STRING);',
    );

    expect(statements).toEqual([
      { kind: 'createDatabase', name: 'example_db', ifNotExists: false },
      { kind: 'use', name: 'example_db' },
      {
        kind: 'createTable',
        database: undefined,
        ifNotExists: false,
        table: {
          name: 'test_tbl',
          keysType: 'DUPLICATE',
          keyColumns: [],
          columns: [
            { name: 'id', type: { name: 'INT' }, nullable: true },
            { name: 'city', type: { name: 'STRING' }, nullable: true },
          ],
        },
      },
    ]);
  });

  it('parses the Debezium customers table as a primary key table with a NOT NULL key', () => {
    const [statement] = parseStatements(CUSTOMERS_DDL);

    expect(statement).toEqual({
      kind: 'createTable',
      database: undefined,
      ifNotExists: false,
      table: {
        name: 'customers',
        keysType: 'PRIMARY',
        keyColumns: ['id'],
        columns: [
          { name: 'id', type: { name: 'INT' }, nullable: false },
          { name: 'first_name', type: { name: 'VARCHAR', length: 65533 }, nullable: true },
          { name: 'last_name', type: { name: 'VARCHAR', length: 65533 }, nullable: true },
          { name: 'email', type: { name: 'VARCHAR', length: 65533 }, nullable: true },
        ],
      },
    });
  });

  it.each([
    ['TINYINT', { name: 'TINYINT' }],
    ['bigint(20)', { name: 'BIGINT' }],
    ['LARGEINT', { name: 'LARGEINT' }],
    ['FLOAT', { name: 'FLOAT' }],
    ['DOUBLE', { name: 'DOUBLE' }],
    ['DECIMAL(27, 9)', { name: 'DECIMAL', precision: 27, scale: 9 }],
    ['DECIMAL', { name: 'DECIMAL', precision: 10, scale: 0 }],
    ['BOOLEAN', { name: 'BOOLEAN' }],
    ['CHAR(10)', { name: 'CHAR', length: 10 }],
    ['VARCHAR(255)', { name: 'VARCHAR', length: 255 }],
    ['DATE', { name: 'DATE' }],
    ['DATETIME', { name: 'DATETIME' }],
    ['JSON', { name: 'JSON' }],
  ])('reads the column type %s', (sql, type) => {
    const [statement] = parseStatements(`CREATE TABLE d.t (c ${sql})`);

    expect(statement?.kind === 'createTable' && statement.table.columns[0]?.type).toEqual(type);
  });

  it('reads NOT NULL, DEFAULT values, comments, keys and table clauses', () => {
    const [statement] = parseStatements(`
      -- a comment
      CREATE TABLE IF NOT EXISTS db1.events (
        id BIGINT NOT NULL COMMENT 'key',
        kind VARCHAR(10) NOT NULL DEFAULT 'click',
        amount DECIMAL(10,2) DEFAULT "-1.5",
        at DATETIME DEFAULT CURRENT_TIMESTAMP,
        INDEX idx_kind (kind) USING BITMAP
      ) ENGINE = OLAP DUPLICATE KEY(id, kind) COMMENT 'events'
      PARTITION BY RANGE(at) (START ("2024-01-01") END ("2025-01-01") EVERY (INTERVAL 1 MONTH))
      DISTRIBUTED BY RANDOM ORDER BY (kind) PROPERTIES ("replication_num" = "1")`);

    expect(statement).toMatchObject({
      kind: 'createTable',
      database: 'db1',
      ifNotExists: true,
      table: {
        name: 'events',
        keysType: 'DUPLICATE',
        keyColumns: ['id', 'kind'],
        columns: [
          { name: 'id', nullable: false },
          { name: 'kind', nullable: false, defaultValue: { kind: 'value', value: 'click' } },
          { name: 'amount', nullable: true, defaultValue: { kind: 'value', value: '-1.50' } },
          { name: 'at', defaultValue: { kind: 'currentTimestamp' } },
        ],
      },
    });
  });

  it.each([
    ['SELECT * FROM t', /Unsupported statement "SELECT \* FROM t": the stand-in runs CREATE DATABASE/],
    ['INSERT INTO t VALUES (1)', /Unsupported statement "INSERT INTO t VALUES \(1\)"/],
    ['CREATE TABLE t (a ARRAY<INT>)', /type ARRAY of column 'a' is not supported by the stand-in/],
    ['CREATE TABLE t (a INT SUM) AGGREGATE KEY(a)', /Aggregate tables are not supported/],
    ['CREATE TABLE t (a INT) ENGINE=mysql', /ENGINE=mysql is not supported/],
    ['CREATE TABLE t (a INT AUTO_INCREMENT)', /AUTO_INCREMENT and generated columns are not supported/],
    ['CREATE TABLE t (a INT, b INT) PRIMARY KEY(b)', /Key columns should be a ordered prefix of the schema/],
    ['CREATE TABLE t (a INT) PRIMARY KEY(z)', /Key column 'z' of table t is not declared/],
    ['CREATE TABLE t (a INT, A INT)', /Duplicate column name 'A'/],
    ['CREATE TABLE t (a INT DEFAULT "x")', /Invalid default value for 'a'/],
    ['CREATE TABLE t (a INT', /expected '\)'/],
  ])('refuses %s with a clear message', (sql, message) => {
    expect(() => parseStatements(sql)).toThrow(message);
  });

  describe('execute', () => {
    let starrocks: StandIn;

    beforeEach(async () => {
      starrocks = await startStandIn();
    });

    afterEach(async () => {
      await starrocks.close();
    });

    it('creates, truncates and drops tables', () => {
      starrocks.execute(
        'CREATE DATABASE IF NOT EXISTS d; CREATE DATABASE IF NOT EXISTS d; USE d; CREATE TABLE t (id INT);',
      );

      expect(starrocks.rows('d', 't')).toEqual([]);
      starrocks.execute('TRUNCATE TABLE d.t; DROP TABLE t; DROP TABLE IF EXISTS t;');
      expect(() => starrocks.rows('d', 't')).toThrow("Unknown table 'd.t'");
    });

    it.each([
      ['CREATE TABLE t (id INT)', 'No database selected'],
      ['CREATE DATABASE d; CREATE DATABASE d', "Can't create database 'd'; database exists"],
      ['USE nowhere', "Unknown database 'nowhere'"],
      ['CREATE DATABASE d; CREATE TABLE d.t (id INT); CREATE TABLE d.t (id INT)', "Table 't' already exists"],
      ['DROP TABLE nowhere.t', "Unknown database 'nowhere'"],
    ])('throws for %s', (sql, message) => {
      expect(() => starrocks.execute(sql)).toThrow(message);
    });

    it('prints an empty table as an empty set', () => {
      starrocks.execute('CREATE DATABASE d; CREATE TABLE d.t (id INT);');

      expect(starrocks.formatTable('d', 't')).toBe('Empty set (0.00 sec)');
    });
  });
});
