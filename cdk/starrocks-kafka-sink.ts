import { existsSync } from 'node:fs';
import path from 'node:path';
import { Annotations, Duration, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acceptTopic, routeTopic } from '../lib/batch/route.ts';
import { REDIRECT_HOSTS_KEY } from '../lib/config/keys.ts';
import { parseSinkConfig, type SinkConfig } from '../lib/config/sink-config.ts';
import { changesTopics } from '../lib/config/transforms.ts';
import {
  DEAD_LETTER_KEYS,
  type DeadLetterDestinationProps,
  type WiredDeadLetters,
  wireDeadLetters,
} from './dead-letter-destination.ts';
import { createFailureDestination, type FailureDestination } from './failure-destination.ts';
import {
  addKafkaSources,
  KAFKA_MAX_FUNCTION_TIMEOUT,
  type KafkaSource,
  type ProvisionedModeProps,
} from './kafka-sources.ts';
import {
  acknowledgeMappingGlueGrants,
  addEgressRules,
  checkEventRecordFormats,
  checkEventSourceRegistryMode,
  type EgressRule,
  grantGlueSchemaVersions,
  portOf,
  refuseInlineRegistryCredentials,
  registryEgress,
  resolveRegistrySecrets,
} from './schema-registry.ts';
import { SINK_METRICS, SinkOperations } from './sink-operations.ts';

/** The bundle `npm run build` writes: the file the tests ran is the file deployed. */
export const DEFAULT_CODE_PATH = path.join(import.meta.dirname, '..', 'dist', 'sink');

/** Where the function runs, and what it may reach. */
export interface SinkNetworkProps {
  /** The VPC in which StarRocks' FEs and BEs are reachable. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets for the function's network interfaces. They need a route to Secrets Manager: a NAT
   * gateway, or `secretsManagerEndpoint: true`.
   *
   * @default - the VPC's private subnets
   */
  readonly subnets?: ec2.SubnetSelection;
  /**
   * Where StarRocks' FEs and BEs are; the function's security group opens the FE and BE HTTP
   * ports to these peers and nothing else. Their CIDRs are also passed to the function as
   * `starrocks.redirect.hosts` (where an FE's redirect may take the credentials), unless
   * `sinkConfig` sets that key; a peer that is no CIDR leaves the key to you (synth warns).
   *
   * @default - the VPC's CIDR block
   */
  readonly starrocksPeers?: readonly ec2.IPeer[];
  /**
   * FE HTTP ports (Stream Load is sent to an FE first).
   *
   * @default - the ports in `starrocks.http.url` (8030 in the usual setup)
   */
  readonly feHttpPorts?: readonly number[];
  /**
   * BE HTTP port: the FE redirects each Stream Load to a BE on this port (`be_http_port`).
   *
   * @default 8040
   */
  readonly beHttpPort?: number;
  /**
   * Create a Secrets Manager interface endpoint in the function's subnets, and open 443 only to
   * it. Without it, 443 is open to any IPv4 address so the public endpoint is reachable through
   * a NAT gateway.
   *
   * @default false
   */
  readonly secretsManagerEndpoint?: boolean;
  /**
   * Where the schema registry of a registry converter is (a Confluent registry's CIDR or security
   * group, or a Glue interface endpoint's): the security group opens the ports of the
   * `*.converter.schema.registry.url` URLs (443 for Glue, or its `endpoint`'s port) to these peers.
   * Refused when neither converter reads a schema registry.
   *
   * @default - each https registry URL's port (443 in the usual setup) to any IPv4 address, for a
   * registry on the internet reached through NAT, and 443 to any IPv4 address for Glue; a plain-http
   * registry URL then fails synth, as nothing would open a port to it
   * @see docs/deploy.md "Schema registries"
   */
  readonly schemaRegistryPeers?: readonly ec2.IPeer[];
}

export interface StarRocksKafkaSinkProps {
  /**
   * The connector config, deployed as `SINK_CONFIG`. Validated at synth time with the function's
   * own parser, so a bad config fails `cdk synth` with the message the function would give.
   * `starrocks.password` is refused: credentials live only in Secrets Manager.
   * `starrocks.secret.arn` may name the secret (imported), or be left out (see `starrocksSecret`).
   *
   * @see docs/configuration.md
   */
  readonly sinkConfig: Readonly<Record<string, string>>;
  /**
   * The secret holding `{"username","password"}` of the StarRocks user. The function may read
   * this secret and no other.
   *
   * @default - the secret named by `starrocks.secret.arn`; without that key, a new secret with
   * `starrocksUsername` and a generated password, to set in StarRocks or to overwrite
   */
  readonly starrocksSecret?: secretsmanager.ISecret;
  /**
   * User name written into a secret the construct creates.
   *
   * @default 'lambda_sink'
   */
  readonly starrocksUsername?: string;
  /**
   * The secret holding the schema registry's credentials, `{"username","password"}` (a Confluent
   * Cloud API key and secret) or `{"token"}` (with `bearer.auth.credentials.source=STATIC_TOKEN`).
   * The function may read it, and it is set as `*.converter.schema.registry.secret.arn` of each
   * Confluent converter (value, and key when the key converter is one). `sinkConfig` may name the
   * secret instead (imported and granted alone). Inline credentials
   * (`*.converter.basic.auth.user.info`, `*.converter.bearer.auth.token`, user info in
   * `*.converter.schema.registry.url`) are refused: they would be stored in the template.
   *
   * @default - the secret `*.converter.schema.registry.secret.arn` names, if any; else the registry
   * is called without credentials
   * @see docs/deploy.md "Schema registries"
   */
  readonly schemaRegistrySecret?: secretsmanager.ISecret;
  /**
   * The AWS Glue Schema Registry the Glue converters read: `glue:GetSchemaVersion` (the function's
   * only Glue permission, granted when either converter is a Glue converter) is scoped to
   * `registry/<name>` and `schema/<name>/*` in the converter's region (`*.converter.region`, else
   * the stack's).
   *
   * @default - every registry of the account in that region (`registry/*`, `schema/*`)
   */
  readonly glueSchemaRegistryName?: string;
  /**
   * A schema registry for the event-source mappings themselves (`ConfluentSchemaRegistry` or
   * `GlueSchemaRegistry` of aws-lambda-event-sources), set as `schemaRegistryConfig` on every
   * mapping; Lambda offers it in provisioned mode only, so synth fails without `provisionedMode`.
   * Its event record format decides what the function receives:
   * - `EventRecordFormat.JSON`: the value as JSON text; the sink loads it as schemaless JSON (with
   *   the registry converter, or JsonConverter with `schemas.enable=false`), logical types as the
   *   mapping renders them.
   * - `EventRecordFormat.SOURCE`: the value without its framing; the sink decodes it with the
   *   schema `valueSchemaMetadata` names, from its own converter's registry (which must be the
   *   same). A Protobuf body keeps its message indexes, which the sink reads.
   *
   * Leaving it out is the recommended setup: the sink reads the registry framing itself, with its
   * own logical-type rules, and needs no provisioned mode.
   *
   * @default - none: the mappings deliver the records' bytes as produced
   * @see https://docs.aws.amazon.com/lambda/latest/dg/services-consume-kafka-events.html
   */
  readonly eventSourceSchemaRegistry?: lambda.ISchemaRegistry;
  /** Kafka clusters and topics; one event-source mapping per topic, all invoking the function. */
  readonly sources: readonly KafkaSource[];
  /**
   * Directory holding the built bundle (`index.mjs`). Synth fails, asking for `npm run build`,
   * when it is missing: the construct never builds, so what is deployed is what was tested.
   *
   * @default dist/sink
   */
  readonly codePath?: string;
  /** @default 1024 (memory also buys CPU and network for decoding and loading 6 MB batches) */
  readonly memorySize?: number;
  /**
   * At most 14 minutes, Lambda's limit behind Kafka mappings. Loads are retried inside the
   * invocation while time is left.
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /** @default - unreserved (the mappings scale to one concurrent batch per partition) */
  readonly reservedConcurrentExecutions?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default - the function is not in a VPC (StarRocks must be reachable from the internet) */
  readonly network?: SinkNetworkProps;
  /**
   * Records per invocation; the 6 MB invocation payload usually binds first.
   *
   * @default 10_000 (fewer, larger Stream Loads are what StarRocks prefers)
   */
  readonly batchSize?: number;
  /**
   * How long the pollers gather records before invoking. Once changed from Lambda's 500 ms it
   * cannot go back without recreating the mappings.
   *
   * @default Duration.seconds(5)
   */
  readonly maxBatchingWindow?: Duration;
  /** @default lambda.StartingPosition.TRIM_HORIZON (load what the topics already hold) */
  readonly startingPosition?: lambda.StartingPosition;
  /** Unix seconds, with `StartingPosition.AT_TIMESTAMP` only. @default - none */
  readonly startingPositionTimestamp?: number;
  /**
   * Consumer groups are `<prefix>.<topic>`, one per mapping, fixed at creation: changing the
   * prefix creates new groups that start from `startingPosition`.
   *
   * @default - `starrocks-sink-` and a hash of this construct's path (stable across deploys)
   */
  readonly consumerGroupPrefix?: string;
  /**
   * Provisioned pollers, and the retry, record-age, bisect and partial-batch controls that
   * aws-cdk-lib offers in provisioned mode only.
   *
   * @default - on-demand mode: a failing batch is retried until it loads or its records expire
   */
  readonly provisionedMode?: ProvisionedModeProps;
  /** @default { type: 'sqs' } (a new encrypted queue) */
  readonly failureDestination?: FailureDestination;
  /**
   * Dead letters for records the function cannot load (`errors.tolerance=all`): an S3 bucket or an
   * SQS queue, created or imported; the function may write to it and nothing else. Sets
   * `errors.tolerance=all` and the destination keys in `SINK_CONFIG`.
   *
   * @default - none: `errors.tolerance=none`, a bad record fails its batch
   * @see docs/delivery.md "Poison records: errors.tolerance and dead letters"
   */
  readonly deadLetters?: DeadLetterDestinationProps;
  /** @default - alarms notify nobody */
  readonly alarmTopic?: sns.ITopic;
  /** @default 10_000 */
  readonly offsetLagAlarmThreshold?: number;
  /**
   * The CloudWatch dashboard's name (letters, digits, `-` and `_`, at most 255 characters).
   *
   * @default - CloudFormation generates the name
   */
  readonly dashboardName?: string;
  /**
   * The `service` dimension of the function's metrics (and its logs' `service`), so that two sinks
   * in one account keep their own figures and dashboards.
   *
   * @default - `<stack name>/<construct path in the stack>`, for example `Sinks/Orders`
   */
  readonly serviceName?: string;
}

/**
 * The StarRocks sink: the function (the bundle from `npm run build`, `nodejs24.x` on arm64) fed
 * by one Kafka event-source mapping per topic, its StarRocks secret, failure destination,
 * network and least-privilege role, and alarms and a dashboard.
 *
 * @example
 * new StarRocksKafkaSink(stack, 'Sink', {
 *   sinkConfig: { 'starrocks.http.url': '10.0.1.10:8030', 'starrocks.database.name': 'example_db',
 *     'starrocks.topic2table.map': 'orders:orders_tbl' },
 *   sources: [{ kind: 'msk', clusterArn, topics: ['orders'], auth: { method: 'iam' } }],
 *   network: { vpc },
 * });
 */
export class StarRocksKafkaSink extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly starrocksSecret: secretsmanager.ISecret;
  /** Where dead letters go, with the `deadLetters` prop. */
  readonly deadLetterBucket: s3.IBucket | undefined;
  readonly deadLetterQueue: sqs.IQueue | undefined;
  readonly securityGroup: ec2.SecurityGroup | undefined;
  readonly operations: SinkOperations;
  /** The tables the dashboard shows, from the config and the topics of the sources. */
  readonly tables: readonly string[];
  /** The `service` dimension of this sink's metrics. */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: StarRocksKafkaSinkProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.serviceName =
      props.serviceName ?? `${stack.stackName}${this.node.path.slice(stack.node.path.length)}`;
    if ('starrocks.password' in props.sinkConfig) {
      throw new Error(
        'sinkConfig must not contain starrocks.password: it would be stored in the CloudFormation template. Put {"username","password"} in a Secrets Manager secret and set starrocks.secret.arn (or leave it out to have the stack create the secret)',
      );
    }
    refuseInlineRegistryCredentials(props.sinkConfig);
    const timeout = props.timeout ?? Duration.minutes(5);
    if (timeout.toSeconds() > KAFKA_MAX_FUNCTION_TIMEOUT.toSeconds()) {
      throw new Error(
        `timeout ${timeout.toHumanString()} is over 14 minutes, the limit for functions behind Kafka event-source mappings`,
      );
    }
    if (props.sources.length === 0 || props.sources.every((s) => s.topics.length === 0)) {
      throw new Error('sources must name at least one Kafka topic');
    }
    rejectDuplicateMskTopics(props.sources);

    this.starrocksSecret = this.resolveSecret(props);
    const deadLetters = this.resolveDeadLetters(props);
    this.deadLetterBucket = deadLetters?.bucket;
    this.deadLetterQueue = deadLetters?.queue;
    const registrySecrets = resolveRegistrySecrets(props.sinkConfig, props.schemaRegistrySecret, (id, arn) =>
      importSecret(this, id, arn),
    );
    const sinkConfig = {
      ...props.sinkConfig,
      ...registrySecrets.config,
      ...deadLetters?.config,
      ...this.redirectHostsConfig(props),
      'starrocks.secret.arn': this.starrocksSecret.secretArn,
    };
    const parsed = validateSinkConfig({ ...sinkConfig, ...deadLetters?.checkedConfig });
    checkTopicsAccepted(parsed, props.sources);
    const provisioned = provisionedModeFor(props.provisionedMode, parsed.partialBatchResponse);
    checkEventSourceRegistryMode(props.eventSourceSchemaRegistry, provisioned !== undefined);

    const codePath = props.codePath ?? DEFAULT_CODE_PATH;
    if (!existsSync(path.join(codePath, 'index.mjs'))) {
      throw new Error(
        `${path.join(codePath, 'index.mjs')} does not exist: run \`npm run build\` first (the stack deploys the bundle the tests ran; the construct never builds it)`,
      );
    }

    this.role = new InlineOnlyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description:
        'StarRocks sink: its log group, its StarRocks secret, its Kafka sources and failure destination',
    });
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logGroup.grantWrite(this.role);
    grantGlueSchemaVersions(this.role, parsed, props.glueSchemaRegistryName);

    this.securityGroup = props.network ? this.createSecurityGroup(props.network, parsed) : undefined;
    const network = props.network;
    this.function = new lambda.Function(this, 'Function', {
      description: 'Loads Kafka batches into StarRocks, one Stream Load per table per invocation',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(codePath),
      memorySize: props.memorySize ?? 1024,
      timeout,
      role: this.role,
      logGroup,
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      ...(network && this.securityGroup
        ? {
            vpc: network.vpc,
            vpcSubnets: network.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
            securityGroups: [this.securityGroup],
          }
        : {}),
      environment: {
        SINK_CONFIG: stack.toJsonString(sinkConfig),
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: SINK_METRICS.namespace,
      },
    });
    this.starrocksSecret.grantRead(this.function);
    for (const secret of registrySecrets.secrets) secret.grantRead(this.function);
    deadLetters?.grant(this.function);

    const needsEnis =
      network !== undefined ||
      props.sources.some((s) => s.kind === 'msk' || (s.kind === 'self-managed' && s.network !== undefined));
    if (needsEnis) this.grantNetworkInterfaces();

    const destination = createFailureDestination(this, props.failureDestination ?? { type: 'sqs' });
    const prefix =
      props.consumerGroupPrefix ?? `starrocks-sink-${Names.uniqueId(this).slice(-8).toLowerCase()}`;
    addKafkaSources(this.function, props.sources, {
      batchSize: props.batchSize ?? 10_000,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(5),
      startingPosition: props.startingPosition ?? lambda.StartingPosition.TRIM_HORIZON,
      ...(props.startingPositionTimestamp !== undefined
        ? { startingPositionTimestamp: props.startingPositionTimestamp }
        : {}),
      consumerGroupId: (topic) => consumerGroupId(prefix, topic),
      ...(provisioned ? { provisioned } : {}),
      ...(destination ? { onFailure: destination } : {}),
      ...(props.eventSourceSchemaRegistry ? { schemaRegistry: props.eventSourceSchemaRegistry } : {}),
    });
    checkEventRecordFormats(this.function, parsed);
    acknowledgeMappingGlueGrants(this.role, this.function);

    this.tables = tablesOf(parsed, props.sources);
    this.operations = new SinkOperations(this, 'Operations', {
      function: this.function,
      tables: this.tables,
      service: this.serviceName,
      ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
      ...(props.offsetLagAlarmThreshold !== undefined
        ? { offsetLagThreshold: props.offsetLagAlarmThreshold }
        : {}),
      ...(props.dashboardName !== undefined ? { dashboardName: props.dashboardName } : {}),
    });
  }

  private resolveDeadLetters(props: StarRocksKafkaSinkProps): WiredDeadLetters | undefined {
    const inConfig = Object.keys(props.sinkConfig).filter((k) =>
      (DEAD_LETTER_KEYS as readonly string[]).includes(k),
    );
    if (props.deadLetters === undefined) {
      const destination = inConfig.filter((k) => k.startsWith('errors.deadletterqueue.'));
      if (destination.length > 0) {
        throw new Error(
          `sinkConfig sets ${destination.join(', ')}: use the deadLetters prop instead, which creates or imports the destination, grants the function write access and sets these keys`,
        );
      }
      return undefined;
    }
    if (inConfig.length > 0) {
      throw new Error(
        `sinkConfig sets ${inConfig.join(', ')}, which the deadLetters prop sets itself (errors.tolerance=all and the destination); remove them from sinkConfig`,
      );
    }
    return wireDeadLetters(this, props.deadLetters);
  }

  private resolveSecret(props: StarRocksKafkaSinkProps): secretsmanager.ISecret {
    const arn = props.sinkConfig['starrocks.secret.arn'];
    if (props.starrocksSecret) {
      if (arn !== undefined && arn !== props.starrocksSecret.secretArn) {
        throw new Error(
          `sinkConfig starrocks.secret.arn "${arn}" is not the starrocksSecret passed to the construct; give one of them`,
        );
      }
      return props.starrocksSecret;
    }
    if (arn !== undefined) return importSecret(this, 'StarRocksSecret', arn);
    const secret = new secretsmanager.Secret(this, 'StarRocksSecret', {
      description:
        'StarRocks credentials of the Lambda sink: {"username","password"}. Create the user with this password or put your own.',
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: props.starrocksUsername ?? 'lambda_sink' }),
        generateStringKey: 'password',
        excludePunctuation: true,
        passwordLength: 32,
      },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'Rotating a StarRocks password needs a rotation function that can ALTER USER in StarRocks, which this project does not ship; the function re-reads the secret on 401, so a manual rotation is picked up without a deploy.',
    });
    // Widened explicitly: see failure-destination.ts (exactOptionalPropertyTypes vs aws-cdk-lib).
    return secret as secretsmanager.ISecret;
  }

  /**
   * `starrocks.redirect.hosts` from the StarRocks CIDRs the security group opens, unless the user
   * set the key: the BEs an FE redirects a load to are there, and a redirect anywhere else must not
   * get the credentials. A peer that is no CIDR (a security group, a prefix list) cannot be written
   * as a host rule: then the key is left to the user, and synth warns.
   */
  private redirectHostsConfig(props: StarRocksKafkaSinkProps): Record<string, string> {
    const network = props.network;
    if (network === undefined || REDIRECT_HOSTS_KEY in props.sinkConfig) return {};
    const peers = network.starrocksPeers ?? [ec2.Peer.ipv4(vpcCidr(network.vpc))];
    const cidrs = peers.map((peer) => {
      const rule = peer.toEgressRuleConfig() as { cidrIp?: string; cidrIpv6?: string };
      return rule.cidrIp ?? rule.cidrIpv6;
    });
    if (cidrs.some((cidr) => cidr === undefined)) {
      Annotations.of(this).addWarningV2(
        'starrocks-sink:redirect-hosts',
        `${REDIRECT_HOSTS_KEY} is not set and network.starrocksPeers holds a peer that is no CIDR (${peers.map((p) => p.uniqueId).join(', ')}): redirects go only to the FE hosts and their /24; set ${REDIRECT_HOSTS_KEY} to where the BEs are`,
      );
      return {};
    }
    return { [REDIRECT_HOSTS_KEY]: cidrs.join(',') };
  }

  /**
   * Egress only to StarRocks' FE and BE HTTP ports, 443 for Secrets Manager, and the schema
   * registry of a registry converter.
   */
  private createSecurityGroup(network: SinkNetworkProps, config: SinkConfig): ec2.SecurityGroup {
    const sg = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: network.vpc,
      allowAllOutbound: false,
      description:
        'StarRocks sink function: Stream Load to FEs and BEs, Secrets Manager over 443, its schema registry',
    });
    const peers = network.starrocksPeers ?? [ec2.Peer.ipv4(vpcCidr(network.vpc))];
    const fePorts = network.feHttpPorts ?? config.feUrls.map(portOf);
    const ports = new Set([...fePorts, network.beHttpPort ?? 8040]);
    const rules: EgressRule[] = [];
    for (const peer of peers) {
      for (const port of ports) rules.push({ peer, port, purpose: `StarRocks HTTP ${port} (Stream Load)` });
    }
    rules.push(...registryEgress(config, network.schemaRegistryPeers));
    if (network.secretsManagerEndpoint) {
      // An endpoint only answers; its group needs no egress at all.
      const endpointSg = new ec2.SecurityGroup(this, 'SecretsManagerEndpointSecurityGroup', {
        vpc: network.vpc,
        allowAllOutbound: false,
        description: 'Secrets Manager endpoint of the StarRocks sink: 443 from the function only',
      });
      new ec2.InterfaceVpcEndpoint(this, 'SecretsManagerEndpoint', {
        vpc: network.vpc,
        service: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        subnets: network.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        securityGroups: [endpointSg],
        open: false,
      });
      // One call opens both sides: the function's egress and the endpoint's ingress on 443.
      sg.connections.allowTo(endpointSg, ec2.Port.tcp(443), 'Secrets Manager endpoint');
    } else {
      rules.push({
        peer: ec2.Peer.anyIpv4(),
        port: 443,
        purpose: 'Secrets Manager (public endpoint through NAT)',
      });
    }
    addEgressRules(sg, rules);
    return sg;
  }

  /** What AWSLambdaVPCAccessExecutionRole and AWSLambdaMSKExecutionRole would grant for ENIs. */
  private grantNetworkInterfaces(): void {
    const statement = new iam.PolicyStatement({
      actions: [
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
        'ec2:DescribeSubnets',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeVpcs',
      ],
      resources: ['*'],
    });
    this.role.addToPolicy(statement);
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Lambda creates and describes the network interfaces of the function and of the Kafka pollers with the execution role; the ec2 Describe* actions have no resource-level permissions and AWS documents these actions on "*" (AWSLambdaVPCAccessExecutionRole, AWSLambdaMSKExecutionRole).',
    });
  }
}

/**
 * The execution role. It takes no AWS managed policy: `ManagedKafkaEventSource` attaches
 * AWSLambdaMSKExecutionRole (kafka, ec2 and logs actions on "*"), and the construct grants the
 * same actions as scoped inline statements instead. Other managed policies are kept.
 */
class InlineOnlyRole extends iam.Role {
  override addManagedPolicy(policy: iam.IManagedPolicy): void {
    const arn = JSON.stringify(Stack.of(this).resolve(policy.managedPolicyArn));
    if (arn.includes(':iam::aws:policy/service-role/AWSLambdaMSKExecutionRole')) return;
    super.addManagedPolicy(policy);
  }
}

/** The function's own parser, so synth fails with the same message the function would give. */
function validateSinkConfig(config: Record<string, string>): SinkConfig {
  const redirectHosts = config[REDIRECT_HOSTS_KEY];
  // A secret created by this stack (StarRocks' or the registry's) has no ARN before deployment; any
  // well-formed ARN stands in.
  // So does a CIDR for the CIDR of a VPC the stack creates.
  const checked = {
    ...config,
    ...Object.fromEntries(
      Object.entries(config)
        .filter(([key, value]) => key.endsWith('secret.arn') && Token.isUnresolved(value))
        .map(([key]) => [
          key,
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:created-by-stack-AbCdEf',
        ]),
    ),
    ...(redirectHosts !== undefined && Token.isUnresolved(redirectHosts)
      ? {
          [REDIRECT_HOSTS_KEY]: redirectHosts
            .split(',')
            .map((entry) => (Token.isUnresolved(entry) ? '10.0.0.0/16' : entry))
            .join(','),
        }
      : {}),
  };
  return parseSinkConfig(checked);
}

/**
 * A topic the config does not accept would fail every batch at run time; say so now. When a
 * transform routes records (RegexRouter, …), only `topics`/`topics.regex` are checked: the table
 * follows the routed topic.
 */
function checkTopicsAccepted(config: SinkConfig, sources: readonly KafkaSource[]): void {
  const routed = changesTopics(config.transforms);
  for (const topic of sources.flatMap((s) => s.topics)) {
    const problem = acceptTopic(topic, config);
    const route = routed ? (problem === undefined ? { table: '' } : { problem }) : routeTopic(topic, config);
    if ('problem' in route) {
      throw new Error(
        `source topic "${topic}" is not accepted by sinkConfig: ${route.problem}; every batch from it would fail`,
      );
    }
  }
}

function rejectDuplicateMskTopics(sources: readonly KafkaSource[]): void {
  // ManagedKafkaEventSource names its mapping after the topic alone.
  const seen = new Set<string>();
  for (const topic of sources.flatMap((s) => (s.kind === 'msk' ? s.topics : []))) {
    if (seen.has(topic)) throw new Error(`MSK topic "${topic}" appears twice; one mapping per topic`);
    seen.add(topic);
  }
}

function consumerGroupId(prefix: string, topic: string): string {
  const id = `${prefix}.${topic}`;
  if (id.length > 200) {
    throw new Error(
      `consumer group id "${id}" is longer than 200 characters; set a shorter consumerGroupPrefix`,
    );
  }
  return id;
}

/**
 * The tables the sink loads: every map entry's, and each source topic's (checked to route); when a
 * transform routes records, only the map's (the others are known per record).
 */
function tablesOf(config: SinkConfig, sources: readonly KafkaSource[]): string[] {
  const tables = new Set(config.topicToTable.values());
  if (changesTopics(config.transforms)) return [...tables].sort();
  for (const topic of sources.flatMap((s) => s.topics)) {
    const route = routeTopic(topic, config);
    if ('table' in route) tables.add(route.table);
  }
  return [...tables].sort();
}

function vpcCidr(vpc: ec2.IVpc): string {
  try {
    return vpc.vpcCidrBlock;
  } catch {
    throw new Error(
      'network.starrocksPeers is not set and the VPC has no CIDR block (imported without vpcCidrBlock): give the StarRocks CIDRs or the VPC CIDR',
    );
  }
}

/**
 * Imports a secret by complete ARN (with the 6-character suffix), partial ARN or name, so the
 * IAM grant names exactly that secret.
 */
export function importSecret(
  scope: Construct,
  id: string,
  arnOrName: string,
  encryptionKeyArn?: string,
): secretsmanager.ISecret {
  const isArn = arnOrName.startsWith('arn:');
  const complete = isArn && /-[A-Za-z0-9]{6}$/.test(arnOrName);
  if (encryptionKeyArn !== undefined) {
    if (!isArn) throw new Error(`secret "${arnOrName}" with an encryption key must be given by ARN`);
    const encryptionKey = kms.Key.fromKeyArn(scope, `${id}Key`, encryptionKeyArn);
    return secretsmanager.Secret.fromSecretAttributes(scope, id, {
      ...(complete ? { secretCompleteArn: arnOrName } : { secretPartialArn: arnOrName }),
      encryptionKey,
    });
  }
  if (complete) return secretsmanager.Secret.fromSecretCompleteArn(scope, id, arnOrName);
  if (isArn) return secretsmanager.Secret.fromSecretPartialArn(scope, id, arnOrName);
  return secretsmanager.Secret.fromSecretNameV2(scope, id, arnOrName);
}

/**
 * The function returns `batchItemFailures` only with `sink.partial.batch.response=true`, and the
 * ESM honours them only with `ReportBatchItemFailures`, a provisioned-mode setting: the two are
 * set together here, and a contradiction fails synth instead of retrying whole batches silently.
 */
function provisionedModeFor(
  provisioned: ProvisionedModeProps | undefined,
  partialBatchResponse: boolean,
): ProvisionedModeProps | undefined {
  if (!partialBatchResponse) return provisioned;
  if (provisioned === undefined) {
    throw new Error(
      'sinkConfig sets sink.partial.batch.response=true, which needs provisionedMode (Kafka event-source mappings honour ReportBatchItemFailures only in provisioned mode): set provisionedMode, or remove the key',
    );
  }
  if (provisioned.reportBatchItemFailures === false) {
    throw new Error(
      'sinkConfig sets sink.partial.batch.response=true but provisionedMode.reportBatchItemFailures is false: the mapping would ignore the failed partitions the function reports and commit them; remove one of the two',
    );
  }
  return { ...provisioned, reportBatchItemFailures: true };
}
