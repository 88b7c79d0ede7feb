import { ErrorCode, SinkError } from '../errors.ts';
import type { Credentials } from './stream-load.ts';

/**
 * The StarRocks credentials a Secrets Manager secret holds (`{"username", "password"}`), read by the
 * function and by the connection check alike; an error names the secret, never its content.
 */
export function parseSecretCredentials(value: unknown, secretArn: string): Credentials {
  const v = value as { username?: unknown; password?: unknown } | null;
  if (
    v === null ||
    typeof v !== 'object' ||
    typeof v.username !== 'string' ||
    typeof v.password !== 'string'
  ) {
    throw new SinkError(
      ErrorCode.SECRET_INVALID,
      `secret ${secretArn} must hold JSON {"username": "...", "password": "..."} with string values`,
    );
  }
  return { username: v.username, password: v.password };
}
