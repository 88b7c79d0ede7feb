import type { GlueClient } from '@aws-sdk/client-glue';
import type { GlueRegistryConnection } from '../../config/converters.ts';
import { ErrorCode, SinkError } from '../../errors.ts';
import { commonJsExports } from '../commonjs-interop.ts';
import type { RegistrySchema, SchemaFormat } from './registry-schema.ts';

/**
 * AWS Glue Schema Registry: a schema version by its UUID through `GetSchemaVersion`, with the
 * function's role (the CDK construct grants `glue:GetSchemaVersion` and nothing else). The SDK
 * client is imported on first use, so a function without Glue does not load it.
 */

const REQUEST_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5_000;

const FORMATS: Readonly<Record<string, SchemaFormat>> = { AVRO: 'avro', PROTOBUF: 'protobuf', JSON: 'json' };

export class GlueRegistry {
  readonly #connection: GlueRegistryConnection;
  #client: Promise<{ client: GlueClient; send: (id: string) => Promise<unknown> }> | undefined;

  constructor(connection: GlueRegistryConnection) {
    this.#connection = connection;
  }

  /** The schema version, or undefined when Glue does not know it; REGISTRY_UNAVAILABLE is retryable. */
  async fetchSchema(id: string, deadline: number): Promise<RegistrySchema | undefined> {
    const { send } = await this.#clientOnce();
    if (deadline - Date.now() <= 0) {
      throw new SinkError(
        ErrorCode.REGISTRY_UNAVAILABLE,
        `the invocation deadline came before Glue answered for schema version ${id}`,
        { retryable: true },
      );
    }
    let answer: { SchemaDefinition?: string; DataFormat?: string; Status?: string };
    try {
      answer = (await send(id)) as typeof answer;
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (name === 'EntityNotFoundException') return undefined;
      const message = `Glue GetSchemaVersion ${id}: ${name} ${(error as Error).message ?? ''}`.trim();
      if (name === 'AccessDeniedException') {
        throw new SinkError(
          ErrorCode.REGISTRY_AUTH,
          `${message}; the function's role needs glue:GetSchemaVersion on the registry and schema`,
        );
      }
      if (name === 'InvalidInputException') throw new SinkError(ErrorCode.DECODE_SCHEMA, message);
      throw new SinkError(ErrorCode.REGISTRY_UNAVAILABLE, message, { retryable: true, cause: error });
    }
    const format = FORMATS[answer.DataFormat ?? ''];
    if (typeof answer.SchemaDefinition !== 'string' || format === undefined) {
      throw new SinkError(
        ErrorCode.DECODE_SCHEMA,
        `Glue schema version ${id} has no definition in a known format (DataFormat ${String(answer.DataFormat)})`,
      );
    }
    return { registry: 'glue', id, format, text: answer.SchemaDefinition, references: [] };
  }

  #clientOnce(): Promise<{ client: GlueClient; send: (id: string) => Promise<unknown> }> {
    this.#client ??= import('@aws-sdk/client-glue').then((sdk) => {
      const { GlueClient, GetSchemaVersionCommand } = commonJsExports(sdk, 'GlueClient');
      const { region, endpoint } = this.#connection;
      const client = new GlueClient({
        ...(region === undefined ? {} : { region }),
        ...(endpoint === undefined ? {} : { endpoint }),
        maxAttempts: 2,
        requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: CONNECT_TIMEOUT_MS },
      });
      const send = (id: string) => client.send(new GetSchemaVersionCommand({ SchemaVersionId: id }));
      return { client, send };
    });
    return this.#client;
  }
}
