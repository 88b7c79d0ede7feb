/**
 * `npm run migrate`: a Kafka Connect StarRocks sink config becomes a deployment file for `cdk
 * deploy` (cdk/deploy-config.ts). Every input key gets exactly one outcome (kept, changed, dropped
 * or refused) with its reason; values the file cannot know are asked for by flag and, until given,
 * written as marked placeholders that make the file not deployable. Credentials are never written.
 * The result is checked by the function's own config parser and the deployment file's parser.
 */
import { isIP } from 'node:net';
import { type DeployConfig, parseDeployConfig } from '../../cdk/deploy-config.ts';
import { acceptTopic, routeTopic } from '../batch/route.ts';
import { suggestKeys } from '../config/key-names.ts';
import {
  CONVERTER_OPTIONS,
  IGNORED_KEYS,
  IGNORED_PREFIXES,
  REGISTRY_CONVERTERS,
  SINK_KEYS,
} from '../config/keys.ts';
import { parseSinkConfig, type SinkConfig } from '../config/sink-config.ts';
import { changesTopics } from '../config/transforms.ts';
import { splitList } from '../config/values.ts';
import { ConfigError } from '../errors.ts';
import type { ConnectorInput, InputEntry } from './migrate-input.ts';

/** What happened to one input key. */
export type Disposition = 'kept' | 'changed' | 'dropped' | 'refused';

export interface KeyOutcome {
  readonly key: string;
  /** Which file gave it: the connector config or the worker config (`--worker`). */
  readonly from: 'connector' | 'worker';
  readonly disposition: Disposition;
  readonly reason: string;
}

/** A value the deployment file needs and the inputs did not give: a placeholder until a flag gives it. */
export interface NeededValue {
  /** Where it goes in the deployment file, e.g. `msk.clusterArn`. */
  readonly path: string;
  /** The flag that gives it, e.g. `--msk-cluster-arn <arn>`. */
  readonly flag: string;
  readonly why: string;
}

/** What the command line adds to the connector config. */
export interface MigrateOptions {
  readonly stackName?: string;
  readonly mskClusterArn?: string;
  readonly bootstrapServers?: readonly string[];
  readonly kafkaAuth?: string;
  readonly kafkaSecretArn?: string;
  readonly topics?: readonly string[];
  readonly vpcId?: string;
  readonly availabilityZones?: readonly string[];
  readonly subnets?: readonly string[];
  readonly vpcCidr?: string;
  readonly starrocksCidrs?: readonly string[];
  readonly securityGroup?: string;
  readonly starrocksSecretArn?: string;
  readonly registrySecretArn?: string;
  /** The Kafka Connect worker config (connect-standalone.properties), for bootstrap servers and converters. */
  readonly worker?: ConnectorInput;
}

export interface Migration {
  /** The deployment file's content. */
  readonly deploy: Record<string, unknown>;
  /** Every input key once, in input order (connector first, then worker). */
  readonly outcomes: readonly KeyOutcome[];
  readonly needed: readonly NeededValue[];
  /** Problems the sink's or the deployment file's parser reports that belong to no input key. */
  readonly otherProblems: readonly string[];
  /** What to do besides editing the file (create a secret, …). */
  readonly notes: readonly string[];
  /** No placeholder, no refused key, no other problem: `cdk deploy` can take the file as it is. */
  readonly deployable: boolean;
}

/** One key's outcome before it is named. */
type Verdict = Pick<KeyOutcome, 'disposition' | 'reason'>;

function verdict(disposition: Disposition, reason: string): Verdict {
  return { disposition, reason };
}

/** Marks a value the user must give; `cdk deploy` must not run with one in the file. */
export function placeholder(flag: string): string {
  return `<REQUIRED: ${flag.split(' ')[0]}>`;
}

const SINK_CONNECTOR_CLASS = 'com.starrocks.connector.kafka.StarRocksSinkConnector';

/** Keys whose value is a credential: never written, never shown. */
const CREDENTIAL_KEYS = new Set([
  'starrocks.password',
  'key.converter.basic.auth.user.info',
  'value.converter.basic.auth.user.info',
  'key.converter.bearer.auth.token',
  'value.converter.bearer.auth.token',
  'sasl.jaas.config',
]);

/** A key name that reads like a credential (a misspelt password key must not reach the file). */
const CREDENTIAL_NAME =
  /pass(word|wd)?\b|passwrod|jaas|user\.info|auth\.token|secret(?!\.arn)|\.key\.password/i;

/** Kafka Connect worker settings: the event-source mapping has its own (or none). */
const WORKER_PREFIXES = [
  'group.id',
  'plugin.path',
  'plugin.discovery',
  'offset.storage.',
  'config.storage.',
  'status.storage.',
  'offset.flush.',
  'rest.',
  'listeners',
  'admin.',
  'client.id',
  'metadata.',
  'scheduled.rebalance.',
  'session.timeout.',
  'heartbeat.',
  'rebalance.timeout.',
  'connector.client.config.override.policy',
  'task.shutdown.graceful.timeout.ms',
  'exactly.once.source.support',
  'consumer.',
  'producer.',
  'ssl.',
  'internal.',
  'access.control.',
  'response.http.headers.config',
  'topic.creation.enable',
  'config.providers',
];

/** Why the sink ignores some Kafka Connect keys, more precisely than "ignored". */
const IGNORED_BECAUSE: Readonly<Record<string, string>> = {
  'tasks.max':
    'Lambda runs one invocation per partition batch (on demand) or as many pollers as eventSource.provisioned allows; there are no tasks',
  'bufferflush.maxbytes':
    "a batch is bounded by eventSource.batchSize records and Lambda's 6 MB payload, and goes out as one Stream Load per table",
  'sink.maxretries':
    'the event-source mapping retries a failed batch whole (eventSource.provisioned.retryAttempts bounds it)',
  'offset.flush.interval.ms': 'offsets are committed by the event-source mapping after each successful batch',
};

/**
 * Turns a connector config (and optionally the worker's) into a deployment file, the outcome of
 * every key, the values still needed, and whether the file is deployable.
 */
export function migrateConnectorConfig(input: ConnectorInput, options: MigrateOptions = {}): Migration {
  const state = new MigrationState(input, options);
  for (const entry of input.entries) {
    state.outcomes.push({ key: entry.key, from: 'connector', ...state.classifyConnectorKey(entry) });
  }
  for (const entry of options.worker?.entries ?? []) {
    state.outcomes.push({ key: entry.key, from: 'worker', ...state.classifyWorkerKey(entry) });
  }
  return state.finish();
}

/** The file being built and the outcomes so far; one instance per migration. */
class MigrationState {
  readonly outcomes: KeyOutcome[] = [];
  readonly needed: NeededValue[] = [];
  readonly notes: string[] = [];
  readonly sinkConfig: Record<string, string> = {};
  readonly eventSource: Record<string, unknown> = {};
  deadLetters: Record<string, unknown> | undefined;
  stackName: string | undefined;
  starrocksUsername: string | undefined;
  bootstrapServers: string[] | undefined;
  kafkaAuth: string | undefined;
  registryCredentialsDropped = false;
  /** The topics the event-source mapping subscribes (placeholders left out). */
  topics: string[] = [];
  private readonly connectorKeys: ReadonlySet<string>;

  readonly options: MigrateOptions;

  constructor(input: ConnectorInput, options: MigrateOptions) {
    this.options = options;
    for (const key of [...input.repeated, ...(options.worker?.repeated ?? [])]) {
      this.notes.push(`${key} is given more than once; the last value is used, as Kafka Connect does.`);
    }
    this.connectorKeys = new Set(input.entries.map((e) => e.key));
    this.stackName = options.stackName;
    if (options.starrocksSecretArn !== undefined) {
      this.sinkConfig['starrocks.secret.arn'] = options.starrocksSecretArn;
    }
  }

  /**
   * Whether Kafka Connect ran the worker's converter for `side`: the connector names no converter
   * class of its own and the worker does. It then used the worker's class with the worker's
   * options, and the connector's `<side>.converter.*` options were not read.
   */
  private workerConverterApplies(side: 'key' | 'value'): boolean {
    const workerKeys = this.options.worker?.entries.map((e) => e.key) ?? [];
    return !this.connectorKeys.has(`${side}.converter`) && workerKeys.includes(`${side}.converter`);
  }

  private hasStarrocksSecret(): boolean {
    return this.options.starrocksSecretArn !== undefined || this.connectorKeys.has('starrocks.secret.arn');
  }

  /** Sorts one connector key: each branch gives exactly one outcome. */
  classifyConnectorKey(entry: InputEntry): Verdict {
    const { key, value } = entry;
    if (key === 'name') {
      if (this.stackName !== undefined) return verdict('dropped', 'the stack is named by --stack-name');
      this.stackName = stackNameOf(value);
      return verdict('changed', `→ stackName "${this.stackName}" (the connector's name)`);
    }
    if (key === 'connector.class') {
      if (value === SINK_CONNECTOR_CLASS)
        return verdict('dropped', 'Kafka Connect picks the connector by it; the function is the sink');
      return verdict(
        'refused',
        `is "${value}": migrate reads a StarRocks sink connector config (${SINK_CONNECTOR_CLASS}); not written`,
      );
    }
    if (key === 'starrocks.password') {
      return verdict(
        'dropped',
        'never written: the file becomes a CloudFormation template; the password goes into a Secrets Manager secret (see the notes)',
      );
    }
    if (key === 'starrocks.username') return this.classifyUsername(entry);
    if (key === 'starrocks.secret.arn' && this.options.starrocksSecretArn !== undefined) {
      return verdict('changed', '→ the ARN given by --starrocks-secret-arn');
    }
    if (CREDENTIAL_KEYS.has(key)) return this.dropRegistryCredential(entry);
    const side = converterSide(key);
    if (side !== undefined && key !== `${side}.converter` && this.workerConverterApplies(side)) {
      return verdict(
        'dropped',
        `Kafka Connect did not use it: the connector sets no ${side}.converter, so the worker's converter ran with the worker's ${side}.converter.* options (carried over from --worker)`,
      );
    }
    if (key === 'bufferflush.intervalms') return this.classifyFlushInterval(entry);
    if (key === 'errors.tolerance' || key.startsWith('errors.deadletterqueue.'))
      return this.classifyErrors(entry);
    if (key === 'bootstrap.servers' || key === 'security.protocol' || key.startsWith('sasl.')) {
      return this.classifyKafkaAccess(entry);
    }
    if (
      (IGNORED_KEYS as readonly string[]).includes(key) ||
      IGNORED_PREFIXES.some((p) => key.startsWith(p))
    ) {
      return verdict(
        'dropped',
        IGNORED_BECAUSE[key] ?? 'a Kafka Connect key with no meaning in Lambda (the sink ignores it)',
      );
    }
    if (WORKER_PREFIXES.some((p) => key.startsWith(p))) {
      return verdict('dropped', 'a Kafka Connect worker setting; the event-source mapping has no equivalent');
    }
    const credential = looksLikeCredential(key);
    if (credential !== undefined) return verdict('dropped', credential);
    if (hasUserInfo(value)) {
      this.sinkConfig[key] = withoutUserInfo(value);
      const registry = /^(key|value)\.converter\.schema\.registry\.url$/.test(key);
      this.registryCredentialsDropped ||= registry;
      return verdict(
        'changed',
        `user info taken out of the URLs (never written); ${registry ? 'the credentials go into the registry secret' : 'credentials go into Secrets Manager'}`,
      );
    }
    this.sinkConfig[key] = value;
    if (key === 'topics') return verdict('kept', 'also the topics of the event-source mapping');
    return verdict('kept', '');
  }

  private classifyUsername(entry: InputEntry): Verdict {
    if (this.hasStarrocksSecret()) {
      return verdict('dropped', 'the StarRocks secret holds the user name');
    }
    this.starrocksUsername = entry.value;
    this.notes.push(
      `The stack creates the StarRocks secret {"username": "${entry.value}", "password": <generated>}. After \`cdk deploy\`, put the user's real password in it: aws secretsmanager put-secret-value --secret-id <StarRocksSecretArn output> --secret-string '{"username":"${entry.value}","password":"…"}' (or give --starrocks-secret-arn for a secret you already have).`,
    );
    return verdict(
      'changed',
      '→ starrocksUsername: the user of the secret the stack creates (the password is not carried over)',
    );
  }

  private dropRegistryCredential(entry: InputEntry): Verdict {
    if (entry.key === 'sasl.jaas.config') return this.classifyKafkaAccess(entry);
    this.registryCredentialsDropped = true;
    return verdict(
      'dropped',
      'never written: a registry credential; it goes into the registry secret (schemaRegistry.secretArn)',
    );
  }

  private classifyFlushInterval(entry: InputEntry): Verdict {
    const ms = /^\s*\d+\s*$/.test(entry.value) ? Number(entry.value) : Number.NaN;
    if (!Number.isFinite(ms)) {
      return verdict('dropped', `"${entry.value}" is not a number of milliseconds`);
    }
    const seconds = Math.min(300, Math.ceil(ms / 1000));
    this.eventSource.maxBatchingWindowSeconds = seconds;
    return verdict(
      'changed',
      `→ eventSource.maxBatchingWindowSeconds ${seconds} (the mapping waits at most this long to fill a batch; at most 300)`,
    );
  }

  private classifyErrors(entry: InputEntry): Verdict {
    const { key, value } = entry;
    if (key === 'errors.tolerance') {
      if (value.trim().toLowerCase() !== 'all') {
        this.sinkConfig[key] = value;
        return verdict('kept', '');
      }
      this.deadLetters ??= { type: 's3' };
      return verdict(
        'changed',
        '→ deadLetters: bad records and rejected rows go to a dead-letter destination the stack wires',
      );
    }
    if (key === 'errors.deadletterqueue.topic.name') {
      return verdict(
        'dropped',
        'a Lambda function does not produce to Kafka; with errors.tolerance=all dead letters go to deadLetters (an S3 bucket the stack creates, by default)',
      );
    }
    if (key === 'errors.deadletterqueue.s3.bucket' || key === 'errors.deadletterqueue.s3.prefix') {
      const field = key.endsWith('bucket') ? 'bucketName' : 'prefix';
      this.deadLetters = {
        ...(this.deadLetters?.type === 's3' ? this.deadLetters : { type: 's3' }),
        [field]: value,
      };
      return verdict('changed', `→ deadLetters.${field}`);
    }
    if (key === 'errors.deadletterqueue.sqs.url') {
      const arn = sqsArnOf(value);
      if (arn === undefined)
        return verdict(
          'refused',
          'is not an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)',
        );
      this.deadLetters = { type: 'sqs', queueArn: arn };
      return verdict('changed', '→ deadLetters.queueArn');
    }
    return verdict(
      'dropped',
      'a Kafka Connect error-handling setting with no meaning in Lambda (the sink ignores it)',
    );
  }

  /** bootstrap.servers, security.protocol and sasl.*: the event-source mapping's side. */
  classifyKafkaAccess(entry: InputEntry): Verdict {
    const { key, value } = entry;
    if (key === 'bootstrap.servers') {
      if (this.options.mskClusterArn !== undefined)
        return verdict('dropped', 'the brokers are the MSK cluster of --msk-cluster-arn');
      if (this.options.bootstrapServers !== undefined)
        return verdict('dropped', 'the brokers are given by --bootstrap-servers');
      this.bootstrapServers = splitList(value);
      return verdict('changed', '→ selfManaged.bootstrapServers');
    }
    if (key === 'sasl.jaas.config') {
      return verdict(
        'dropped',
        'never written: it holds the Kafka credentials; the mapping reads them from a secret (--kafka-secret-arn)',
      );
    }
    if (key === 'sasl.mechanism') {
      const auth = SASL_AUTH[value.trim().toUpperCase()];
      if (auth === undefined || this.options.kafkaAuth !== undefined) {
        return verdict(
          'dropped',
          auth === undefined
            ? `no mapping authentication matches "${value}"; give --kafka-auth`
            : 'the authentication is given by --kafka-auth',
        );
      }
      this.kafkaAuth = auth;
      return verdict('changed', `→ the mapping's auth "${auth}"`);
    }
    return verdict(
      'dropped',
      "the event-source mapping's TLS and SASL follow its auth (--kafka-auth), not client properties",
    );
  }

  /** A worker key: converters the connector does not set are inherited; Kafka access maps; the rest is the worker's. */
  classifyWorkerKey(entry: InputEntry): Verdict {
    const { key, value } = entry;
    const side = converterSide(key);
    if (side !== undefined) {
      if (!this.workerConverterApplies(side)) {
        return verdict(
          'dropped',
          `the connector sets its own ${side}.converter, which Kafka Connect configures with the connector's ${side}.converter.* options only`,
        );
      }
      if (CREDENTIAL_KEYS.has(key)) return this.dropRegistryCredential(entry);
      this.sinkConfig[key] = value;
      return verdict('changed', "→ sinkConfig: the worker's converter setting, which the connector inherits");
    }
    if (key === 'bootstrap.servers' || key === 'security.protocol' || key.startsWith('sasl.')) {
      return this.classifyKafkaAccess(entry);
    }
    if (key.startsWith('bufferflush.') || key.startsWith('starrocks.') || key.startsWith('sink.')) {
      return verdict(
        'dropped',
        'a connector setting in the worker config: Kafka Connect does not read it there, nor does migrate',
      );
    }
    return verdict(
      'dropped',
      IGNORED_BECAUSE[key] ?? 'a Kafka Connect worker setting; the event-source mapping has no equivalent',
    );
  }

  finish(): Migration {
    if (this.options.worker === undefined && !('value.converter' in this.sinkConfig)) {
      this.notes.push(
        "The connector config sets no value.converter, so Kafka Connect ran the worker's (connect-*.properties) with the worker's value.converter.* options; give --worker <file> to carry them over, or the sink reads this config's value.converter.* keys with its defaults (JsonConverter, schemas.enable=true).",
      );
    }
    const deploy = this.buildDeploy();
    const problems = this.checkSinkConfig();
    const byKey = new Map<string, string[]>();
    for (const { key, message } of problems) byKey.set(key, [...(byKey.get(key) ?? []), message]);
    const outcomes = this.outcomes.map((o) => {
      const messages = byKey.get(o.key);
      const written = o.disposition === 'kept' || o.disposition === 'changed';
      if (messages === undefined || !written || !(o.key in this.sinkConfig)) return o;
      byKey.delete(o.key);
      return {
        ...o,
        disposition: 'refused' as const,
        reason: `written, but the sink refuses it: ${messages.join('; ')}`,
      };
    });
    const otherProblems = [
      ...[...byKey].flatMap(([key, messages]) => messages.map((m) => `${key}: ${m}`)),
      ...this.checkDeployShape(deploy),
    ];
    const deployable =
      this.needed.length === 0 &&
      otherProblems.length === 0 &&
      outcomes.every((o) => o.disposition !== 'refused');
    return { deploy, outcomes, needed: this.needed, otherProblems, notes: this.notes, deployable };
  }

  private need(path: string, flag: string, why: string): string {
    this.needed.push({ path, flag, why });
    return placeholder(flag);
  }

  private buildDeploy(): Record<string, unknown> {
    const registry = this.registrySection();
    const network = this.networkSection();
    const kafka = this.kafkaSections();
    const stackName = this.stackName ?? 'StarRocksLambdaSink';
    return {
      $comment:
        'Written by `npm run migrate` (docs/deploy.md#migrating-from-the-kafka-connector). Values "<REQUIRED: …>" must be replaced (or given by the flag they name) before `cdk deploy`.',
      stackName,
      ...(this.starrocksUsername !== undefined ? { starrocksUsername: this.starrocksUsername } : {}),
      sinkConfig: this.sinkConfig,
      ...(network !== undefined ? { network } : {}),
      ...kafka,
      ...(Object.keys(this.eventSource).length > 0 ? { eventSource: this.eventSource } : {}),
      ...(this.deadLetters !== undefined ? { deadLetters: this.deadLetters } : {}),
      ...(registry !== undefined ? { schemaRegistry: registry } : {}),
    };
  }

  private registrySection(): Record<string, unknown> | undefined {
    const arn = this.options.registrySecretArn;
    if (arn !== undefined) return { secretArn: arn };
    if (!this.registryCredentialsDropped) return undefined;
    return {
      secretArn: this.need(
        'schemaRegistry.secretArn',
        '--registry-secret-arn <arn>',
        'the registry credentials were dropped; put {"username","password"} (or {"token"}) in a Secrets Manager secret',
      ),
    };
  }

  /** The mapping's topics: --topics, else the config's `topics`; `topics.regex` alone cannot subscribe a mapping. */
  private mappingTopics(): string[] {
    const topics = [...(this.options.topics ?? splitList(this.sinkConfig.topics))];
    if (topics.length > 0) return topics;
    const why =
      this.sinkConfig['topics.regex'] !== undefined
        ? 'an event-source mapping subscribes named topics, not topics.regex'
        : 'the config names no topics';
    return [this.need('topics', '--topics <topic,…>', why)];
  }

  private kafkaSections(): Record<string, unknown> {
    const topics = this.mappingTopics();
    this.topics = topics.filter((t) => !isPlaceholder(t));
    const auth = this.options.kafkaAuth ?? this.kafkaAuth;
    const secret = this.options.kafkaSecretArn;
    if (
      this.options.mskClusterArn !== undefined ||
      (this.bootstrapServers === undefined && this.options.bootstrapServers === undefined)
    ) {
      const clusterArn =
        this.options.mskClusterArn ??
        this.need(
          'msk.clusterArn',
          '--msk-cluster-arn <arn>',
          'where the topics come from: an Amazon MSK cluster, or --bootstrap-servers host:port,… for Confluent Cloud or self-managed Kafka',
        );
      const needsSecret = auth === 'sasl-scram-512' || auth === 'mtls';
      return {
        msk: {
          clusterArn,
          topics,
          ...(auth !== undefined ? { auth } : {}),
          ...(secret !== undefined
            ? { secretArn: secret }
            : needsSecret
              ? {
                  secretArn: this.need(
                    'msk.secretArn',
                    '--kafka-secret-arn <arn>',
                    `msk.auth "${auth}" needs the cluster's secret`,
                  ),
                }
              : {}),
        },
      };
    }
    const bootstrapServers = [...(this.options.bootstrapServers ?? this.bootstrapServers ?? [])];
    const smAuth = auth ?? 'basic';
    const brokerNetwork = this.brokerNetwork();
    return {
      selfManaged: {
        bootstrapServers,
        topics,
        ...(auth !== undefined ? { auth } : {}),
        ...(secret !== undefined
          ? { secretArn: secret }
          : smAuth !== 'none'
            ? {
                secretArn: this.need(
                  'selfManaged.secretArn',
                  '--kafka-secret-arn <arn>',
                  `selfManaged.auth "${smAuth}" reads {"username","password"} (a Confluent Cloud API key and secret) from a secret`,
                ),
              }
            : {}),
        ...(brokerNetwork !== undefined ? { network: brokerNetwork } : {}),
      },
    };
  }

  /** Brokers in a VPC (--security-group): the mapping's subnets and security group. */
  private brokerNetwork(): Record<string, unknown> | undefined {
    const o = this.options;
    if (o.securityGroup === undefined) return undefined;
    return {
      vpcId: o.vpcId ?? this.need('selfManaged.network.vpcId', '--vpc-id <vpc-…>', 'the VPC of the brokers'),
      availabilityZones: o.availabilityZones ?? [
        this.need(
          'selfManaged.network.availabilityZones',
          '--availability-zones <az,…>',
          "the subnets' zones",
        ),
      ],
      subnetIds: o.subnets ?? [
        this.need(
          'selfManaged.network.subnetIds',
          '--subnets <subnet-…,…>',
          'where the mapping reaches the brokers',
        ),
      ],
      securityGroupId: o.securityGroup,
    };
  }

  /**
   * The function's VPC: asked for when a flag names one, or when an FE is a private address (a
   * function outside a VPC cannot reach it).
   */
  private networkSection(): Record<string, unknown> | undefined {
    const o = this.options;
    const privateFe = privateFeAddresses(this.sinkConfig['starrocks.http.url']);
    const given = o.vpcId ?? o.subnets ?? o.availabilityZones ?? o.vpcCidr ?? o.starrocksCidrs;
    if (given === undefined && privateFe.length === 0) return undefined;
    const why =
      privateFe.length > 0
        ? `the FE ${privateFe.join(', ')} is a private address: the function runs in its VPC`
        : "the function's VPC";
    const network: Record<string, unknown> = {
      vpcId: o.vpcId ?? this.need('network.vpcId', '--vpc-id <vpc-…>', why),
      availabilityZones: o.availabilityZones ?? [
        this.need('network.availabilityZones', '--availability-zones <az,…>', "the private subnets' zones"),
      ],
      privateSubnetIds: o.subnets ?? [
        this.need(
          'network.privateSubnetIds',
          '--subnets <subnet-…,…>',
          'private subnets with a route to StarRocks and to Secrets Manager',
        ),
      ],
    };
    if (o.vpcCidr !== undefined) network.vpcCidrBlock = o.vpcCidr;
    if (o.starrocksCidrs !== undefined) network.starrocksCidrs = o.starrocksCidrs;
    if (o.vpcCidr === undefined && o.starrocksCidrs === undefined) {
      network.starrocksCidrs = [
        this.need(
          'network.starrocksCidrs',
          '--starrocks-cidrs <cidr,…> (or --vpc-cidr <cidr>)',
          'where the FEs and BEs are: egress and the redirect allow-list open only to them',
        ),
      ];
    }
    return network;
  }

  /** The sink's own parser over the config as the stack will deploy it (its secret and dead-letter keys added). */
  private checkSinkConfig(): { key: string; message: string }[] {
    const deployed: Record<string, string> = { ...this.sinkConfig };
    deployed['starrocks.secret.arn'] ??=
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:created-by-stack-AbCdEf';
    if (this.deadLetters !== undefined) {
      deployed['errors.tolerance'] = 'all';
      if (this.deadLetters.type === 'sqs') {
        deployed['errors.deadletterqueue.sqs.url'] =
          'https://sqs.us-east-1.amazonaws.com/123456789012/created-by-stack';
      } else {
        deployed['errors.deadletterqueue.s3.bucket'] = String(
          this.deadLetters.bucketName ?? 'created-by-stack',
        );
      }
    }
    if (this.options.registrySecretArn !== undefined || this.registryCredentialsDropped) {
      for (const which of ['key', 'value']) {
        const cls = deployed[`${which}.converter`];
        if (cls !== undefined && REGISTRY_CONVERTERS[cls]?.registry === 'confluent') {
          deployed[`${which}.converter.schema.registry.secret.arn`] =
            this.options.registrySecretArn ?? 'registry-secret';
        }
      }
    }
    try {
      const parsed = parseSinkConfig(deployed);
      return this.topics.flatMap((topic) => {
        const problem = changesTopics(parsed.transforms)
          ? acceptTopic(topic, parsed)
          : routeProblem(topic, parsed);
        return problem === undefined
          ? []
          : [{ key: `event-source topic "${topic}"`, message: `${problem}; every batch from it would fail` }];
      });
    } catch (error) {
      if (error instanceof ConfigError) return [...error.problems];
      throw error;
    }
  }

  /** The deployment file's parser; placeholders pass its shape checks, so these are real problems. */
  private checkDeployShape(deploy: Record<string, unknown>): string[] {
    try {
      parseDeployConfig(deploy as unknown as DeployConfig, 'the deployment file');
      return [];
    } catch (error) {
      return (error as Error).message
        .split('\n')
        .slice(1)
        .map((line) => `deployment file ${line.replace(/^\s*-\s*/, '')}`);
    }
  }
}

/** `key` or `value` for a converter key (`value.converter`, `value.converter.schemas.enable`). */
function converterSide(key: string): 'key' | 'value' | undefined {
  const match = /^(key|value)\.converter(\.|$)/.exec(key);
  return match === null ? undefined : (match[1] as 'key' | 'value');
}

function isPlaceholder(value: string): boolean {
  return value.startsWith('<REQUIRED: ');
}

function routeProblem(topic: string, config: SinkConfig): string | undefined {
  const route = routeTopic(topic, config);
  return 'problem' in route ? route.problem : undefined;
}

const SASL_AUTH: Readonly<Record<string, string>> = {
  PLAIN: 'basic',
  'SCRAM-SHA-256': 'sasl-scram-256',
  'SCRAM-SHA-512': 'sasl-scram-512',
  AWS_MSK_IAM: 'iam',
};

/**
 * An unknown key that reads like a credential (by its name, or as a misspelling of one): never
 * written. Returns the reason, or undefined when the key is not one.
 */
function looksLikeCredential(key: string): string | undefined {
  const option = key.replace(/^(key|value)\.converter\./, '');
  const known = Object.hasOwn(SINK_KEYS, key) || (option !== key && Object.hasOwn(CONVERTER_OPTIONS, option));
  const meant = known ? undefined : suggestKeys(key).find((k) => CREDENTIAL_KEYS.has(k));
  if (meant === undefined && !CREDENTIAL_NAME.test(key)) return undefined;
  const like = meant === undefined ? 'reads like a credential' : `reads like a misspelt ${meant}`;
  return `never written: it ${like}, and credentials go into Secrets Manager, never into the file`;
}

/** A CloudFormation stack name from a connector name: letters, digits and `-`, starting with a letter. */
export function stackNameOf(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/^[^A-Za-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 128);
  return cleaned === '' ? 'StarRocksLambdaSink' : cleaned;
}

function hasUserInfo(urls: string): boolean {
  return splitList(urls).some((u) => /^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(u));
}

function withoutUserInfo(urls: string): string {
  return splitList(urls)
    .map((u) => u.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1'))
    .join(',');
}

function sqsArnOf(url: string): string | undefined {
  const m = /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/(\d{12})\/([\w-]+(?:\.fifo)?)$/.exec(
    url.trim(),
  );
  return m === null ? undefined : `arn:aws:sqs:${m[1]}:${m[2]}:${m[3]}`;
}

/** The FE hosts of `starrocks.http.url` that are private IP addresses. */
export function privateFeAddresses(urls: string | undefined): string[] {
  return splitList(urls)
    .map((entry) => {
      const hostPort = entry.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
      const bracketed = /^\[([^\]]+)\]/.exec(hostPort);
      return bracketed ? (bracketed[1] as string) : hostPort.replace(/:\d+$/, '');
    })
    .filter(isPrivateAddress);
}

function isPrivateAddress(host: string): boolean {
  const version = isIP(host);
  if (version === 4) {
    const [a = 0, b = 0] = host.split('.').map(Number);
    return (
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      a === 127 ||
      (a === 169 && b === 254)
    );
  }
  if (version === 6) return /^(f[cd]|fe[89ab])/i.test(host) || host === '::1';
  return false;
}
