import type { Dispatcher } from 'undici';
import type { ConfluentRegistryConnection } from '../../config/converters.ts';
import { hideSecrets } from '../../config/shown-values.ts';
import { ErrorCode, SinkError } from '../../errors.ts';
import { commonJsExports } from '../commonjs-interop.ts';
import type { RegistrySchema, SchemaFormat, SchemaReference } from './registry-schema.ts';

/**
 * A Confluent-compatible schema registry over its REST API (Confluent Schema Registry and Cloud,
 * Apicurio's ccompat API, Redpanda, Karapace): `GET /schemas/ids/{id}` and, for references,
 * `GET /subjects/{subject}/versions/{version}`. The base URLs are tried in order, starting from the
 * last that answered; each read is bounded in bytes and in time; redirects are not followed, so the
 * credentials go only to the configured hosts; any text quoted from an answer is scrubbed of them.
 */

/** A schema is a few KB; a registry answer larger than this is not a schema. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;
/** Per request; the invocation's deadline bounds the whole fetch too. */
const REQUEST_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** References nest (a type importing a type); deeper than this is a cycle or a mistake. */
const MAX_REFERENCE_DEPTH = 16;
const ACCEPT =
  'application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, application/json';

/** Basic or bearer credentials, already resolved (from the config or a secret). */
export type RegistryCredentials =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string };

/** What a registry answer holds for a schema: its text, type and references. */
interface SchemaAnswer {
  readonly schema: string;
  readonly schemaType?: string;
  readonly references?: readonly { name: string; subject: string; version: number }[];
}

/** The outcome of one GET: a JSON body, a 404 (not found), or a failure that names itself. */
type Answer = { readonly status: number; readonly body: unknown };

export class ConfluentRegistry {
  readonly #urls: readonly string[];
  readonly #headers: Record<string, string>;
  readonly #secrets: readonly string[];
  #preferred = 0;
  #dispatcher: Promise<Dispatcher> | undefined;

  constructor(connection: ConfluentRegistryConnection, credentials: RegistryCredentials) {
    this.#urls = connection.urls;
    this.#headers = { accept: ACCEPT, ...connection.headers, ...authorization(credentials) };
    this.#secrets = secretsOf(credentials, this.#headers.authorization);
  }

  /**
   * The schema with this id and every schema it references, or undefined when the registry does
   * not know the id. Throws a retryable REGISTRY_UNAVAILABLE when no URL answers.
   */
  async fetchSchema(id: string, deadline: number): Promise<RegistrySchema | undefined> {
    const answer = await this.#get(`/schemas/ids/${encodeURIComponent(id)}`, deadline);
    if (answer === undefined) return undefined;
    return this.#toSchema(id, readSchemaAnswer(answer, `schema ${id}`), deadline, 0);
  }

  async #toSchema(
    id: string,
    answer: SchemaAnswer,
    deadline: number,
    depth: number,
  ): Promise<RegistrySchema> {
    const references: SchemaReference[] = [];
    for (const ref of answer.references ?? []) {
      if (depth >= MAX_REFERENCE_DEPTH) {
        throw new SinkError(
          ErrorCode.DECODE_SCHEMA,
          `schema ${id}: references nest deeper than ${MAX_REFERENCE_DEPTH} levels`,
        );
      }
      const path = `/subjects/${encodeURIComponent(ref.subject)}/versions/${encodeURIComponent(String(ref.version))}`;
      const found = await this.#get(path, deadline);
      if (found === undefined) {
        throw new SinkError(
          ErrorCode.DECODE_SCHEMA,
          `schema ${id} references "${ref.name}" (subject ${ref.subject} version ${ref.version}), which the registry does not have`,
        );
      }
      const referenced = readSchemaAnswer(found, `subject ${ref.subject} version ${ref.version}`);
      const refId = String((found as { id?: unknown }).id ?? `${ref.subject}/${ref.version}`);
      references.push({
        name: ref.name,
        schema: await this.#toSchema(refId, referenced, deadline, depth + 1),
      });
    }
    return {
      registry: 'confluent',
      id,
      format: formatOf(answer.schemaType),
      text: answer.schema,
      references,
    };
  }

  /** GET `path` from the first URL that answers; undefined on 404. */
  async #get(path: string, deadline: number): Promise<unknown> {
    const failures: string[] = [];
    for (let i = 0; i < this.#urls.length; i++) {
      const index = (this.#preferred + i) % this.#urls.length;
      const base = this.#urls[index] as string;
      const answer = await this.#request(base, path, deadline).catch((error: unknown) => {
        failures.push(`${base}: ${this.#scrub(describeFailure(error))}`);
        return undefined;
      });
      if (answer === undefined) continue;
      if (answer.status === 200) {
        this.#preferred = index;
        return answer.body;
      }
      const detail = this.#scrub(describeAnswer(answer));
      if (answer.status === 404) {
        if (isRegistryNotFound(answer.body)) {
          this.#preferred = index;
          return undefined;
        }
        failures.push(`${base}: ${detail}, not a registry's "not found" (is this the registry's base URL?)`);
        continue;
      }
      if (answer.status === 401 || answer.status === 403) {
        throw new SinkError(
          ErrorCode.REGISTRY_AUTH,
          `the schema registry ${base} refused the credentials (${detail}); check basic.auth.user.info / the registry secret and its permissions`,
        );
      }
      if (answer.status >= 300 && answer.status < 400) {
        failures.push(`${base}: redirected (${detail}), which is not followed; give the URL it redirects to`);
        continue;
      }
      if (answer.status === 429 || answer.status >= 500) {
        failures.push(`${base}: ${detail}`);
        continue;
      }
      throw new SinkError(
        ErrorCode.DECODE_SCHEMA,
        `the schema registry ${base} answered GET ${path} with ${detail}`,
      );
    }
    throw new SinkError(
      ErrorCode.REGISTRY_UNAVAILABLE,
      `no schema registry URL answered GET ${path}: ${failures.join('; ')}`,
      { retryable: true },
    );
  }

  async #request(base: string, path: string, deadline: number): Promise<Answer> {
    const dispatcher = await this.#dispatcherOnce();
    const { request } = await loadUndici();
    const timeout = Math.min(REQUEST_TIMEOUT_MS, deadline - Date.now());
    if (timeout <= 0) throw new Error('the invocation deadline came before the registry answered');
    const signal = AbortSignal.timeout(timeout);
    const response = await request(`${base}${path}`, {
      method: 'GET',
      headers: this.#headers,
      dispatcher,
      signal,
    });
    const text = await readBounded(response.body, MAX_ANSWER_BYTES);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Kept as text: a proxy's HTML error page, quoted (shortened and scrubbed) in the failure.
    }
    return { status: response.statusCode, body };
  }

  #dispatcherOnce(): Promise<Dispatcher> {
    this.#dispatcher ??= loadUndici().then(
      ({ Agent }) =>
        new Agent({
          keepAliveTimeout: 30_000,
          connect: { timeout: CONNECT_TIMEOUT_MS },
          headersTimeout: REQUEST_TIMEOUT_MS,
          bodyTimeout: REQUEST_TIMEOUT_MS,
        }),
    );
    return this.#dispatcher;
  }

  #scrub(text: string): string {
    return hideSecrets(text, this.#secrets);
  }
}

/** undici, imported on first use (CommonJS: see commonjs-interop.ts). */
async function loadUndici(): Promise<typeof import('undici')> {
  return commonJsExports(await import('undici'), 'Agent');
}

function authorization(credentials: RegistryCredentials): Record<string, string> {
  switch (credentials.kind) {
    case 'basic': {
      const pair = `${credentials.username}:${credentials.password}`;
      return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
    }
    case 'bearer':
      return { authorization: `Bearer ${credentials.token}` };
    default:
      return {};
  }
}

/** Everything of the credentials an answer could echo, longest first. */
function secretsOf(credentials: RegistryCredentials, header: string | undefined): string[] {
  const secrets: string[] = [];
  if (header !== undefined) secrets.push(header, header.replace(/^\w+ /, ''));
  if (credentials.kind === 'basic')
    secrets.push(credentials.password, `${credentials.username}:${credentials.password}`);
  if (credentials.kind === 'bearer') secrets.push(credentials.token);
  return secrets.filter((s) => s.length >= 2).sort((a, b) => b.length - a.length);
}

async function readBounded(
  body: AsyncIterable<Buffer> & { destroy(): void },
  limit: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new Error(`the answer is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function readSchemaAnswer(body: unknown, what: string): SchemaAnswer {
  const answer = body as Partial<SchemaAnswer> | null;
  if (answer === null || typeof answer !== 'object' || typeof answer.schema !== 'string') {
    throw new SinkError(ErrorCode.DECODE_SCHEMA, `the registry's answer for ${what} holds no "schema" text`);
  }
  const references = answer.references ?? [];
  if (
    !Array.isArray(references) ||
    references.some((r) => typeof r?.name !== 'string' || typeof r?.subject !== 'string')
  ) {
    throw new SinkError(
      ErrorCode.DECODE_SCHEMA,
      `the registry's answer for ${what} has malformed "references"`,
    );
  }
  return answer as SchemaAnswer;
}

/** Confluent leaves `schemaType` out for Avro. */
function formatOf(schemaType: string | undefined): SchemaFormat {
  switch (schemaType) {
    case 'PROTOBUF':
      return 'protobuf';
    case 'JSON':
      return 'json';
    default:
      return 'avro';
  }
}

/** Confluent's error codes for an unknown schema, subject or version (40401–40403). */
function isRegistryNotFound(body: unknown): boolean {
  const code = (body as { error_code?: unknown } | null)?.error_code;
  return typeof code === 'number' && code >= 40401 && code <= 40403;
}

function describeAnswer(answer: Answer): string {
  const body = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  const shown = body.length > 300 ? `${body.slice(0, 300)}…` : body;
  return `HTTP ${answer.status}${shown ? `: ${shown}` : ''}`;
}

function describeFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code} ${error.message}` : error.message;
}
