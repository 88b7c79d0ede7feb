import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * A warm Lambda execution environment on this machine: one child process that imports the built
 * bundle once and serves invocations, with the env vars, deadline and context Lambda provides.
 * Used by `npm start`, the local event-source poller and the integration tests.
 */

export interface LocalFunctionOptions {
  /** Path to the built handler, e.g. `dist/sink/index.mjs`. */
  readonly bundle: string;
  /** Environment of the function (SINK_CONFIG, AWS_* ...); the parent's PATH and HOME are kept. */
  readonly env: Readonly<Record<string, string>>;
  readonly functionName?: string;
  /** Where the function's stdout/stderr go; collected in `logs` by default. */
  readonly onLog?: (line: string) => void;
}

export interface InvokeOptions {
  /** The function timeout. @default 30000 */
  readonly timeoutMs?: number;
}

export type InvokeResult =
  | { readonly ok: true; readonly result: unknown; readonly ms: number }
  | {
      readonly ok: false;
      readonly error: { errorType: string; errorMessage: string; code?: string; retryable?: boolean };
      readonly ms: number;
    };

export interface LocalFunction {
  invoke(event: unknown, options?: InvokeOptions): Promise<InvokeResult>;
  /** Everything the function printed so far, one entry per line. */
  readonly logs: string[];
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./lambda-child.mjs', import.meta.url));

export async function startLocalFunction(options: LocalFunctionOptions): Promise<LocalFunction> {
  const logs: string[] = [];
  const child: ChildProcess = fork(CHILD, [options.bundle, options.functionName ?? 'starrocks-sink'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      AWS_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: options.functionName ?? 'starrocks-sink',
      NODE_OPTIONS: '--enable-source-maps',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const onLine = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      logs.push(line);
      options.onLog?.(line);
    }
  };
  child.stdout?.on('data', onLine);
  child.stderr?.on('data', onLine);

  const pending = new Map<number, (r: InvokeResult) => void>();
  let nextId = 1;
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('exit', (code) => {
    exited = true;
    for (const resolve of pending.values()) {
      resolve({
        ok: false,
        error: {
          errorType: 'Runtime.ExitError',
          errorMessage: `the function process exited with code ${code}`,
        },
        ms: 0,
      });
    }
    pending.clear();
  });
  child.on('message', (message: { type: string; id?: number } & InvokeResult) => {
    if (message.type !== 'result' || message.id === undefined) return;
    const { type: _type, id, ...result } = message;
    pending.get(id)?.(result as InvokeResult);
    pending.delete(id);
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`the function process exited with code ${code} before it was ready`)),
    );
  });

  return {
    logs,
    invoke(event, invokeOptions = {}) {
      if (exited) return Promise.reject(new Error('the local function has exited'));
      const id = nextId++;
      return new Promise<InvokeResult>((resolve) => {
        pending.set(id, resolve);
        child.send({ type: 'invoke', id, event, timeoutMs: invokeOptions.timeoutMs ?? 30_000 });
      });
    },
    async close() {
      if (!exited) {
        child.send({ type: 'exit' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exitPromise;
        clearTimeout(timer);
      }
    },
  };
}
