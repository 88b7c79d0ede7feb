import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileProtobufReader } from '../../../lib/convert/protobuf.ts';
import { decodeRecord, type KafkaEventRecord } from '../../../lib/decode/event.ts';
import type { RegistryKind } from '../../../lib/decode/schema-registry/registry-schema.ts';

// Powertools' Protobuf MSK events (test/fixtures/protobuf/README.md): SOURCE-format values, the
// registry header removed and the message index kept, read from the index on (start 0).

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/protobuf/${name}`, import.meta.url), 'utf8');
const COMPLEX_PROTO = fixture('complex.proto');

function eventRecords(name: string): KafkaEventRecord[] {
  const event = JSON.parse(fixture(name)) as { records: Record<string, KafkaEventRecord[]> };
  return Object.values(event.records).flat();
}

function readerFor(registry: RegistryKind, id: string) {
  return compileProtobufReader({ registry, id, format: 'protobuf', text: COMPLEX_PROTO, references: [] });
}

const profile = (userId: string) => ({
  userId,
  name: 'Bob',
  email: 'bob@example.com',
  age: 28,
  isActive: true,
  signupDate: '2024-02-02',
  tags: ['tag1', 'tag2'],
  preferences: { theme: 'light' },
  address: { street: '123 Ave', city: 'Seattle', zip: '98101' },
});

describe('Powertools Protobuf MSK events', () => {
  it("reads the Confluent event's records as UserProfile rows, message indexes [1]", () => {
    const reader = readerFor('confluent', '1');
    const rows = eventRecords('protobuf-complex.confluent.json').map((raw) => {
      const record = decodeRecord(raw);
      return reader.read(record, record.value as Buffer, 0);
    });
    expect(rows).toEqual(
      [
        'a8e40971-1552-420d-a7c9-b8982325702d',
        '4dcfc61b-3993-49c3-a04f-8a6c7aaf7881',
        '2a861628-0800-4b76-bd3f-6ecba7cd286c',
        '71320c73-ec57-446e-bd5b-9252d6943182',
      ].map((userId) => ({ value: profile(userId), schemaName: 'com.example.protobuf.UserProfile' })),
    );
  });

  it('reads the same values behind a full Confluent header (magic byte, schema id 1)', () => {
    const reader = readerFor('confluent', '1');
    const [raw] = eventRecords('protobuf-complex.confluent.json');
    const record = decodeRecord(raw as KafkaEventRecord);
    const framed = Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), record.value as Buffer]);
    expect(reader.read(record, framed, 5).value).toEqual(profile('a8e40971-1552-420d-a7c9-b8982325702d'));
  });

  it("reads the Glue event's record as a UserProfile row, message index 1 of the sorted messages", () => {
    const reader = readerFor('glue', '12345678-1234-1234-1234-123456789012');
    const [raw] = eventRecords('protobuf-complex.glue.json');
    const record = decodeRecord(raw as KafkaEventRecord);
    expect(reader.read(record, record.value as Buffer, 0)).toEqual({
      value: {
        userId: '123',
        name: 'Test',
        email: 'test@gmx.com',
        age: 10,
        isActive: false,
        signupDate: '2025-06-20',
        tags: ['tag1', 'tag2'],
        preferences: { theme: 'light' },
        address: { street: 'Mythenquai', city: 'Zurich', zip: '8002' },
      },
      schemaName: 'com.example.protobuf.UserProfile',
    });
  });
});
