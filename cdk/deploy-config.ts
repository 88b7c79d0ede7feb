import { readFileSync } from 'node:fs';
import { jsonErrorText } from '../lib/config/shown-values.ts';

/**
 * The deployment file `cdk deploy` reads (config/sink.example.json is the documented example):
 * the connector config plus where the topics come from, the network and the operations settings.
 * Everything is a plain value (ARNs and IDs), so `cdk synth` needs no AWS credentials and no
 * context lookups. Keys starting with `$` (e.g. `"$comment"`) are ignored: JSON has no comments.
 */
export interface DeployConfig {
  readonly stackName: string;
  readonly description?: string;
  readonly sinkConfig: Readonly<Record<string, string>>;
  /** User name for a secret the stack creates (when sinkConfig has no starrocks.secret.arn). */
  readonly starrocksUsername?: string;
  readonly function?: FunctionConfig;
  readonly network?: NetworkConfig;
  readonly msk?: MskConfig;
  readonly selfManaged?: SelfManagedConfig;
  readonly eventSource?: EventSourceConfig;
  readonly failureDestination?: FailureDestinationConfig;
  /** Where the function writes records it cannot load; sets `errors.tolerance=all`. */
  readonly deadLetters?: DeadLettersConfig;
  readonly alarms?: AlarmsConfig;
  /** The registry the sink's schema-registry converters read. */
  readonly schemaRegistry?: SchemaRegistryConfig;
}

/** The registry of `value.converter` / `key.converter` when they are schema-registry converters. */
export interface SchemaRegistryConfig {
  /**
   * A secret holding the Confluent registry's `{"username","password"}` (or `{"token"}`): the
   * function may read it, and it is set as `*.converter.schema.registry.secret.arn`.
   */
  readonly secretArn?: string;
  /** Scopes `glue:GetSchemaVersion` of a Glue converter to this registry's schemas. */
  readonly glueRegistryName?: string;
}

export const ESM_REGISTRY_TYPES = ['confluent', 'glue'] as const;
export const EVENT_RECORD_FORMATS = ['JSON', 'SOURCE'] as const;
export const ESM_REGISTRY_AUTH = ['BASIC_AUTH', 'CLIENT_CERTIFICATE_TLS_AUTH'] as const;
export const SCHEMA_VALIDATION_ATTRIBUTES = ['KEY', 'VALUE'] as const;

/** The event-source mappings' own schema registry (provisioned mode only). */
export interface EventSourceRegistryConfig {
  readonly type: (typeof ESM_REGISTRY_TYPES)[number];
  /** Confluent: the registry URL; Glue: the registry ARN. */
  readonly uri: string;
  /** What the function receives: JSON text, or the value without its framing. */
  readonly eventRecordFormat: (typeof EVENT_RECORD_FORMATS)[number];
  /** Confluent: the secret the mappings authenticate to the registry with. */
  readonly authSecretArn?: string;
  /** Confluent: how that secret is used. @default 'BASIC_AUTH' */
  readonly authType?: (typeof ESM_REGISTRY_AUTH)[number];
  /** The record parts the mappings validate (and, with JSON, decode). @default ['VALUE'] */
  readonly attributes?: readonly (typeof SCHEMA_VALIDATION_ATTRIBUTES)[number][];
}

export interface FunctionConfig {
  readonly memorySize?: number;
  readonly timeoutSeconds?: number;
  readonly reservedConcurrency?: number;
  readonly logRetentionDays?: number;
}

export interface VpcConfig {
  readonly vpcId: string;
  readonly availabilityZones: readonly string[];
  readonly vpcCidrBlock?: string;
}

export interface NetworkConfig extends VpcConfig {
  /** Private subnets for the function (with a NAT route, or use secretsManagerEndpoint). */
  readonly privateSubnetIds: readonly string[];
  readonly starrocksCidrs?: readonly string[];
  readonly feHttpPorts?: readonly number[];
  readonly beHttpPort?: number;
  readonly secretsManagerEndpoint?: boolean;
  /** Where a Confluent schema registry is (or a Glue endpoint): egress opens only to these. */
  readonly schemaRegistryCidrs?: readonly string[];
}

export const MSK_AUTH = ['iam', 'sasl-scram-512', 'mtls', 'unauthenticated'] as const;
export const SELF_MANAGED_AUTH = ['basic', 'sasl-scram-256', 'sasl-scram-512', 'mtls', 'none'] as const;

export interface MskConfig {
  readonly clusterArn: string;
  readonly topics: readonly string[];
  /** @default 'iam' */
  readonly auth?: (typeof MSK_AUTH)[number];
  /** SCRAM or mTLS secret. */
  readonly secretArn?: string;
  /** The customer managed key of an MSK SCRAM secret (MSK requires one). */
  readonly secretKmsKeyArn?: string;
}

export interface SelfManagedConfig {
  readonly bootstrapServers: readonly string[];
  readonly topics: readonly string[];
  /** @default 'basic' (Confluent Cloud API key) */
  readonly auth?: (typeof SELF_MANAGED_AUTH)[number];
  readonly secretArn?: string;
  readonly rootCaSecretArn?: string;
  readonly network?: VpcConfig & { readonly subnetIds: readonly string[]; readonly securityGroupId: string };
}

export interface EventSourceConfig {
  readonly batchSize?: number;
  readonly maxBatchingWindowSeconds?: number;
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  readonly startingPositionTimestamp?: number;
  readonly consumerGroupPrefix?: string;
  readonly provisioned?: {
    readonly minimumPollers?: number;
    readonly maximumPollers?: number;
    readonly pollerGroupName?: string;
    readonly retryAttempts?: number;
    readonly maxRecordAgeSeconds?: number;
    readonly bisectBatchOnError?: boolean;
    readonly reportBatchItemFailures?: boolean;
  };
  readonly schemaRegistry?: EventSourceRegistryConfig;
}

export type FailureDestinationConfig =
  | { readonly type: 'sqs'; readonly queueArn?: string }
  | { readonly type: 's3'; readonly bucketName?: string }
  | { readonly type: 'none' };

export type DeadLettersConfig =
  | { readonly type: 's3'; readonly bucketName?: string; readonly prefix?: string }
  | { readonly type: 'sqs'; readonly queueArn?: string };

export interface AlarmsConfig {
  readonly snsTopicArn?: string;
  readonly offsetLagThreshold?: number;
  readonly dashboardName?: string;
}

type Kind = 'string' | 'number' | 'boolean' | 'strings' | 'numbers' | 'object' | 'stringMap';

/** Allowed keys and their kinds, per section; anything else is reported with the valid keys. */
const SCHEMA: Record<string, Record<string, Kind>> = {
  '': {
    stackName: 'string',
    description: 'string',
    sinkConfig: 'stringMap',
    starrocksUsername: 'string',
    function: 'object',
    network: 'object',
    msk: 'object',
    selfManaged: 'object',
    eventSource: 'object',
    failureDestination: 'object',
    deadLetters: 'object',
    alarms: 'object',
    schemaRegistry: 'object',
  },
  function: {
    memorySize: 'number',
    timeoutSeconds: 'number',
    reservedConcurrency: 'number',
    logRetentionDays: 'number',
  },
  network: {
    vpcId: 'string',
    availabilityZones: 'strings',
    vpcCidrBlock: 'string',
    privateSubnetIds: 'strings',
    starrocksCidrs: 'strings',
    feHttpPorts: 'numbers',
    beHttpPort: 'number',
    secretsManagerEndpoint: 'boolean',
    schemaRegistryCidrs: 'strings',
  },
  msk: {
    clusterArn: 'string',
    topics: 'strings',
    auth: 'string',
    secretArn: 'string',
    secretKmsKeyArn: 'string',
  },
  selfManaged: {
    bootstrapServers: 'strings',
    topics: 'strings',
    auth: 'string',
    secretArn: 'string',
    rootCaSecretArn: 'string',
    network: 'object',
  },
  'selfManaged.network': {
    vpcId: 'string',
    availabilityZones: 'strings',
    vpcCidrBlock: 'string',
    subnetIds: 'strings',
    securityGroupId: 'string',
  },
  eventSource: {
    batchSize: 'number',
    maxBatchingWindowSeconds: 'number',
    startingPosition: 'string',
    startingPositionTimestamp: 'number',
    consumerGroupPrefix: 'string',
    provisioned: 'object',
    schemaRegistry: 'object',
  },
  'eventSource.provisioned': {
    minimumPollers: 'number',
    maximumPollers: 'number',
    pollerGroupName: 'string',
    retryAttempts: 'number',
    maxRecordAgeSeconds: 'number',
    bisectBatchOnError: 'boolean',
    reportBatchItemFailures: 'boolean',
  },
  failureDestination: { type: 'string', queueArn: 'string', bucketName: 'string' },
  deadLetters: { type: 'string', queueArn: 'string', bucketName: 'string', prefix: 'string' },
  alarms: { snsTopicArn: 'string', offsetLagThreshold: 'number', dashboardName: 'string' },
  schemaRegistry: { secretArn: 'string', glueRegistryName: 'string' },
  'eventSource.schemaRegistry': {
    type: 'string',
    uri: 'string',
    eventRecordFormat: 'string',
    authSecretArn: 'string',
    authType: 'string',
    attributes: 'strings',
  },
};

const REQUIRED: Record<string, readonly string[]> = {
  '': ['stackName', 'sinkConfig'],
  network: ['vpcId', 'availabilityZones', 'privateSubnetIds'],
  msk: ['clusterArn', 'topics'],
  selfManaged: ['bootstrapServers', 'topics'],
  'selfManaged.network': ['vpcId', 'availabilityZones', 'subnetIds', 'securityGroupId'],
  failureDestination: ['type'],
  deadLetters: ['type'],
  'eventSource.schemaRegistry': ['type', 'uri', 'eventRecordFormat'],
};

/** Reads and checks a deployment file; throws one error listing every problem. */
export function loadDeployConfig(file: string): DeployConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: ${jsonErrorText(error)}`);
  }
  return parseDeployConfig(parsed, file);
}

const DASHBOARD_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** Checks the shape of a deployment config object (`source` names it in messages). */
export function parseDeployConfig(input: unknown, source = 'deployment config'): DeployConfig {
  const problems: string[] = [];
  checkSection(input, '', problems);
  // Value checks run even when the shape has problems, so one run reports everything.
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const config = input as DeployConfig;
    if (!config.msk && !config.selfManaged)
      problems.push('give "msk" or "selfManaged" (or both): where the topics come from');
    checkChoice(config.msk?.auth, MSK_AUTH, 'msk.auth', problems);
    checkChoice(config.selfManaged?.auth, SELF_MANAGED_AUTH, 'selfManaged.auth', problems);
    checkChoice(
      config.eventSource?.startingPosition,
      ['TRIM_HORIZON', 'LATEST', 'AT_TIMESTAMP'],
      'eventSource.startingPosition',
      problems,
    );
    checkChoice(config.failureDestination?.type, ['sqs', 's3', 'none'], 'failureDestination.type', problems);
    checkChoice(config.deadLetters?.type, ['sqs', 's3'], 'deadLetters.type', problems);
    const mskAuth = config.msk?.auth ?? 'iam';
    if (config.msk && (mskAuth === 'sasl-scram-512' || mskAuth === 'mtls') && !config.msk.secretArn) {
      problems.push(`msk.secretArn: is required with msk.auth "${mskAuth}"`);
    }
    const smAuth = config.selfManaged?.auth ?? 'basic';
    if (config.selfManaged && smAuth !== 'none' && !config.selfManaged.secretArn) {
      problems.push(`selfManaged.secretArn: is required with selfManaged.auth "${smAuth}"`);
    }
    const dashboardName = config.alarms?.dashboardName;
    if (typeof dashboardName === 'string' && !DASHBOARD_NAME.test(dashboardName)) {
      problems.push(
        `alarms.dashboardName: "${dashboardName}" is not a CloudWatch dashboard name; use 1 to 255 letters, digits, "-" or "_"`,
      );
    }
    if (config.selfManaged && smAuth === 'none' && !config.selfManaged.network) {
      problems.push('selfManaged.auth "none" is only possible for brokers in a VPC (selfManaged.network)');
    }
    checkSchemaRegistry(config.schemaRegistry, problems);
    checkEventSourceRegistry(config.eventSource, problems);
  }
  if (problems.length > 0) {
    throw new Error(
      `${source} has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  const config = input as DeployConfig;
  // "$comment" keys document the file; the function's parser would refuse them as unknown keys.
  const sinkConfig = Object.fromEntries(
    Object.entries(config.sinkConfig).filter(([k]) => !k.startsWith('$')),
  );
  return { ...config, sinkConfig };
}

const SECRET_ARN_OR_NAME = /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+|[\w/+=.@-]{1,512})$/;
const GLUE_REGISTRY_NAME = /^[A-Za-z0-9_$#.-]{1,255}$/;
const GLUE_REGISTRY_ARN = /^arn:aws[a-z-]*:glue:[a-z0-9-]+:\d{12}:registry\/[A-Za-z0-9_$#.-]{1,255}$/;

function checkSchemaRegistry(registry: SchemaRegistryConfig | undefined, problems: string[]): void {
  const { secretArn, glueRegistryName } = registry ?? {};
  if (typeof secretArn === 'string' && !SECRET_ARN_OR_NAME.test(secretArn)) {
    problems.push(
      `schemaRegistry.secretArn: "${secretArn.slice(0, 100)}" is not a Secrets Manager secret ARN or name`,
    );
  }
  if (typeof glueRegistryName === 'string' && !GLUE_REGISTRY_NAME.test(glueRegistryName)) {
    problems.push(
      `schemaRegistry.glueRegistryName: "${glueRegistryName.slice(0, 100)}" is not a Glue registry name (1 to 255 letters, digits, "-", "_", "$", "#" or ".")`,
    );
  }
}

/** The mappings' registry: its type's URI and auth, its choices, and provisioned mode. */
function checkEventSourceRegistry(eventSource: EventSourceConfig | undefined, problems: string[]): void {
  const registry = eventSource?.schemaRegistry;
  if (registry === undefined || typeof registry !== 'object') return;
  const key = 'eventSource.schemaRegistry';
  checkChoice(registry.type, ESM_REGISTRY_TYPES, `${key}.type`, problems);
  checkChoice(registry.eventRecordFormat, EVENT_RECORD_FORMATS, `${key}.eventRecordFormat`, problems);
  checkChoice(registry.authType, ESM_REGISTRY_AUTH, `${key}.authType`, problems);
  for (const attribute of Array.isArray(registry.attributes) ? registry.attributes : []) {
    checkChoice(attribute, SCHEMA_VALIDATION_ATTRIBUTES, `${key}.attributes`, problems);
  }
  if (eventSource?.provisioned === undefined) {
    problems.push(
      `${key}: needs eventSource.provisioned (Lambda runs a mapping's schema registry in provisioned mode only); or leave it out and let the sink read the registry framing itself`,
    );
  }
  const uri = typeof registry.uri === 'string' ? registry.uri : undefined;
  if (registry.type === 'glue') {
    if (uri !== undefined && !GLUE_REGISTRY_ARN.test(uri)) {
      problems.push(
        `${key}.uri: "${uri.slice(0, 200)}" is not a Glue registry ARN (arn:aws:glue:<region>:<account>:registry/<name>)`,
      );
    }
    for (const option of ['authSecretArn', 'authType'] as const) {
      if (registry[option] !== undefined) {
        problems.push(
          `${key}.${option}: is for a Confluent registry; the mappings read a Glue registry with the function's role`,
        );
      }
    }
  }
  if (registry.type === 'confluent') {
    if (uri !== undefined && !isRegistryUrl(uri)) {
      problems.push(
        `${key}.uri: is not an http(s) URL without user info (e.g. https://psrc-xxxxx.us-east-1.aws.confluent.cloud); the credentials go in authSecretArn`,
      );
    }
    if (registry.authSecretArn === undefined) {
      problems.push(
        `${key}.authSecretArn: is required with type "confluent" (the secret of the registry's API key)`,
      );
    } else if (
      typeof registry.authSecretArn === 'string' &&
      !SECRET_ARN_OR_NAME.test(registry.authSecretArn)
    ) {
      problems.push(`${key}.authSecretArn: is not a Secrets Manager secret ARN or name`);
    }
  }
}

function isRegistryUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === ''
    );
  } catch {
    return false;
  }
}

function checkSection(value: unknown, section: string, problems: string[]): void {
  const where = section === '' ? '' : `${section}.`;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${section || 'the file'}: must be a JSON object`);
    return;
  }
  const schema = SCHEMA[section] ?? {};
  const record = value as Record<string, unknown>;
  for (const key of REQUIRED[section] ?? []) {
    if (record[key] === undefined) problems.push(`${where}${key}: is required`);
  }
  for (const [key, v] of Object.entries(record)) {
    if (key.startsWith('$')) continue;
    const kind = schema[key];
    if (kind === undefined) {
      problems.push(`${where}${key}: is not a known key; valid keys: ${Object.keys(schema).join(', ')}`);
      continue;
    }
    if (!hasKind(v, kind)) {
      problems.push(`${where}${key}: must be ${describe(kind)}, got ${JSON.stringify(v)}`);
      continue;
    }
    if (kind === 'object' && SCHEMA[`${where}${key}`]) checkSection(v, `${where}${key}`, problems);
  }
}

function hasKind(v: unknown, kind: Kind): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string' && v !== '';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'strings':
      return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x !== '');
    case 'numbers':
      return Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x));
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'stringMap':
      return (
        v !== null &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        Object.values(v).every((x) => typeof x === 'string')
      );
  }
}

function describe(kind: Kind): string {
  return {
    string: 'a non-empty string',
    number: 'a number',
    boolean: 'true or false',
    strings: 'a non-empty array of strings',
    numbers: 'a non-empty array of integers',
    object: 'an object',
    stringMap: 'an object of string values (the connector config)',
  }[kind];
}

function checkChoice(
  value: string | undefined,
  valid: readonly string[],
  key: string,
  problems: string[],
): void {
  if (value !== undefined && !valid.includes(value)) {
    problems.push(`${key}: "${value}" is not valid; valid values: ${valid.join(', ')}`);
  }
}
