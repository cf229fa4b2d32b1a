import {
  JsonScalar,
  SMOKE_CHECKS_ENV,
  SMOKE_CONCURRENCY_ENV,
  SMOKE_EXPECTED_VERSION_ENV,
  SMOKE_LOAD_BALANCER_FULL_NAME_ENV,
  SMOKE_TEST_BASE_URL_ENV,
  SMOKE_TEST_DEFAULTS,
  SMOKE_TEST_LIMITS,
  SMOKE_VERIFY_TLS_ENV,
  SmokeCheckSpec,
  validateSmokeChecks,
} from '../../lib/private/contract/smoke-test';

/** A check with its defaults applied. */
export interface SmokeCheck {
  readonly name: string;
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly expectedStatuses: readonly number[];
  readonly bodyContains?: string;
  readonly jsonFields: ReadonlyArray<readonly [string, JsonScalar]>;
  readonly version?: { readonly header?: string; readonly jsonField?: string; readonly expected: string };
  readonly timeoutMs: number;
  readonly latencyBudgetMs?: number;
  readonly attempts: number;
  readonly retryDelayMs: number;
  readonly secret?: { readonly arn: string; readonly header: string; readonly prefix: string; readonly jsonKey?: string };
}

export interface SmokeTestConfig {
  readonly baseUrl: URL;
  readonly checks: readonly SmokeCheck[];
  readonly concurrency: number;
  /** Set when requests go to the load balancer's private IPs. */
  readonly loadBalancerFullName?: string;
  /** Whether HTTPS certificates are verified. */
  readonly verifyTls: boolean;
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
  const verifyTls = verifyText === 'true' || verifyText === 'false' ? verifyText === 'true' : loadBalancerFullName === undefined;

  const expectedVersion = env[SMOKE_EXPECTED_VERSION_ENV] || undefined;
  const checks = (specs as SmokeCheckSpec[]).map((spec) => toCheck(spec, baseUrl, expectedVersion));
  return { baseUrl, checks, concurrency, loadBalancerFullName, verifyTls };
}

function toCheck(spec: SmokeCheckSpec, baseUrl: URL, defaultVersion: string | undefined): SmokeCheck {
  const readsVersion = spec.versionHeader !== undefined || spec.versionJsonField !== undefined;
  const expected = spec.expectedVersion ?? defaultVersion;
  if (readsVersion && expected === undefined) {
    throw new SmokeTestConfigError(`smoke check "${spec.name}" reads a version but none is expected; `
      + `set its expectedVersion or ${SMOKE_EXPECTED_VERSION_ENV}`);
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
