import { appendFileSync } from 'node:fs';
import { type LocalFunction, startLocalFunction } from '../../../lib/local/lambda-runtime.ts';
import {
  type InvocationInfo,
  type Poller,
  type RetryOptions,
  startPoller,
} from '../../../lib/local/poller.ts';
import { BUNDLE, logFile } from './paths.ts';

export interface SinkPipeline {
  readonly fn: LocalFunction;
  readonly poller: Poller;
  /** Every invocation the poller made, in order. */
  readonly invocations: InvocationInfo[];
  readonly logFile: string;
  stop(): Promise<void>;
}

/**
 * The built bundle in a Lambda-like child process, fed by the local poller: what the ESM and
 * Lambda do in AWS. The function's log lines and one line per invocation go to `.e2e/logs/`.
 */
export async function startSinkPipeline(options: {
  readonly name: string;
  readonly bootstrap: string;
  readonly topics: readonly string[];
  readonly sinkConfig: Readonly<Record<string, string>>;
  readonly groupId?: string;
  readonly batchSize?: number;
  readonly batchingWindowMs?: number;
  readonly retry?: RetryOptions;
}): Promise<SinkPipeline> {
  const log = logFile(options.name);
  const write = (line: string) => appendFileSync(log, `${line}\n`);
  const fn = await startLocalFunction({
    bundle: BUNDLE,
    env: { SINK_CONFIG: JSON.stringify(options.sinkConfig), POWERTOOLS_METRICS_DISABLED: 'true' },
    onLog: (line) => write(`[lambda] ${line}`),
  });
  const invocations: InvocationInfo[] = [];
  let poller: Poller;
  try {
    poller = await startPoller({
      bootstrapServers: options.bootstrap,
      topics: options.topics,
      groupId: options.groupId ?? `${options.name}-group`,
      fn,
      batchSize: options.batchSize ?? 100,
      batchingWindowMs: options.batchingWindowMs ?? 200,
      retry: options.retry ?? { initialMs: 200, maxMs: 2_000 },
      onInvoke: (info) => {
        invocations.push(info);
        const outcome = info.result.ok ? 'ok' : `FAILED: ${info.result.error.errorMessage}`;
        write(
          `[poller] invoke #${invocations.length} attempt ${info.attempt}: ${info.records} records, ${info.bytes} bytes, ${JSON.stringify(info.offsets)} -> ${outcome}`,
        );
      },
      onWarning: (message) => write(`[poller] warning: ${message}`),
    });
  } catch (error) {
    await fn.close();
    throw error;
  }
  return {
    fn,
    poller,
    invocations,
    logFile: log,
    async stop() {
      await poller.stop();
      await fn.close();
    },
  };
}
