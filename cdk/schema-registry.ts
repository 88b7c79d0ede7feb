/**
 * What the schema-registry converters need from the stack: registry credentials kept out of the
 * template (refused inline, read from one secret the function may read), `glue:GetSchemaVersion`
 * for the Glue converters, egress to a Confluent registry from a function in a VPC, and the checks
 * that keep an event-source mapping's own schema registry consistent with the sink's converter.
 */
import { ArnFormat, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ConverterConfig } from '../lib/config/converters.ts';
import { REGISTRY_CONVERTERS } from '../lib/config/keys.ts';
import type { SinkConfig } from '../lib/config/sink-config.ts';
import { splitList } from '../lib/config/values.ts';

const SIDES = ['value', 'key'] as const;
type Side = (typeof SIDES)[number];

/** Converter options whose value is a credential: a deployed stack reads them from a secret instead. */
const INLINE_CREDENTIAL_OPTIONS = ['basic.auth.user.info', 'bearer.auth.token'] as const;
const SECRET_OPTION = 'schema.registry.secret.arn';

/**
 * Refuses registry credentials in the connector config (`*.converter.basic.auth.user.info`,
 * `*.converter.bearer.auth.token`, user info in `*.converter.schema.registry.url`): the config is
 * deployed as an environment variable, so they would be stored in the CloudFormation template.
 * The message names the key only, never its value.
 */
export function refuseInlineRegistryCredentials(sinkConfig: Readonly<Record<string, string>>): void {
  const found: string[] = [];
  for (const side of SIDES) {
    for (const option of INLINE_CREDENTIAL_OPTIONS) {
      if (`${side}.converter.${option}` in sinkConfig) found.push(`${side}.converter.${option}`);
    }
    const urlKey = `${side}.converter.schema.registry.url`;
    if (splitList(sinkConfig[urlKey]).some(hasUserInfo)) found.push(`user info in ${urlKey}`);
  }
  if (found.length > 0) {
    throw new Error(
      `sinkConfig must not contain ${found.join(', ')}: registry credentials would be stored in the CloudFormation template. Put {"username","password"} (or {"token"} for bearer auth) in a Secrets Manager secret and pass it as schemaRegistrySecret, or set *.converter.${SECRET_OPTION} to its ARN`,
    );
  }
}

function hasUserInfo(entry: string): boolean {
  try {
    const url = new URL(entry);
    return url.username !== '' || url.password !== '';
  } catch {
    // Not a URL: the config parser reports it, without showing it.
    return /^[^/]*\/\/[^/]*@/.test(entry);
  }
}

/** The sides whose converter reads a Confluent-compatible registry (from the class names alone). */
function confluentSides(sinkConfig: Readonly<Record<string, string>>): Side[] {
  return SIDES.filter((side) => {
    const cls = sinkConfig[`${side}.converter`];
    return cls !== undefined && REGISTRY_CONVERTERS[cls]?.registry === 'confluent';
  });
}

/** The registry secret the function reads, and the config keys naming it. */
export interface RegistrySecrets {
  /** Set in `SINK_CONFIG`: the secret's ARN under each Confluent converter. */
  readonly config: Readonly<Record<string, string>>;
  /** The secrets the function may read: the prop's, or those the config names (imported). */
  readonly secrets: readonly secretsmanager.ISecret[];
}

/**
 * The registry secret: `secret` (the construct's `schemaRegistrySecret`) is set as
 * `*.converter.schema.registry.secret.arn` of every Confluent converter; without it, each secret
 * the config names is imported by `importSecret`, so the grant names exactly that secret.
 */
export function resolveRegistrySecrets(
  sinkConfig: Readonly<Record<string, string>>,
  secret: secretsmanager.ISecret | undefined,
  importSecret: (id: string, arnOrName: string) => secretsmanager.ISecret,
): RegistrySecrets {
  const named = new Set(
    SIDES.map((side) => sinkConfig[`${side}.converter.${SECRET_OPTION}`]).filter(
      (arn): arn is string => arn !== undefined && arn.trim() !== '',
    ),
  );
  if (secret === undefined) {
    const secrets = [...named].map((arn, index) =>
      importSecret(index === 0 ? 'SchemaRegistrySecret' : `SchemaRegistrySecret${index + 1}`, arn.trim()),
    );
    return { config: {}, secrets };
  }
  const sides = confluentSides(sinkConfig);
  if (sides.length === 0) {
    throw new Error(
      'schemaRegistrySecret is given, but neither value.converter nor key.converter is a Confluent schema-registry converter (io.confluent.connect.avro.AvroConverter, …ProtobufConverter, …JsonSchemaConverter) that would read it; remove it, or set the converter',
    );
  }
  for (const arn of named) {
    if (arn !== secret.secretArn) {
      throw new Error(
        `sinkConfig names the registry secret "${arn}" (${SECRET_OPTION}), which is not the schemaRegistrySecret passed to the construct; give one of them`,
      );
    }
  }
  const config = Object.fromEntries(
    sides.map((side) => [`${side}.converter.${SECRET_OPTION}`, secret.secretArn]),
  );
  return { config, secrets: [secret] };
}

/** The converters of both sides that read AWS Glue Schema Registry, with their regions. */
function glueRegions(config: SinkConfig, stack: Stack): string[] {
  const regions = new Set<string>();
  for (const converter of [config.valueConverter, config.keyConverter]) {
    if (converter.kind === 'registry' && converter.registry.kind === 'glue') {
      regions.add(converter.registry.region ?? stack.region);
    }
  }
  return [...regions];
}

/**
 * `glue:GetSchemaVersion`, and nothing else of Glue, for a Glue converter (the function fetches each
 * schema version by its id). `registryName` scopes it to one registry's schemas; without it, every
 * registry of the account in the converter's region (`*.converter.region`, else the stack's).
 * Without a Glue converter, nothing is granted, and a `registryName` is refused.
 */
export function grantGlueSchemaVersions(
  role: iam.Role,
  config: SinkConfig,
  registryName: string | undefined,
): void {
  const stack = Stack.of(role);
  const regions = glueRegions(config, stack);
  if (regions.length === 0) {
    if (registryName !== undefined) {
      throw new Error(
        'glueSchemaRegistryName is given, but neither value.converter nor key.converter is an AWS Glue converter (com.amazonaws.services.schemaregistry.kafkaconnect.AWSKafkaAvroConverter, …); remove it, or set the converter',
      );
    }
    return;
  }
  if (registryName !== undefined && !/^[A-Za-z0-9_$#.-]{1,255}$/.test(registryName)) {
    throw new Error(
      `glueSchemaRegistryName "${registryName.slice(0, 100)}" is not a Glue registry name (1 to 255 letters, digits, "-", "_", "$", "#" or ".")`,
    );
  }
  const resources = regions.flatMap((region) => {
    const arn = (resource: string, resourceName: string) =>
      stack.formatArn({
        service: 'glue',
        region,
        resource,
        resourceName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    return registryName === undefined
      ? [arn('registry', '*'), arn('schema', '*')]
      : [arn('registry', registryName), arn('schema', `${registryName}/*`)];
  });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['glue:GetSchemaVersion'], resources }));
  acknowledgeGlueWildcards(role, stack, regions, registryName);
}

/**
 * cdk-nag flags the wildcards: Glue names a schema version by a UUID the function only learns from
 * a record, and `GetSchemaVersion` by that id is authorized on the schema it belongs to, so the
 * statement must cover every schema of the registry (or of every registry, without a name).
 */
function acknowledgeGlueWildcards(
  role: iam.Role,
  stack: Stack,
  regions: readonly string[],
  registryName: string | undefined,
): void {
  const reason =
    registryName === undefined
      ? 'The Glue converter reads schema versions by the UUID each record carries, from any registry the producers use; glueSchemaRegistryName (deployment file: schemaRegistry.glueRegistryName) narrows this to one registry. The only action is the read-only glue:GetSchemaVersion.'
      : `The Glue converter reads schema versions by the UUID each record carries, so it needs every schema of registry ${registryName}; the only action is the read-only glue:GetSchemaVersion.`;
  for (const region of regions) {
    const resources = registryName === undefined ? ['registry/*', 'schema/*'] : [`schema/${registryName}/*`];
    for (const resource of resources) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagArn(region, stack.account, resource)}]`,
        reason,
      });
    }
  }
}

/**
 * A Glue ARN as cdk-nag prints it in a finding id: a region or account that is a token shows as
 * `<AWS::Region>` / `<AWS::AccountId>`.
 */
function nagArn(region: string, account: string, resource: string): string {
  const part = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
  return `arn:<AWS::Partition>:glue:${part(region, 'AWS::Region')}:${part(account, 'AWS::AccountId')}:${resource}`;
}

/** An egress rule of the function's security group: where to, which TCP port, and why. */
export interface EgressRule {
  readonly peer: ec2.IPeer;
  readonly port: number;
  readonly purpose: string;
}

/**
 * The egress a function in a VPC needs for its registry converters. A Confluent registry: each
 * registry URL's port to `peers`; without peers, each https URL's port to any IPv4 address (a
 * registry on the internet, through NAT), and a plain-http URL is refused (it would not be reached).
 * A Glue converter: 443 (or its `endpoint`'s port) to `peers`, else to any IPv4 address (Glue's
 * regional endpoint through NAT). Peers without a registry converter are refused: they would open
 * nothing.
 */
export function registryEgress(config: SinkConfig, peers: readonly ec2.IPeer[] | undefined): EgressRule[] {
  const rules: EgressRule[] = [];
  for (const side of SIDES) {
    const converter: ConverterConfig = side === 'value' ? config.valueConverter : config.keyConverter;
    if (converter.kind !== 'registry') continue;
    const registry = converter.registry;
    if (registry.kind === 'glue') {
      const port = registry.endpoint === undefined ? 443 : portOf(registry.endpoint);
      for (const peer of peers ?? [ec2.Peer.anyIpv4()]) {
        rules.push({ peer, port, purpose: `AWS Glue Schema Registry ${port}` });
      }
      continue;
    }
    for (const url of registry.urls.map((u) => new URL(u))) {
      const port = portOf(url.href);
      if (peers === undefined && url.protocol !== 'https:') {
        throw new Error(
          `${side}.converter.schema.registry.url has plain-http ${url.host}: the function's security group opens no port to it unless network.schemaRegistryPeers says where the registry is`,
        );
      }
      for (const peer of peers ?? [ec2.Peer.anyIpv4()]) {
        rules.push({ peer, port, purpose: `Schema registry ${url.hostname}:${port}` });
      }
    }
  }
  if (peers !== undefined && rules.length === 0) {
    throw new Error(
      'network.schemaRegistryPeers is given, but neither value.converter nor key.converter reads a schema registry; remove it, or set the converter',
    );
  }
  return rules;
}

/**
 * Adds the rules to the group, one per peer and port: rules to the same place are merged, their
 * purposes joined into one description (CloudFormation keeps only one rule per peer and port).
 */
export function addEgressRules(group: ec2.SecurityGroup, rules: readonly EgressRule[]): void {
  const merged = new Map<string, { rule: EgressRule; purposes: string[] }>();
  for (const rule of rules) {
    const key = `${rule.peer.uniqueId}:${rule.port}`;
    const entry = merged.get(key) ?? { rule, purposes: [] };
    if (!entry.purposes.includes(rule.purpose)) entry.purposes.push(rule.purpose);
    merged.set(key, entry);
  }
  for (const { rule, purposes } of merged.values()) {
    group.addEgressRule(rule.peer, ec2.Port.tcp(rule.port), purposes.join('; ').slice(0, 255));
  }
}

/** The port of an http(s) URL, with the scheme's default. */
export function portOf(origin: string): number {
  const url = new URL(origin);
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/**
 * An event-source mapping's schema registry needs provisioned mode (Lambda's rule); refused
 * without it, so the mapping is not rejected at deploy time.
 */
export function checkEventSourceRegistryMode(
  registry: lambda.ISchemaRegistry | undefined,
  provisioned: boolean,
): void {
  if (registry !== undefined && !provisioned) {
    throw new Error(
      "eventSourceSchemaRegistry needs provisionedMode: Lambda runs an event-source mapping's schema registry in provisioned mode only. Set provisionedMode, or leave eventSourceSchemaRegistry out and let the sink read the registry framing itself (no provisioned mode needed)",
    );
  }
}

/**
 * What the mappings `fn` has with a schema registry deliver must be what the value converter
 * reads: with the SOURCE format, the body without its framing, which only the registry converter
 * of the same registry reads (a Protobuf body keeps its message indexes); with
 * JSON, plain JSON, which JsonConverter reads only without the schema envelope.
 */
export function checkEventRecordFormats(fn: lambda.Function, config: SinkConfig): void {
  for (const registry of mappingRegistries(fn)) {
    const problem = recordFormatProblem(registry, config.valueConverter);
    if (problem !== undefined) throw new Error(`eventSourceSchemaRegistry: ${problem}`);
  }
}

/**
 * aws-cdk-lib's `GlueSchemaRegistry` grants the role `glue:GetRegistry` and `glue:GetSchemaVersion`
 * on the registry and `schema/<name>/*` (the mappings read schemas with the execution role);
 * cdk-nag flags that wildcard, acknowledged here with the reason.
 */
export function acknowledgeMappingGlueGrants(role: iam.Role, fn: lambda.Function): void {
  for (const { schemaRegistryUri: uri } of mappingRegistries(fn)) {
    if (uri === undefined || Token.isUnresolved(uri) || !uri.startsWith('arn:')) continue;
    const name = /:registry\/(.+)$/.exec(uri)?.[1];
    if (name === undefined) continue;
    // The grant's resource is an Fn::Sub, which cdk-nag names by its JSON arguments.
    const resource = JSON.stringify([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub's own syntax
      'arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:schema/${registryName}/*',
      { registryName: name },
    ]);
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
      reason: `The event-source mappings validate records against Glue registry ${name} with the execution role (aws-cdk-lib's GlueSchemaRegistry grant): schema versions are named by the UUID each record carries, so every schema of that registry; the actions are read-only.`,
    });
  }
}

function mappingRegistries(fn: lambda.Function): lambda.CfnEventSourceMapping.SchemaRegistryConfigProperty[] {
  const stack = Stack.of(fn);
  return fn.node
    .findAll()
    .filter((c): c is lambda.CfnEventSourceMapping => c instanceof lambda.CfnEventSourceMapping)
    .map((cfn) => {
      const kafka = stack.resolve(
        cfn.amazonManagedKafkaEventSourceConfig ?? cfn.selfManagedKafkaEventSourceConfig,
      ) as { schemaRegistryConfig?: lambda.CfnEventSourceMapping.SchemaRegistryConfigProperty } | undefined;
      return kafka?.schemaRegistryConfig;
    })
    .filter((r) => r !== undefined);
}

function recordFormatProblem(
  registry: lambda.CfnEventSourceMapping.SchemaRegistryConfigProperty,
  converter: ConverterConfig,
): string | undefined {
  const format = registry.eventRecordFormat;
  if (format === 'JSON') {
    return converter.kind === 'json' && converter.schemasEnable
      ? 'the JSON record format delivers plain JSON values, without the {"schema","payload"} envelope value.converter.schemas.enable=true requires; keep the registry converter as value.converter (it loads them as schemaless JSON), or set value.converter.schemas.enable=false'
      : undefined;
  }
  if (format !== 'SOURCE') return undefined;
  if (converter.kind !== 'registry') {
    return 'the SOURCE record format delivers values in their Avro/Protobuf/JSON Schema form without the registry framing, which only a schema-registry converter reads; set value.converter to the registry converter of the topic, or use the JSON record format';
  }
  const uri = registry.schemaRegistryUri;
  const mappingKind =
    uri === undefined || Token.isUnresolved(uri) ? undefined : uri.startsWith('arn:') ? 'glue' : 'confluent';
  if (mappingKind !== undefined && mappingKind !== converter.registry.kind) {
    return `the mapping's registry is ${mappingKind === 'glue' ? 'AWS Glue' : 'Confluent-compatible'} but value.converter reads ${converter.registry.kind === 'glue' ? 'AWS Glue' : 'a Confluent-compatible registry'}; with the SOURCE format the sink fetches the schema the record's metadata names from its own converter's registry, so both must be the same registry`;
  }
  return undefined;
}
