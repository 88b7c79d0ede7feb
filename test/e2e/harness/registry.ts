// A real schema registry on loopback for the e2e suites: Apicurio Registry with in-memory storage,
// serving the Confluent-compatible API the sink reads and the native API Apicurio's converter writes to.
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { REGISTRY_LIB } from './maven.ts';
import { logFile } from './paths.ts';
import { startProcess, tail } from './process.ts';
import { freePort, waitFor } from './wait.ts';

export interface SchemaRegistry {
  /** What a user puts in `value.converter.schema.registry.url`, e.g. `http://127.0.0.1:40123/apis/ccompat/v7`. */
  readonly ccompatUrl: string;
  /** Apicurio's own API, for its converter's `apicurio.registry.url`. */
  readonly nativeUrl: string;
  readonly logFile: string;
  /** `GET <ccompatUrl>/schemas/ids/{id}`: the schema text, or undefined when the registry does not know the id. */
  schemaById(id: number): Promise<string | undefined>;
  /** SIGTERM, SIGKILL after 10 s. */
  stop(): Promise<void>;
}

/**
 * Starts Apicurio Registry from `.e2e/lib/registry` (the `registry` Maven profile) on a free
 * loopback port and waits until its Confluent-compatible API answers. Storage is in-memory H2, so
 * every start is empty: start one per suite and read schema ids from the messages.
 */
export async function startRegistry(name = 'registry'): Promise<SchemaRegistry> {
  const port = await freePort();
  const log = logFile(name);
  const proc = startProcess(
    name,
    'java',
    [
      // Measured here: ready in about 3.5 s and 160 MB resident with these flags; the JVM defaults
      // took 7.7 s and 280 MB.
      '-Xms64m',
      '-Xmx256m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Dquarkus.http.host=127.0.0.1',
      `-Dquarkus.http.port=${port}`,
      '-jar',
      join(REGISTRY_LIB, runnerJar()),
    ],
    { logFile: log, cwd: REGISTRY_LIB },
  );
  const base = `http://127.0.0.1:${port}`;
  const ccompatUrl = `${base}/apis/ccompat/v7`;
  try {
    await waitFor(
      `the schema registry to answer at ${ccompatUrl}/subjects`,
      async () => {
        if (proc.hasExited()) {
          throw Object.assign(new Error(`the registry exited with ${await proc.exited}`), { fatal: true });
        }
        return (await get(`${ccompatUrl}/subjects`)).status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 250, context: () => tail(log, 40) },
    );
  } catch (error) {
    await proc.stop(10_000);
    throw error;
  }
  return {
    ccompatUrl,
    nativeUrl: `${base}/apis/registry/v2`,
    logFile: log,
    async schemaById(id) {
      const response = await get(`${ccompatUrl}/schemas/ids/${id}`);
      if (response.status === 404) return undefined;
      if (response.status !== 200)
        throw new Error(`GET schemas/ids/${id}: HTTP ${response.status} ${response.body}`);
      return (JSON.parse(response.body) as { schema: string }).schema;
    },
    stop: () => proc.stop(10_000),
  };
}

/** The Quarkus runner in the unpacked distribution (its name carries the version). */
function runnerJar(): string {
  const jar = readdirSync(REGISTRY_LIB).find((f) => f.endsWith('-runner.jar'));
  if (jar === undefined) throw new Error(`no *-runner.jar in ${REGISTRY_LIB}: run ensureRegistryJars()`);
  return jar;
}

/** One GET on a fresh connection (no keep-alive socket left open at stop). */
function get(url: string, timeoutMs = 5_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The schema id of a value in the Confluent wire format (magic byte 0, then the id as a 4-byte
 * big-endian int), or undefined when the value is not framed so.
 */
export function confluentSchemaId(value: Buffer | null | undefined): number | undefined {
  if (value === null || value === undefined || value.length < 5 || value[0] !== 0) return undefined;
  return value.readInt32BE(1);
}
