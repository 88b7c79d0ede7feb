// Runs a built handler the way the Lambda Node.js runtime does: import the bundle once (module
// init = cold start), then invoke it per message with a context whose remaining time counts down.
import { pathToFileURL } from 'node:url';

const [bundle, functionName] = process.argv.slice(2);
let handlerPromise;
let sequence = 0;

const serializeError = (error) => ({
  errorType: error?.name ?? 'Error',
  errorMessage: error?.message ?? String(error),
  code: error?.code,
  retryable: error?.retryable,
});

process.on('message', async (message) => {
  if (message.type === 'exit') process.exit(0);
  if (message.type !== 'invoke') return;
  const started = Date.now();
  const deadline = started + message.timeoutMs;
  sequence++;
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: String(message.memoryMb ?? 512),
    awsRequestId: `local-${process.pid}-${sequence}`,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    handlerPromise ??= import(pathToFileURL(bundle).href).then((m) => m.handler);
    const handler = await handlerPromise;
    const timeout = new Promise((_, reject) => {
      const t = setTimeout(
        () =>
          reject(
            Object.assign(
              new Error(`Task timed out after ${(message.timeoutMs / 1000).toFixed(2)} seconds`),
              { name: 'Sandbox.Timedout' },
            ),
          ),
        message.timeoutMs,
      );
      t.unref();
    });
    const result = await Promise.race([handler(message.event, context), timeout]);
    process.send({
      type: 'result',
      id: message.id,
      ok: true,
      result: result ?? null,
      ms: Date.now() - started,
    });
  } catch (error) {
    // A failed module init (bad SINK_CONFIG) is reported like the runtime's Runtime.ImportModuleError.
    process.send({
      type: 'result',
      id: message.id,
      ok: false,
      error: serializeError(error),
      ms: Date.now() - started,
    });
  }
});
process.send({ type: 'ready' });
