import { describe, expect, it } from 'vitest';
import { parseSinkConfig } from '../../../lib/config/sink-config.ts';
import { ConfigError } from '../../../lib/errors.ts';
import { seedConfig } from '../../fixtures/events.ts';
import { problemsOf } from '../../support/config-problems.ts';

/**
 * The schema-registry converters as a pasted connector config names them: the Confluent and Glue
 * classes, their options under `value.converter.` / `key.converter.`, credentials that never show,
 * and each option refused where it would be silently unused.
 */

const AVRO = 'io.confluent.connect.avro.AvroConverter';
const GLUE_AVRO = 'com.amazonaws.services.schemaregistry.kafkaconnect.AWSKafkaAvroConverter';

function registryConfig(overrides: Record<string, string>): Record<string, string> {
  return seedConfig({
    'value.converter': AVRO,
    'value.converter.schema.registry.url': 'http://sr:8081',
    ...overrides,
  });
}

describe('registry converters', () => {
  it.each([
    [AVRO, 'confluent', 'avro'],
    ['io.confluent.connect.protobuf.ProtobufConverter', 'confluent', 'protobuf'],
    ['io.confluent.connect.json.JsonSchemaConverter', 'confluent', 'json'],
    [GLUE_AVRO, 'glue', 'avro'],
    [
      'com.amazonaws.services.schemaregistry.kafkaconnect.protobuf.ProtobufSchemaConverter',
      'glue',
      'protobuf',
    ],
    ['com.amazonaws.services.schemaregistry.kafkaconnect.jsonschema.JsonSchemaConverter', 'glue', 'json'],
  ])('reads %s as a %s registry of %s values', (cls, registry, format) => {
    const config = parseSinkConfig(
      seedConfig({
        'value.converter': cls,
        ...(registry === 'confluent' ? { 'value.converter.schema.registry.url': 'http://sr:8081' } : {}),
      }),
    );
    expect(config.valueConverter).toMatchObject({ kind: 'registry', format, registry: { kind: registry } });
  });

  it('keeps several registry URLs in order, without trailing slashes, for failover', () => {
    const config = parseSinkConfig(
      registryConfig({
        'value.converter.schema.registry.url': 'http://sr1:8081/, https://sr2.example.com/apis/ccompat/v7',
      }),
    );
    expect(config.valueConverter).toMatchObject({
      registry: {
        urls: ['http://sr1:8081', 'https://sr2.example.com/apis/ccompat/v7'],
        auth: { kind: 'none' },
      },
    });
  });

  it('takes user info out of the URL as basic auth (source URL, the default)', () => {
    const config = parseSinkConfig(
      registryConfig({ 'value.converter.schema.registry.url': 'https://key:s%3Acret@sr:8081' }),
    );
    expect(config.valueConverter).toMatchObject({
      registry: { urls: ['https://sr:8081'], auth: { kind: 'basic', userInfo: 'key:s:cret' } },
    });
  });

  it('reads USER_INFO, bearer tokens with Confluent Cloud headers, and the registry secret', () => {
    const basic = parseSinkConfig(
      registryConfig({
        'value.converter.basic.auth.credentials.source': 'USER_INFO',
        'value.converter.basic.auth.user.info': 'APIKEY:APISECRET',
      }),
    );
    expect(basic.valueConverter).toMatchObject({
      registry: { auth: { kind: 'basic', userInfo: 'APIKEY:APISECRET' } },
    });
    const bearer = parseSinkConfig(
      registryConfig({
        'value.converter.bearer.auth.credentials.source': 'STATIC_TOKEN',
        'value.converter.bearer.auth.token': 'tok-123',
        'value.converter.bearer.auth.logical.cluster': 'lsrc-abc',
        'value.converter.bearer.auth.identity.pool.id': 'pool-1',
      }),
    );
    expect(bearer.valueConverter).toMatchObject({
      registry: {
        auth: { kind: 'bearer', token: 'tok-123' },
        headers: { 'target-sr-cluster': 'lsrc-abc', 'Confluent-Identity-Pool-Id': 'pool-1' },
      },
    });
    const secret = parseSinkConfig(
      registryConfig({
        'value.converter.basic.auth.credentials.source': 'USER_INFO',
        'value.converter.schema.registry.secret.arn': 'sr-credentials',
      }),
    );
    expect(secret.valueConverter).toMatchObject({
      registry: { auth: { kind: 'secret', secretArn: 'sr-credentials', scheme: 'basic' } },
    });
  });

  it('reads the Glue region and endpoint', () => {
    const config = parseSinkConfig(
      seedConfig({
        'value.converter': GLUE_AVRO,
        'value.converter.region': 'eu-west-1',
        'value.converter.endpoint': 'http://127.0.0.1:4566',
        'value.converter.registry.name': 'orders',
        'value.converter.avroRecordType': 'GENERIC_RECORD',
      }),
    );
    expect(config.valueConverter).toMatchObject({
      registry: { kind: 'glue', region: 'eu-west-1', endpoint: 'http://127.0.0.1:4566' },
    });
    expect(config.ignoredKeys.filter((key) => key.includes('.converter.'))).toEqual([
      'value.converter.registry.name',
      'value.converter.avroRecordType',
      'value.converter.schemas.enable',
    ]);
  });

  it('accepts and reports the producer-side options as ignored', () => {
    const config = parseSinkConfig(
      registryConfig({
        'value.converter.auto.register.schemas': 'false',
        'value.converter.use.latest.version': 'true',
        'key.converter.value.subject.name.strategy':
          'io.confluent.kafka.serializers.subject.RecordNameStrategy',
      }),
    );
    expect(config.ignoredKeys.filter((key) => key.includes('.converter.'))).toEqual([
      'value.converter.auto.register.schemas',
      'value.converter.use.latest.version',
      'key.converter.value.subject.name.strategy',
      'value.converter.schemas.enable',
    ]);
  });

  it.each([
    [
      { 'value.converter.schema.registry.url': '' },
      'value.converter.schema.registry.url',
      'is required with a Confluent converter',
    ],
    [
      { 'value.converter.schema.registry.url': 'ftp://sr' },
      'value.converter.schema.registry.url',
      'expected http or https',
    ],
    [
      { 'value.converter.schema.registry.url': 'http://sr?x=1' },
      'value.converter.schema.registry.url',
      'query or fragment',
    ],
    [
      { 'value.converter.basic.auth.credentials.source': 'SASL_INHERIT' },
      'value.converter.basic.auth.credentials.source',
      'has no Kafka client',
    ],
    [
      { 'value.converter.basic.auth.credentials.source': 'USER_INFO' },
      'value.converter.basic.auth.user.info',
      'is required with basic.auth.credentials.source=USER_INFO',
    ],
    [
      { 'value.converter.bearer.auth.credentials.source': 'OAUTHBEARER' },
      'value.converter.bearer.auth.credentials.source',
      'fetches no OAuth tokens',
    ],
    [
      { 'value.converter.bearer.auth.credentials.source': 'STATIC_TOKEN' },
      'value.converter.bearer.auth.token',
      'is required',
    ],
    [
      { 'value.converter.region': 'eu-west-1' },
      'value.converter.region',
      'option of the AWS Glue converters',
    ],
    [
      { 'value.converter.schema.registry.urll': 'http://sr' },
      'value.converter.schema.registry.urll',
      'valid options: value.converter.schema.registry.url',
    ],
  ])('refuses %o at %s', (overrides, key, message) => {
    const problems = problemsOf(registryConfig(overrides));
    expect(problems.find((p) => p.key === key)?.message).toContain(message);
  });

  it('refuses a registry option under JsonConverter, which would ignore it', () => {
    const problems = problemsOf(seedConfig({ 'value.converter.schema.registry.url': 'http://sr:8081' }));
    expect(problems).toEqual([
      {
        key: 'value.converter.schema.registry.url',
        message: expect.stringContaining(
          'is an option of the schema-registry converters, but value.converter is org.apache.kafka.connect.json.JsonConverter',
        ),
      },
    ]);
  });

  it('refuses a Glue converter given a Confluent option', () => {
    const problems = problemsOf(
      seedConfig({ 'value.converter': GLUE_AVRO, 'value.converter.schema.registry.url': 'http://sr:8081' }),
    );
    expect(problems[0]?.message).toContain('(it is an option of the Confluent converters)');
  });

  it.each([
    ['value.converter.basic.auth.user.info', 'APIKEY:T0pS3cret!', 'T0pS3cret!'],
    ['value.converter.bearer.auth.token', 'eyJhbGciOiJIUzI1NiJ9.s3cr3t', 'eyJhbGciOiJIUzI1NiJ9.s3cr3t'],
  ])('never shows %s in a config error, even where another key quotes it', (key, value, secret) => {
    let error: unknown;
    try {
      // A pasted secret in the wrong key (here the database name, whose error quotes its value).
      parseSinkConfig(registryConfig({ [key]: value, 'starrocks.database.name': `db ${secret}` }));
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('starrocks.database.name');
    expect((error as ConfigError).message).not.toContain(secret);
  });
});

describe('ProtobufConverter options', () => {
  it("reads them with Confluent's defaults, for the Protobuf converter only", () => {
    const cls = 'io.confluent.connect.protobuf.ProtobufConverter';
    const defaults = parseSinkConfig(registryConfig({ 'value.converter': cls }));
    expect(defaults.valueConverter).toMatchObject({
      protobuf: {
        wrapperForNullables: false,
        intForEnums: false,
        generateIndexForUnions: true,
        flattenUnions: false,
      },
    });
    const set = parseSinkConfig(
      registryConfig({
        'value.converter': cls,
        'value.converter.wrapper.for.nullables': 'true',
        'value.converter.int.for.enums': 'true',
        'value.converter.generate.index.for.unions': 'false',
        'value.converter.flatten.unions': 'true',
      }),
    );
    expect(set.valueConverter).toMatchObject({
      protobuf: {
        wrapperForNullables: true,
        intForEnums: true,
        generateIndexForUnions: false,
        flattenUnions: true,
      },
    });
    const onAvro = problemsOf(registryConfig({ 'value.converter.wrapper.for.nullables': 'true' }));
    expect(onAvro[0]?.key).toBe('value.converter.wrapper.for.nullables');
    const notBoolean = problemsOf(
      registryConfig({ 'value.converter': cls, 'value.converter.int.for.enums': 'yes' }),
    );
    expect(notBoolean[0]?.key).toBe('value.converter.int.for.enums');
  });
});
