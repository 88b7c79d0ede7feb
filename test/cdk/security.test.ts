import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { importSecret } from '../../cdk/starrocks-kafka-sink.ts';
import { importedVpc, SINK_CONFIG, STARROCKS_SECRET_ARN, synthSink } from './sink-fixture.ts';

const { 'starrocks.secret.arn': _arn, ...CONFIG_WITHOUT_SECRET } = SINK_CONFIG;

function statements(template: Template): Array<{ Action: string | string[]; Resource: unknown }> {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) => p.Properties.PolicyDocument.Statement,
  );
}

function secretReads(template: Template): unknown[] {
  return statements(template)
    .filter((s) => JSON.stringify(s.Action).includes('secretsmanager:GetSecretValue'))
    .map((s) => s.Resource);
}

describe('StarRocks credentials', () => {
  it('lets the function read the imported secret and no other', () => {
    const { template } = synthSink();

    expect(secretReads(template)).toEqual([STARROCKS_SECRET_ARN]);
  });

  it('creates a secret with a generated password when the config names none', () => {
    const { template } = synthSink(() => ({
      sinkConfig: CONFIG_WITHOUT_SECRET,
      starrocksUsername: 'loader',
    }));

    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({
        SecretStringTemplate: '{"username":"loader"}',
        GenerateStringKey: 'password',
      }),
      SecretString: Match.absent(),
    });
    expect(secretReads(template)).toEqual([{ Ref: expect.stringMatching(/^SinkStarRocksSecret/) }]);
    const env = template.findResources('AWS::Lambda::Function');
    const sinkConfig = JSON.stringify(Object.values(env)[0]?.Properties.Environment.Variables.SINK_CONFIG);
    expect(sinkConfig).toMatch(/starrocks\.secret\.arn.*SinkStarRocksSecret/);
  });

  it('puts no password, user name or secret value anywhere in the template', () => {
    const { template } = synthSink(() => ({
      sinkConfig: CONFIG_WITHOUT_SECRET,
      starrocksUsername: 'loader',
    }));
    const json = JSON.stringify(template.toJSON());

    expect(json).not.toMatch(/starrocks\.password|starrocks\.username|"SecretString"|"password":/i);
    for (const variable of Object.keys(
      Object.values(template.findResources('AWS::Lambda::Function'))[0]?.Properties.Environment.Variables,
    )) {
      expect(variable).not.toMatch(/PASS|SECRET_VALUE|TOKEN/);
    }
  });

  it('refuses a starrocksSecret that differs from the config ARN', () => {
    expect(() =>
      synthSink((stack) => ({
        starrocksSecret: importSecret(stack, 'Other', `${STARROCKS_SECRET_ARN.slice(0, -6)}ZzZzZz`),
      })),
    ).toThrow('is not the starrocksSecret passed to the construct');
  });
});

describe('execution role', () => {
  it('carries no AWS managed policy and scopes logs to its log group', () => {
    const { template } = synthSink();

    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    expect(statements(template)).toContainEqual({
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SinkLogs/), 'Arn'] },
    });
  });

  it('has only the network-interface actions on "*"', () => {
    const { template } = synthSink();
    const wildcard = statements(template).filter((s) => s.Resource === '*');

    expect(wildcard).toHaveLength(1);
    expect(wildcard[0]?.Action).toEqual(
      expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DescribeSubnets']),
    );
    expect([wildcard[0]?.Action ?? []].flat().every((a) => a.startsWith('ec2:'))).toBe(true);
  });
});

describe('network', () => {
  it('places the function in the VPC with egress only to StarRocks HTTP ports and 443', () => {
    const { template } = synthSink((stack) => ({
      network: { vpc: importedVpc(stack), starrocksPeers: [ec2.Peer.ipv4('10.0.1.0/24')] },
    }));

    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: {
        SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0fedcba9876543210'],
        SecurityGroupIds: [{ 'Fn::GetAtt': [Match.stringLikeRegexp('^SinkSecurityGroup'), 'GroupId'] }],
      },
    });
    const groups = Object.values(template.findResources('AWS::EC2::SecurityGroup'));
    expect(groups).toHaveLength(1);
    const egress = groups[0]?.Properties.SecurityGroupEgress as Array<Record<string, unknown>>;
    expect(egress.map((r) => [r.CidrIp, r.IpProtocol, r.FromPort, r.ToPort])).toEqual([
      ['10.0.1.0/24', 'tcp', 8030, 8030],
      ['10.0.1.0/24', 'tcp', 8031, 8031],
      ['10.0.1.0/24', 'tcp', 8040, 8040],
      ['0.0.0.0/0', 'tcp', 443, 443],
    ]);
    expect(groups[0]?.Properties.SecurityGroupIngress).toBeUndefined();
    expect(JSON.stringify(egress)).not.toContain('"-1"');
  });

  it('defaults the StarRocks peer to the VPC CIDR and takes port props', () => {
    const { template } = synthSink((stack) => ({
      network: { vpc: importedVpc(stack), feHttpPorts: [443], beHttpPort: 8443 },
    }));

    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroup'))[0]?.Properties
      .SecurityGroupEgress;
    expect(egress.map((r: Record<string, unknown>) => [r.CidrIp, r.FromPort])).toEqual([
      ['10.0.0.0/16', 443],
      ['10.0.0.0/16', 8443],
      ['0.0.0.0/0', 443],
    ]);
  });

  it('opens 443 only to a Secrets Manager endpoint when asked', () => {
    const { template } = synthSink((stack) => ({
      network: { vpc: importedVpc(stack), secretsManagerEndpoint: true },
    }));

    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.secretsmanager']] },
      VpcEndpointType: 'Interface',
      PrivateDnsEnabled: true,
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      IpProtocol: 'tcp',
      FromPort: 443,
      ToPort: 443,
      DestinationSecurityGroupId: {
        'Fn::GetAtt': [Match.stringLikeRegexp('SecretsManagerEndpointSecurityGroup'), 'GroupId'],
      },
    });
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      FromPort: 443,
      SourceSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SinkSecurityGroup'), 'GroupId'] },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('0.0.0.0/0');
  });

  it('leaves the function outside any VPC without network props', () => {
    const { template } = synthSink();

    template.hasResourceProperties('AWS::Lambda::Function', { VpcConfig: Match.absent() });
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
  });
});

describe('failure destination', () => {
  it('creates an encrypted SQS queue by default and sends discarded batches there', () => {
    const { template } = synthSink();

    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResource('AWS::SQS::Queue', { DeletionPolicy: 'Retain' });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SinkFailedBatches'), 'Arn'] } },
      },
    });
    expect(statements(template)).toContainEqual(
      expect.objectContaining({ Action: expect.arrayContaining(['sqs:SendMessage']) }),
    );
  });

  it('uses an imported queue', () => {
    const arn = 'arn:aws:sqs:us-east-1:123456789012:sink-failures';
    const { template } = synthSink((stack) => ({
      failureDestination: { type: 'sqs', queue: sqs.Queue.fromQueueArn(stack, 'Q', arn) },
    }));

    template.resourceCountIs('AWS::SQS::Queue', 0);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: { OnFailure: { Destination: arn } },
    });
  });

  it('creates a private S3 bucket with put-only access', () => {
    const { template } = synthSink(() => ({ failureDestination: { type: 's3' } }));

    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const s3Actions = statements(template)
      .flatMap((s) => [s.Action].flat())
      .filter((a) => a.startsWith('s3:'));
    expect(s3Actions.sort()).toEqual(['s3:ListBucket', 's3:PutObject']);
  });

  it('uses an imported bucket', () => {
    const { template } = synthSink((stack) => ({
      failureDestination: { type: 's3', bucket: s3.Bucket.fromBucketName(stack, 'B', 'sink-failures') },
    }));

    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: {
        OnFailure: {
          Destination: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::sink-failures']] },
        },
      },
    });
  });

  it('sets no destination when told none', () => {
    const { template } = synthSink(() => ({ failureDestination: { type: 'none' } }));

    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { DestinationConfig: Match.absent() });
  });
});
