import { existsSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadDeployConfig } from './deploy-config.ts';
import { StarRocksSinkStack } from './sink-stack.ts';

/**
 * `cdk synth` / `cdk deploy` entry point (cdk.json). The deployment file is SINK_DEPLOY_CONFIG,
 * else config/sink.json when the user made one, else the documented example.
 */
const file =
  process.env.SINK_DEPLOY_CONFIG ??
  (existsSync('config/sink.json') ? 'config/sink.json' : 'config/sink.example.json');
const deploy = loadDeployConfig(file);
const app = new App();
// cdk-nag runs on every synth, so a change that weakens the stack fails before it deploys.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
new StarRocksSinkStack(app, deploy.stackName, {
  deploy,
  description:
    deploy.description ??
    'StarRocks Lambda Sink: Kafka to StarRocks with one Stream Load per table per batch',
});
