import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { StarRocksKafkaSink } from './starrocks-kafka-sink.ts';

/**
 * `cdk deploy` reads the deployment file named by SINK_DEPLOY_CONFIG (default
 * config/sink.example.json): the connector config plus where the Kafka topics come from.
 */
interface DeployConfig {
  readonly stackName: string;
  readonly sinkConfig: Record<string, string>;
  readonly msk?: { clusterArn: string; topics: string[] };
}

const file = process.env.SINK_DEPLOY_CONFIG ?? 'config/sink.example.json';
const deploy = JSON.parse(readFileSync(file, 'utf8')) as DeployConfig;
const app = new App();
const stack = new Stack(app, deploy.stackName);
const secretArn = deploy.sinkConfig['starrocks.secret.arn'];
if (secretArn === undefined)
  throw new Error(`${file}: sinkConfig needs starrocks.secret.arn (credentials never go into the template)`);
new StarRocksKafkaSink(stack, 'Sink', {
  sinkConfig: deploy.sinkConfig,
  starrocksSecret: secretsmanager.Secret.fromSecretCompleteArn(stack, 'StarRocksSecret', secretArn),
  ...(deploy.msk ? { msk: deploy.msk } : {}),
});
