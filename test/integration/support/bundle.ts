import { type LocalFunction, startLocalFunction } from '../../../lib/local/lambda-runtime.ts';

/** The built handler, run in a child process as Lambda runs it. */
export const BUNDLE = 'dist/sink/index.mjs';

/** Starts the bundle with `SINK_CONFIG` and metrics off; `close()` it after the test. */
export function startBundle(
  config: Record<string, string>,
  env: Record<string, string> = {},
): Promise<LocalFunction> {
  return startLocalFunction({
    bundle: BUNDLE,
    env: { SINK_CONFIG: JSON.stringify(config), POWERTOOLS_METRICS_DISABLED: 'true', ...env },
  });
}

/** The function's structured log lines (Powertools JSON), parsed. */
export function jsonLogs(fn: LocalFunction): Record<string, unknown>[] {
  return fn.logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}
