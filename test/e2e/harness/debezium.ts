// The Debezium PostgreSQL connector settings of the e2e suites (JSON and Avro values), the sink
// settings that read its topics as the seed does, and a reader of the records it wrote.
import {
  Consumer,
  type Message,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
} from '@platformatic/kafka';
import { seedDebeziumSettings } from '../../../lib/local/seed.ts';
import { PG } from './postgres.ts';
import { waitFor } from './wait.ts';

/** Names unique to one run: a stale slot or topic from an earlier run is never reused. */
export interface CdcNames {
  readonly database: string;
  readonly prefix: string;
  readonly slot: string;
  readonly publication: string;
  readonly connector: string;
}

export function cdcNames(run: string, database = 'sink_e2e'): CdcNames {
  // Slot names: lower-case letters, digits and _ only.
  const id = run.toLowerCase().replace(/[^a-z0-9]/g, '');
  return {
    database,
    prefix: `e2e_${id}`,
    slot: `sink_e2e_${id}`,
    publication: `sink_e2e_pub_${id}`,
    connector: `pg-cdc-${id}`,
  };
}

/** The Debezium PostgreSQL connector for `tables`, with the settings the sink relies on written out. */
export function postgresConnector(names: CdcNames, tables: readonly string[]): Record<string, string> {
  return {
    'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'tasks.max': '1',
    'plugin.name': 'pgoutput',
    'database.hostname': PG.host,
    'database.port': PG.port,
    'database.user': PG.user,
    'database.password': PG.password,
    'database.dbname': names.database,
    'topic.prefix': names.prefix,
    'table.include.list': tables.join(','),
    'slot.name': names.slot,
    'publication.name': names.publication,
    'publication.autocreate.mode': 'filtered',
    'snapshot.mode': 'initial',
    'slot.drop.on.stop': 'true',
    'decimal.handling.mode': 'precise',
    'time.precision.mode': 'adaptive',
    'tombstones.on.delete': 'true',
  };
}

/** The seed's Debezium sink settings (its CDC walk-through), on top of a base sink config. */
export function seedDebeziumSinkConfig(topic: string, table: string): Record<string, string> {
  return { ...seedDebeziumSettings(topic, table), 'key.converter.schemas.enable': 'true' };
}

/**
 * Connector-level overrides that make a connector write its values with Apicurio's Kafka Connect
 * AvroConverter in the Confluent wire format (magic byte 0, 4-byte schema id, Avro body), what a
 * Debezium deployment on Confluent Schema Registry writes. Keys stay on the worker's JsonConverter.
 * `nativeUrl` is the registry's Apicurio API (SchemaRegistry.nativeUrl).
 */
export function apicurioAvroValues(nativeUrl: string): Record<string, string> {
  const prefix = 'value.converter.apicurio.registry';
  return {
    'value.converter': 'io.apicurio.registry.utils.converter.AvroConverter',
    [`${prefix}.url`]: nativeUrl,
    [`${prefix}.auto-register`]: 'true',
    // A 4-byte id (the default writes 8).
    [`${prefix}.as-confluent`]: 'true',
    // The ids the Confluent-compatible API serves are content ids, not Apicurio's global ids.
    [`${prefix}.use-id`]: 'contentId',
    // Otherwise the id goes into record headers and the value loses its magic byte and id.
    [`${prefix}.headers.enabled`]: 'false',
  };
}

/**
 * A sink config whose values are read by the Confluent AvroConverter from the registry at
 * `ccompatUrl`, as a user of the connector writes it: `config` (e.g. the seed's Debezium settings)
 * with its value converter swapped. JsonConverter's `value.converter.schemas.enable` does not
 * apply to a registry converter (the sink refuses it there), so it is dropped.
 */
export function withConfluentAvroValues(
  config: Readonly<Record<string, string>>,
  ccompatUrl: string,
): Record<string, string> {
  const { 'value.converter.schemas.enable': _jsonOnly, ...rest } = config;
  return {
    ...rest,
    'value.converter': 'io.confluent.connect.avro.AvroConverter',
    'value.converter.schema.registry.url': ccompatUrl,
  };
}

/**
 * The first `count` records of `topic` (from the earliest offset), with key and value as the
 * exact bytes the connector wrote.
 */
export async function readTopic(
  bootstrap: string,
  topic: string,
  count: number,
  context: () => string = () => '',
): Promise<Message<Buffer, Buffer, Buffer, Buffer>[]> {
  const messages: Message<Buffer, Buffer, Buffer, Buffer>[] = [];
  const consumer = new Consumer({
    clientId: 'e2e-read',
    groupId: `e2e-read-${topic}-${Date.now().toString(36)}`,
    bootstrapBrokers: [bootstrap],
  });
  try {
    const stream = await consumer.consume({
      topics: [topic],
      mode: MessagesStreamModes.EARLIEST,
      fallbackMode: MessagesStreamFallbackModes.EARLIEST,
      autocommit: false,
    });
    stream.on('data', (m: Message<Buffer, Buffer, Buffer, Buffer>) => messages.push(m));
    try {
      await waitFor(`${count} records on ${topic}`, () => messages.length >= count, {
        timeoutMs: 60_000,
        context,
      });
    } finally {
      await stream.close();
    }
  } finally {
    await consumer.close(true);
  }
  return messages.slice(0, count);
}
