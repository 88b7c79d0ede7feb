import type { RegistryAuth, RegistryConnection } from '../../config/converters.ts';
import { ErrorCode, SinkError } from '../../errors.ts';
import { ConfluentRegistry, type RegistryCredentials } from './confluent-registry.ts';
import { GlueRegistry } from './glue-registry.ts';
import type { RegistrySchema } from './registry-schema.ts';

/**
 * The schemas of one registry, fetched once per container: a schema id never changes meaning, so
 * each is kept for the container's life (up to {@link MAX_CACHED_SCHEMAS}); the ids a batch needs are
 * fetched a few at a time; an id the registry does not know is asked again by the next batch (it
 * may be registered by then), and a registry that is down fails the batch so it is retried.
 */

/** Far more than the schema versions a set of topics goes through; oldest dropped beyond it. */
const MAX_CACHED_SCHEMAS = 10_000;
/** Fetches in flight at once for one batch. */
const FETCH_CONCURRENCY = 4;

/** Reads a Secrets Manager secret's JSON (the function wires the SDK; local runs have none). */
export type SecretReader = (secretArn: string) => Promise<unknown>;

interface SchemaFetcher {
  fetchSchema(id: string, deadline: number): Promise<RegistrySchema | undefined>;
}

export class SchemaCache {
  readonly #known = new Map<string, RegistrySchema>();
  readonly #fetcher: () => Promise<SchemaFetcher>;

  constructor(connection: RegistryConnection, auth: { readonly readSecret?: SecretReader | undefined } = {}) {
    this.#fetcher = once(() => createFetcher(connection, auth.readSecret));
  }

  /**
   * The schema of each id (undefined for an id the registry does not know), fetching those not
   * cached, {@link FETCH_CONCURRENCY} at a time. Throws when the registry cannot answer.
   */
  async schemasOf(ids: Iterable<string>, deadline: number): Promise<Map<string, RegistrySchema | undefined>> {
    const found = new Map<string, RegistrySchema | undefined>();
    const missing: string[] = [];
    for (const id of new Set(ids)) {
      const known = this.#known.get(id);
      if (known === undefined) missing.push(id);
      else found.set(id, known);
    }
    if (missing.length === 0) return found;
    const fetcher = await this.#fetcher();
    let next = 0;
    const worker = async () => {
      while (next < missing.length) {
        const id = missing[next++] as string;
        const schema = await fetcher.fetchSchema(id, deadline);
        found.set(id, schema);
        if (schema !== undefined) this.#remember(id, schema);
      }
    };
    await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, missing.length) }, worker));
    return found;
  }

  #remember(id: string, schema: RegistrySchema): void {
    this.#known.set(id, schema);
    if (this.#known.size > MAX_CACHED_SCHEMAS) {
      const oldest = this.#known.keys().next().value;
      if (oldest !== undefined) this.#known.delete(oldest);
    }
  }
}

async function createFetcher(
  connection: RegistryConnection,
  readSecret: SecretReader | undefined,
): Promise<SchemaFetcher> {
  if (connection.kind === 'glue') return new GlueRegistry(connection);
  return new ConfluentRegistry(connection, await resolveCredentials(connection.auth, readSecret));
}

async function resolveCredentials(
  auth: RegistryAuth,
  readSecret: SecretReader | undefined,
): Promise<RegistryCredentials> {
  switch (auth.kind) {
    case 'none':
      return { kind: 'none' };
    case 'basic': {
      const colon = auth.userInfo.indexOf(':');
      return {
        kind: 'basic',
        username: auth.userInfo.slice(0, colon),
        password: auth.userInfo.slice(colon + 1),
      };
    }
    case 'bearer':
      return { kind: 'bearer', token: auth.token };
    case 'secret': {
      if (readSecret === undefined) {
        throw new SinkError(
          ErrorCode.SECRET_INVALID,
          `the registry secret ${auth.secretArn} cannot be read here (no Secrets Manager client); give the credentials in the config for local runs`,
        );
      }
      return credentialsFromSecret(await readSecret(auth.secretArn), auth.secretArn, auth.scheme);
    }
  }
}

/** The secret's JSON as credentials, never echoing its content. */
export function credentialsFromSecret(
  value: unknown,
  secretArn: string,
  scheme: 'basic' | 'bearer',
): RegistryCredentials {
  const v = (value ?? {}) as { username?: unknown; password?: unknown; token?: unknown };
  if (scheme === 'bearer' && typeof v.token === 'string') return { kind: 'bearer', token: v.token };
  if (scheme === 'basic' && typeof v.username === 'string' && typeof v.password === 'string') {
    return { kind: 'basic', username: v.username, password: v.password };
  }
  const expected = scheme === 'bearer' ? '{"token": "..."}' : '{"username": "...", "password": "..."}';
  throw new SinkError(
    ErrorCode.SECRET_INVALID,
    `the registry secret ${secretArn} must hold JSON ${expected} with string values`,
  );
}

/** A promise-returning function run once; a failure is not kept, so the next batch tries again. */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make().catch((error: unknown) => {
      made = undefined;
      throw error;
    });
    return made;
  };
}
