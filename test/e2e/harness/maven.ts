import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KAFKA_LIB, LIB_DIR, PLUGIN_PATH, POM, STARROCKS_SDK_LIB } from './paths.ts';

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
/** Apicurio's Kafka Connect converters, a plug-in of their own beside Debezium. */
export const APICURIO_CONVERTER_DIR = join(PLUGIN_PATH, 'apicurio-converter');
/** The unpacked Apicurio Registry distribution (runner jar, lib/, meta/). */
export const REGISTRY_LIB = join(LIB_DIR, 'registry');

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

/** The Apicurio version pinned in test/e2e/maven/pom.xml (one for the registry and its converter). */
export function pinnedApicurioVersion(): string {
  const version = /<apicurio\.version>([^<]+)</.exec(readFileSync(POM, 'utf8'))?.[1];
  if (version === undefined) throw new Error(`${POM} lacks apicurio.version`);
  return version;
}

/**
 * Fetches Apicurio Registry into `.e2e/lib/registry` and its Connect AvroConverter (with the
 * services jar that lets `plugin.discovery=service_load` find it) into
 * `.e2e/lib/debezium/apicurio-converter`, unless the pinned version is there.
 */
export async function ensureRegistryJars(log: (line: string) => void = () => {}): Promise<void> {
  const version = pinnedApicurioVersion();
  await ensureProfileJars(
    {
      profile: 'registry',
      dir: REGISTRY_LIB,
      // Written by the dependency plug-in once the unpack is complete.
      marker: `.markers/io.apicurio-apicurio-registry-app-tar.gz-all-${version}.marker`,
      goals: ['dependency:unpack'],
      versionMarker: `apicurio-registry-app-${version}-runner.jar`,
    },
    log,
  );
  await ensureProfileJars(
    {
      profile: 'apicurio-converter',
      dir: APICURIO_CONVERTER_DIR,
      // The services jar is written last, so its presence says the directory is complete.
      marker: 'zz-converter-services.jar',
      goals: ['dependency:copy-dependencies', 'antrun:run'],
      versionMarker: `apicurio-registry-utils-converter-${version}.jar`,
    },
    log,
  );
}

/**
 * Runs one profile's goals (by default `dependency:copy-dependencies`) into an emptied `dir`
 * unless `marker` (and `versionMarker`, when given) is already in it.
 */
async function ensureProfileJars(
  {
    profile,
    dir,
    marker,
    goals = ['dependency:copy-dependencies'],
    versionMarker,
  }: {
    profile: string;
    dir: string;
    marker: string;
    goals?: readonly string[];
    versionMarker?: string;
  },
  log: (line: string) => void,
): Promise<void> {
  const markers = versionMarker === undefined ? [marker] : [marker, versionMarker];
  if (markers.every((m) => existsSync(join(dir, m)))) return;
  log(`fetching the ${profile} jars with Maven into ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  try {
    await run('mvn', ['-B', '-q', '-f', POM, '-P', profile, ...goals], {
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`mvn -P ${profile} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  const missing = markers.filter((m) => !existsSync(join(dir, m)));
  if (missing.length > 0) throw new Error(`Maven ran but ${missing.join(', ')} is not in ${dir}`);
}
