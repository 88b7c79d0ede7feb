// Runs the built bundle (SINK_BUNDLE) as Lambda Managed Instances run a function: several
// invocations at once in one process, each inside its own InvokeStore context, which is what the
// runtime interface client does when AWS_LAMBDA_MAX_CONCURRENCY is set. Powertools keeps its
// logger and metrics state per invocation through that store.
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

const store = await InvokeStore.getInstanceAsync();
const { handler: bundled } = await import(process.env.SINK_BUNDLE);

export const handler = (event, context) =>
  store.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId }, () =>
    bundled(event, context),
  );
