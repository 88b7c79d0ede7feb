/**
 * The Kafka Connect schema type, as JsonConverter writes it in an envelope; shared by the converter,
 * the logical types and the Debezium fast path.
 */

/** A Kafka Connect schema as JsonConverter writes it in the envelope. */
export interface ConnectSchema {
  readonly type: string;
  readonly optional?: boolean;
  readonly name?: string;
  readonly version?: number;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly default?: unknown;
  readonly field?: string;
  readonly fields?: readonly ConnectSchema[];
  readonly items?: ConnectSchema;
  readonly keys?: ConnectSchema;
  readonly values?: ConnectSchema;
}

/** Connect's primitive schema types: the ones whose values are neither structs, arrays nor maps. */
export const CONNECT_PRIMITIVE_TYPES = [
  'int8',
  'int16',
  'int32',
  'int64',
  'float32',
  'float64',
  'boolean',
  'string',
  'bytes',
] as const;
