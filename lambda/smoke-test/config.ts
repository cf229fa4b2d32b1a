import {
  DeployedServiceSpec,
  JsonScalar,
  SMOKE_CHECKS_ENV,
  SMOKE_CONCURRENCY_ENV,
  SMOKE_DEPLOYED_SERVICE_ENV,
  SMOKE_EXPECTED_VERSION_ENV,
  SMOKE_EXPECTED_VERSION_VARIABLE_ENV,
  SMOKE_LOAD_BALANCER_FULL_NAME_ENV,
  SMOKE_TEST_BASE_URL_ENV,
  SMOKE_TEST_DEFAULTS,
  SMOKE_TEST_LIMITS,
  SMOKE_VERIFY_TLS_ENV,
  SmokeCheckSpec,
  validateSmokeChecks,
} from '../../contract/smoke-test';

/**
 * The version a check expects: given in the configuration, or the value of an environment
 * variable of the application container in the task definition the deployment installs.
 */
export type ExpectedVersionSpec = { readonly value: string } | { readonly variable: string };

/** A check with its defaults applied. */
export interface ResolvedSmokeCheck {
  readonly name: string;
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly expectedStatuses: readonly number[];
  readonly bodyContains?: string;
  readonly jsonFields: ReadonlyArray<readonly [string, JsonScalar]>;
  readonly version?: { readonly header?: string; readonly jsonField?: string; readonly expected: ExpectedVersionSpec };
  readonly timeoutMs: number;
  readonly latencyBudgetMs?: number;
  readonly attempts: number;
  readonly retryDelayMs: number;
  readonly secret?: { readonly arn: string; readonly header: string; readonly prefix: string; readonly jsonKey?: string };
}

export interface SmokeTestConfig {
  readonly baseUrl: URL;
  readonly checks: readonly ResolvedSmokeCheck[];
  readonly concurrency: number;
  /** Set when requests go to the load balancer's private IPs. */
  readonly loadBalancerFullName?: string;
  /** Whether HTTPS certificates are verified. */
  readonly verifyTls: boolean;
  /** Where the deployed task definition is found; set when a check expects a version from it. */
  readonly deployedService?: DeployedServiceSpec;
}

/** Thrown for a configuration the handler cannot run; the hook fails with its message. */
export class SmokeTestConfigError extends Error {
  constructor(message: string) {
    super(`smoke test configuration: ${message}`);
    this.name = 'SmokeTestConfigError';
  }
}

/**
 * Reads the configuration from the environment. Called on each invocation, not at module load:
 * a bad configuration must fail the hook with a reason, not crash the function before it can
 * report.
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): SmokeTestConfig {
  const base = env[SMOKE_TEST_BASE_URL_ENV];
  if (!base) {
    throw new SmokeTestConfigError(`${SMOKE_TEST_BASE_URL_ENV} is not set; it must hold the test listener's URL`);
  }
  let baseUrl: URL;
  try {
    baseUrl = new URL(base);
  } catch {
    throw new SmokeTestConfigError(`${SMOKE_TEST_BASE_URL_ENV} is not a URL: ${JSON.stringify(base)}`);
  }
  if (baseUrl.protocol !== 'http:' && baseUrl.protocol !== 'https:') {
    throw new SmokeTestConfigError(`${SMOKE_TEST_BASE_URL_ENV} must be an http or https URL, got ${JSON.stringify(base)}`);
  }

  let specs: unknown;
  try {
    specs = JSON.parse(env[SMOKE_CHECKS_ENV] ?? '');
  } catch (error) {
    throw new SmokeTestConfigError(`${SMOKE_CHECKS_ENV} is not valid JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(specs)) {
    throw new SmokeTestConfigError(`${SMOKE_CHECKS_ENV} must be a JSON list of checks`);
  }
  const errors = validateSmokeChecks(specs as SmokeCheckSpec[]);
  if (errors.length > 0) {
    throw new SmokeTestConfigError(errors.join('; '));
  }

  const concurrencyText = env[SMOKE_CONCURRENCY_ENV];
  const concurrency = concurrencyText ? Number(concurrencyText) : SMOKE_TEST_DEFAULTS.concurrency;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > SMOKE_TEST_LIMITS.maxConcurrency) {
    throw new SmokeTestConfigError(`${SMOKE_CONCURRENCY_ENV} must be a whole number from 1 to ${SMOKE_TEST_LIMITS.maxConcurrency}, got ${JSON.stringify(concurrencyText)}`);
  }

  const loadBalancerFullName = env[SMOKE_LOAD_BALANCER_FULL_NAME_ENV] || undefined;
  if (loadBalancerFullName !== undefined && !/^app\/[^/]+\/[^/]+$/.test(loadBalancerFullName)) {
    throw new SmokeTestConfigError(`${SMOKE_LOAD_BALANCER_FULL_NAME_ENV} must be an ALB full name, app/<name>/<id>, got ${JSON.stringify(loadBalancerFullName)}`);
  }
  const verifyText = env[SMOKE_VERIFY_TLS_ENV]?.toLowerCase();
  if (verifyText !== undefined && verifyText !== '' && verifyText !== 'true' && verifyText !== 'false') {
    throw new SmokeTestConfigError(`${SMOKE_VERIFY_TLS_ENV} must be true or false, got ${JSON.stringify(env[SMOKE_VERIFY_TLS_ENV])}`);
  }
  // Verified unless turned off, also by private IP: SNI and the check use the URL's host name.
  const verifyTls = verifyText !== 'false';

  const defaultValue = env[SMOKE_EXPECTED_VERSION_ENV] || undefined;
  const defaultVariable = env[SMOKE_EXPECTED_VERSION_VARIABLE_ENV] || undefined;
  if (defaultValue !== undefined && defaultVariable !== undefined) {
    throw new SmokeTestConfigError(`${SMOKE_EXPECTED_VERSION_ENV} and ${SMOKE_EXPECTED_VERSION_VARIABLE_ENV} are both set; keep one`);
  }
  const defaultVersion: ExpectedVersionSpec | undefined = defaultValue !== undefined ? { value: defaultValue }
    : defaultVariable !== undefined ? { variable: defaultVariable } : undefined;
  const checks = (specs as SmokeCheckSpec[]).map((spec) => toCheck(spec, baseUrl, defaultVersion));
  const deployedService = readDeployedService(env, checks);
  return { baseUrl, checks, concurrency, loadBalancerFullName, verifyTls, ...(deployedService ? { deployedService } : {}) };
}

/** Where the deployed task definition is found; required when a check expects a version from it. */
function readDeployedService(env: NodeJS.ProcessEnv, checks: readonly ResolvedSmokeCheck[]): DeployedServiceSpec | undefined {
  const text = env[SMOKE_DEPLOYED_SERVICE_ENV];
  const needed = checks.find((check) => check.version && 'variable' in check.version.expected);
  if (!text) {
    if (needed) {
      throw new SmokeTestConfigError(`smoke check "${needed.name}" expects the version of the deployed task definition, `
        + `but ${SMOKE_DEPLOYED_SERVICE_ENV} does not say which service to read it from`);
    }
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SmokeTestConfigError(`${SMOKE_DEPLOYED_SERVICE_ENV} is not valid JSON (${(error as Error).message})`);
  }
  const fields = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const field = (name: keyof DeployedServiceSpec): string => {
    const value = fields[name];
    if (typeof value !== 'string' || value.length === 0) {
      throw new SmokeTestConfigError(`${SMOKE_DEPLOYED_SERVICE_ENV} must be {"cluster", "service", "container"}, each a non-empty string; ${name} is missing`);
    }
    return value;
  };
  return { cluster: field('cluster'), service: field('service'), container: field('container') };
}

function toCheck(spec: SmokeCheckSpec, baseUrl: URL, defaultVersion: ExpectedVersionSpec | undefined): ResolvedSmokeCheck {
  const readsVersion = spec.versionHeader !== undefined || spec.versionJsonField !== undefined;
  const expected: ExpectedVersionSpec | undefined = spec.expectedVersion !== undefined ? { value: spec.expectedVersion }
    : spec.expectedVersionVariable !== undefined ? { variable: spec.expectedVersionVariable }
      : defaultVersion;
  if (readsVersion && expected === undefined) {
    throw new SmokeTestConfigError(`smoke check "${spec.name}" reads a version but none is expected; `
      + `set its expectedVersion, ${SMOKE_EXPECTED_VERSION_ENV} or ${SMOKE_EXPECTED_VERSION_VARIABLE_ENV}`);
  }
  return {
    name: spec.name,
    url: joinUrl(baseUrl, spec.path),
    method: (spec.method ?? SMOKE_TEST_DEFAULTS.method).toUpperCase(),
    headers: { ...spec.headers },
    body: spec.body,
    expectedStatuses: spec.expectedStatuses ?? SMOKE_TEST_DEFAULTS.expectedStatuses,
    bodyContains: spec.bodyContains,
    jsonFields: Object.entries(spec.jsonFields ?? {}),
    version: readsVersion && expected !== undefined
      ? { header: spec.versionHeader?.toLowerCase(), jsonField: spec.versionJsonField, expected }
      : undefined,
    timeoutMs: spec.timeoutMs ?? SMOKE_TEST_DEFAULTS.timeoutMs,
    latencyBudgetMs: spec.latencyBudgetMs,
    attempts: spec.attempts ?? SMOKE_TEST_DEFAULTS.attempts,
    retryDelayMs: spec.retryDelayMs ?? SMOKE_TEST_DEFAULTS.retryDelayMs,
    secret: spec.secretArn === undefined ? undefined : {
      arn: spec.secretArn,
      header: (spec.secretHeader ?? SMOKE_TEST_DEFAULTS.secretHeader).toLowerCase(),
      prefix: spec.secretPrefix ?? '',
      jsonKey: spec.secretJsonKey,
    },
  };
}

/** Appends the path to the base URL, keeping any path prefix the base URL has. */
function joinUrl(baseUrl: URL, path: string): URL {
  const base = baseUrl.href.replace(/[?#].*$/, '').replace(/\/+$/, '');
  return new URL(base + path);
}
