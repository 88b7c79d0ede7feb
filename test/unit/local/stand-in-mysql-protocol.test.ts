import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StandIn, startStandIn } from '../../../lib/local/stand-in/index.ts';
import {
  CLIENT,
  framePackets,
  lengthEncodedInt,
  MAX_PAYLOAD,
  PacketReader,
} from '../../../lib/local/stand-in/mysql-packets.ts';
import { nativePasswordToken } from '../../../lib/local/stand-in/mysql-server.ts';

/**
 * The stand-in's MySQL port at the byte level, for what the mysql2 driver never exercises: the
 * switch from another auth plugin, CLIENT_DEPRECATE_EOF result sets, COM_INIT_DB, refused commands,
 * oversized packets, and the framing of payloads of 2^24 - 1 bytes.
 */

const USER = 'u1';
const PASSWORD = 'secret';

let standIn: StandIn;
const sockets: Socket[] = [];

beforeEach(async () => {
  standIn = await startStandIn({ users: { [USER]: PASSWORD } });
  standIn.execute('CREATE DATABASE d1; CREATE DATABASE d2; CREATE TABLE d1.t (id INT)');
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await standIn.close();
});

/** A raw client: reads whole payloads, writes packets with the sequence ids it is told. */
class RawClient {
  private readonly reader = new PacketReader(64 * 1024 * 1024);
  private readonly payloads: { payload: Buffer; sequence: number }[] = [];
  /** The sequence id of the payload last returned by {@link read}. */
  lastSequence = -1;
  private waiting: (() => void) | undefined;
  closed = false;

  readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.reader.push(chunk);
      for (let payload = this.reader.next(); payload !== undefined; payload = this.reader.next()) {
        this.payloads.push({ payload, sequence: this.reader.sequence });
      }
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  async read(): Promise<Buffer> {
    while (this.payloads.length === 0) {
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
    const next = this.payloads.shift() as { payload: Buffer; sequence: number };
    this.lastSequence = next.sequence;
    return next.payload;
  }

  write(payload: Buffer, sequence: number): void {
    this.socket.write(framePackets(payload, sequence).bytes);
  }

  async waitClosed(): Promise<void> {
    while (!this.closed) {
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
  }
}

async function open(): Promise<RawClient> {
  const socket = connect(standIn.mysqlPort, '127.0.0.1');
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return new RawClient(socket);
}

/** The 20-byte scramble of a Handshake v10 payload. */
function scrambleOf(handshake: Buffer): Buffer {
  const afterVersion = handshake.indexOf(0, 1) + 1;
  const part1 = handshake.subarray(afterVersion + 4, afterVersion + 12);
  const part2Start = afterVersion + 4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10;
  return Buffer.concat([part1, handshake.subarray(part2Start, part2Start + 12)]);
}

interface ResponseFields {
  readonly flags: number;
  readonly token: Buffer;
  readonly database?: string;
  readonly plugin?: string;
}

function handshakeResponse(fields: ResponseFields): Buffer {
  const head = Buffer.alloc(32);
  head.writeUInt32LE(fields.flags, 0);
  head.writeUInt32LE(16 * 1024 * 1024, 4);
  head[8] = 33;
  return Buffer.concat([
    head,
    Buffer.from(`${USER}\0`),
    lengthEncodedInt(fields.token.length),
    fields.token,
    Buffer.from(fields.database === undefined ? '' : `${fields.database}\0`),
    Buffer.from(fields.plugin === undefined ? '' : `${fields.plugin}\0`),
  ]);
}

const BASE_FLAGS =
  CLIENT.protocol41 | CLIENT.secureConnection | CLIENT.pluginAuth | CLIENT.pluginAuthLenencClientData;

/** Connects and logs in with mysql_native_password; returns the client ready for commands. */
async function login(extraFlags = 0, database?: string): Promise<RawClient> {
  const client = await open();
  const scramble = scrambleOf(await client.read());
  const flags = BASE_FLAGS | extraFlags | (database === undefined ? 0 : CLIENT.connectWithDb);
  client.write(
    handshakeResponse({
      flags,
      token: nativePasswordToken(PASSWORD, scramble),
      plugin: 'mysql_native_password',
      ...(database === undefined ? {} : { database }),
    }),
    1,
  );
  expect((await client.read())[0]).toBe(0x00);
  return client;
}

function query(client: RawClient, sql: string): void {
  client.write(Buffer.concat([Buffer.from([0x03]), Buffer.from(sql)]), 0);
}

function errorOf(payload: Buffer): { errno: number; sqlState: string; message: string } {
  expect(payload[0]).toBe(0xff);
  return {
    errno: payload.readUInt16LE(1),
    sqlState: payload.toString('latin1', 4, 9),
    message: payload.toString('utf8', 9),
  };
}

describe('StarRocks stand-in: MySQL protocol details', () => {
  it('announces Handshake v10 with mysql_native_password and a 20-byte scramble without zero bytes', async () => {
    const client = await open();

    const handshake = await client.read();

    expect(handshake[0]).toBe(10);
    expect(handshake.toString('latin1', 1, handshake.indexOf(0, 1))).toBe('8.0.33');
    expect(handshake.subarray(-22).toString('latin1')).toBe('mysql_native_password\0');
    const scramble = scrambleOf(handshake);
    expect(scramble).toHaveLength(20);
    expect(scramble.includes(0)).toBe(false);
    expect(client.lastSequence).toBe(0);
  });

  it('switches a client that answers with another plugin to mysql_native_password', async () => {
    const client = await open();
    const scramble = scrambleOf(await client.read());
    client.write(
      handshakeResponse({ flags: BASE_FLAGS, token: Buffer.alloc(32, 1), plugin: 'caching_sha2_password' }),
      1,
    );

    const request = await client.read();
    expect(request[0]).toBe(0xfe);
    expect(request.toString('latin1', 1, 23)).toBe('mysql_native_password\0');
    expect(request.subarray(23, 43)).toEqual(scramble);
    expect(client.lastSequence).toBe(2);
    client.write(nativePasswordToken(PASSWORD, scramble), 3);

    const ok = await client.read();
    expect(ok[0]).toBe(0x00);
    expect(client.lastSequence).toBe(4);
  });

  it('answers a wrong switched password with 1045 and closes', async () => {
    const client = await open();
    const scramble = scrambleOf(await client.read());
    client.write(
      handshakeResponse({ flags: BASE_FLAGS, token: Buffer.alloc(0), plugin: 'sha256_password' }),
      1,
    );
    await client.read();
    client.write(nativePasswordToken('wrong', scramble), 3);

    expect(errorOf(await client.read())).toEqual({
      errno: 1045,
      sqlState: '28000',
      message: `Access denied for user '${USER}' (using password: YES)`,
    });
    await client.waitClosed();
  });

  it('refuses an SSL request and closes', async () => {
    const client = await open();
    await client.read();
    const sslRequest = Buffer.alloc(32);
    sslRequest.writeUInt32LE(BASE_FLAGS | CLIENT.ssl, 0);
    client.write(sslRequest, 1);

    expect(errorOf(await client.read()).message).toContain('does not offer TLS');
    await client.waitClosed();
  });

  it.each([
    {
      name: 'with EOF packets',
      flags: 0,
      expected: ['count', 'column', 'eof', 'row', 'row', 'row', 'eof'],
    },
    {
      name: 'with CLIENT_DEPRECATE_EOF: no EOF after the columns, an OK (0xFE) at the end',
      flags: CLIENT.deprecateEof,
      expected: ['count', 'column', 'row', 'row', 'row', 'ok'],
    },
  ])('frames a result set $name', async ({ flags, expected }) => {
    const client = await login(flags);
    query(client, 'SHOW DATABASES');

    const kinds: string[] = [];
    const sequences: number[] = [];
    const take = async (kind: string): Promise<Buffer> => {
      const payload = await client.read();
      kinds.push(kind);
      sequences.push(client.lastSequence);
      return payload;
    };
    const count = (await take('count'))[0] as number;
    for (let i = 0; i < count; i++) await take('column');
    if (!(flags & CLIENT.deprecateEof)) await take('eof');
    for (;;) {
      const payload = await client.read();
      sequences.push(client.lastSequence);
      // The protocol's rule: 0xFE in a payload shorter than 9 bytes ends the rows.
      const end = payload[0] === 0xfe && payload.length < 9;
      if (!end) {
        kinds.push('row');
        continue;
      }
      kinds.push(
        flags & CLIENT.deprecateEof
          ? payload.length === 7
            ? 'ok'
            : 'bad-ok'
          : payload.length === 5
            ? 'eof'
            : 'bad-eof',
      );
      break;
    }

    expect(kinds).toEqual(expected);
    expect(sequences).toEqual(sequences.map((_, index) => index + 1));
  });

  it('runs COM_INIT_DB as USE and refuses an unknown database with 1049', async () => {
    const client = await login(0, 'd2');
    client.write(Buffer.concat([Buffer.from([0x02]), Buffer.from('d1')]), 0);
    expect((await client.read())[0]).toBe(0x00);
    query(client, 'SELECT database()');
    await client.read(); // column count
    await client.read(); // column
    await client.read(); // EOF
    expect((await client.read()).subarray(1).toString()).toBe('d1');
    await client.read(); // EOF

    client.write(Buffer.concat([Buffer.from([0x02]), Buffer.from('nowhere')]), 0);

    expect(errorOf(await client.read())).toMatchObject({
      errno: 1049,
      message: "Unknown database 'nowhere'",
    });
  });

  it.each([
    { name: 'COM_STMT_PREPARE', command: 0x16, message: 'does not run prepared statements' },
    { name: 'COM_CHANGE_USER', command: 0x11, message: 'Unknown command' },
  ])('refuses $name with 1047 and keeps the connection', async ({ command, message }) => {
    const client = await login();
    client.write(Buffer.concat([Buffer.from([command]), Buffer.from('SELECT 1')]), 0);

    expect(errorOf(await client.read())).toMatchObject({
      errno: 1047,
      message: expect.stringContaining(message),
    });
    client.write(Buffer.from([0x0e]), 0);
    expect((await client.read())[0]).toBe(0x00);
  });

  it('refuses a packet above 1 MiB with 1153 and closes, without reading it all', async () => {
    const client = await login();
    const header = Buffer.alloc(4);
    header.writeUIntLE(2 * 1024 * 1024, 0, 3);
    client.socket.write(Buffer.concat([header, Buffer.from([0x03])]));

    expect(errorOf(await client.read()).errno).toBe(1153);
    await client.waitClosed();
  });

  it('closes on COM_QUIT', async () => {
    const client = await login();
    client.write(Buffer.from([0x01]), 0);

    await client.waitClosed();
    expect(client.closed).toBe(true);
  });
});

describe('StarRocks stand-in: MySQL packet framing', () => {
  it.each([
    { name: 'a short payload', length: 10, packets: [10] },
    { name: 'exactly 2^24 - 1 bytes (then an empty packet)', length: MAX_PAYLOAD, packets: [MAX_PAYLOAD, 0] },
    { name: 'more than 2^24 - 1 bytes', length: MAX_PAYLOAD + 5, packets: [MAX_PAYLOAD, 5] },
  ])('splits $name and joins it back', ({ length, packets }) => {
    const payload = Buffer.alloc(length, 7);

    const { bytes, next } = framePackets(payload, 3);

    const lengths: number[] = [];
    for (let offset = 0; offset < bytes.length; ) {
      const packetLength = bytes.readUIntLE(offset, 3);
      lengths.push(packetLength);
      offset += 4 + packetLength;
    }
    expect(lengths).toEqual(packets);
    expect(next).toBe(3 + packets.length);
    const reader = new PacketReader(64 * 1024 * 1024);
    reader.push(bytes.subarray(0, bytes.length - 1));
    expect(reader.next()).toBeUndefined();
    reader.push(bytes.subarray(bytes.length - 1));
    expect(reader.next()?.equals(payload)).toBe(true);
  });

  it.each([
    { value: 250, bytes: [250] },
    { value: 251, bytes: [0xfc, 251, 0] },
    { value: 0x10000, bytes: [0xfd, 0, 0, 1] },
    { value: 0x1000000, bytes: [0xfe, 0, 0, 0, 1, 0, 0, 0, 0] },
  ])('length-encodes $value', ({ value, bytes }) => {
    expect([...lengthEncodedInt(value)]).toEqual(bytes);
  });
});
