import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Everything the e2e suite writes lives under `.e2e/` (gitignored): jars, data, logs. */
export const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const E2E_DIR = resolve(ROOT, '.e2e');
export const LIB_DIR = resolve(E2E_DIR, 'lib');
export const KAFKA_LIB = resolve(LIB_DIR, 'kafka');
/** Connect's plugin.path: each plug-in in its own sub-directory. */
export const PLUGIN_PATH = resolve(LIB_DIR, 'debezium');
/** StarRocks' own Stream Load SDK and its dependencies (the `starrocks-sdk` Maven profile). */
export const STARROCKS_SDK_LIB = resolve(LIB_DIR, 'starrocks-sdk');
/** Java programs of the suite (test/e2e/java), compiled by the harness. */
export const CLASSES_DIR = resolve(E2E_DIR, 'classes');
export const LOG_DIR = resolve(E2E_DIR, 'logs');
export const POM = resolve(ROOT, 'test/e2e/maven/pom.xml');
export const BUNDLE = resolve(ROOT, 'dist/sink/index.mjs');

/** A fresh working directory for one run of one component, e.g. `.e2e/run/kafka-1a2b3c`. */
export function runDir(name: string): string {
  const dir = resolve(E2E_DIR, 'run', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export function logFile(name: string): string {
  mkdirSync(LOG_DIR, { recursive: true });
  return resolve(LOG_DIR, `${name}.log`);
}
