import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { javaArgs } from './java.ts';
import { logFile, runDir } from './paths.ts';
import { type ManagedProcess, startProcess, tail } from './process.ts';
import { freePorts, waitFor } from './wait.ts';

const run = promisify(execFile);

export interface KafkaBroker {
  /** `127.0.0.1:port` */
  readonly bootstrap: string;
  readonly logFile: string | undefined;
  stop(): Promise<void>;
}

/**
 * A single-node Kafka 4 in KRaft combined mode (broker + controller) on loopback, from the jars
 * in `.e2e/lib/kafka`. Static quorum (`controller.quorum.voters`), so storage is formatted
 * without `--standalone`.
 */
export async function startKafka(name = 'kafka'): Promise<KafkaBroker> {
  const [port, controllerPort] = await freePorts(2);
  const id = randomBytes(3).toString('hex');
  const dir = runDir(`${name}-${id}`);
  const log = logFile(`${name}-${id}`);
  const properties = join(dir, 'server.properties');
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${join(dir, 'data')}`,
      'num.partitions=1',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      // The first consumer-group join would otherwise wait 3 s.
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=true',
      '',
    ].join('\n'),
  );
  // A cluster id is a base64url UUID; any random 16 bytes but the reserved all-zero one will do,
  // except one whose text starts with '-', which the storage tool would read as an option.
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  try {
    await run('java', javaArgs('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', properties]), {
      timeout: 120_000,
    });
  } catch (error) {
    const e = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`formatting Kafka storage failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
  const broker: ManagedProcess = startProcess('kafka', 'java', javaArgs('kafka.Kafka', [properties]), {
    logFile: log,
  });
  const bootstrap = `127.0.0.1:${port}`;
  const stop = async () => {
    await broker.stop(20_000);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      `Kafka on ${bootstrap} to answer metadata requests`,
      async () => {
        if (broker.hasExited()) throw new Error(`Kafka exited with ${await broker.exited}`);
        const admin = new Admin({
          clientId: 'e2e-probe',
          bootstrapBrokers: [bootstrap],
          connectTimeout: 2_000,
          retries: 0,
        });
        try {
          const metadata = await admin.metadata({ topics: [] });
          return metadata.brokers.size > 0;
        } finally {
          await admin.close().catch(() => {});
        }
      },
      { timeoutMs: 90_000, intervalMs: 500, context: () => tail(log) },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { bootstrap, logFile: log, stop };
}

/**
 * The Kafka the suite uses: `E2E_KAFKA_BOOTSTRAP` when set (nothing is started or stopped), else
 * a fresh broker.
 */
export async function kafkaForSuite(name: string): Promise<KafkaBroker> {
  const external = process.env.E2E_KAFKA_BOOTSTRAP;
  if (external !== undefined && external !== '') {
    return { bootstrap: external, logFile: undefined, stop: async () => {} };
  }
  return startKafka(name);
}

/** Creates topics (one partition) and waits until the broker knows them. */
export async function createTopics(
  bootstrap: string,
  topics: readonly string[],
  partitions = 1,
): Promise<void> {
  const admin = new Admin({ clientId: 'e2e-admin', bootstrapBrokers: [bootstrap] });
  try {
    await admin.createTopics({ topics: [...topics], partitions, replicas: 1 });
    await waitFor(
      `topics ${topics.join(', ')} to have leaders`,
      async () => {
        const metadata = await admin.metadata({ topics: [...topics], forceUpdate: true });
        return topics.every((t) => metadata.topics.get(t)?.partitions.every((p) => p.leader >= 0));
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  } finally {
    await admin.close().catch(() => {});
  }
}
