import type { StoredValue } from './column-types.ts';
import type { ResultColumn, ValueKind } from './virtual-table.ts';

/**
 * MySQL client/server protocol pieces the stand-in's MySQL port needs, written from the protocol
 * documentation: packet framing (3-byte length, sequence id, 16 MiB continuation), length-encoded
 * integers and strings, Handshake v10, HandshakeResponse41, OK/ERR/EOF, ColumnDefinition41 and
 * text result rows.
 */

/** Capability flags (CLIENT_*), as the protocol documentation numbers them. */
export const CLIENT = {
  longPassword: 0x1,
  foundRows: 0x2,
  longFlag: 0x4,
  connectWithDb: 0x8,
  protocol41: 0x200,
  ssl: 0x800,
  transactions: 0x2000,
  secureConnection: 0x8000,
  multiStatements: 0x10000,
  multiResults: 0x20000,
  pluginAuth: 0x80000,
  connectAttrs: 0x100000,
  pluginAuthLenencClientData: 0x200000,
  deprecateEof: 0x1000000,
  queryAttributes: 0x8000000,
} as const;

/** SERVER_STATUS_AUTOCOMMIT: the only status the stand-in reports. */
export const STATUS_AUTOCOMMIT = 0x0002;

/** utf8_general_ci (what StarRocks announces) and binary (numbers in column definitions). */
const CHARSET_UTF8 = 33;
const CHARSET_BINARY = 63;

/** A packet's payload may be at most 2^24 - 1 bytes; a longer one continues in the next packet. */
export const MAX_PAYLOAD = 0xffffff;

/** Frames `payload` as one or more packets starting at `sequence`; returns them and the next sequence id. */
export function framePackets(payload: Buffer, sequence: number): { bytes: Buffer; next: number } {
  const parts: Buffer[] = [];
  let seq = sequence;
  let offset = 0;
  for (;;) {
    const length = Math.min(MAX_PAYLOAD, payload.length - offset);
    const header = Buffer.alloc(4);
    header.writeUIntLE(length, 0, 3);
    header[3] = seq & 0xff;
    parts.push(header, payload.subarray(offset, offset + length));
    seq = (seq + 1) & 0xff;
    offset += length;
    // A payload of exactly 2^24 - 1 bytes (or a multiple) ends with an empty packet.
    if (length < MAX_PAYLOAD) break;
  }
  return { bytes: Buffer.concat(parts), next: seq };
}

export function lengthEncodedInt(value: number): Buffer {
  if (value < 251) return Buffer.from([value]);
  if (value < 0x10000) {
    const buffer = Buffer.alloc(3);
    buffer[0] = 0xfc;
    buffer.writeUInt16LE(value, 1);
    return buffer;
  }
  if (value < 0x1000000) {
    const buffer = Buffer.alloc(4);
    buffer[0] = 0xfd;
    buffer.writeUIntLE(value, 1, 3);
    return buffer;
  }
  const buffer = Buffer.alloc(9);
  buffer[0] = 0xfe;
  buffer.writeBigUInt64LE(BigInt(value), 1);
  return buffer;
}

export function lengthEncodedString(value: string | Buffer): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([lengthEncodedInt(bytes.length), bytes]);
}

function nulTerminated(value: string): Buffer {
  return Buffer.concat([Buffer.from(value, 'utf8'), Buffer.from([0])]);
}

export interface HandshakeFields {
  readonly serverVersion: string;
  readonly connectionId: number;
  /** 20 bytes, none of them 0. */
  readonly scramble: Buffer;
  readonly capabilities: number;
  readonly authPlugin: string;
}

/** Protocol::HandshakeV10. */
export function handshakeV10(fields: HandshakeFields): Buffer {
  const fixed = Buffer.alloc(4 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10);
  let offset = 0;
  offset = fixed.writeUInt32LE(fields.connectionId, offset);
  fields.scramble.copy(fixed, offset, 0, 8);
  offset += 8;
  fixed[offset++] = 0;
  offset = fixed.writeUInt16LE(fields.capabilities & 0xffff, offset);
  fixed[offset++] = CHARSET_UTF8;
  offset = fixed.writeUInt16LE(STATUS_AUTOCOMMIT, offset);
  offset = fixed.writeUInt16LE((fields.capabilities >>> 16) & 0xffff, offset);
  fixed[offset++] = fields.scramble.length + 1;
  // Ten reserved zero bytes follow (already zero).
  return Buffer.concat([
    Buffer.from([10]),
    nulTerminated(fields.serverVersion),
    fixed,
    fields.scramble.subarray(8),
    Buffer.from([0]),
    nulTerminated(fields.authPlugin),
  ]);
}

/** What a HandshakeResponse41 carries that the stand-in uses. */
export interface HandshakeResponse {
  readonly capabilities: number;
  readonly user: string;
  readonly authResponse: Buffer;
  readonly database: string | undefined;
  readonly authPlugin: string | undefined;
}

export class PacketFormatError extends Error {}

/** A cursor over one payload that refuses to read past its end. */
class PayloadReader {
  private offset = 0;
  private readonly payload: Buffer;

  constructor(payload: Buffer, offset = 0) {
    this.payload = payload;
    this.offset = offset;
  }

  get remaining(): number {
    return this.payload.length - this.offset;
  }

  bytes(count: number): Buffer {
    if (count > this.remaining) throw new PacketFormatError('packet ends early');
    const slice = this.payload.subarray(this.offset, this.offset + count);
    this.offset += count;
    return slice;
  }

  uint(bytes: number): number {
    return this.bytes(bytes).readUIntLE(0, bytes);
  }

  lengthEncodedInt(): number {
    const first = this.uint(1);
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.uint(2);
    if (first === 0xfd) return this.uint(3);
    if (first === 0xfe) return Number(this.bytes(8).readBigUInt64LE(0));
    throw new PacketFormatError('invalid length-encoded integer');
  }

  nulTerminated(): string {
    const end = this.payload.indexOf(0, this.offset);
    if (end < 0) throw new PacketFormatError('string without its terminating 0');
    const text = this.payload.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return text;
  }
}

/** Parses Protocol::HandshakeResponse41 (fields present as the client's own capability flags say). */
export function parseHandshakeResponse(payload: Buffer): HandshakeResponse {
  const reader = new PayloadReader(payload);
  const capabilities = reader.uint(4);
  reader.bytes(4 + 1 + 23);
  const user = reader.nulTerminated();
  let authResponse: Buffer;
  if (capabilities & CLIENT.pluginAuthLenencClientData) {
    authResponse = reader.bytes(reader.lengthEncodedInt());
  } else if (capabilities & CLIENT.secureConnection) {
    authResponse = reader.bytes(reader.uint(1));
  } else {
    authResponse = Buffer.from(reader.nulTerminated(), 'utf8');
  }
  const database =
    capabilities & CLIENT.connectWithDb && reader.remaining > 0 ? reader.nulTerminated() : undefined;
  const authPlugin =
    capabilities & CLIENT.pluginAuth && reader.remaining > 0 ? reader.nulTerminated() : undefined;
  return {
    capabilities,
    user,
    authResponse,
    database: database === '' ? undefined : database,
    authPlugin,
  };
}

/** A COM_QUERY's SQL text, skipping the query-attribute prefix when CLIENT_QUERY_ATTRIBUTES is in use. */
export function queryText(payload: Buffer, queryAttributes: boolean): string {
  const reader = new PayloadReader(payload, 1);
  if (queryAttributes) {
    const parameterCount = reader.lengthEncodedInt();
    reader.lengthEncodedInt(); // parameter set count, always 1
    if (parameterCount > 0) {
      throw new PacketFormatError('the stand-in does not take query attributes');
    }
  }
  return reader.bytes(reader.remaining).toString('utf8');
}

/** OK_Packet; `header` 0xFE ends a result set when CLIENT_DEPRECATE_EOF is in use. */
export function okPacket(affectedRows = 0, header: 0x00 | 0xfe = 0x00): Buffer {
  const tail = Buffer.alloc(4);
  tail.writeUInt16LE(STATUS_AUTOCOMMIT, 0);
  return Buffer.concat([Buffer.from([header]), lengthEncodedInt(affectedRows), lengthEncodedInt(0), tail]);
}

/** ERR_Packet (with the SQL state, as PROTOCOL_41 has it). */
export function errPacket(errno: number, sqlState: string, message: string): Buffer {
  const head = Buffer.alloc(3);
  head[0] = 0xff;
  head.writeUInt16LE(errno, 1);
  return Buffer.concat([
    head,
    Buffer.from(`#${sqlState.padEnd(5, '0').slice(0, 5)}`, 'latin1'),
    Buffer.from(message, 'utf8'),
  ]);
}

/** EOF_Packet. */
export function eofPacket(): Buffer {
  const packet = Buffer.alloc(5);
  packet[0] = 0xfe;
  packet.writeUInt16LE(0, 1);
  packet.writeUInt16LE(STATUS_AUTOCOMMIT, 3);
  return packet;
}

/** Protocol::AuthSwitchRequest to `plugin` with a fresh scramble. */
export function authSwitchRequest(plugin: string, scramble: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0xfe]), nulTerminated(plugin), scramble, Buffer.from([0])]);
}

/** MySQL column types (MYSQL_TYPE_*) and lengths for each kind of value. */
const WIRE_TYPES: Record<ValueKind, { type: number; length: number; decimals: number; binary: boolean }> = {
  text: { type: 0xfd, length: 65533 * 3, decimals: 0, binary: false },
  integer: { type: 0x08, length: 20, decimals: 0, binary: true },
  double: { type: 0x05, length: 22, decimals: 31, binary: true },
  decimal: { type: 0xf6, length: 40, decimals: 0, binary: true },
  boolean: { type: 0x01, length: 1, decimals: 0, binary: true },
  date: { type: 0x0a, length: 10, decimals: 0, binary: true },
  datetime: { type: 0x0c, length: 26, decimals: 0, binary: true },
};

const BINARY_FLAG = 0x80;

/** Protocol::ColumnDefinition41 for a result column. */
export function columnDefinition(column: ResultColumn): Buffer {
  const wire = WIRE_TYPES[column.kind];
  const fixed = Buffer.alloc(13);
  fixed[0] = 0x0c;
  fixed.writeUInt16LE(wire.binary ? CHARSET_BINARY : CHARSET_UTF8, 1);
  fixed.writeUInt32LE(wire.length, 3);
  fixed[7] = wire.type;
  fixed.writeUInt16LE(wire.binary ? BINARY_FLAG : 0, 8);
  fixed[10] = wire.decimals;
  return Buffer.concat([
    lengthEncodedString('def'),
    lengthEncodedString(''),
    lengthEncodedString(''),
    lengthEncodedString(''),
    lengthEncodedString(column.name),
    lengthEncodedString(column.name),
    fixed,
  ]);
}

function wireText(value: StoredValue): string | null {
  if (value === null) return null;
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

/** ProtocolText::ResultsetRow: each value as a length-encoded string, NULL as 0xFB. */
export function textRow(values: readonly StoredValue[]): Buffer {
  return Buffer.concat(
    values.map((value) => {
      const text = wireText(value);
      return text === null ? Buffer.from([0xfb]) : lengthEncodedString(text);
    }),
  );
}

/**
 * Collects packets from a socket's chunks and hands out complete payloads (continuations joined).
 * A payload above `maxPayload` is an error: the caller answers and closes rather than buffer it.
 */
export class PacketReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private parts: Buffer[] = [];
  private partsLength = 0;
  private readonly maxPayload: number;
  /** The sequence id of the last packet read. */
  sequence = 0;

  constructor(maxPayload: number) {
    this.maxPayload = maxPayload;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** The next complete payload, `undefined` while more bytes are needed; throws when too large. */
  next(): Buffer | undefined {
    for (;;) {
      if (this.buffered < 4) return undefined;
      const data = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
      this.chunks = [data];
      const length = data.readUIntLE(0, 3);
      if (this.partsLength + length > this.maxPayload) {
        throw new PacketFormatError(`packet larger than the stand-in's limit of ${this.maxPayload} bytes`);
      }
      if (data.length < 4 + length) return undefined;
      this.sequence = data[3] as number;
      this.parts.push(data.subarray(4, 4 + length));
      this.partsLength += length;
      const rest = data.subarray(4 + length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      if (length === MAX_PAYLOAD) continue;
      const payload = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
      this.parts = [];
      this.partsLength = 0;
      return payload;
    }
  }
}
