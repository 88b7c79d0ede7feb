import { createServer } from 'node:net';

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Appended to the timeout error, e.g. the tail of a log file. */
  readonly context?: () => string;
}

/**
 * Polls `probe` until it returns something other than `undefined`/`false`, or throws after
 * `timeoutMs` with the last probe error: every wait in the harness is bounded.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      // A probe that knows waiting cannot help (a FAILED connector) ends the wait at once.
      if ((error as { fatal?: unknown }).fatal === true) throw error;
      last = error;
    }
    if (Date.now() >= deadline) {
      const cause = last instanceof Error ? `; last error: ${last.message}` : '';
      const context = options.context?.() ?? '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${cause}${context}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}

/** A port free on 127.0.0.1 right now (Kafka's advertised listener cannot be port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
