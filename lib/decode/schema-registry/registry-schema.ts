/**
 * A schema as a registry hands it back (Confluent Schema Registry or AWS Glue Schema Registry),
 * with the schemas it references; what the converters compile into value readers.
 */

export type SchemaFormat = 'avro' | 'protobuf' | 'json';

/** Which registry wrote the framing: Confluent's magic byte 0 + id, or Glue's header + version UUID. */
export type RegistryKind = 'confluent' | 'glue';

export interface RegistrySchema {
  readonly registry: RegistryKind;
  /** The id the framing carries: `"42"` for Confluent, a schema version UUID for Glue. */
  readonly id: string;
  readonly format: SchemaFormat;
  /** The schema text: Avro JSON, `.proto` source, or JSON Schema. */
  readonly text: string;
  /** Schemas this one references, each under the name it is referenced by, resolved depth first. */
  readonly references: readonly SchemaReference[];
}

export interface SchemaReference {
  /** Avro: the full name of the referenced type; Protobuf: the import path (`"other.proto"`). */
  readonly name: string;
  readonly schema: RegistrySchema;
}
