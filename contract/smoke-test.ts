/**
 * What the SmokeTestHook construct passes to the smoke-test handler, through environment
 * variables, and the rules a smoke check must follow (checked at synth time by the construct and
 * again at run time by the handler).
 *
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/**
 * Base URL of the service's test listener, e.g.
 * `http://my-alb-123.eu-west-1.elb.amazonaws.com:8080`. Check paths are appended to it.
 */
export const SMOKE_TEST_BASE_URL_ENV = 'CDK_ECS_RELEASE_TEST_BASE_URL';

/**
 * `JSON.stringify(SmokeCheckSpec[])`. Lambda allows 4 KB for all environment variables of a
 * function together, so keep the checks compact (omit defaults).
 */
export const SMOKE_CHECKS_ENV = 'CDK_ECS_RELEASE_SMOKE_CHECKS';

/** How many checks run at once. Default {@link SMOKE_TEST_DEFAULTS}.concurrency. */
export const SMOKE_CONCURRENCY_ENV = 'CDK_ECS_RELEASE_SMOKE_CONCURRENCY';

/**
 * The version the new tasks must report (e.g. the image tag), for checks that read a version
 * and do not set their own `expectedVersion`.
 */
export const SMOKE_EXPECTED_VERSION_ENV = 'CDK_ECS_RELEASE_EXPECTED_VERSION';

/**
 * The environment variable of the application container, in the task definition the deployment
 * installs (the green task set's), that holds the version the new tasks must report; for checks
 * that read a version and set no expected version of their own. Read at run time, once per
 * invocation. Not combined with {@link SMOKE_EXPECTED_VERSION_ENV}.
 */
export const SMOKE_EXPECTED_VERSION_VARIABLE_ENV = 'CDK_ECS_RELEASE_EXPECTED_VERSION_VARIABLE';

/**
 * `JSON.stringify(DeployedServiceSpec)`: where the deployed task definition is found. Set when a
 * check expects a version from the deployed task definition.
 */
export const SMOKE_DEPLOYED_SERVICE_ENV = 'CDK_ECS_RELEASE_SMOKE_DEPLOYED_SERVICE';

/** The service a smoke test checks, for reading the task definition its deployment installs. */
export interface DeployedServiceSpec {
  /** The cluster's name or ARN. */
  readonly cluster: string;
  /** The service's name or ARN. */
  readonly service: string;
  /** The application container, whose environment holds the release version. */
  readonly container: string;
}

/**
 * Set for an internet-facing load balancer: its full name, `app/<name>/<id>`. From inside the
 * VPC, the public DNS name of such a load balancer resolves to public IPs, so the requests would
 * leave through the NAT gateway and come back from the internet, where the test listener is
 * closed. The handler instead looks up the load balancer's network interfaces
 * (`DescribeNetworkInterfaces`, description `ELB app/<name>/<id>`), connects to one of their
 * private IPs and sends the URL's host in the `Host` header (and as TLS SNI).
 * Absent: the handler connects to the URL's host name as resolved by DNS.
 */
export const SMOKE_LOAD_BALANCER_FULL_NAME_ENV = 'CDK_ECS_RELEASE_TEST_LOAD_BALANCER_FULL_NAME';

/**
 * `true` or `false`: whether HTTPS certificates are verified. Default true, also when connecting
 * by private IP: the handler sends the URL's host name as SNI and checks the certificate against
 * it, so the base URL must name the host the certificate is issued for (the application's
 * domain, `SmokeTestHook`'s `hostName`), not the load balancer.
 */
export const SMOKE_VERIFY_TLS_ENV = 'CDK_ECS_RELEASE_SMOKE_VERIFY_TLS';

/** A JSON scalar, as expected in a response field. */
export type JsonScalar = string | number | boolean | null;

/** One HTTP check against the test listener. Only `name` and `path` are required. */
export interface SmokeCheckSpec {
  /** Unique among the checks; appears in every log line about the check. */
  readonly name: string;
  /** Path and query appended to the base URL, starting with `/`: `/health?deep=1`. */
  readonly path: string;
  /** Default `GET`. */
  readonly method?: string;
  /** Request headers. Not logged. */
  readonly headers?: Record<string, string>;
  /** Request body, sent as is. */
  readonly body?: string;
  /** Statuses that pass. Default `[200]`. */
  readonly expectedStatuses?: number[];
  /** The response body must contain this text. */
  readonly bodyContains?: string;
  /**
   * The response must be JSON whose fields, by dotted path (`status`, `build.version`,
   * `checks.0.state`), equal these values.
   */
  readonly jsonFields?: Record<string, JsonScalar>;
  /** Read the running version from this response header (case-insensitive). */
  readonly versionHeader?: string;
  /** Read the running version from this field of the JSON response, by dotted path. */
  readonly versionJsonField?: string;
  /**
   * The version that must be read. Default: `expectedVersionVariable`, else the
   * `CDK_ECS_RELEASE_EXPECTED_VERSION` variable, else `CDK_ECS_RELEASE_EXPECTED_VERSION_VARIABLE`.
   */
  readonly expectedVersion?: string;
  /**
   * The version that must be read is the value of this environment variable of the application
   * container in the task definition the deployment installs, e.g. `RELEASE_VERSION`.
   */
  readonly expectedVersionVariable?: string;
  /** The whole response must arrive within this many milliseconds. Default 5000. */
  readonly timeoutMs?: number;
  /** The response arriving later than this many milliseconds fails the attempt. */
  readonly latencyBudgetMs?: number;
  /** Attempts before the check fails, for a service still warming up. Default 1. */
  readonly attempts?: number;
  /** Wait before the second attempt, doubled before each further one. Default 1000. */
  readonly retryDelayMs?: number;
  /** A Secrets Manager secret (ARN) whose value is sent in `secretHeader`. Read at run time, never logged. */
  readonly secretArn?: string;
  /** Header that carries the secret. Default `authorization`. */
  readonly secretHeader?: string;
  /** Text put before the secret in the header, e.g. `Bearer `. */
  readonly secretPrefix?: string;
  /** When the secret is a JSON object: the key whose value is sent. */
  readonly secretJsonKey?: string;
}

export const SMOKE_TEST_DEFAULTS = {
  method: 'GET',
  expectedStatuses: [200],
  timeoutMs: 5000,
  attempts: 1,
  retryDelayMs: 1000,
  secretHeader: 'authorization',
  concurrency: 50,
} as const;

export const SMOKE_TEST_LIMITS = {
  maxTimeoutMs: 60_000,
  maxAttempts: 20,
  maxRetryDelayMs: 60_000,
  maxConcurrency: 200,
} as const;

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * What is wrong with a list of checks, one message per problem (empty when valid). Each message
 * says what is wrong, the value received and what to do. String values are not parsed, so
 * unresolved CDK tokens (a secret's ARN) pass.
 */
export function validateSmokeChecks(checks: readonly SmokeCheckSpec[]): string[] {
  const errors: string[] = [];
  if (checks.length === 0) {
    errors.push('a smoke test needs at least one check; add one, e.g. { name: "health", path: "/health" }');
  }
  const seen = new Set<string>();
  checks.forEach((check, index) => {
    const label = typeof check?.name === 'string' && check.name ? `smoke check "${check.name}"` : `smoke check #${index + 1}`;
    if (typeof check !== 'object' || check === null) {
      errors.push(`${label} must be an object, got ${JSON.stringify(check)}`);
      return;
    }
    if (typeof check.name !== 'string' || check.name.trim() === '') {
      errors.push(`${label} needs a name, got ${JSON.stringify(check.name)}`);
    } else if (seen.has(check.name)) {
      errors.push(`${label} is defined twice; give each check its own name`);
    } else {
      seen.add(check.name);
    }
    if (typeof check.path !== 'string' || !check.path.startsWith('/')) {
      errors.push(`${label} path must start with "/", got ${JSON.stringify(check.path)}`);
    }
    if (check.method !== undefined && !METHODS.includes(String(check.method).toUpperCase())) {
      errors.push(`${label} method must be one of ${METHODS.join(', ')}, got ${JSON.stringify(check.method)}`);
    }
    if (check.expectedStatuses !== undefined && (!Array.isArray(check.expectedStatuses) || check.expectedStatuses.length === 0
      || check.expectedStatuses.some((status) => !Number.isInteger(status) || status < 100 || status > 599))) {
      errors.push(`${label} expectedStatuses must be a non-empty list of HTTP statuses (100-599), got ${JSON.stringify(check.expectedStatuses)}`);
    }
    if (check.timeoutMs !== undefined && !inRange(check.timeoutMs, 1, SMOKE_TEST_LIMITS.maxTimeoutMs)) {
      errors.push(`${label} timeout must be between 1 ms and ${SMOKE_TEST_LIMITS.maxTimeoutMs / 1000} seconds, got ${check.timeoutMs} ms; lower it or split the check`);
    }
    if (check.latencyBudgetMs !== undefined && !inRange(check.latencyBudgetMs, 1, SMOKE_TEST_LIMITS.maxTimeoutMs)) {
      errors.push(`${label} latency budget must be between 1 ms and ${SMOKE_TEST_LIMITS.maxTimeoutMs / 1000} seconds, got ${check.latencyBudgetMs} ms`);
    }
    if (check.attempts !== undefined && (!Number.isInteger(check.attempts) || !inRange(check.attempts, 1, SMOKE_TEST_LIMITS.maxAttempts))) {
      errors.push(`${label} attempts must be a whole number from 1 to ${SMOKE_TEST_LIMITS.maxAttempts}, got ${check.attempts}`);
    }
    if (check.retryDelayMs !== undefined && !inRange(check.retryDelayMs, 0, SMOKE_TEST_LIMITS.maxRetryDelayMs)) {
      errors.push(`${label} retry delay must be between 0 and ${SMOKE_TEST_LIMITS.maxRetryDelayMs / 1000} seconds, got ${check.retryDelayMs} ms`);
    }
    if (check.versionHeader !== undefined && check.versionJsonField !== undefined) {
      errors.push(`${label} reads the version from both a header and a JSON field; keep one`);
    }
    if ((check.expectedVersion !== undefined || check.expectedVersionVariable !== undefined)
      && check.versionHeader === undefined && check.versionJsonField === undefined) {
      errors.push(`${label} has an expected version but nowhere to read it; set versionHeader or versionJsonField`);
    }
    if (check.expectedVersion !== undefined && check.expectedVersionVariable !== undefined) {
      errors.push(`${label} has both an expected version and a variable to read it from; keep one`);
    }
    if (check.expectedVersionVariable !== undefined && (typeof check.expectedVersionVariable !== 'string' || check.expectedVersionVariable.length === 0)) {
      errors.push(`${label} expectedVersionVariable must be the name of an environment variable, got ${JSON.stringify(check.expectedVersionVariable)}`);
    }
    if (check.secretArn === undefined && (check.secretHeader !== undefined || check.secretPrefix !== undefined || check.secretJsonKey !== undefined)) {
      errors.push(`${label} configures a secret header but no secretArn; add the secret's ARN`);
    }
    if (check.headers !== undefined && (typeof check.headers !== 'object' || Object.values(check.headers).some((value) => typeof value !== 'string'))) {
      errors.push(`${label} headers must map names to string values`);
    }
  });
  return errors;
}

function inRange(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}
