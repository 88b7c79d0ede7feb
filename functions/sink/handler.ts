import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { parseSinkConfigJson } from '../../lib/config/sink-config.ts';
import type { BatchItemFailure } from '../../lib/load/partial-batch.ts';
import { createStreamLoader } from '../../lib/load/stream-load.ts';
import { processBatch } from '../../lib/sink.ts';
import { readSecretJson, wireCredentials } from './credentials.ts';
import { createDeadLetterWriter } from './dead-letter-writer.ts';
import { recordFailure, recordMetrics } from './metrics.ts';

/** Time kept back from the Lambda deadline so a failing invocation can still report why. */
const DEADLINE_RESERVE_MS = 500;

/** One per deployed sink (the CDK construct sets it), so sinks keep their own metrics. */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME || 'starrocks-lambda-sink';
const logger = new Logger({ serviceName });
const metrics = new Metrics({ namespace: 'StarRocksLambdaSink', serviceName });
const config = parseSinkConfigJson(process.env.SINK_CONFIG);
if (config.ignoredKeys.length > 0)
  logger.info('ignoring Kafka Connect keys that have no meaning in Lambda', { keys: config.ignoredKeys });
const credentials = await wireCredentials(config.credentials);
const loader = createStreamLoader(config);
const deadLetters = config.deadLetter ? createDeadLetterWriter(config.deadLetter) : undefined;

/** With `sink.partial.batch.response=true`, the partitions the ESM must re-deliver; else nothing. */
type SinkResponse = { batchItemFailures: readonly BatchItemFailure[] } | undefined;

const sink = middy<unknown, SinkResponse, Error, Context>()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics));
if (credentials.middleware) sink.use(credentials.middleware);

export const handler = sink.handler(async (event, context) => {
  const deadline = Date.now() + context.getRemainingTimeInMillis() - DEADLINE_RESERVE_MS;
  let backpressure = 0;
  const options = {
    config,
    loader,
    credentials: credentials.provider(context),
    deadline,
    log: logger,
    onBackpressure: () => backpressure++,
    readSecret: readSecretJson,
    ...(deadLetters ? { deadLetters } : {}),
  };
  const report = await processBatch(event, options).catch((error: unknown) => {
    recordFailure(metrics, backpressure);
    throw error;
  });
  recordMetrics(metrics, report);
  return config.partialBatchResponse ? { batchItemFailures: report.batchItemFailures } : undefined;
});
