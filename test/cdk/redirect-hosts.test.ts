import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import { importedVpc, SINK_CONFIG, synthSink } from './sink-fixture.ts';

/**
 * The construct passes the StarRocks CIDRs its security group opens to the function as
 * `starrocks.redirect.hosts`, so a redirect takes the credentials only there; and a config error
 * at synth shows no password.
 */

/** The function's SINK_CONFIG as the template holds it: a JSON string, or an Fn::Join around tokens. */
function sinkConfigOf(template: Template): unknown {
  const functions = Object.values(template.findResources('AWS::Lambda::Function'));
  return functions[0]?.Properties.Environment.Variables.SINK_CONFIG;
}

function redirectHostsOf(template: Template): string | undefined {
  const config = sinkConfigOf(template);
  expect(typeof config).toBe('string');
  return (JSON.parse(config as string) as Record<string, string>)['starrocks.redirect.hosts'];
}

describe('starrocks.redirect.hosts from the construct', () => {
  it('is the StarRocks CIDRs the security group opens', () => {
    const { template } = synthSink((stack) => ({
      network: {
        vpc: importedVpc(stack),
        starrocksPeers: [ec2.Peer.ipv4('10.0.1.0/24'), ec2.Peer.ipv6('fd00:10::/56')],
      },
    }));

    expect(redirectHostsOf(template)).toBe('10.0.1.0/24,fd00:10::/56');
  });

  it('is the VPC CIDR when the StarRocks peers default to it', () => {
    const { template } = synthSink((stack) => ({ network: { vpc: importedVpc(stack) } }));

    expect(redirectHostsOf(template)).toBe('10.0.0.0/16');
  });

  it('is the CIDR of a VPC the stack creates, resolved at deployment', () => {
    const { template } = synthSink((stack) => ({
      // Widened explicitly (exactOptionalPropertyTypes vs aws-cdk-lib).
      network: { vpc: new ec2.Vpc(stack, 'NewVpc', { maxAzs: 2, natGateways: 1 }) as ec2.IVpc },
    }));

    expect(JSON.stringify(sinkConfigOf(template))).toMatch(
      /starrocks\.redirect\.hosts\\+":\\+"",\{"Fn::GetAtt":\["NewVpc[0-9A-F]+","CidrBlock"\]\}/,
    );
  });

  it('keeps the value the user set', () => {
    const { template } = synthSink((stack) => ({
      sinkConfig: { ...SINK_CONFIG, 'starrocks.redirect.hosts': '.be.example.com' },
      network: { vpc: importedVpc(stack), starrocksPeers: [ec2.Peer.ipv4('10.0.1.0/24')] },
    }));

    expect(redirectHostsOf(template)).toBe('.be.example.com');
  });

  it('is not set outside a VPC, where the construct knows no CIDR', () => {
    const { template } = synthSink();

    expect(redirectHostsOf(template)).toBeUndefined();
  });

  it('is left to the user, with a warning, when a peer is no CIDR', () => {
    const { stack, template } = synthSink((stack) => ({
      network: {
        vpc: importedVpc(stack),
        starrocksPeers: [ec2.Peer.ipv4('10.0.1.0/24'), ec2.Peer.prefixList('pl-0123456789abcdef0')],
      },
    }));

    expect(redirectHostsOf(template)).toBeUndefined();
    Annotations.fromStack(stack).hasWarning(
      '/Test/Sink',
      Match.stringLikeRegexp(
        'starrocks.redirect.hosts is not set and network.starrocksPeers holds a peer that is no CIDR',
      ),
    );
  });

  it("fails synth on a bad entry with the function's own message", () => {
    expect(() =>
      synthSink(() => ({ sinkConfig: { ...SINK_CONFIG, 'starrocks.redirect.hosts': '10.0.0.0/33' } })),
    ).toThrow('starrocks.redirect.hosts: "10.0.0.0/33" is not a CIDR');
  });
});

describe('config errors at synth', () => {
  it('show no password of a URL, even one the URL parser reads as a path', () => {
    let message = '';
    try {
      synthSink(() => ({
        sinkConfig: { ...SINK_CONFIG, 'starrocks.http.url': 'http://loader:ab/cd?ef@fe:8030' },
      }));
    } catch (error) {
      message = (error as Error).message;
    }

    expect(message).toContain('starrocks.http.url: "http://***@fe:8030" carries credentials in the URL');
    expect(message).not.toContain('ab/cd?ef');
    expect(message).not.toContain('loader');
  });
});
