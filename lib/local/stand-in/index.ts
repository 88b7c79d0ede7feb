import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server, Socket } from 'node:net';
import { Catalog } from './catalog.ts';
import type { Context, LoadRecord } from './context.ts';
import { FaultQueue, type Faults } from './faults.ts';
import { type LabelState, LabelStore } from './labels.ts';
import { startMysqlListener } from './mysql-server.ts';
import { beHandler, feHandler, type Handler } from './routes.ts';
import { TransactionManager } from './transactions.ts';

export type { StoredValue } from './column-types.ts';
export type { LoadRecord } from './context.ts';
export { DdlError } from './ddl.ts';
export type { Faults } from './faults.ts';
export { type FormatColumn, formatRows } from './format-table.ts';
export { LABEL_STATES, type LabelState } from './labels.ts';
export { STREAM_LOAD_STATUS } from './stream-load.ts';
export { TXN_STATUS } from './transactions.ts';

export interface StandInOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** FE HTTP port. @default 0 (ephemeral); StarRocks uses 8030 */
  fePort?: number;
  /** BE HTTP port. @default 0 (ephemeral); StarRocks uses 8040 */
  bePort?: number;
  /** user → password. @default { root: '' } */
  users?: Record<string, string>;
  /** Labels remembered per database (StarRocks `label_keep_max_num`). @default 1000 */
  labelKeepMax?: number;
  /** FE MySQL port. @default 0 (ephemeral); StarRocks uses 9030 */
  mysqlPort?: number;
  /**
   * The StarRocks version the stand-in claims: `SELECT current_version()` answers it and
   * `@@version_comment` is `StarRocks version <it>`. @default '4.0.1' (the stand-in models the SQL
   * API of 3.2, compressed loads of 3.2.7 and multi-table transactions of 4.0; not merge commit)
   */
  version?: string;
}

/** The StarRocks version the stand-in claims unless told otherwise. */
export const STAND_IN_VERSION = '4.0.1';

/** A running StarRocks stand-in: an FE and a BE HTTP server speaking Stream Load. */
export interface StandIn {
  /** e.g. `http://127.0.0.1:41234` */
  readonly feUrl: string;
  readonly beUrl: string;
  /** The FE's MySQL port (StarRocks' `query_port`, 9030). */
  readonly mysqlPort: number;
  /** e.g. `mysql://127.0.0.1:41236` */
  readonly mysqlUrl: string;
  /**
   * Runs `;`-separated DDL: CREATE/DROP DATABASE, USE, CREATE TABLE, DROP TABLE, TRUNCATE TABLE,
   * ALTER TABLE … ADD COLUMN. Throws a `DdlError` naming anything unsupported.
   */
  execute(sql: string): void;
  /** Current content: primary/unique key tables ordered by key, duplicate key tables in load order. */
  rows(database: string, table: string): Record<string, unknown>[];
  /** The table as the MySQL client prints `SELECT *` (no trailing newline). */
  formatTable(database: string, table: string): string;
  /** Every load that reached the BE, in the order their answers were decided. */
  readonly loads: ReadonlyArray<LoadRecord>;
  labelState(database: string, label: string): LabelState;
  /** Adds a user or changes a password (a rotated secret); later requests must use it. */
  setPassword(user: string, password: string): void;
  readonly faults: Faults;
  /** Closes both servers and every open connection. */
  close(): Promise<void>;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function serve(handler: Handler, sockets: Set<Socket>): Server {
  const run = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void => {
    handler(req, res, expectsContinue).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'text/plain', Connection: 'close' });
        res.end(`stand-in internal error: ${(error as Error).message}`);
      } else {
        res.destroy();
      }
    });
  };
  // Handling `checkContinue` ourselves stops Node from answering `100 Continue` on its own: the FE
  // must redirect before any body is sent, and the BE must be able to refuse a load before it.
  const server = createServer();
  server.on('request', (req, res) => run(req, res, false));
  server.on('checkContinue', (req, res) => run(req, res, true));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return server;
}

function urlFor(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Starts the stand-in on loopback.
 *
 * @example
 * const starrocks = await startStandIn();
 * starrocks.execute('CREATE DATABASE example_db; USE example_db; CREATE TABLE test_tbl (id INT, city STRING);');
 * // PUT `${starrocks.feUrl}/api/example_db/test_tbl/_stream_load` ...
 * console.log(starrocks.formatTable('example_db', 'test_tbl'));
 * await starrocks.close();
 */
export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const host = options.host ?? '127.0.0.1';
  const labelKeepMax = options.labelKeepMax ?? 1000;
  if (!Number.isInteger(labelKeepMax) || labelKeepMax < 1) {
    throw new Error(`labelKeepMax must be a positive integer, got ${options.labelKeepMax}`);
  }
  const timers = new Map<NodeJS.Timeout, () => void>();
  let txnCounter = 1000;
  const faults = new FaultQueue();
  const catalog = new Catalog({ runningPollsForNextAlter: () => faults.takeAlter() });
  const labels = new LabelStore(labelKeepMax);
  const context: Context = {
    catalog,
    labels,
    faults,
    loads: [],
    errorLogs: new Map(),
    users: new Map(Object.entries(options.users ?? { root: '' })),
    feUrl: '',
    beUrl: '',
    version: options.version ?? STAND_IN_VERSION,
    nextTxnId: () => ++txnCounter,
    sleep: (ms) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, ms);
        timers.set(timer, resolve);
      }),
  };
  const transactions = new TransactionManager(context);
  const sockets = new Set<Socket>();
  const fe = serve(feHandler(context, transactions), sockets);
  const be = serve(beHandler(context, transactions), sockets);
  const servers: Server[] = [fe, be];
  let mysqlPort: number;
  try {
    context.beUrl = urlFor(host, await listen(be, host, options.bePort ?? 0));
    context.feUrl = urlFor(host, await listen(fe, host, options.fePort ?? 0));
    const mysql = await startMysqlListener({
      host,
      port: options.mysqlPort ?? 0,
      catalog,
      users: context.users,
      version: context.version,
      sockets,
    });
    servers.push(mysql.server);
    mysqlPort = mysql.port;
  } catch (error) {
    for (const server of servers) server.close();
    throw error;
  }

  let closing: Promise<void> | undefined;

  return {
    feUrl: context.feUrl,
    beUrl: context.beUrl,
    mysqlPort,
    mysqlUrl: urlFor(host, mysqlPort).replace(/^http:/, 'mysql:'),
    loads: context.loads,
    faults,
    execute(sql) {
      catalog.execute(sql);
    },
    rows(database, table) {
      return catalog.requireTable(database, table).records();
    },
    formatTable(database, table) {
      return catalog.requireTable(database, table).format();
    },
    labelState(database, label) {
      return labels.state(database, label);
    },
    setPassword(user, password) {
      context.users.set(user, password);
    },
    close() {
      closing ??= (async () => {
        for (const [timer, resolve] of timers) {
          clearTimeout(timer);
          resolve();
        }
        timers.clear();
        const closed = Promise.all(
          servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
        );
        for (const socket of sockets) socket.destroy();
        await closed;
      })();
      return closing;
    },
  };
}
