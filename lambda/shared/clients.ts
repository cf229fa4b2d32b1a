/**
 * SDK client plumbing shared by the handlers. This file imports no client package itself, so a
 * handler's bundle loads only the clients it uses.
 */

/** The region the function runs in, from the Lambda environment. */
export function awsRegion(): string | undefined {
  return process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
}

/**
 * Configuration for an SDK v3 client used with {@link withRetry}: the region from the
 * environment, and a single attempt per call, because `withRetry` is the one retry layer
 * (retries nested in retries multiply under throttling, and only `withRetry` knows the hook's
 * deadline).
 *
 * @example const ecsApi = lazy(() => import('@aws-sdk/client-ecs').then((sdk) => ({ client: new sdk.ECSClient(clientConfig()), sdk })));
 */
export function clientConfig(): { region: string | undefined; maxAttempts: number } {
  return { region: awsRegion(), maxAttempts: 1 };
}

/**
 * Creates a value on first use and keeps it for the life of the execution environment, so SDK
 * clients (and their connection pools) are shared by every invocation. Given a promise, it keeps
 * the promise: a client package loaded with `import()` on first use is loaded once.
 */
export function lazy<T>(create: () => T): () => T {
  let value: T | undefined;
  let created = false;
  return () => {
    if (!created) {
      value = create();
      created = true;
    }
    return value as T;
  };
}
