import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StandIn, startStandIn } from '../../lib/local/stand-in/index.ts';
import { basicAuth, jsonLoad, putFollowingRedirect, send, transaction } from '../support/http-client.ts';

/**
 * The stand-in's MySQL port driven by the real `mysql2` driver (the client issue 16's schema
 * evolution uses): handshake and auth, version probes, information_schema.columns, ALTER TABLE …
 * ADD COLUMN with its errors, SHOW ALTER TABLE COLUMN, and Stream Loads that see the new columns.
 */

const USER = 'evolver';
const PASSWORD = 'Str0ng-Pa55!';
const DB = 'example_db';

let standIn: StandIn;
const connections: Connection[] = [];

beforeEach(async () => {
  standIn = await startStandIn({ users: { root: '', [USER]: PASSWORD } });
  standIn.execute(
    `CREATE DATABASE ${DB}; USE ${DB};` +
      'CREATE TABLE orders (id INT NOT NULL, amount DECIMAL(10,2)) PRIMARY KEY(id) DISTRIBUTED BY HASH(id);' +
      'CREATE TABLE events (ts DATETIME, kind VARCHAR(20) COMMENT "what happened") DUPLICATE KEY(ts);',
  );
});

afterEach(async () => {
  await Promise.all(connections.splice(0).map((connection) => connection.end().catch(() => undefined)));
  await standIn.close();
});

async function connect(
  options: { user?: string; password?: string; database?: string } = {},
): Promise<Connection> {
  const connection = await createConnection({
    host: '127.0.0.1',
    port: standIn.mysqlPort,
    user: options.user ?? USER,
    password: options.password ?? PASSWORD,
    ...(options.database === undefined
      ? { database: DB }
      : options.database === ''
        ? {}
        : { database: options.database }),
  });
  connections.push(connection);
  return connection;
}

async function rowsOf(connection: Connection, sql: string): Promise<Record<string, unknown>[]> {
  const [rows] = await connection.query<RowDataPacket[]>(sql);
  return rows.map((row) => ({ ...row }));
}

async function sqlError(
  promise: Promise<unknown>,
): Promise<{ errno: unknown; sqlState: unknown; message: string }> {
  try {
    await promise;
  } catch (error) {
    const { errno, sqlState, message } = error as { errno: unknown; sqlState: unknown; message: string };
    return { errno, sqlState, message };
  }
  throw new Error('expected the statement to fail');
}

const COLUMNS_QUERY = (table: string): string =>
  'SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, ORDINAL_POSITION, COLUMN_KEY, COLUMN_DEFAULT, COLUMN_COMMENT ' +
  `FROM information_schema.columns WHERE table_schema = '${DB}' AND table_name = '${table}' ORDER BY ORDINAL_POSITION`;

describe('StarRocks stand-in: MySQL port with mysql2', () => {
  it('exposes the port as mysqlPort and mysqlUrl', () => {
    expect(standIn.mysqlPort).toBeGreaterThan(0);
    expect(standIn.mysqlUrl).toBe(`mysql://127.0.0.1:${standIn.mysqlPort}`);
  });

  it('connects with the Stream Load users and answers the version probes', async () => {
    const connection = await connect();

    const [probe] = await rowsOf(
      connection,
      'SELECT current_version(), version(), @@version_comment, database()',
    );

    expect(probe).toEqual({
      'current_version()': '4.0.1',
      'version()': '8.0.33',
      '@@version_comment': 'StarRocks version 4.0.1',
      'database()': DB,
    });
  });

  it('claims the configured StarRocks version', async () => {
    await standIn.close();
    standIn = await startStandIn({ users: { [USER]: PASSWORD }, version: '3.3.9' });
    const connection = await connect({ database: '' });

    expect(await rowsOf(connection, 'SELECT current_version() AS v')).toEqual([{ v: '3.3.9' }]);
  });

  it.each([
    { name: 'a wrong password', user: USER, password: 'nope', using: 'YES' },
    { name: 'an unknown user', user: 'ghost', password: 'x', using: 'YES' },
    { name: 'a missing password', user: USER, password: '', using: 'NO' },
  ])('refuses $name with error 1045', async ({ user, password, using }) => {
    const error = await sqlError(connect({ user, password }));

    expect(error).toEqual({
      errno: 1045,
      sqlState: '28000',
      message: `Access denied for user '${user}' (using password: ${using})`,
    });
  });

  it('accepts a rotated password and refuses the old one', async () => {
    standIn.setPassword(USER, 'rotated');

    expect((await sqlError(connect())).errno).toBe(1045);
    const connection = await connect({ password: 'rotated' });
    expect(await rowsOf(connection, 'SELECT current_user() AS who')).toEqual([{ who: `'${USER}'@'%'` }]);
  });

  it('refuses an unknown database at connect with error 1049', async () => {
    const error = await sqlError(connect({ database: 'nowhere' }));

    expect(error).toMatchObject({ errno: 1049, message: "Unknown database 'nowhere'" });
  });

  it('lists databases and tables, following USE', async () => {
    standIn.execute('CREATE DATABASE other; CREATE TABLE other.t (a INT)');
    const connection = await connect({ database: '' });

    expect(await rowsOf(connection, 'SHOW DATABASES')).toEqual([
      { Database: 'information_schema' },
      { Database: DB },
      { Database: 'other' },
    ]);
    expect((await sqlError(connection.query('SHOW TABLES'))).errno).toBe(1046);
    await connection.query('USE other');
    expect(await rowsOf(connection, 'SHOW TABLES')).toEqual([{ Tables_in_other: 't' }]);
    expect(await rowsOf(connection, `SHOW TABLES FROM ${DB}`)).toEqual([
      { Tables_in_example_db: 'orders' },
      { Tables_in_example_db: 'events' },
    ]);
  });

  it('answers information_schema.columns for one table, in column order', async () => {
    const connection = await connect();

    expect(await rowsOf(connection, COLUMNS_QUERY('orders'))).toEqual([
      {
        COLUMN_NAME: 'id',
        DATA_TYPE: 'int',
        COLUMN_TYPE: 'int(11)',
        IS_NULLABLE: 'NO',
        ORDINAL_POSITION: 1,
        COLUMN_KEY: 'PRI',
        COLUMN_DEFAULT: null,
        COLUMN_COMMENT: '',
      },
      {
        COLUMN_NAME: 'amount',
        DATA_TYPE: 'decimal',
        COLUMN_TYPE: 'decimal(10,2)',
        IS_NULLABLE: 'YES',
        ORDINAL_POSITION: 2,
        COLUMN_KEY: '',
        COLUMN_DEFAULT: null,
        COLUMN_COMMENT: '',
      },
    ]);
    expect(await rowsOf(connection, COLUMNS_QUERY('events'))).toMatchObject([
      { COLUMN_NAME: 'ts', DATA_TYPE: 'datetime', COLUMN_KEY: 'DUP' },
      { COLUMN_NAME: 'kind', COLUMN_TYPE: 'varchar(20)', COLUMN_COMMENT: 'what happened' },
    ]);
  });

  it('adds columns with ALTER TABLE: existing rows get the DEFAULT or NULL, and information_schema shows them', async () => {
    const loaded = await jsonLoad(standIn.feUrl, DB, 'orders', [{ id: 1, amount: '9.50' }]);
    expect(loaded.json().Status).toBe('Success');
    const connection = await connect();

    await connection.query(
      "ALTER TABLE orders ADD COLUMN (currency VARCHAR(3) DEFAULT 'EUR', note STRING COMMENT 'free text')",
    );
    await connection.query('ALTER TABLE example_db.orders ADD COLUMN paid BOOLEAN NULL');

    expect(await rowsOf(connection, COLUMNS_QUERY('orders'))).toMatchObject([
      { COLUMN_NAME: 'id' },
      { COLUMN_NAME: 'amount' },
      {
        COLUMN_NAME: 'currency',
        COLUMN_TYPE: 'varchar(3)',
        IS_NULLABLE: 'YES',
        ORDINAL_POSITION: 3,
        COLUMN_DEFAULT: 'EUR',
      },
      {
        COLUMN_NAME: 'note',
        COLUMN_TYPE: 'varchar(65533)',
        ORDINAL_POSITION: 4,
        COLUMN_COMMENT: 'free text',
      },
      { COLUMN_NAME: 'paid', DATA_TYPE: 'boolean', ORDINAL_POSITION: 5, COLUMN_DEFAULT: null },
    ]);
    expect(standIn.rows(DB, 'orders')).toEqual([
      { id: 1, amount: '9.50', currency: 'EUR', note: null, paid: null },
    ]);
  });

  it('loads the new column with a Stream Load after the ALTER', async () => {
    const connection = await connect();
    await connection.query('ALTER TABLE orders ADD COLUMN currency VARCHAR(3)');

    const reply = await jsonLoad(standIn.feUrl, DB, 'orders', [
      { id: 2, amount: '1.25', currency: 'USD' },
      { id: 3, amount: '2.00' },
    ]);

    expect(reply.json()).toMatchObject({ Status: 'Success', NumberLoadedRows: 2 });
    expect(await rowsOf(connection, 'SELECT id, currency FROM orders')).toEqual([
      { id: 2, currency: 'USD' },
      { id: 3, currency: null },
    ]);
  });

  it.each([
    { keys: 'PRIMARY KEY(id)', name: 'a primary key table' },
    { keys: 'DUPLICATE KEY(id)', name: 'a duplicate key table' },
  ])(
    'fills the new column with its DEFAULT in $name for a transaction loaded before the ALTER and committed after',
    async ({ keys }) => {
      standIn.execute(`CREATE TABLE ${DB}.t (id INT NOT NULL, v INT) ${keys}`);
      const headers = { label: 'before_alter', db: DB, table: 't' };
      expect(await transaction(standIn.feUrl, 'begin', headers)).toMatchObject({ Status: 'OK' });
      await putFollowingRedirect(`${standIn.feUrl}/api/transaction/load`, {
        headers: { ...headers, Authorization: basicAuth(), format: 'json', strip_outer_array: 'true' },
        body: JSON.stringify([{ id: 1, v: 10 }]),
      });
      const connection = await connect();

      await connection.query("ALTER TABLE t ADD COLUMN source VARCHAR(10) DEFAULT 'old'");
      expect(await transaction(standIn.feUrl, 'commit', headers)).toMatchObject({ Status: 'OK' });

      expect(await rowsOf(connection, 'SELECT * FROM t')).toEqual([{ id: 1, v: 10, source: 'old' }]);
    },
  );

  it.each([
    { name: 'the same name', sql: 'ALTER TABLE orders ADD COLUMN amount INT', column: 'amount' },
    { name: 'another case of a name', sql: 'ALTER TABLE orders ADD COLUMN AMOUNT INT', column: 'AMOUNT' },
    {
      name: 'a name twice in one statement',
      sql: 'ALTER TABLE orders ADD COLUMN (c1 INT, c1 INT)',
      column: 'c1',
    },
  ])('refuses $name with error 1060 and changes nothing', async ({ sql, column }) => {
    const connection = await connect();

    const error = await sqlError(connection.query(sql));

    expect(error).toEqual({ errno: 1060, sqlState: '42S21', message: `Duplicate column name '${column}'` });
    expect((await rowsOf(connection, COLUMNS_QUERY('orders'))).map((row) => row.COLUMN_NAME)).toEqual([
      'id',
      'amount',
    ]);
  });

  it.each([
    {
      name: 'an unknown table',
      sql: 'ALTER TABLE nope ADD COLUMN c INT',
      errno: 1051,
      message: "Unknown table 'example_db.nope'",
    },
    {
      name: 'an unknown column in the select list',
      sql: 'SELECT nope FROM information_schema.columns',
      errno: 1054,
      message: "Unknown column 'nope' in 'field list'",
    },
    {
      name: 'a key column',
      sql: 'ALTER TABLE orders ADD COLUMN k INT KEY',
      errno: 1064,
      message: 'KEY is not supported',
    },
    {
      name: 'a position',
      sql: 'ALTER TABLE orders ADD COLUMN c INT AFTER id',
      errno: 1064,
      message: 'no AFTER/FIRST',
    },
    {
      name: 'NOT NULL without DEFAULT',
      sql: 'ALTER TABLE orders ADD COLUMN c INT NOT NULL',
      errno: 1064,
      message: 'has no DEFAULT',
    },
    {
      name: 'another ALTER clause',
      sql: 'ALTER TABLE orders DROP COLUMN amount',
      errno: 1064,
      message: 'runs only ADD COLUMN',
    },
    {
      name: 'a statement it does not run',
      sql: 'INSERT INTO orders VALUES (1, 2)',
      errno: 1064,
      message: 'The stand-in does not run "INSERT INTO orders VALUES (1, 2)"',
    },
  ])('refuses $name and keeps the connection usable', async ({ sql, errno, message }) => {
    const connection = await connect();

    const error = await sqlError(connection.query(sql));

    expect(error.errno).toBe(errno);
    expect(error.message).toContain(message);
    expect(await rowsOf(connection, 'SELECT 1')).toEqual([{ 1: 1 }]);
  });

  it('lists finished ADD COLUMN jobs with SHOW ALTER TABLE COLUMN', async () => {
    const connection = await connect();
    await connection.query('ALTER TABLE orders ADD COLUMN c1 INT');
    await connection.query('ALTER TABLE events ADD COLUMN c2 INT');
    await connection.query('ALTER TABLE orders ADD COLUMN c3 INT');

    const all = await rowsOf(connection, `SHOW ALTER TABLE COLUMN FROM ${DB}`);
    const latest = await rowsOf(
      connection,
      "SHOW ALTER TABLE COLUMN WHERE TableName = 'orders' ORDER BY JobId DESC LIMIT 1",
    );

    expect(all.map((job) => [job.TableName, job.State])).toEqual([
      ['orders', 'FINISHED'],
      ['events', 'FINISHED'],
      ['orders', 'FINISHED'],
    ]);
    expect(Object.keys(all[0] ?? {})).toEqual([
      'JobId',
      'TableName',
      'CreateTime',
      'FinishTime',
      'IndexName',
      'IndexId',
      'OriginIndexId',
      'SchemaVersion',
      'TransactionId',
      'State',
      'Msg',
      'Progress',
      'Timeout',
    ]);
    expect(latest).toEqual([expect.objectContaining({ JobId: all[2]?.JobId, TableName: 'orders' })]);
  });

  it('keeps a slow ALTER RUNNING, its column invisible and further ALTERs refused, until the N-th poll', async () => {
    standIn.faults.slowAlterNext({ polls: 2 });
    const connection = await connect();
    const poll = async (): Promise<unknown> =>
      (await rowsOf(connection, "SHOW ALTER TABLE COLUMN WHERE TableName = 'orders'"))[0]?.State;
    const columns = async (): Promise<unknown[]> =>
      (await rowsOf(connection, COLUMNS_QUERY('orders'))).map((row) => row.COLUMN_NAME);

    await connection.query('ALTER TABLE orders ADD COLUMN currency VARCHAR(3)');

    expect(await columns()).toEqual(['id', 'amount']);
    const busy = await sqlError(connection.query('ALTER TABLE orders ADD COLUMN other INT'));
    expect(busy.message).toBe(
      "Table[orders]'s state(SCHEMA_CHANGE) is not NORMAL. Do not allow doing ALTER ops",
    );
    expect(await poll()).toBe('RUNNING');
    expect(await columns()).toEqual(['id', 'amount']);
    expect(await poll()).toBe('FINISHED');
    expect(await columns()).toEqual(['id', 'amount', 'currency']);
  });

  it('adds columns through execute() too', async () => {
    standIn.execute(`ALTER TABLE ${DB}.events ADD COLUMN source VARCHAR(10) DEFAULT 'app'`);
    const connection = await connect();

    expect((await rowsOf(connection, COLUMNS_QUERY('events'))).map((row) => row.COLUMN_NAME)).toEqual([
      'ts',
      'kind',
      'source',
    ]);
  });

  it('runs USE and COM_PING', async () => {
    standIn.execute('CREATE DATABASE other');
    const connection = await connect();

    await connection.query('USE other');
    await connection.ping();

    expect(await rowsOf(connection, 'SELECT database() AS db')).toEqual([{ db: 'other' }]);
  });
});

describe('StarRocks stand-in: information_schema.columns through the HTTP SQL API', () => {
  async function sqlApi(query: string): Promise<unknown[]> {
    const reply = await send(`${standIn.feUrl}/api/v1/catalogs/default_catalog/databases/${DB}/sql`, {
      method: 'POST',
      headers: { Authorization: basicAuth(), 'Content-Type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    return reply.text.split('\n').map((line) => JSON.parse(line) as unknown);
  }

  it('answers the sink’s columns query in newline-delimited JSON, after an ALTER too', async () => {
    standIn.execute(`ALTER TABLE ${DB}.orders ADD COLUMN currency VARCHAR(3)`);

    const lines = await sqlApi(
      `SELECT COLUMN_NAME, DATA_TYPE, ORDINAL_POSITION FROM information_schema.columns WHERE TABLE_SCHEMA = '${DB}' AND TABLE_NAME = 'orders'`,
    );

    expect(lines).toEqual([
      { connectionId: 1 },
      {
        meta: [
          { name: 'COLUMN_NAME', type: 'varchar' },
          { name: 'DATA_TYPE', type: 'varchar' },
          { name: 'ORDINAL_POSITION', type: 'bigint' },
        ],
      },
      { data: ['id', 'int', 1] },
      { data: ['amount', 'decimal', 2] },
      { data: ['currency', 'varchar', 3] },
      { statistics: { scanRows: 3, scanBytes: 0, returnRows: 3 } },
    ]);
  });

  it('answers current_version()', async () => {
    expect((await sqlApi('SELECT current_version()'))[2]).toEqual({ data: ['4.0.1'] });
  });

  it('refuses a WHERE it cannot evaluate with the API’s error shape', async () => {
    const [answer] = await sqlApi("SELECT * FROM information_schema.columns WHERE table_name LIKE 'o%'");

    expect(answer).toMatchObject({ status: 'FAILED', msg: expect.stringContaining('<column> = <literal>') });
  });
});
