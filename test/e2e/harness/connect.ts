import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { javaArgs } from './java.ts';
import { logFile, PLUGIN_PATH, runDir } from './paths.ts';
import { startProcess, tail } from './process.ts';
import { freePort, waitFor } from './wait.ts';

export interface ConnectWorker {
  readonly restUrl: string;
  readonly logFile: string;
  /** GET /connectors/{name}/status */
  status(name: string): Promise<ConnectorStatus>;
  /** SIGTERM (a clean stop lets Debezium drop its slot with slot.drop.on.stop), SIGKILL after 30 s. */
  stop(): Promise<void>;
}

export interface ConnectorStatus {
  readonly connector: { readonly state: string; readonly trace?: string };
  readonly tasks: readonly { readonly id: number; readonly state: string; readonly trace?: string }[];
}

/**
 * Kafka Connect standalone on loopback with JsonConverter (schemas on, as the seed's Debezium
 * pipeline) and the Debezium directory as plugin.path; starts the given connectors and waits until
 * each one and its task are RUNNING.
 */
export async function startConnect(options: {
  readonly name: string;
  readonly bootstrap: string;
  readonly connectors: readonly { readonly name: string; readonly config: Record<string, string> }[];
}): Promise<ConnectWorker> {
  const port = await freePort();
  const dir = runDir(options.name);
  const log = logFile(options.name);
  const worker = join(dir, 'worker.properties');
  writeFileSync(
    worker,
    [
      `bootstrap.servers=${options.bootstrap}`,
      'key.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable=true',
      'value.converter.schemas.enable=true',
      `offset.storage.file.filename=${join(dir, 'offsets')}`,
      'offset.flush.interval.ms=1000',
      `plugin.path=${PLUGIN_PATH}`,
      // Debezium ships META-INF/services entries, so the slow reflective scan is not needed.
      'plugin.discovery=service_load',
      `listeners=http://127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  const files = options.connectors.map((c) => {
    const file = join(dir, `${c.name}.json`);
    writeFileSync(file, JSON.stringify({ name: c.name, config: { name: c.name, ...c.config } }, null, 2));
    return file;
  });
  const proc = startProcess(
    options.name,
    'java',
    javaArgs('org.apache.kafka.connect.cli.ConnectStandalone', [worker, ...files]),
    { logFile: log },
  );
  const restUrl = `http://127.0.0.1:${port}`;
  const status = async (name: string): Promise<ConnectorStatus> => {
    const response = await rest('GET', `${restUrl}/connectors/${encodeURIComponent(name)}/status`);
    if (response.status !== 200)
      throw new Error(`GET status of ${name}: HTTP ${response.status} ${response.body}`);
    return JSON.parse(response.body) as ConnectorStatus;
  };
  const stop = async () => {
    // Deleting the connectors first stops their tasks in order (Debezium drops its slot), so the
    // worker's own shutdown has nothing left that could hang; SIGKILL after 15 s if it does.
    if (!proc.hasExited()) {
      for (const c of options.connectors) {
        await rest('DELETE', `${restUrl}/connectors/${encodeURIComponent(c.name)}`).catch(() => {});
      }
    }
    await proc.stop(15_000);
  };
  try {
    for (const connector of options.connectors) {
      await waitFor(
        `connector ${connector.name} and its task to be RUNNING at ${restUrl}`,
        async () => {
          if (proc.hasExited()) throw new Error(`Connect exited with ${await proc.exited}`);
          const s = await status(connector.name);
          const failed = [s.connector, ...s.tasks].find((x) => x.state === 'FAILED');
          if (failed !== undefined) {
            throw Object.assign(new Error(`connector ${connector.name} FAILED: ${failed.trace ?? ''}`), {
              fatal: true,
            });
          }
          return (
            s.connector.state === 'RUNNING' &&
            s.tasks.length > 0 &&
            s.tasks.every((t) => t.state === 'RUNNING')
          );
        },
        { timeoutMs: 120_000, intervalMs: 500, context: () => tail(log, 60) },
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { restUrl, logFile: log, status, stop };
}

/**
 * One REST call on a fresh connection: an idle keep-alive connection (fetch keeps one) makes
 * Jetty's graceful stop wait for it when the worker shuts down.
 */
function rest(method: string, url: string, timeoutMs = 30_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
