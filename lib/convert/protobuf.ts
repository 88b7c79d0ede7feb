import { Reader, type Type } from 'protobufjs';
import type { KafkaRecord } from '../decode/event.ts';
import type { RegistrySchema } from '../decode/schema-registry/registry-schema.ts';
import { ErrorCode, RecordError } from '../errors.ts';
import { ProtobufValueError } from './protobuf-logical.ts';
import {
  type CompiledProtoFile,
  compileProtoFile,
  fullNameOf,
  glueMessageList,
  messagesOf,
} from './protobuf-schema.ts';
import { ProtobufPlans, type ProtobufReaderOptions } from './protobuf-values.ts';
import type { ReadValue, ValueReader } from './value-reader.ts';

/**
 * The Protobuf value reader: which message of the schema a value holds (the message index the
 * registry's serializer writes after its header), the message decoded by protobufjs' generated
 * decoder, and the row ProtobufConverter would give (protobuf-values.ts).
 */

/** One message of the schema, ready to read: found once per message index and kept. */
interface Selection {
  readonly type: Type;
  readonly name: string;
  /** The index as the framing wrote it, for messages: `[1, 0]` (Confluent) or `3` (Glue). */
  readonly index: string;
  readonly convert: (message: unknown) => unknown;
}

/**
 * Compiles `schema` (`.proto` text with its imports as references) into a reader of the values
 * the registry's serializer frames. Throws a plain Error when the schema does not compile; the
 * caller names the schema.
 *
 * @example
 * const reader = compileProtobufReader(schema);
 * const { value, schemaName } = reader.read(record, bytes, 5); // after Confluent's magic byte and id
 */
export function compileProtobufReader(
  schema: RegistrySchema,
  options: ProtobufReaderOptions = {},
): ValueReader {
  const file = compileProtoFile(schema);
  const plans = new ProtobufPlans(options);
  return schema.registry === 'confluent'
    ? new ConfluentProtobufReader(schema.id, file, plans)
    : new GlueProtobufReader(schema.id, file, plans);
}

/**
 * Confluent's framing: after magic byte and id, the message indexes (MessageIndexes.readFrom,
 * confluentinc/schema-registry protobuf-provider): a count, then that many indexes, each a
 * zig-zag varint (Kafka's ByteUtils.readVarint); the first counts the file's top-level messages,
 * each next one the messages nested in the one before. A count of 0 (the single byte 0x00) means
 * [0], the first message.
 */
class ConfluentProtobufReader implements ValueReader {
  readonly #schemaId: string;
  readonly #file: CompiledProtoFile;
  readonly #plans: ProtobufPlans;
  readonly #selections = new Map<string, Selection>();
  readonly #first: Selection;

  constructor(schemaId: string, file: CompiledProtoFile, plans: ProtobufPlans) {
    this.#schemaId = schemaId;
    this.#file = file;
    this.#plans = plans;
    this.#first = this.#select([0]) as Selection;
  }

  read(record: KafkaRecord, bytes: Buffer, start: number): ReadValue {
    if (bytes[start] === 0) return decodeSelected(record, this.#schemaId, this.#first, bytes, start + 1);
    const cursor = { position: start };
    const indexes = readMessageIndexes(record, this.#schemaId, bytes, cursor);
    const key = indexes.join(',');
    let selection = this.#selections.get(key);
    if (selection === undefined) {
      selection = this.#select(indexes);
      if (selection === undefined) throw this.#noSuchMessage(record, indexes);
      this.#selections.set(key, selection);
    }
    return decodeSelected(record, this.#schemaId, selection, bytes, cursor.position);
  }

  /** The message an index path names (ProtobufSchema#toMessageName), or undefined. */
  #select(indexes: readonly number[]): Selection | undefined {
    let candidates: readonly Type[] = this.#file.topLevel;
    let type: Type | undefined;
    for (const index of indexes) {
      type = candidates[index];
      if (type === undefined) return undefined;
      candidates = messagesOf(type);
    }
    if (type === undefined) return undefined;
    return selectionOf(type, `[${indexes.join(', ')}]`, this.#plans);
  }

  #noSuchMessage(record: KafkaRecord, indexes: readonly number[]): RecordError {
    const topLevel = this.#file.topLevel.map(fullNameOf).join(', ');
    return new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `Protobuf schema id ${this.#schemaId}: the message indexes [${indexes.join(', ')}] name no message of the schema (its top-level messages, counted from 0: ${topLevel}); check that the producer wrote the value with this schema`,
    );
  }
}

/**
 * Glue's framing: after the 18-byte header, one message index as an unsigned varint
 * (ProtobufWireFormatEncoder writes it with CodedOutputStream.writeUInt32NoTag, though its comment
 * says zig-zag; ProtobufWireFormatDecoder reads it with readUInt32 — awslabs/aws-glue-schema-registry,
 * serializer-deserializer .../serializers/protobuf and .../deserializers/protobuf), counting every
 * message of the file sorted by full name (glueMessageList). The row is ProtobufData's, as for
 * Confluent values; Glue's own Kafka Connect converter (ProtobufSchemaConverter) reads a few things
 * otherwise: a oneof struct named without index, placed where its first member is and never null;
 * an unset message field as a struct of defaults rather than null; its own additionalTypes.Decimal.
 */
class GlueProtobufReader implements ValueReader {
  readonly #schemaId: string;
  readonly #messages: readonly (Type | string)[];
  readonly #plans: ProtobufPlans;
  readonly #selections = new Map<number, Selection>();

  constructor(schemaId: string, file: CompiledProtoFile, plans: ProtobufPlans) {
    this.#schemaId = schemaId;
    this.#messages = glueMessageList(file);
    this.#plans = plans;
  }

  read(record: KafkaRecord, bytes: Buffer, start: number): ReadValue {
    const cursor = { position: start };
    const index = readUnsignedVarint32(bytes, cursor);
    if (index === undefined) {
      throw new RecordError(
        ErrorCode.DECODE_VALUE,
        record,
        `Protobuf schema version ${this.#schemaId}: the value ends before its message index is read (an unsigned varint of at most 5 bytes after the 18-byte header)`,
      );
    }
    let selection = this.#selections.get(index);
    if (selection === undefined) {
      const message = this.#messages[index];
      if (typeof message !== 'object') throw this.#noSuchMessage(record, index, message);
      selection = selectionOf(message, String(index), this.#plans);
      this.#selections.set(index, selection);
    }
    return decodeSelected(record, this.#schemaId, selection, bytes, cursor.position);
  }

  #noSuchMessage(record: KafkaRecord, index: number, mapEntry: string | undefined): RecordError {
    const what =
      mapEntry === undefined
        ? `names no message (the schema has ${this.#messages.length}, counted from 0 in the order of their full names)`
        : `names ${mapEntry}, the entry type of a map field, which is not a message a producer writes`;
    return new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `Protobuf schema version ${this.#schemaId}: the message index ${index} ${what}; check that the producer wrote the value with this schema version`,
    );
  }
}

function selectionOf(type: Type, index: string, plans: ProtobufPlans): Selection {
  return { type, name: fullNameOf(type), index, convert: plans.rootConverter(type) };
}

/** Decodes the selected message from `position` to the end of the value and converts it. */
function decodeSelected(
  record: KafkaRecord,
  schemaId: string,
  selection: Selection,
  bytes: Buffer,
  position: number,
): ReadValue {
  const reader = Reader.create(bytes);
  reader.pos = position;
  let message: unknown;
  try {
    message = selection.type.decode(reader);
  } catch (error) {
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `Protobuf schema ${schemaId}, message ${selection.name} (index ${selection.index}): the bytes are not a valid ${selection.name} (${(error as Error).message}); check that the producer wrote the value with this schema`,
      { cause: error },
    );
  }
  try {
    return { value: selection.convert(message), schemaName: selection.name };
  } catch (error) {
    if (!(error instanceof ProtobufValueError)) throw error;
    throw new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `Protobuf schema ${schemaId}, message ${selection.name}: field "${pathText(error.path)}": ${error.message}`,
    );
  }
}

function pathText(path: readonly string[]): string {
  return path.map((segment, i) => (i === 0 || segment.startsWith('[') ? segment : `.${segment}`)).join('');
}

/** Confluent's message indexes from `cursor` on; a count larger than the bytes left cannot be real. */
function readMessageIndexes(
  record: KafkaRecord,
  schemaId: string,
  bytes: Buffer,
  cursor: { position: number },
): number[] {
  const fail = (what: string) =>
    new RecordError(
      ErrorCode.DECODE_VALUE,
      record,
      `Protobuf schema id ${schemaId}: ${what} (Confluent's message indexes: a zig-zag varint count, then that many zig-zag varint indexes, after the 5-byte header)`,
    );
  const count = readZigZagVarint32(bytes, cursor);
  if (count === undefined) throw fail(UNREADABLE_VARINT);
  if (count < 0 || count > bytes.length - cursor.position) {
    throw fail(`the message index count ${count} does not fit the value`);
  }
  if (count === 0) return [0];
  const indexes = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const index = readZigZagVarint32(bytes, cursor);
    if (index === undefined) throw fail(UNREADABLE_VARINT);
    if (index < 0) throw fail(`message index ${index} is negative`);
    indexes[i] = index;
  }
  return indexes;
}

const UNREADABLE_VARINT =
  'the value ends inside its message indexes, or a varint there is longer than 5 bytes';

/** Kafka's ByteUtils.readVarint: at most 5 bytes, then zig-zag decoded to a signed 32-bit integer. */
function readZigZagVarint32(bytes: Buffer, cursor: { position: number }): number | undefined {
  const raw = readUnsignedVarint32(bytes, cursor);
  return raw === undefined ? undefined : (raw >>> 1) ^ -(raw & 1);
}

/** A varint of at most 5 bytes, as an unsigned 32-bit integer; undefined when the bytes end first or it is longer. */
function readUnsignedVarint32(bytes: Buffer, cursor: { position: number }): number | undefined {
  let value = 0;
  for (let shift = 0; shift <= 28; shift += 7) {
    const byte = bytes[cursor.position];
    if (byte === undefined) return undefined;
    cursor.position++;
    value |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return value >>> 0;
  }
  return undefined;
}
