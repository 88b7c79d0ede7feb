import type { MiddlewareObj, Request } from '@middy/core';
import type { CredentialsSource } from '../../lib/config/connection.ts';
import { commonJsExports } from '../../lib/decode/commonjs-interop.ts';
import { ErrorCode, SinkError } from '../../lib/errors.ts';
import { parseSecretCredentials } from '../../lib/load/secret-credentials.ts';
import type { CredentialsProvider } from '../../lib/load/stream-load.ts';

const CACHE_KEY = 'starrocks-credentials';
const INTERNAL_KEY = 'starrocksCredentials';
/** A rotated password is picked up within this time even without a 401. */
export const SECRET_CACHE_MS = 5 * 60_000;

export interface CredentialsWiring {
  /** The middy middleware to `.use()`, when credentials come from Secrets Manager. */
  readonly middleware: MiddlewareObj | undefined;
  /** Credentials for the current invocation (the middleware puts the secret on the context). */
  provider(context: object): CredentialsProvider;
}

/**
 * Static credentials, or Secrets Manager through the middy middleware with a finite cache. The
 * middleware and the AWS SDK are imported only when a secret is configured, so a function with
 * static credentials does not pay for loading them at cold start.
 */
export async function wireCredentials(source: CredentialsSource): Promise<CredentialsWiring> {
  if (source.kind === 'static') {
    const creds = { username: source.username, password: source.password };
    return { middleware: undefined, provider: () => ({ get: async () => creds }) };
  }
  const [{ default: secretsManager }, { clearCache }] = await Promise.all([
    import('@middy/secrets-manager'),
    import('@middy/util'),
  ]);
  const middleware = secretsManager({
    fetchData: { [INTERNAL_KEY]: source.secretArn },
    cacheKey: CACHE_KEY,
    cacheExpiry: SECRET_CACHE_MS,
    setToContext: true,
  }) as MiddlewareObj;
  const read = (holder: object) =>
    parseSecretCredentials((holder as Record<string, unknown>)[INTERNAL_KEY], source.secretArn);
  return {
    middleware,
    provider: (context) => ({
      get: async () => read(context),
      refresh: async () => {
        // Drop the cached secret and run the middleware again: the fresh value is cached for the
        // invocations that follow too.
        clearCache([CACHE_KEY]);
        const fresh = {
          event: {},
          context: {},
          internal: {},
          response: undefined,
          error: undefined,
        } as unknown as Request;
        await middleware.before?.(fresh);
        return read(fresh.context);
      },
    }),
  };
}

/**
 * Reads a secret's JSON through Secrets Manager (the schema registry's credentials). The client is
 * imported on first use; the registry client reads the secret once per container.
 */
export async function readSecretJson(secretArn: string): Promise<unknown> {
  const sdk = commonJsExports(await import('@aws-sdk/client-secrets-manager'), 'SecretsManagerClient');
  const { SecretsManagerClient, GetSecretValueCommand } = sdk;
  const client = new SecretsManagerClient({});
  const answer = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  try {
    return JSON.parse(answer.SecretString ?? '');
  } catch {
    throw new SinkError(ErrorCode.SECRET_INVALID, `secret ${secretArn} does not hold JSON text`);
  }
}
