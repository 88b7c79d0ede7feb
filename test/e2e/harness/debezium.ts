import { seedDebeziumSettings } from '../../../lib/local/seed.ts';
import { PG } from './postgres.ts';

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
