import { join } from 'node:path';
import { KAFKA_LIB } from './paths.ts';

/** JVM flags for the 2-core test machine: small heaps, quick start-up. */
export function javaArgs(
  mainClass: string,
  args: readonly string[],
  extra: readonly string[] = [],
): string[] {
  return [
    '-Xms64m',
    '-Xmx512m',
    '-XX:+UseSerialGC',
    '-XX:TieredStopAtLevel=1',
    '-Djava.awt.headless=true',
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    ...extra,
    '-cp',
    join(KAFKA_LIB, '*'),
    mainClass,
    ...args,
  ];
}
