import { isUtf8 } from 'node:buffer';
import type { KafkaRecordTransformSpec } from '../config/transform-classes/kafka-records.ts';
import type { TransformConfig } from '../config/transforms.ts';
import { parseJsonExact } from '../convert/exact-json.ts';
import { checkJsonObjectBytes, invalidJsonReason, requireRowObject } from '../convert/json-converter.ts';
import type { KafkaRecord } from '../decode/event.ts';
import { MemberCursor, memberName } from '../decode/json-scanner.ts';
import { ErrorCode, RecordError } from '../errors.ts';
import { assignMetadata, jsonText, type MetadataColumns } from './metadata-columns.ts';

/**
 * Rows with members added without parsing the value: the metadata columns, and the fields of a
 * chain of `InsertField$Value` transforms, written as JSON text and spliced before the value's
 * closing brace. Only a value that is one JSON object with none of the added names at its top level
 * is spliced; any other goes through the general path, which parses the value and overwrites (or
 * refuses it with the transform's or the converter's error).
 */

const COMMA = 0x2c;
const CLOSE_BRACE = 0x7d;
const BACKSLASH = 0x5c;

type InsertFieldSpec = Extract<KafkaRecordTransformSpec, { kind: 'insertField' }>;

/** One member added to every row: its `"name":` text, and its value's JSON text for a record. */
interface AddedMember {
  readonly name: string;
  readonly prefix: string;
  /** An InsertField member's JSON text, undefined when the field is not inserted (no timestamp). */
  readonly inserted?: (record: KafkaRecord) => string | undefined;
  /** A metadata column's index in the metadata values. */
  readonly metadataIndex?: number;
}

/** The members added to each row, and their names. */
export interface RowAdditions {
  readonly names: ReadonlySet<string>;
  /** `"a":1,"b":"x"`: the record's added members (no braces, no leading comma); empty when none. */
  membersOf(record: KafkaRecord): string;
}

/**
 * Whether the transforms are only `InsertField$Value` without predicates, which the splice writes
 * exactly as the chain would (undefined otherwise): the specs in chain order.
 */
export function valueInsertions(transforms: readonly TransformConfig[]): InsertFieldSpec[] | undefined {
  const specs: InsertFieldSpec[] = [];
  for (const t of transforms) {
    if (t.kind !== 'insertField' || t.part !== 'value' || t.predicate !== undefined) return undefined;
    specs.push(t);
  }
  return specs;
}

/**
 * The members the InsertField specs (in chain order) and then the metadata columns add. A name
 * added twice keeps its first place and its last value, as the chain's later steps and then the
 * metadata columns overwrite the earlier ones.
 */
export function rowAdditions(
  insertions: readonly InsertFieldSpec[],
  metadata: MetadataColumns | undefined,
): RowAdditions {
  const byName = new Map<string, AddedMember>();
  const add = (member: Omit<AddedMember, 'prefix'>) => {
    byName.set(member.name, { ...member, prefix: `${JSON.stringify(member.name)}:` });
  };
  for (const spec of insertions) {
    if (spec.topicField !== undefined) add({ name: spec.topicField.name, inserted: topicText });
    if (spec.partitionField !== undefined)
      add({ name: spec.partitionField.name, inserted: (r) => String(r.partition) });
    if (spec.offsetField !== undefined)
      add({ name: spec.offsetField.name, inserted: (r) => String(r.offset) });
    if (spec.timestampField !== undefined) add({ name: spec.timestampField.name, inserted: timestampText });
    if (spec.staticField !== undefined && spec.staticValue !== undefined) {
      const text = JSON.stringify(spec.staticValue);
      add({ name: spec.staticField.name, inserted: () => text });
    }
  }
  metadata?.names.forEach((name, metadataIndex) => {
    add({ name, metadataIndex });
  });
  const members = [...byName.values()];
  return {
    names: new Set(byName.keys()),
    membersOf(record) {
      const values = metadata === undefined ? undefined : metadata.valuesOf(record);
      let out = '';
      for (const member of members) {
        const text =
          member.inserted !== undefined
            ? member.inserted(record)
            : jsonText(values?.[member.metadataIndex as number]);
        if (text === undefined) continue;
        out += out === '' ? member.prefix + text : `,${member.prefix}${text}`;
      }
      return out;
    },
  };
}

let lastTopic = '';
let lastTopicText = '""';

/** A topic's JSON text; records come a topic at a time, so the last one is kept. */
function topicText(record: KafkaRecord): string {
  if (record.topic !== lastTopic) {
    lastTopic = record.topic;
    lastTopicText = JSON.stringify(record.topic);
  }
  return lastTopicText;
}

/**
 * InsertField's schemaless timestamp: the record's epoch milliseconds, a number, as Kafka puts its
 * `Long` into the map; not inserted when the record has none.
 */
function timestampText(record: KafkaRecord): string | undefined {
  const timestamp = record.timestamp;
  return timestamp === undefined ? undefined : String(timestamp);
}

/**
 * A schemaless JSON value with `members` spliced in, decoded from base64 into a buffer sized for
 * both; undefined when the value is not one well-formed UTF-8 object or has a name in `names`
 * (the caller's general path decides). Throws only for a value that is not base64.
 */
export function spliceValue(
  record: KafkaRecord,
  members: string,
  names: ReadonlySet<string>,
): Buffer | undefined {
  const length = record.valueLength;
  const extra = members === '' ? 0 : Buffer.byteLength(members) + 1;
  const buf = Buffer.allocUnsafe(length + extra);
  if (buf.write(record.valueBase64 as string, 0, 'base64') !== length) {
    throw new RecordError(ErrorCode.DECODE_EVENT, record, 'the value is not base64 text');
  }
  return spliceInPlace(buf, length, members, names);
}

/**
 * JSON object bytes (a row another path wrote) with `members` spliced in, or the row parsed, given
 * the metadata columns (over any member of the same name), and written again.
 */
export function withMembers(
  record: KafkaRecord,
  row: Buffer,
  additions: RowAdditions,
  metadata: MetadataColumns,
): Buffer | string {
  const members = additions.membersOf(record);
  const extra = members === '' ? 0 : Buffer.byteLength(members) + 1;
  const buf = Buffer.allocUnsafe(row.length + extra);
  row.copy(buf);
  const spliced = spliceInPlace(buf, row.length, members, additions.names);
  if (spliced !== undefined) return spliced;
  // Not an object, or the value has a metadata name: parsed, for the value's error or the overwrite.
  checkJsonObjectBytes(record, row, 0, row.length);
  let parsed: unknown;
  const text = row.toString('utf8');
  try {
    parsed = parseJsonExact(text);
  } catch (error) {
    throw new RecordError(ErrorCode.DECODE_VALUE, record, invalidJsonReason(text, error, 'the value'));
  }
  const object = requireRowObject(record, parsed);
  assignMetadata(object, record, metadata);
  return JSON.stringify(object);
}

/**
 * `buf[0, length)` with `members` written over its closing brace (after a comma unless the object
 * is empty) and the brace after them; undefined when those bytes are not one UTF-8 object, or
 * when a top-level name is one of `names` or is written with an escape (it might be one).
 */
function spliceInPlace(
  buf: Buffer,
  length: number,
  members: string,
  names: ReadonlySet<string>,
): Buffer | undefined {
  if (!isUtf8(buf.subarray(0, length))) return undefined;
  const cursor = new MemberCursor(buf, 0, length);
  let count = 0;
  while (cursor.next()) {
    const { nameStart, nameEnd } = cursor;
    if (hasEscape(buf, nameStart, nameEnd)) return undefined;
    if (names.has(memberName(buf, nameStart, nameEnd))) return undefined;
    count++;
  }
  if (!cursor.wellFormed) return undefined;
  let pos = cursor.closeAt;
  if (members !== '') {
    if (count > 0) buf[pos++] = COMMA;
    pos += buf.write(members, pos);
  }
  buf[pos++] = CLOSE_BRACE;
  return buf.subarray(0, pos);
}

function hasEscape(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] === BACKSLASH) return true;
  return false;
}
