import {
  SMOKE_CHECKS_ENV,
  SMOKE_CONCURRENCY_ENV,
  SMOKE_DEPLOYED_SERVICE_ENV,
  SMOKE_EXPECTED_VERSION_ENV,
  SMOKE_EXPECTED_VERSION_VARIABLE_ENV,
  SMOKE_LOAD_BALANCER_FULL_NAME_ENV,
  SMOKE_TEST_BASE_URL_ENV,
  SMOKE_VERIFY_TLS_ENV,
  SmokeCheckSpec,
  validateSmokeChecks,
} from '../../../contract/smoke-test';
import { readConfig } from '../../../lambda/smoke-test/config';

function env(checks: unknown, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    [SMOKE_TEST_BASE_URL_ENV]: 'http://my-alb-123.eu-west-1.elb.amazonaws.com:8080',
    [SMOKE_CHECKS_ENV]: JSON.stringify(checks),
    ...extra,
  };
}

describe('validateSmokeChecks', () => {
  test('accepts a minimal check and a complete one', () => {
    expect(validateSmokeChecks([
      { name: 'health', path: '/health' },
      {
        name: 'info', path: '/info?deep=1', method: 'post', headers: { a: 'b' }, body: '{}', expectedStatuses: [200, 204],
        bodyContains: 'UP', jsonFields: { 'build.version': '1', 'ok': true, 'n': 1, 'x': null },
        versionJsonField: 'build.version', expectedVersion: '1', timeoutMs: 2000, latencyBudgetMs: 300,
        attempts: 5, retryDelayMs: 500, secretArn: '${Token[TOKEN.123]}', secretHeader: 'x-api-key', secretPrefix: 'Key ', secretJsonKey: 'k',
      },
    ])).toEqual([]);
  });

  test('fails when there is no check', () => {
    expect(validateSmokeChecks([])).toEqual(['a smoke test needs at least one check; add one, e.g. { name: "health", path: "/health" }']);
  });

  test.each<[string, SmokeCheckSpec, string]>([
    ['a name is missing', { name: '', path: '/' }, 'smoke check #1 needs a name, got ""'],
    ['the path is relative', { name: 'a', path: 'health' }, 'smoke check "a" path must start with "/", got "health"'],
    ['the method is unknown', { name: 'a', path: '/', method: 'FETCH' }, 'smoke check "a" method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, got "FETCH"'],
    ['a status is not HTTP', { name: 'a', path: '/', expectedStatuses: [200, 99] }, 'smoke check "a" expectedStatuses must be a non-empty list of HTTP statuses (100-599), got [200,99]'],
    ['the timeout is too long', { name: 'a', path: '/', timeoutMs: 120_000 }, 'smoke check "a" timeout must be between 1 ms and 60 seconds, got 120000 ms; lower it or split the check'],
    ['attempts is not whole', { name: 'a', path: '/', attempts: 1.5 }, 'smoke check "a" attempts must be a whole number from 1 to 20, got 1.5'],
    ['the version source is ambiguous', { name: 'a', path: '/', versionHeader: 'x-v', versionJsonField: 'v' }, 'smoke check "a" reads the version from both a header and a JSON field; keep one'],
    ['a version has nowhere to be read', { name: 'a', path: '/', expectedVersion: '1' }, 'smoke check "a" has an expected version but nowhere to read it; set versionHeader or versionJsonField'],
    ['a secret header lacks the secret', { name: 'a', path: '/', secretPrefix: 'Bearer ' }, 'smoke check "a" configures a secret header but no secretArn; add the secret\'s ARN'],
  ])('fails when %s', (_name, check, message) => {
    expect(validateSmokeChecks([check])).toEqual([message]);
  });

  test('fails when two checks share a name', () => {
    expect(validateSmokeChecks([{ name: 'a', path: '/' }, { name: 'a', path: '/b' }]))
      .toEqual(['smoke check "a" is defined twice; give each check its own name']);
  });
});

describe('readConfig', () => {
  test('applies the defaults', () => {
    const config = readConfig(env([{ name: 'health', path: '/health' }]));

    expect(config.concurrency).toBe(50);
    expect(config.verifyTls).toBe(true);
    expect(config.loadBalancerFullName).toBeUndefined();
    expect(config.checks[0]).toMatchObject({
      name: 'health', method: 'GET', expectedStatuses: [200], timeoutMs: 5000, attempts: 1, retryDelayMs: 1000, jsonFields: [],
    });
    expect(config.checks[0].url.href).toBe('http://my-alb-123.eu-west-1.elb.amazonaws.com:8080/health');
  });

  test('keeps a path prefix of the base URL', () => {
    const config = readConfig({ ...env([{ name: 'health', path: '/health?deep=1' }]), [SMOKE_TEST_BASE_URL_ENV]: 'https://host:8443/api/' });

    expect(config.checks[0].url.href).toBe('https://host:8443/api/health?deep=1');
  });

  test('certificates are verified when connecting by private IP too, unless turned off', () => {
    const byIp = { [SMOKE_LOAD_BALANCER_FULL_NAME_ENV]: 'app/my-alb/50dc6c495c0c9188' };
    expect(readConfig(env([{ name: 'a', path: '/' }], byIp)).verifyTls).toBe(true);
    expect(readConfig(env([{ name: 'a', path: '/' }], { ...byIp, [SMOKE_VERIFY_TLS_ENV]: 'false' })).verifyTls).toBe(false);
    expect(readConfig(env([{ name: 'a', path: '/' }], { ...byIp, [SMOKE_VERIFY_TLS_ENV]: 'true' })).verifyTls).toBe(true);
    expect(readConfig(env([{ name: 'a', path: '/' }], { [SMOKE_VERIFY_TLS_ENV]: 'false' })).verifyTls).toBe(false);
  });

  test('the expected version comes from the environment unless the check sets one', () => {
    const config = readConfig(env([
      { name: 'a', path: '/', versionHeader: 'X-Version' },
      { name: 'b', path: '/', versionJsonField: 'build.version', expectedVersion: 'v9' },
    ], { [SMOKE_EXPECTED_VERSION_ENV]: 'v8' }));

    expect(config.checks.map((check) => check.version)).toEqual([
      { header: 'x-version', jsonField: undefined, expected: { value: 'v8' } },
      { header: undefined, jsonField: 'build.version', expected: { value: 'v9' } },
    ]);
    expect(config.deployedService).toBeUndefined();
  });

  test('a check may expect the value of a variable of the deployed task definition, its own or the hook\'s', () => {
    const deployed = { cluster: 'prod', service: 'orders-api', container: 'web' };
    const config = readConfig(env([
      { name: 'a', path: '/', versionHeader: 'X-Version' },
      { name: 'b', path: '/', versionJsonField: 'version', expectedVersionVariable: 'APP_VERSION' },
      { name: 'c', path: '/', versionJsonField: 'version', expectedVersion: 'v9' },
    ], { [SMOKE_EXPECTED_VERSION_VARIABLE_ENV]: 'RELEASE_VERSION', [SMOKE_DEPLOYED_SERVICE_ENV]: JSON.stringify(deployed) }));

    expect(config.checks.map((check) => check.version?.expected)).toEqual([
      { variable: 'RELEASE_VERSION' }, { variable: 'APP_VERSION' }, { value: 'v9' },
    ]);
    expect(config.deployedService).toEqual(deployed);
  });

  test.each<[string, NodeJS.ProcessEnv, string]>([
    ['the base URL is missing', { [SMOKE_CHECKS_ENV]: '[]' }, `${SMOKE_TEST_BASE_URL_ENV} is not set`],
    ['the base URL is not a URL', { ...env([{ name: 'a', path: '/' }]), [SMOKE_TEST_BASE_URL_ENV]: 'my alb' }, 'is not a URL'],
    ['the base URL is not http', { ...env([{ name: 'a', path: '/' }]), [SMOKE_TEST_BASE_URL_ENV]: 'ftp://host' }, 'must be an http or https URL'],
    ['the checks are not JSON', { ...env([]), [SMOKE_CHECKS_ENV]: '[{' }, `${SMOKE_CHECKS_ENV} is not valid JSON`],
    ['the checks are not a list', env({ name: 'a' }), 'must be a JSON list of checks'],
    ['the concurrency is out of range', env([{ name: 'a', path: '/' }], { [SMOKE_CONCURRENCY_ENV]: '0' }), 'must be a whole number from 1 to 200, got "0"'],
    ['the load balancer name is an ARN', env([{ name: 'a', path: '/' }], { [SMOKE_LOAD_BALANCER_FULL_NAME_ENV]: 'arn:aws:elasticloadbalancing:x' }), 'must be an ALB full name, app/<name>/<id>'],
    ['a version is read but none expected', env([{ name: 'a', path: '/', versionHeader: 'x-v' }]), 'reads a version but none is expected'],
    ['a deployed version is expected but the service is not configured',
      env([{ name: 'a', path: '/', versionHeader: 'x-v', expectedVersionVariable: 'RELEASE_VERSION' }]),
      `smoke check "a" expects the version of the deployed task definition, but ${SMOKE_DEPLOYED_SERVICE_ENV} does not say which service to read it from`],
    ['the deployed service lacks its container', env([{ name: 'a', path: '/' }], { [SMOKE_DEPLOYED_SERVICE_ENV]: '{"cluster":"prod","service":"orders-api"}' }),
      'container is missing'],
    ['both a fixed and a deployed default version are set',
      env([{ name: 'a', path: '/' }], { [SMOKE_EXPECTED_VERSION_ENV]: 'v1', [SMOKE_EXPECTED_VERSION_VARIABLE_ENV]: 'RELEASE_VERSION' }), 'are both set; keep one'],
    ['a check has both a fixed and a deployed version',
      env([{ name: 'a', path: '/', versionHeader: 'x-v', expectedVersion: 'v1', expectedVersionVariable: 'RELEASE_VERSION' }]),
      'has both an expected version and a variable to read it from; keep one'],
  ])('fails when %s', (_name, variables, message) => {
    expect(() => readConfig(variables)).toThrow(message);
  });
});
