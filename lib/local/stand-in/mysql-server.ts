import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Catalog } from './catalog.ts';
import { DdlError } from './ddl.ts';
import {
  authSwitchRequest,
  CLIENT,
  columnDefinition,
  eofPacket,
  errPacket,
  framePackets,
  handshakeV10,
  lengthEncodedInt,
  okPacket,
  PacketFormatError,
  PacketReader,
  parseHandshakeResponse,
  queryText,
  textRow,
} from './mysql-packets.ts';
import {
  MYSQL_SERVER_VERSION,
  runStatement,
  type SqlSession,
  type StatementResult,
} from './sql-statements.ts';

/**
 * The FE's MySQL port (StarRocks: 9030): Handshake v10 with `mysql_native_password` (a client that
 * answers with another plugin is switched to it), then COM_QUERY, COM_INIT_DB, COM_PING, COM_QUIT
 * and COM_RESET_CONNECTION, one session per socket. Statements are run by `sql-statements.ts`.
 */

export interface MysqlListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly catalog: Catalog;
  /** user → password, the same map Stream Load checks (so a rotated password applies here too). */
  readonly users: ReadonlyMap<string, string>;
  /** What `current_version()` answers. */
  readonly version: string;
  /** Sockets to destroy when the stand-in closes. */
  readonly sockets: Set<Socket>;
}

const NATIVE_PASSWORD = 'mysql_native_password';

/** Queries are short; a bigger packet is refused instead of buffered (StarRocks' default is 32 MiB). */
const MAX_PACKET_BYTES = 1024 * 1024;

const SERVER_CAPABILITIES =
  CLIENT.longPassword |
  CLIENT.foundRows |
  CLIENT.longFlag |
  CLIENT.connectWithDb |
  CLIENT.protocol41 |
  CLIENT.transactions |
  CLIENT.secureConnection |
  CLIENT.multiResults |
  CLIENT.pluginAuth |
  CLIENT.pluginAuthLenencClientData |
  CLIENT.deprecateEof;

const COMMANDS = {
  quit: 0x01,
  initDb: 0x02,
  query: 0x03,
  ping: 0x0e,
  stmtPrepare: 0x16,
  resetConnection: 0x1f,
} as const;

const ACCESS_DENIED = { errno: 1045, sqlState: '28000' } as const;
const UNKNOWN_COMMAND = { errno: 1047, sqlState: '08S01' } as const;
const PACKET_TOO_LARGE = { errno: 1153, sqlState: '08S01' } as const;
const MALFORMED_PACKET = { errno: 1835, sqlState: 'HY000' } as const;
const INTERNAL_ERROR = { errno: 1105, sqlState: 'HY000' } as const;

/** 20 scramble bytes, printable and never 0 (the handshake's string ends at a 0). */
function newScramble(): Buffer {
  return Buffer.from(Array.from({ length: 20 }, () => randomInt(33, 127)));
}

function sha1(...parts: Buffer[]): Buffer {
  const hash = createHash('sha1');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/** mysql_native_password: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))). */
export function nativePasswordToken(password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const stage1 = sha1(Buffer.from(password, 'utf8'));
  const mask = sha1(scramble, sha1(stage1));
  return Buffer.from(stage1.map((byte, i) => byte ^ (mask[i] as number)));
}

type Phase = 'handshake' | 'auth-switch' | 'command' | 'closed';

class MysqlConnection {
  private readonly reader = new PacketReader(MAX_PACKET_BYTES);
  private readonly scramble = newScramble();
  private phase: Phase = 'handshake';
  private capabilities = 0;
  private pending: { user: string; database: string | undefined } | undefined;
  private session: SqlSession | undefined;

  private readonly socket: Socket;
  private readonly options: MysqlListenerOptions;
  private readonly connectionId: number;

  constructor(socket: Socket, options: MysqlListenerOptions, connectionId: number) {
    this.socket = socket;
    this.options = options;
    this.connectionId = connectionId;
  }

  private get closed(): boolean {
    return this.phase === 'closed';
  }

  start(): void {
    this.send(
      [
        handshakeV10({
          serverVersion: MYSQL_SERVER_VERSION,
          connectionId: this.connectionId,
          scramble: this.scramble,
          capabilities: SERVER_CAPABILITIES,
          authPlugin: NATIVE_PASSWORD,
        }),
      ],
      0,
    );
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', () => this.socket.destroy());
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    this.reader.push(chunk);
    try {
      for (let payload = this.reader.next(); payload !== undefined; payload = this.reader.next()) {
        this.handle(payload);
        if (this.closed) return;
      }
    } catch (error) {
      const code =
        error instanceof PacketFormatError && /larger/.test(error.message)
          ? PACKET_TOO_LARGE
          : MALFORMED_PACKET;
      this.fail(code, (error as Error).message);
    }
  }

  private handle(payload: Buffer): void {
    switch (this.phase) {
      case 'handshake':
        this.handshakeResponse(payload);
        return;
      case 'auth-switch':
        this.authenticate(payload);
        return;
      case 'command':
        this.command(payload);
        return;
      default:
        return;
    }
  }

  private handshakeResponse(payload: Buffer): void {
    const clientFlags = payload.length >= 4 ? payload.readUInt32LE(0) : 0;
    if (clientFlags & CLIENT.ssl && payload.length === 32) {
      this.fail(ACCESS_DENIED, 'The stand-in does not offer TLS on its MySQL port');
      return;
    }
    if (!(clientFlags & CLIENT.protocol41)) {
      this.fail(UNKNOWN_COMMAND, 'The stand-in needs a client that speaks protocol 4.1');
      return;
    }
    const response = parseHandshakeResponse(payload);
    this.capabilities = response.capabilities & SERVER_CAPABILITIES;
    this.pending = { user: response.user, database: response.database };
    if (response.authPlugin !== undefined && response.authPlugin !== NATIVE_PASSWORD) {
      // As StarRocks does: the client offered another method, ask it for mysql_native_password.
      this.phase = 'auth-switch';
      this.send([authSwitchRequest(NATIVE_PASSWORD, this.scramble)]);
      return;
    }
    this.authenticate(response.authResponse);
  }

  private authenticate(token: Buffer): void {
    const { user, database } = this.pending ?? { user: '', database: undefined };
    const password = this.options.users.get(user);
    const expected = password === undefined ? undefined : nativePasswordToken(password, this.scramble);
    if (expected === undefined || expected.length !== token.length || !timingSafeEqual(expected, token)) {
      this.fail(
        ACCESS_DENIED,
        `Access denied for user '${user}' (using password: ${token.length > 0 ? 'YES' : 'NO'})`,
      );
      return;
    }
    if (database !== undefined && !this.options.catalog.hasDatabase(database)) {
      this.fail({ errno: 1049, sqlState: '42000' }, `Unknown database '${database}'`);
      return;
    }
    this.session = { user, database };
    this.phase = 'command';
    this.send([okPacket()]);
  }

  private command(payload: Buffer): void {
    const session = this.session as SqlSession;
    switch (payload[0]) {
      case COMMANDS.quit:
        this.phase = 'closed';
        this.socket.end();
        return;
      case COMMANDS.ping:
        this.send([okPacket()]);
        return;
      case COMMANDS.resetConnection:
        this.send([okPacket()]);
        return;
      case COMMANDS.initDb:
        this.answer(() => runStatement(this.info(), session, `USE \`${payload.toString('utf8', 1)}\``));
        return;
      case COMMANDS.query: {
        const sql = queryText(payload, (this.capabilities & CLIENT.queryAttributes) !== 0);
        this.answer(() => runStatement(this.info(), session, sql));
        return;
      }
      case COMMANDS.stmtPrepare:
        this.sendError(
          UNKNOWN_COMMAND,
          'The stand-in does not run prepared statements (COM_STMT_PREPARE): send the SQL as a query',
        );
        return;
      default:
        this.sendError(UNKNOWN_COMMAND, 'Unknown command');
        return;
    }
  }

  private info(): { catalog: Catalog; version: string; connectionId: number } {
    return { catalog: this.options.catalog, version: this.options.version, connectionId: this.connectionId };
  }

  private answer(run: () => StatementResult): void {
    let result: StatementResult;
    try {
      result = run();
    } catch (error) {
      if (error instanceof DdlError) {
        this.sendError(error.code, error.message);
        return;
      }
      this.sendError(INTERNAL_ERROR, `stand-in internal error: ${(error as Error).message}`);
      return;
    }
    if (result.kind === 'ok') {
      this.send([okPacket(result.affectedRows)]);
      return;
    }
    const deprecateEof = (this.capabilities & CLIENT.deprecateEof) !== 0;
    const { columns, rows } = result.result;
    this.send([
      lengthEncodedInt(columns.length),
      ...columns.map((column) => columnDefinition(column)),
      ...(deprecateEof ? [] : [eofPacket()]),
      ...rows.map((row) => textRow(row)),
      deprecateEof ? okPacket(0, 0xfe) : eofPacket(),
    ]);
  }

  private sendError(code: { errno: number; sqlState: string }, message: string): void {
    this.send([errPacket(code.errno, code.sqlState, message)]);
  }

  /** Answers an error and closes: the connection cannot go on (auth failed, bad packet). */
  private fail(code: { errno: number; sqlState: string }, message: string): void {
    this.sendError(code, message);
    this.phase = 'closed';
    this.socket.end();
  }

  /** Writes payloads as packets continuing the sequence of the packet just read (or from `first`). */
  private send(payloads: readonly Buffer[], first = this.reader.sequence + 1): void {
    let sequence = first;
    const frames: Buffer[] = [];
    for (const payload of payloads) {
      const framed = framePackets(payload, sequence);
      frames.push(framed.bytes);
      sequence = framed.next;
    }
    if (!this.socket.destroyed) this.socket.write(Buffer.concat(frames));
  }
}

/** Starts the MySQL listener; resolves with the server and its port. */
export function startMysqlListener(options: MysqlListenerOptions): Promise<{ server: Server; port: number }> {
  let connections = 0;
  const server = createServer((socket) => {
    options.sockets.add(socket);
    socket.on('close', () => options.sockets.delete(socket));
    socket.setNoDelay(true);
    new MysqlConnection(socket, options, ++connections).start();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        server,
        port: typeof address === 'object' && address !== null ? address.port : options.port,
      });
    });
  });
}
