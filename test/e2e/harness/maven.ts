import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KAFKA_LIB, PLUGIN_PATH, POM, STARROCKS_SDK_LIB } from './paths.ts';

const run = promisify(execFile);

/** The versions pinned in test/e2e/maven/pom.xml, read from it so they exist in one place. */
export function pinnedVersions(): { kafka: string; debezium: string } {
  const pom = readFileSync(POM, 'utf8');
  const kafka = /<kafka\.version>([^<]+)</.exec(pom)?.[1];
  const debezium = /<debezium\.version>([^<]+)</.exec(pom)?.[1];
  if (kafka === undefined || debezium === undefined)
    throw new Error(`${POM} lacks kafka.version/debezium.version`);
  return { kafka, debezium };
}

export const DEBEZIUM_PLUGIN_DIR = join(PLUGIN_PATH, 'debezium-connector-postgres');

/**
 * Fetches the Kafka and Debezium jars with Maven unless the pinned versions are already in
 * `.e2e/lib` (a version bump refetches into an emptied directory).
 */
export async function ensureJars(log: (line: string) => void = () => {}): Promise<void> {
  const { kafka, debezium } = pinnedVersions();
  const wanted = [
    { profile: 'kafka', dir: KAFKA_LIB, marker: `kafka_2.13-${kafka}.jar` },
    { profile: 'debezium', dir: DEBEZIUM_PLUGIN_DIR, marker: `debezium-connector-postgres-${debezium}.jar` },
  ];
  for (const jars of wanted) await ensureProfileJars(jars, log);
}

/** The StarRocks Stream Load SDK version pinned in test/e2e/maven/pom.xml. */
export function pinnedStarRocksSdkVersion(): string {
  const version = /<starrocks-sdk\.version>([^<]+)</.exec(readFileSync(POM, 'utf8'))?.[1];
  if (version === undefined) throw new Error(`${POM} lacks starrocks-sdk.version`);
  return version;
}

/** Fetches StarRocks' own Stream Load SDK into `.e2e/lib/starrocks-sdk` unless the pinned version is there. */
export async function ensureStarRocksSdkJars(log: (line: string) => void = () => {}): Promise<void> {
  const marker = `starrocks-stream-load-sdk-${pinnedStarRocksSdkVersion()}.jar`;
  await ensureProfileJars({ profile: 'starrocks-sdk', dir: STARROCKS_SDK_LIB, marker }, log);
}

/** Runs one profile's `dependency:copy-dependencies` into an emptied `dir` unless `marker` is already in it. */
async function ensureProfileJars(
  { profile, dir, marker }: { profile: string; dir: string; marker: string },
  log: (line: string) => void,
): Promise<void> {
  if (existsSync(join(dir, marker))) return;
  log(`fetching the ${profile} jars with Maven into ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  try {
    await run('mvn', ['-B', '-q', '-f', POM, '-P', profile, 'dependency:copy-dependencies'], {
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`mvn -P ${profile} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  if (!readdirSync(dir).includes(marker)) throw new Error(`Maven ran but ${marker} is not in ${dir}`);
}
