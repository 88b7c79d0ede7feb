import { createServer, type Server } from 'node:net';

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

/** Ports this process has handed out: the kernel may offer a just-closed port again at once. */
const handedOut = new Set<number>();

/** A port free on 127.0.0.1 right now (Kafka's advertised listener cannot be port 0). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/**
 * `count` different ports free on 127.0.0.1 right now, none handed out before in this process: all
 * are held open until each is known, so two asked for together cannot be the same.
 */
export async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  const ports: number[] = [];
  try {
    while (ports.length < count) {
      const server = createServer();
      held.push(server);
      const port = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
          const address = server.address();
          resolve(typeof address === 'object' && address !== null ? address.port : 0);
        });
      });
      if (port !== 0 && !handedOut.has(port)) ports.push(port);
    }
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
  for (const port of ports) handedOut.add(port);
  return ports;
}
