import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDeployConfig } from '../../../cdk/deploy-config.ts';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import {
  type MigrateOptions,
  type Migration,
  migrateConnectorConfig,
  stackNameOf,
} from '../../../lib/local/migrate.ts';
import { type ConnectorInput, readConnectorInput } from '../../../lib/local/migrate-input.ts';
import { formatMigrationReport } from '../../../lib/local/migrate-report.ts';

const fixture = (name: string) =>
  readConnectorInput(readFileSync(`test/fixtures/connector-configs/${name}`, 'utf8'));
const properties = (text: string) => readConnectorInput(text);

const MSK = { mskClusterArn: 'arn:aws:kafka:us-east-1:999988887777:cluster/demo/abcd-1' } as const;
const VPC = {
  vpcId: 'vpc-0123456789abcdef0',
  availabilityZones: ['us-east-1a', 'us-east-1b'],
  subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
  starrocksCidrs: ['172.26.0.0/16'],
} as const;
const STACK_SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:created-by-stack-AbCdEf';

/** The seed's quickstart connector with `extra` lines appended. */
const seedWith = (extra: string) =>
  properties(
    `${readFileSync('test/fixtures/connector-configs/connect-StarRocks-sink.properties', 'utf8')}\n${extra}`,
  );

function report(migration: Migration): string {
  return formatMigrationReport(migration, {
    input: 'in.properties',
    form: 'Java properties',
    out: 'out.json',
  });
}

function outcomeOf(migration: Migration, key: string) {
  return migration.outcomes.find((o) => o.key === key);
}

function sinkConfigOf(migration: Migration): Record<string, string> {
  return migration.deploy.sinkConfig as Record<string, string>;
}

/** The file as `cdk deploy` and the function would take it: both parsers accept it. */
function expectAcceptedByBothParsers(migration: Migration): void {
  const deploy = parseDeployConfig(JSON.parse(JSON.stringify(migration.deploy)));
  expect(() => parseSinkConfig({ 'starrocks.secret.arn': STACK_SECRET, ...deploy.sinkConfig })).not.toThrow();
}

function expectEveryKeyOnce(input: ConnectorInput, migration: Migration, worker?: ConnectorInput): void {
  const expected = [
    ...input.entries.map((e) => `connector:${e.key}`),
    ...(worker?.entries ?? []).map((e) => `worker:${e.key}`),
  ];
  expect(migration.outcomes.map((o) => `${o.from}:${o.key}`)).toEqual(expected);
}

describe("migrate on the seed's quickstart connector", () => {
  const input = fixture('connect-StarRocks-sink.properties');

  it('keeps the sink keys, names the stack after the connector and drops the Connect-only ones', () => {
    const migration = migrateConnectorConfig(input, MSK);

    expectEveryKeyOnce(input, migration);
    expect(migration.outcomes.map((o) => [o.key, o.disposition])).toEqual([
      ['name', 'changed'],
      ['connector.class', 'dropped'],
      ['topics', 'kept'],
      ['key.converter', 'kept'],
      ['value.converter', 'kept'],
      ['key.converter.schemas.enable', 'kept'],
      ['value.converter.schemas.enable', 'kept'],
      ['starrocks.http.url', 'kept'],
      ['starrocks.topic2table.map', 'kept'],
      ['starrocks.username', 'changed'],
      ['starrocks.password', 'dropped'],
      ['starrocks.database.name', 'kept'],
      ['sink.properties.strip_outer_array', 'kept'],
    ]);
    expect(migration.deploy).toMatchObject({
      stackName: 'starrocks-kafka-connector',
      starrocksUsername: 'user1',
      msk: { clusterArn: MSK.mskClusterArn, topics: ['test'] },
    });
    expect(migration.deployable).toBe(true);
    expectAcceptedByBothParsers(migration);
  });

  it('never writes or shows the password, and says where it goes instead', () => {
    const migration = migrateConnectorConfig(input, MSK);
    const text = report(migration);

    expect(JSON.stringify(migration.deploy)).not.toContain('123456');
    expect(text).not.toContain('123456');
    expect(sinkConfigOf(migration)).not.toHaveProperty('starrocks.password');
    expect(migration.notes.join('\n')).toMatch(/put-secret-value .*"username":"user1","password":"…"/);
  });

  it('writes a placeholder and is not deployable when nothing says where the topics come from', () => {
    const migration = migrateConnectorConfig(input);

    expect(migration.deploy.msk).toEqual({ clusterArn: '<REQUIRED: --msk-cluster-arn>', topics: ['test'] });
    expect(migration.needed.map((n) => n.path)).toEqual(['msk.clusterArn']);
    expect(migration.deployable).toBe(false);
    expect(report(migration)).toMatch(/NOT deployable yet: 1 value\(s\) still needed/);
  });

  it('reads the REST JSON form of the same connector to the same file', () => {
    const fromJson = migrateConnectorConfig(fixture('connect-rest-body.txt'), MSK);
    const fromProperties = migrateConnectorConfig(input, MSK);

    expect(fromJson.deploy).toEqual(fromProperties.deploy);
    expect(fromJson.outcomes.map((o) => [o.key, o.disposition]).sort()).toEqual(
      fromProperties.outcomes.map((o) => [o.key, o.disposition]).sort(),
    );
  });

  it("carries the worker's brokers to selfManaged", () => {
    const worker = properties('bootstrap.servers=b1:9092,b2:9092\nplugin.path=/x');
    const connector = properties(
      'topics=t\nstarrocks.http.url=fe:8030\nstarrocks.database.name=db\nstarrocks.username=u',
    );
    const migration = migrateConnectorConfig(connector, { worker, kafkaSecretArn: 'kafka-secret' });

    expectEveryKeyOnce(connector, migration, worker);
    expect(migration.deploy.selfManaged).toEqual({
      bootstrapServers: ['b1:9092', 'b2:9092'],
      topics: ['t'],
      secretArn: 'kafka-secret',
    });
    expect(outcomeOf(migration, 'plugin.path')?.disposition).toBe('dropped');
    expect(migration.deployable).toBe(true);
    expectAcceptedByBothParsers(migration);
  });
});

describe('migrate, converters with a worker config (Kafka Connect takes a side whole from one file)', () => {
  const worker = properties(
    [
      'key.converter=org.apache.kafka.connect.json.JsonConverter',
      'key.converter.schemas.enable=true',
      'value.converter=org.apache.kafka.connect.json.JsonConverter',
      'value.converter.schemas.enable=true',
    ].join('\n'),
  );
  const connector = properties(
    [
      'topics=t',
      'starrocks.http.url=fe:8030',
      'starrocks.database.name=db',
      'starrocks.username=u',
      'key.converter=org.apache.kafka.connect.storage.StringConverter',
      'value.converter.schemas.enable=false',
    ].join('\n'),
  );
  const migration = migrateConnectorConfig(connector, { ...MSK, worker });
  const outcome = (from: 'connector' | 'worker', key: string) =>
    migration.outcomes.find((o) => o.from === from && o.key === key);

  it("uses the connector's converter with the connector's options only, where it names one", () => {
    expect(sinkConfigOf(migration)['key.converter']).toBe('org.apache.kafka.connect.storage.StringConverter');
    expect(outcome('worker', 'key.converter')?.disposition).toBe('dropped');
    expect(outcome('worker', 'key.converter.schemas.enable')?.disposition).toBe('dropped');
  });

  it("uses the worker's converter with the worker's options, where the connector names none", () => {
    expect(sinkConfigOf(migration)['value.converter.schemas.enable']).toBe('true');
    expect(outcome('connector', 'value.converter.schemas.enable')).toMatchObject({
      disposition: 'dropped',
      reason: expect.stringContaining('Kafka Connect did not use it'),
    });
    expect(outcome('worker', 'value.converter')?.disposition).toBe('changed');
    expectEveryKeyOnce(connector, migration, worker);
    expect(migration.deployable).toBe(true);
  });
});

describe("migrate on the seed's Debezium walk-through", () => {
  const input = fixture('sr-sink.properties');
  const worker = fixture('debezium-connect-standalone.properties');

  it('asks for the VPC of a private FE address and for the Kafka secret', () => {
    const migration = migrateConnectorConfig(input, { worker });

    expectEveryKeyOnce(input, migration, worker);
    expect(migration.needed.map((n) => n.path)).toEqual([
      'network.vpcId',
      'network.availabilityZones',
      'network.privateSubnetIds',
      'network.starrocksCidrs',
      'selfManaged.secretArn',
    ]);
    expect(migration.needed[0]?.why).toContain('172.26.195.69 is a private address');
    expect(migration.deployable).toBe(false);
  });

  it('is deployable with the flags it asked for, and both parsers accept the file', () => {
    const migration = migrateConnectorConfig(input, { worker, ...VPC, kafkaSecretArn: 'confluent-api-key' });

    expect(migration.needed).toEqual([]);
    expect(migration.otherProblems).toEqual([]);
    expect(migration.deployable).toBe(true);
    expect(sinkConfigOf(migration)).toMatchObject({
      transforms: 'addfield,unwrap',
      'transforms.unwrap.delete.handling.mode': 'rewrite',
      'value.converter.schemas.enable': 'false',
    });
    expect(outcomeOf(migration, 'bufferflush.intervalms')).toMatchObject({
      from: 'worker',
      disposition: 'dropped',
    });
    expect(JSON.stringify(migration.deploy)).not.toContain('StarRocks@123');
    expect(report(migration)).not.toContain('StarRocks@123');
    expectAcceptedByBothParsers(migration);
  });
});

describe('migrate, key by key', () => {
  it.each([
    [
      'sink.propertis.strip_outer_array=true',
      'sink.propertis.strip_outer_array',
      'did you mean sink.properties.strip_outer_array?',
    ],
    [
      'starrocks.topic2table.mapp=test:test_tbl',
      'starrocks.topic2table.mapp',
      'did you mean starrocks.topic2table.map?',
    ],
    [
      'value.converter.schema.enable=false',
      'value.converter.schema.enable',
      'did you mean value.converter.schemas.enable?',
    ],
    [
      'sink.table.t.propertes.columns=a',
      'sink.table.t.propertes.columns',
      'did you mean sink.table.t.properties.columns?',
    ],
  ])('refuses %s with the suggestion, still writing it for the user to fix', (line, key, suggestion) => {
    const migration = migrateConnectorConfig(seedWith(line), MSK);

    expect(outcomeOf(migration, key)?.disposition).toBe('refused');
    expect(outcomeOf(migration, key)?.reason).toContain(suggestion);
    expect(sinkConfigOf(migration)).toHaveProperty(key);
    expect(migration.deployable).toBe(false);
    expect(report(migration)).toMatch(/NOT deployable yet: 1 key\(s\) refused/);
  });

  it('names a transform option typo through the transform catalogue', () => {
    const migration = migrateConnectorConfig(
      seedWith(
        'transforms=unwrap\ntransforms.unwrap.type=io.debezium.transforms.ExtractNewRecordState\ntransforms.unwrap.delete.handling.mod=rewrite',
      ),
      MSK,
    );
    expect(outcomeOf(migration, 'transforms.unwrap.delete.handling.mod')?.reason).toContain(
      'did you mean transforms.unwrap.delete.handling.mode?',
    );
  });

  it.each([
    ['starrocks.passwrod=hunter2secret', 'starrocks.passwrod', 'misspelt starrocks.password'],
    ['my.db.passwd=hunter2secret', 'my.db.passwd', 'reads like a credential'],
  ])('never writes a key that reads like a credential: %s', (line, key, reason) => {
    const migration = migrateConnectorConfig(seedWith(line), MSK);

    expect(outcomeOf(migration, key)).toMatchObject({
      disposition: 'dropped',
      reason: expect.stringContaining(reason),
    });
    expect(JSON.stringify(migration.deploy)).not.toContain('hunter2secret');
    expect(report(migration)).not.toContain('hunter2secret');
  });

  it('drops registry credentials and asks for the registry secret', () => {
    const registry = [
      'value.converter=io.confluent.connect.avro.AvroConverter',
      'value.converter.schema.registry.url=https://sr.example.com',
      'value.converter.basic.auth.credentials.source=USER_INFO',
      'value.converter.basic.auth.user.info=KEY:registrysecretvalue',
    ].join('\n');
    const without = migrateConnectorConfig(seedWith(registry), MSK);
    const withSecret = migrateConnectorConfig(seedWith(registry), {
      ...MSK,
      registrySecretArn: 'registry-secret',
    });

    expect(outcomeOf(without, 'value.converter.basic.auth.user.info')?.disposition).toBe('dropped');
    expect(without.needed.map((n) => n.path)).toEqual(['schemaRegistry.secretArn']);
    expect(JSON.stringify(without.deploy)).not.toContain('registrysecretvalue');
    expect(withSecret.deploy.schemaRegistry).toEqual({ secretArn: 'registry-secret' });
    expect(withSecret.deployable).toBe(true);
  });

  it('takes user info out of a registry URL', () => {
    const migration = migrateConnectorConfig(
      seedWith(
        'value.converter=io.confluent.connect.avro.AvroConverter\nvalue.converter.schema.registry.url=https://KEY:urlsecret@sr.example.com',
      ),
      { ...MSK, registrySecretArn: 'registry-secret' },
    );
    expect(sinkConfigOf(migration)['value.converter.schema.registry.url']).toBe('https://sr.example.com');
    expect(JSON.stringify(migration.deploy)).not.toContain('urlsecret');
    expect(migration.deployable).toBe(true);
  });

  it('uses an existing StarRocks secret instead of carrying the user name', () => {
    const migration = migrateConnectorConfig(fixture('connect-StarRocks-sink.properties'), {
      ...MSK,
      starrocksSecretArn: 'arn:aws:secretsmanager:us-east-1:999988887777:secret:sr-AbCdEf',
    });
    expect(sinkConfigOf(migration)['starrocks.secret.arn']).toBe(
      'arn:aws:secretsmanager:us-east-1:999988887777:secret:sr-AbCdEf',
    );
    expect(migration.deploy).not.toHaveProperty('starrocksUsername');
    expect(outcomeOf(migration, 'starrocks.username')?.disposition).toBe('dropped');
    expectAcceptedByBothParsers(migration);
  });

  it.each([
    ['1000', 1],
    ['2500', 3],
    ['3600000', 300],
  ])('turns bufferflush.intervalms=%s into a %i s batching window', (ms, seconds) => {
    const migration = migrateConnectorConfig(
      seedWith(`bufferflush.intervalms=${ms}\nbufferflush.maxbytes=94371840`),
      MSK,
    );
    expect(migration.deploy.eventSource).toEqual({ maxBatchingWindowSeconds: seconds });
    expect(outcomeOf(migration, 'bufferflush.maxbytes')?.disposition).toBe('dropped');
    expectAcceptedByBothParsers(migration);
  });

  it('turns errors.tolerance=all into dead letters and drops the Kafka dead-letter topic', () => {
    const migration = migrateConnectorConfig(
      seedWith('errors.tolerance=all\nerrors.deadletterqueue.topic.name=dlq\nerrors.log.enable=true'),
      MSK,
    );
    expect(migration.deploy.deadLetters).toEqual({ type: 's3' });
    expect(sinkConfigOf(migration)).not.toHaveProperty('errors.tolerance');
    expect(outcomeOf(migration, 'errors.deadletterqueue.topic.name')?.disposition).toBe('dropped');
    expect(migration.deployable).toBe(true);
    expectAcceptedByBothParsers(migration);
  });

  it('asks for the topics when the config subscribes by topics.regex', () => {
    const input = properties(
      'topics.regex=orders\\..*\nstarrocks.topic2table.map=orders.eu:orders_eu\nstarrocks.http.url=fe:8030\nstarrocks.database.name=db\nstarrocks.username=u',
    );
    const asked = migrateConnectorConfig(input, MSK);
    const given = migrateConnectorConfig(input, { ...MSK, topics: ['orders.eu'] });

    expect(asked.needed).toEqual([expect.objectContaining({ path: 'topics', flag: '--topics <topic,…>' })]);
    expect((given.deploy.msk as { topics: string[] }).topics).toEqual(['orders.eu']);
    expect(given.deployable).toBe(true);
  });

  it('refuses a config of another connector', () => {
    const migration = migrateConnectorConfig(
      properties(
        'connector.class=io.debezium.connector.postgresql.PostgresConnector\ntopics=t\nstarrocks.http.url=fe:8030\nstarrocks.database.name=db\nstarrocks.username=u',
      ),
      MSK,
    );
    expect(outcomeOf(migration, 'connector.class')?.disposition).toBe('refused');
    expect(migration.deployable).toBe(false);
  });

  it('maps the SASL mechanism to the mapping auth and never writes the JAAS config', () => {
    const migration = migrateConnectorConfig(
      seedWith(
        'bootstrap.servers=pkc-1.aws.confluent.cloud:9092\nsecurity.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="k" password="jaassecret";',
      ),
      { kafkaSecretArn: 'kafka-secret' },
    );
    expect(migration.deploy.selfManaged).toMatchObject({ auth: 'sasl-scram-512', secretArn: 'kafka-secret' });
    expect(outcomeOf(migration, 'sasl.jaas.config')?.disposition).toBe('dropped');
    expect(JSON.stringify(migration.deploy)).not.toContain('jaassecret');
    expect(report(migration)).not.toContain('jaassecret');
    expectAcceptedByBothParsers(migration);
  });

  it('reports a problem of the whole config that belongs to no input key', () => {
    const migration = migrateConnectorConfig(properties('topics=t\nstarrocks.http.url=fe:8030'), MSK);
    expect(migration.otherProblems).toEqual([expect.stringMatching(/^starrocks\.database\.name: /)]);
    expect(migration.deployable).toBe(false);
  });

  it('names a key given twice in the notes', () => {
    const migration = migrateConnectorConfig(seedWith('topics=test'), MSK);
    expect(migration.notes).toContain(
      'topics is given more than once; the last value is used, as Kafka Connect does.',
    );
  });
});

describe('formatMigrationReport', () => {
  it('lists every input key exactly once, under its outcome, with the verdict last', () => {
    const input = fixture('connect-StarRocks-sink.properties');
    const options: MigrateOptions = MSK;
    const text = report(migrateConnectorConfig(input, options));
    const lines = text.split('\n');

    for (const { key } of input.entries) {
      expect(
        lines.filter((line) => line.trimStart().split(/\s+/)[0] === key),
        key,
      ).toHaveLength(1);
    }
    expect(text).toContain('kept: written to sinkConfig as given (9)');
    expect(text).toContain('dropped: not written (2)');
    expect(lines.at(-1)).toBe('deployable: npm run build && SINK_DEPLOY_CONFIG=out.json npx cdk deploy');
  });
});

describe('migrate, the mapping topics against the sink config', () => {
  it('reports a --topics topic the config would not accept', () => {
    const migration = migrateConnectorConfig(fixture('connect-StarRocks-sink.properties'), {
      ...MSK,
      topics: ['test', 'orders'],
    });
    expect(migration.otherProblems).toEqual([
      expect.stringMatching(
        /^event-source topic "orders": topic "orders" is not in "topics" \(test\).*every batch from it would fail$/,
      ),
    ]);
    expect(migration.deployable).toBe(false);
  });
});

describe('migrate, names and URLs', () => {
  it.each([
    ['starrocks-kafka-connector', 'starrocks-kafka-connector'],
    ['my sink_v2', 'my-sink-v2'],
    ['2nd.sink', 'nd-sink'],
    ['!!!', 'StarRocksLambdaSink'],
  ])('names the stack after the connector %j as %j', (name, stackName) => {
    expect(stackNameOf(name)).toBe(stackName);
  });

  it('takes user info out of any URL value', () => {
    const migration = migrateConnectorConfig(
      properties(
        'topics=test\nstarrocks.http.url=http://user1:urlpass@fe1:8030,fe2:8030\nstarrocks.database.name=db\nstarrocks.username=user1',
      ),
      MSK,
    );
    expect(sinkConfigOf(migration)['starrocks.http.url']).toBe('http://fe1:8030,fe2:8030');
    expect(outcomeOf(migration, 'starrocks.http.url')?.disposition).toBe('changed');
    expect(JSON.stringify(migration.deploy)).not.toContain('urlpass');
  });
});

describe('migrate, the Kafka side', () => {
  it("takes the MSK cluster over the worker's bootstrap servers", () => {
    const worker = properties('bootstrap.servers=b1:9092');
    const migration = migrateConnectorConfig(fixture('connect-StarRocks-sink.properties'), {
      ...MSK,
      worker,
    });
    expect(outcomeOf(migration, 'bootstrap.servers')).toMatchObject({
      from: 'worker',
      disposition: 'dropped',
    });
    expect(migration.deploy).not.toHaveProperty('selfManaged');
    expect(migration.deployable).toBe(true);
  });

  it('reports an auth the deployment file does not know', () => {
    const migration = migrateConnectorConfig(fixture('connect-StarRocks-sink.properties'), {
      ...MSK,
      kafkaAuth: 'kerberos',
    });
    expect(migration.otherProblems).toEqual([expect.stringContaining('msk.auth: "kerberos" is not valid')]);
    expect(migration.deployable).toBe(false);
  });

  it('puts self-managed brokers in a VPC with --security-group, asking for what is missing', () => {
    const migration = migrateConnectorConfig(fixture('connect-StarRocks-sink.properties'), {
      bootstrapServers: ['b1:9092'],
      kafkaAuth: 'none',
      securityGroup: 'sg-0123456789abcdef0',
      vpcId: 'vpc-0123456789abcdef0',
    });
    expect((migration.deploy.selfManaged as { network: unknown }).network).toEqual({
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['<REQUIRED: --availability-zones>'],
      subnetIds: ['<REQUIRED: --subnets>'],
      securityGroupId: 'sg-0123456789abcdef0',
    });
    expect(migration.needed.map((n) => n.path)).toEqual(
      expect.arrayContaining(['selfManaged.network.availabilityZones', 'selfManaged.network.subnetIds']),
    );
  });
});
