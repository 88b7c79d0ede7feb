import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RegistryConverterConfig } from '../../../lib/config/converters.ts';
import { convertRegistryValue, RegistryValues } from '../../../lib/convert/registry-values.ts';
import { decodeKafkaEvent, type KafkaEvent, type KafkaRecord } from '../../../lib/decode/event.ts';
import { ErrorCode, type SinkError } from '../../../lib/errors.ts';
import { mskEvent } from '../../fixtures/events.ts';
import {
  type ScriptedRegistry,
  type ScriptedSchema,
  startScriptedRegistry,
} from '../../support/scripted-registry.ts';

/**
 * A batch's registry values made ready: framings read, schemas fetched and compiled, and each record
 * converted with its own schema; what fails names the record and the schema id.
 */

const PRODUCT =
  '{"type":"record","name":"Product","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"},{"name":"price","type":"double"}]}';

const registries: ScriptedRegistry[] = [];
afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
});

async function valuesFor(
  format: 'avro' | 'protobuf' | 'json',
  schemas: Record<string, ScriptedSchema>,
): Promise<RegistryValues> {
  const registry = await startScriptedRegistry({ schemas });
  registries.push(registry);
  const converter: RegistryConverterConfig = {
    kind: 'registry',
    format,
    registry: { kind: 'confluent', urls: [registry.url], auth: { kind: 'none' }, headers: {} },
    protobuf: {
      wrapperForNullables: false,
      intForEnums: false,
      generateIndexForUnions: true,
      flattenUnions: false,
    },
  };
  return new RegistryValues(converter);
}

function recordsOf(event: KafkaEvent): KafkaRecord[] {
  return decodeKafkaEvent(event, { tolerant: false }).records;
}

function framed(id: number, body: Buffer): string {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  return Buffer.concat([header, body]).toString('base64');
}

const soon = () => Date.now() + 5_000;

describe('registry values', () => {
  it("reads Powertools' Avro test event as an event-source mapping delivers it in SOURCE format", async () => {
    const event = JSON.parse(
      readFileSync(new URL('../../fixtures/powertools/avro.json', import.meta.url), 'utf8'),
    ) as { records: Record<string, Record<string, unknown>[]> };
    for (const record of Object.values(event.records).flat()) {
      record.valueSchemaMetadata = { dataFormat: 'AVRO', schemaId: '1' };
    }
    const values = await valuesFor('avro', { '1': { schema: PRODUCT } });
    const records = recordsOf(event as unknown as KafkaEvent);
    const prepared = await values.prepare(records, soon());
    const rows = records.map((r) => convertRegistryValue(r, prepared, false));
    expect(rows.map((row) => (row.kind === 'json-bytes' ? JSON.parse(row.bytes.toString()) : row))).toEqual([
      { id: 1001, name: 'Laptop', price: 999.99 },
      { id: 1002, name: 'Smartphone', price: 599.99 },
      { id: 1003, name: 'Headphones', price: 149.99 },
    ]);
    expect(convertRegistryValue(records[0] as KafkaRecord, prepared, true)).toEqual({
      kind: 'object',
      value: { id: 1001, name: 'Laptop', price: 999.99 },
      schemaName: 'Product',
    });
  });

  it('fails a record whose schema is of another format than the converter reads, naming the schema', async () => {
    const values = await valuesFor('avro', {
      '4': { schema: 'syntax = "proto3"; message M { int32 a = 1; }', schemaType: 'PROTOBUF' },
    });
    const records = recordsOf(
      mskEvent([{ topic: 't', partition: 2, offset: 9, value: framed(4, Buffer.from([8, 1])) }]),
    );
    const error = (await values.prepare(records, soon()).catch((e: unknown) => e)) as SinkError;
    expect(error.code).toBe(ErrorCode.DECODE_SCHEMA);
    expect(error.message).toContain('topic "t", partition 2, offset 9');
    expect(error.message).toContain('schema 4 is PROTOBUF, but the converter reads AVRO');
  });

  it('hands records with bad framing or a schema that does not compile to the handler, and prepares the rest', async () => {
    const values = await valuesFor('avro', {
      '1': { schema: PRODUCT },
      '2': { schema: '{"type":"record","name":"Broken","fields":[{"name":"a","type":"no-such-type"}]}' },
    });
    const avro = (await import('avsc')).default;
    const good = avro.Type.forSchema(JSON.parse(PRODUCT)).toBuffer({ id: 1, name: 'a', price: 1 });
    const records = recordsOf(
      mskEvent([
        { topic: 't', partition: 0, offset: 1, value: framed(1, good) },
        { topic: 't', partition: 0, offset: 2, value: framed(2, good) },
        { topic: 't', partition: 0, offset: 3, value: Buffer.from('{}').toString('base64') },
        { topic: 't', partition: 0, offset: 4, value: null },
        { topic: 't', partition: 0, offset: 5, value: 'AAAA$$AAAA==' },
      ]),
    );
    const rejected: [number, string][] = [];
    const prepared = await values.prepare(records, soon(), (record, error) =>
      rejected.push([record.offset, error.message]),
    );
    expect(rejected).toEqual([
      [3, expect.stringContaining('magic byte 0x00')],
      [5, expect.stringContaining('the value is not base64 text')],
      [2, expect.stringContaining('schema 2 does not compile')],
    ]);
    expect(convertRegistryValue(records[0] as KafkaRecord, prepared, true)).toMatchObject({
      value: { id: 1 },
    });
    // Compiled readers are kept: a second batch of the same ids asks the registry nothing.
    await values.prepare(records.slice(0, 1), soon());
    expect(registries[0]?.requests).toHaveLength(2);
  });

  it('refuses a value whose schema is not a record, on the byte path as on the object path', async () => {
    const values = await valuesFor('avro', { '3': { schema: '"string"' } });
    const records = recordsOf(
      mskEvent([{ topic: 't', partition: 0, offset: 6, value: framed(3, Buffer.from([0x02, 0x61])) }]),
    );
    const prepared = await values.prepare(records, soon());
    for (const needObject of [false, true]) {
      expect(() => convertRegistryValue(records[0] as KafkaRecord, prepared, needObject)).toThrow(
        /not a record/,
      );
    }
    // Nothing of the refused row is left in the batch's output.
    expect(prepared.output.len).toBe(0);
  });

  /** PRODUCT's body: id 7, name "ab", price 1.5. */
  const productBody = () => {
    const price = Buffer.alloc(8);
    price.writeDoubleLE(1.5);
    return Buffer.concat([Buffer.from([0x0e, 0x04, 0x61, 0x62]), price]);
  };

  it.each([
    ['cut short by a byte', productBody().subarray(0, 11)],
    ['followed by a byte of no field', Buffer.concat([productBody(), Buffer.from([0])])],
    ['with a string longer than the value', Buffer.from([0x0e, 0x7e, 0x61])],
  ])(
    'fails a value %s with the error it has alone, though the next values follow it in the batch',
    async (_case, body) => {
      const values = await valuesFor('avro', { '1': { schema: PRODUCT } });
      const entry = (offset: number, value: Buffer) => ({
        topic: 't',
        partition: 0,
        offset,
        value: framed(1, value),
      });
      const alone = recordsOf(mskEvent([entry(5, body)]));
      const preparedAlone = await values.prepare(alone, soon());
      let expected = '';
      try {
        convertRegistryValue(alone[0] as KafkaRecord, preparedAlone, false);
      } catch (error) {
        expected = (error as Error).message;
      }
      expect(expected).toMatch(/schema id 1/);
      const batch = recordsOf(mskEvent([entry(5, body), ...[6, 7, 8].map((o) => entry(o, productBody()))]));
      const prepared = await values.prepare(batch, soon());
      expect(() => convertRegistryValue(batch[0] as KafkaRecord, prepared, false)).toThrow(expected);
      // Nothing of the refused row is left, and the next value reads as its own.
      expect(prepared.output.len).toBe(0);
      const next = convertRegistryValue(batch[1] as KafkaRecord, prepared, false);
      expect(next.kind === 'json-bytes' && JSON.parse(next.bytes.toString())).toEqual({
        id: 7,
        name: 'ab',
        price: 1.5,
      });
    },
  );

  it('takes a change event cut short to the general path, which names its error, though the next events follow it', async () => {
    const envelope = JSON.stringify({
      type: 'record',
      name: 'Envelope',
      namespace: 'srv.public.t',
      fields: [
        {
          name: 'before',
          type: ['null', { type: 'record', name: 'Value', fields: [{ name: 'id', type: 'int' }] }],
          default: null,
        },
        { name: 'after', type: ['null', 'Value'], default: null },
        { name: 'op', type: 'string' },
      ],
    });
    const values = await valuesFor('avro', { '4': { schema: envelope } });
    // before null, after {id: 7}, op "c"; the first event lacks its op's one character.
    const insert = Buffer.from([0x00, 0x02, 0x0e, 0x02, 0x63]);
    const records = recordsOf(
      mskEvent(
        [insert.subarray(0, 4), insert, insert].map((body, offset) => ({
          topic: 't',
          partition: 0,
          offset,
          value: framed(4, body),
        })),
      ),
    );
    const prepared = await values.prepare(records, soon());
    const transforms = { addOp: true, rewrite: false };
    expect(() => convertRegistryValue(records[0] as KafkaRecord, prepared, true, transforms)).toThrow(
      /ends before its schema id 4 says it does/,
    );
    const next = convertRegistryValue(records[1] as KafkaRecord, prepared, true, transforms);
    expect(next.kind === 'json-bytes' && next.bytes.toString()).toBe('{"id":7,"__op":0}');
  });

  it('fails a value that does not match its schema, naming the record and the schema id', async () => {
    const values = await valuesFor('avro', { '1': { schema: PRODUCT } });
    const records = recordsOf(
      mskEvent([{ topic: 't', partition: 0, offset: 5, value: framed(1, Buffer.from([0xd2])) }]),
    );
    const prepared = await values.prepare(records, soon());
    let error: SinkError | undefined;
    try {
      convertRegistryValue(records[0] as KafkaRecord, prepared, true);
    } catch (thrown) {
      error = thrown as SinkError;
    }
    expect(error?.code).toBe(ErrorCode.DECODE_VALUE);
    expect(error?.message).toContain('topic "t", partition 0, offset 5');
    expect(error?.message).toContain('schema id 1');
  });
});
