import * as path from 'path';
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import {
  SMOKE_CHECKS_ENV,
  SMOKE_CONCURRENCY_ENV,
  SMOKE_EXPECTED_VERSION_ENV,
  SMOKE_LOAD_BALANCER_FULL_NAME_ENV,
  SMOKE_TEST_BASE_URL_ENV,
  SMOKE_VERIFY_TLS_ENV,
  SmokeCheckSpec,
} from '../../../contract/smoke-test';
import { ecsHandler, handler } from '../../../lambda/smoke-test';
import { CapturedLogs, EVENT, LogLine, captureHookResults, captureLogs, expectSingleReport, fakeContext, reportedStatuses } from '../helpers';
import { TestServer, cancelPending, closedPort, json, later, selfSignedCertificate, startServer } from './server';
import { issuedCertificate, runHandlerInChild } from './tls';

const codeDeploy = mockClient(CodeDeployClient);
const secretsManager = mockClient(SecretsManagerClient);
const ec2 = mockClient(EC2Client);
const ENV_NAMES = [SMOKE_TEST_BASE_URL_ENV, SMOKE_CHECKS_ENV, SMOKE_CONCURRENCY_ENV, SMOKE_EXPECTED_VERSION_ENV,
  SMOKE_LOAD_BALANCER_FULL_NAME_ENV, SMOKE_VERIFY_TLS_ENV];
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:smoke-token-AbCdEf';
const SECRET_VALUE = 's3cr3t-token-0123456789';

let logs: CapturedLogs;
let server: TestServer | undefined;

beforeEach(() => {
  codeDeploy.reset();
  secretsManager.reset();
  ec2.reset();
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  logs = captureLogs();
});

afterEach(async () => {
  logs.restore();
  cancelPending();
  await server?.close();
  server = undefined;
  for (const name of ENV_NAMES) {
    delete process.env[name];
  }
});

function configure(baseUrl: string, checks: SmokeCheckSpec[], extra: Record<string, string> = {}): void {
  process.env[SMOKE_TEST_BASE_URL_ENV] = baseUrl;
  process.env[SMOKE_CHECKS_ENV] = JSON.stringify(checks);
  Object.assign(process.env, extra);
}

function attemptLines(check?: string): LogLine[] {
  return logs.lines.filter((line) => line.message === 'smoke check attempt' && (check === undefined || line.check === check));
}

/** The service under test: a small app with health, info and version routes. */
function app(overrides: Record<string, (res: import('http').ServerResponse) => void> = {}) {
  return (request: { url: string }, res: import('http').ServerResponse) => {
    const override = overrides[request.url];
    if (override) {
      override(res);
      return;
    }
    switch (request.url) {
      case '/health':
        res.writeHead(200, { 'content-type': 'text/plain', 'x-app-version': '1.2.3' });
        res.end('OK: all systems nominal');
        return;
      case '/info':
        json(res, 200, { status: 'UP', build: { version: '1.2.3', commit: 'abc123' }, checks: [{ state: 'ready' }] });
        return;
      default:
        json(res, 404, { error: 'not found' });
    }
  };
}

describe('verdicts', () => {
  test('all checks pass: one Succeeded report, one log line per check', async () => {
    server = await startServer(app({ '/orders': (res) => json(res, 201, { id: 7 }) }));
    configure(server.url, [
      { name: 'health', path: '/health', bodyContains: 'OK', versionHeader: 'X-App-Version' },
      { name: 'info', path: '/info', jsonFields: { 'status': 'UP', 'checks.0.state': 'ready' }, versionJsonField: 'build.version' },
      { name: 'create-order', path: '/orders', method: 'POST', headers: { 'content-type': 'application/json', 'x-test': 'yes' }, body: '{"sku":"a"}', expectedStatuses: [200, 201] },
    ], { [SMOKE_EXPECTED_VERSION_ENV]: '1.2.3' });

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary).toMatchObject({ verdict: 'Succeeded', report: 'reported' });
    expect(summary.reason).toMatch(/^3 smoke checks passed in \d+\.\d s$/);
    expectSingleReport(codeDeploy, 'Succeeded');
    expect(attemptLines().map((line) => [line.check, line.verdict])).toEqual(expect.arrayContaining([
      ['health', 'pass'], ['info', 'pass'], ['create-order', 'pass'],
    ]));
    expect(attemptLines()).toHaveLength(3);
    expect(attemptLines('health')[0]).toMatchObject({
      level: 'info', hook: 'smoke-test', deploymentId: EVENT.DeploymentId,
      expectation: 'GET /health → status 200; body contains "OK"; version "1.2.3" (header x-app-version); complete within 5000 ms',
      observed: expect.stringMatching(/^status 200 in \d+ ms, version "1\.2\.3"$/),
      elapsedMs: expect.any(Number),
    });
    const post = server.requests.find((request) => request.url === '/orders');
    expect(post).toMatchObject({ method: 'POST', body: '{"sku":"a"}' });
    expect(post?.headers).toMatchObject({ 'x-test': 'yes', 'content-type': 'application/json', 'host': `127.0.0.1:${server.port}` });
  });

  test('the result goes to the deployment record: one event after the report, with each check it ran', async () => {
    const eventBridge = mockClient(EventBridgeClient);
    const results = captureHookResults(eventBridge);
    try {
      server = await startServer(app({ '/info': (res) => json(res, 500, { error: 'db down' }) }));
      configure(server.url, [{ name: 'health', path: '/health' }, { name: 'info', path: '/info' }], { [SMOKE_CONCURRENCY_ENV]: '1' });

      await expect(handler({ ...EVENT }, fakeContext())).resolves.toMatchObject({ verdict: 'Failed', report: 'reported' });

      expectSingleReport(codeDeploy, 'Failed');
      expect(results.details()).toEqual([expect.objectContaining({
        hookKind: 'smoke-test', engine: 'CODE_DEPLOY', lifecycleEvent: 'AfterAllowTestTraffic', status: 'FAILED',
        summary: 'smoke check "info" failed: status 500, expected 200 (GET /info); 1 passed',
        checks: [
          { name: 'health', passed: true, detail: expect.stringMatching(/^passed: GET \/health → status 200/) },
          { name: 'info', passed: false, detail: 'failed: status 500, expected 200' },
        ],
      })]);
    } finally {
      results.restore();
      eventBridge.restore();
    }
  });

  test('a 500 fails the hook', async () => {
    server = await startServer(app({ '/health': (res) => json(res, 500, { error: 'db down' }) }));
    configure(server.url, [{ name: 'health', path: '/health' }]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toBe('smoke check "health" failed: status 500, expected 200 (GET /health); 0 passed');
    expectSingleReport(codeDeploy, 'Failed');
    expect(attemptLines('health')[0]).toMatchObject({
      level: 'error', verdict: 'fail', observed: expect.stringMatching(/^status 500 in \d+ ms, body "\{\\"error\\":\\"db down\\"\}"$/),
    });
  });

  test('a body without the expected text fails the hook', async () => {
    server = await startServer(app());
    configure(server.url, [{ name: 'health', path: '/health', bodyContains: 'all systems go' }]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toMatch(/^smoke check "health" failed: body does not contain "all systems go"/);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a wrong JSON field fails the hook', async () => {
    server = await startServer(app({ '/info': (res) => json(res, 200, { status: 'DEGRADED', build: { version: '1.2.3' } }) }));
    configure(server.url, [{ name: 'info', path: '/info', jsonFields: { 'status': 'UP', 'build.version': '1.2.3', 'build.commit': 'abc123' } }]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toMatch(/failed: status = "DEGRADED", expected "UP"; build\.commit is missing, expected "abc123" \(GET \/info\)/);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a body that is not JSON fails a JSON check', async () => {
    server = await startServer(app());
    configure(server.url, [{ name: 'info', path: '/health', jsonFields: { status: 'UP' } }]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toMatch(/failed: body is not JSON/);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a wrong version in a header fails the hook', async () => {
    server = await startServer(app());
    configure(server.url, [{ name: 'health', path: '/health', versionHeader: 'x-app-version' }], { [SMOKE_EXPECTED_VERSION_ENV]: '1.2.4' });

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toMatch(/failed: version "1\.2\.3", expected "1\.2\.4"/);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a wrong version in a JSON field fails the hook; a check can set its own expected version', async () => {
    server = await startServer(app());
    configure(server.url, [{ name: 'info', path: '/info', versionJsonField: 'build.version', expectedVersion: 'v2' }],
      { [SMOKE_EXPECTED_VERSION_ENV]: '1.2.3' });

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toMatch(/failed: version "1\.2\.3", expected "v2"/);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a missing version header fails the hook', async () => {
    server = await startServer(app());
    configure(server.url, [{ name: 'info', path: '/info', versionHeader: 'x-app-version' }], { [SMOKE_EXPECTED_VERSION_ENV]: '1.2.3' });

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toMatch(/failed: no x-app-version header, expected version "1\.2\.3"/);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a refused connection fails the hook', async () => {
    configure(`http://127.0.0.1:${await closedPort()}`, [{ name: 'health', path: '/health' }]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toBe('smoke check "health" failed: connection refused (ECONNREFUSED) (GET /health); 0 passed');
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a server that never answers fails the check at its timeout', async () => {
    server = await startServer(() => undefined);
    configure(server.url, [{ name: 'health', path: '/health', timeoutMs: 200 }]);
    const started = Date.now();

    const summary = await handler({ ...EVENT }, fakeContext());

    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
    expect(summary.reason).toMatch(/failed: no complete response within 200 ms/);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a response over the latency budget fails the hook', async () => {
    server = await startServer((_request, res) => later(150, () => json(res, 200, { status: 'UP' })));
    configure(server.url, [{ name: 'slow', path: '/health', latencyBudgetMs: 50 }]);

    const summary = await handler({ ...EVENT }, fakeContext());

    // At least the server's delay; a loaded machine adds to it, never takes from it.
    const took = Number(/failed: took (\d+) ms, over the 50 ms budget/.exec(summary.reason ?? '')?.[1]);
    expect(took).toBeGreaterThanOrEqual(140);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a service warming up passes within its retries', async () => {
    let calls = 0;
    server = await startServer((_request, res) => {
      calls++;
      if (calls <= 2) {
        json(res, 503, { status: 'STARTING' });
      } else {
        json(res, 200, { status: 'UP' });
      }
    });
    configure(server.url, [{ name: 'health', path: '/health', jsonFields: { status: 'UP' }, attempts: 3, retryDelayMs: 10 }]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.verdict).toBe('Succeeded');
    expectSingleReport(codeDeploy, 'Succeeded');
    expect(server.requests).toHaveLength(3);
    expect(attemptLines('health').map((line) => [line.attempt, line.verdict, line.level])).toEqual([
      [1, 'retry', 'warn'], [2, 'retry', 'warn'], [3, 'pass', 'info'],
    ]);
    expect(attemptLines('health')[0]).toMatchObject({ retryInMs: 10 });
    expect(attemptLines('health')[1]).toMatchObject({ retryInMs: 20 });
  });

  test('a check that keeps failing fails after its last attempt', async () => {
    server = await startServer((_request, res) => json(res, 503, { status: 'STARTING' }));
    configure(server.url, [{ name: 'health', path: '/health', attempts: 3, retryDelayMs: 5 }]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toMatch(/^smoke check "health" failed after 3 attempts: status 503, expected 200/);
    expect(server.requests).toHaveLength(3);
    expectSingleReport(codeDeploy, 'Failed');
  });
});

describe('the hook contract', () => {
  test('a malformed event runs no check and reports nothing', async () => {
    server = await startServer(app());
    configure(server.url, [{ name: 'health', path: '/health' }]);

    const summary = await handler({ LifecycleEventHookExecutionId: 'exec-1' }, fakeContext());

    expect(summary.report).toBe('not-attempted');
    expect(server.requests).toHaveLength(0);
    expect(reportedStatuses(codeDeploy)).toEqual([]);
    expect(logs.lines).toEqual([expect.objectContaining({ level: 'error', lifecycleEventHookExecutionId: 'exec-1' })]);
  });

  test('a deadline drawing near stops the checks and reports Failed before the function is killed', async () => {
    server = await startServer((_request, res) => later(5000, () => json(res, 200, {})));
    configure(server.url, [{ name: 'slow', path: '/slow', timeoutMs: 30_000 }]);
    const started = Date.now();

    const summary = await handler({ ...EVENT }, fakeContext(1000));

    expect(Date.now() - started).toBeLessThan(1000);
    expect(summary.reason).toMatch(/^hook deadline reached after 0\.\d s; stopped 0\.2 s before the function's timeout to report in time; checks not finished: slow$/);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a duplicate invocation whose status is already in ends quietly', async () => {
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(Object.assign(
      new Error('already completed'), { name: 'LifecycleEventAlreadyCompletedException', $metadata: { httpStatusCode: 400 } }));
    server = await startServer(app());
    configure(server.url, [{ name: 'health', path: '/health' }]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary).toMatchObject({ verdict: 'Succeeded', report: 'already-completed' });
    expectSingleReport(codeDeploy, 'Succeeded');
    expect(logs.lines.filter((line) => line.level === 'error')).toEqual([]);
  });

  test('an invalid configuration fails the hook with a reason', async () => {
    configure('http://127.0.0.1:1', [{ name: 'health', path: 'health', timeoutMs: 120_000 }]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toBe('smoke test configuration: smoke check "health" path must start with "/", got "health"; '
      + 'smoke check "health" timeout must be between 1 ms and 60 seconds, got 120000 ms; lower it or split the check');
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('a missing base URL fails the hook with a reason', async () => {
    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toBe(`smoke test configuration: ${SMOKE_TEST_BASE_URL_ENV} is not set; it must hold the test listener's URL`);
    expectSingleReport(codeDeploy, 'Failed');
  });
});

describe('concurrency', () => {
  test('the first definitive failure aborts the slow checks and the hook fails at once', async () => {
    server = await startServer((request, res) => {
      if (request.url === '/broken') {
        later(50, () => json(res, 500, {}));
      } else {
        later(3000, () => json(res, 200, {}));
      }
    });
    configure(server.url, [
      { name: 'slow-a', path: '/slow-a', timeoutMs: 10_000 },
      { name: 'broken', path: '/broken' },
      { name: 'slow-b', path: '/slow-b', timeoutMs: 10_000 },
    ]);
    const started = Date.now();

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(Date.now() - started).toBeLessThan(1000);
    expect(summary.reason).toBe('smoke check "broken" failed: status 500, expected 200 (GET /broken); 0 passed, 2 stopped');
    expectSingleReport(codeDeploy, 'Failed');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const stopped = logs.lines.filter((line) => line.verdict === 'aborted').map((line) => line.check).sort();
    expect(stopped).toEqual(['slow-a', 'slow-b']);
  });

  test('no more checks than the concurrency run at once', async () => {
    server = await startServer((_request, res) => later(30, () => json(res, 200, {})));
    configure(server.url, Array.from({ length: 6 }, (_, index) => ({ name: `c${index}`, path: `/c${index}` })),
      { [SMOKE_CONCURRENCY_ENV]: '2' });

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.verdict).toBe('Succeeded');
    expect(server.requests).toHaveLength(6);
    expect(server.maxInFlight()).toBe(2);
    expectSingleReport(codeDeploy, 'Succeeded');
  });

  test('checks run in parallel by default', async () => {
    server = await startServer((_request, res) => later(200, () => json(res, 200, {})));
    configure(server.url, Array.from({ length: 30 }, (_, index) => ({ name: `c${index}`, path: `/c${index}` })));
    const started = Date.now();

    await handler({ ...EVENT }, fakeContext());

    expect(Date.now() - started).toBeLessThan(600);
    expect(server.maxInFlight()).toBe(30);
    expectSingleReport(codeDeploy, 'Succeeded');
  });
});

describe('authenticated checks', () => {
  test('the secret is read once, sent in the header, and never logged', async () => {
    secretsManager.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: SECRET_VALUE });
    server = await startServer((request, res) => {
      if (request.headers.authorization === `Bearer ${SECRET_VALUE}`) {
        json(res, 200, { ok: true });
      } else {
        json(res, 401, {});
      }
    });
    configure(server.url, [
      { name: 'me', path: '/me', secretArn: SECRET_ARN, secretPrefix: 'Bearer ' },
      { name: 'orders', path: '/orders', secretArn: SECRET_ARN, secretPrefix: 'Bearer ' },
    ]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.verdict).toBe('Succeeded');
    expectSingleReport(codeDeploy, 'Succeeded');
    expect(server.requests.map((request) => request.headers.authorization)).toEqual([`Bearer ${SECRET_VALUE}`, `Bearer ${SECRET_VALUE}`]);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(logs.raw()).not.toContain(SECRET_VALUE);
    expect(attemptLines()).toHaveLength(2);
  });

  test('a key of a JSON secret goes in a custom header; a server echoing it cannot leak it into the logs', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: SECRET_VALUE, user: 'smoke' }) });
    server = await startServer((request, res) => json(res, 403, { message: `key ${request.headers['x-api-key']} is not allowed` }));
    configure(server.url, [{ name: 'api', path: '/api', secretArn: SECRET_ARN, secretHeader: 'X-Api-Key', secretJsonKey: 'apiKey' }]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(server.requests[0].headers['x-api-key']).toBe(SECRET_VALUE);
    expect(summary.reason).toMatch(/failed: status 403, expected 200/);
    expectSingleReport(codeDeploy, 'Failed');
    expect(logs.raw()).not.toContain(SECRET_VALUE);
    expect(attemptLines('api')[0].observed).toContain('key *** is not allowed');
  });

  test('a secret that cannot be read fails the check', async () => {
    secretsManager.on(GetSecretValueCommand).rejects(Object.assign(new Error('User is not authorized to perform secretsmanager:GetSecretValue'),
      { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    server = await startServer(app());
    configure(server.url, [{ name: 'me', path: '/me', secretArn: SECRET_ARN }]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toBe(`smoke check "me" failed: could not read secret ${SECRET_ARN}: `
      + 'User is not authorized to perform secretsmanager:GetSecretValue (GET /me); 0 passed');
    expect(server.requests).toHaveLength(0);
    expectSingleReport(codeDeploy, 'Failed');
  });
});

describe('connecting to the load balancer', () => {
  const ALB_HOST = 'my-alb-123.eu-west-1.elb.amazonaws.com';
  const ALB_FULL_NAME = 'app/my-alb/50dc6c495c0c9188';
  /** The service's own domain, which its certificate is issued for. */
  const APP_HOST = 'orders.example.test';
  const SOURCE = path.join(__dirname, '..', '..', '..', 'lambda', 'smoke-test', 'index.ts');

  function mockNetworkInterfaces(addresses: string[]) {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: addresses.map((address) => ({ Status: 'in-use', PrivateIpAddress: address, Description: `ELB ${ALB_FULL_NAME}` })),
    });
  }

  test('private-IP mode: connects to the ALB\'s private IP with the URL\'s host in the Host header', async () => {
    mockNetworkInterfaces(['127.0.0.1']);
    server = await startServer(app());
    configure(`http://${ALB_HOST}:${server.port}`, [{ name: 'health', path: '/health' }],
      { [SMOKE_LOAD_BALANCER_FULL_NAME_ENV]: ALB_FULL_NAME });

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.verdict).toBe('Succeeded');
    expectSingleReport(codeDeploy, 'Succeeded');
    expect(server.requests[0].headers.host).toBe(`${ALB_HOST}:${server.port}`);
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand)[0].args[0].input.Filters)
      .toEqual([{ Name: 'description', Values: [`ELB ${ALB_FULL_NAME}`] }]);
    expect(attemptLines('health')[0]).toMatchObject({ target: `127.0.0.1 (Host ${ALB_HOST}:${server.port})` });
  });

  test('private-IP mode over HTTPS: a certificate valid for the URL\'s host passes, verified against that host by SNI', async () => {
    const issued = issuedCertificate(APP_HOST);
    try {
      server = await startServer(app(), issued);
      const run = await runHandlerInChild(SOURCE, {
        [SMOKE_TEST_BASE_URL_ENV]: `https://${APP_HOST}:${server.port}`,
        [SMOKE_CHECKS_ENV]: JSON.stringify([{ name: 'health', path: '/health' }]),
        [SMOKE_LOAD_BALANCER_FULL_NAME_ENV]: ALB_FULL_NAME,
        NODE_EXTRA_CA_CERTS: issued.caFile,
      });

      expect(run.result).toMatchObject({ verdict: 'Succeeded' });
      expect(run.reports.map((r) => r.status)).toEqual(['Succeeded']);
      expect(server.requests[0]).toMatchObject({ servername: APP_HOST, headers: { host: `${APP_HOST}:${server.port}` } });
    } finally {
      issued.cleanup();
    }
  });

  test('private-IP mode over HTTPS: a certificate issued for another host fails, naming the TLS error', async () => {
    mockNetworkInterfaces(['127.0.0.1']);
    server = await startServer(app(), selfSignedCertificate('app.example.test'));
    configure(`https://${ALB_HOST}:${server.port}`, [{ name: 'health', path: '/health' }],
      { [SMOKE_LOAD_BALANCER_FULL_NAME_ENV]: ALB_FULL_NAME });

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.verdict).toBe('Failed');
    expect(summary.reason).toMatch(/smoke check "health" failed: TLS certificate rejected: .* \((DEPTH_ZERO_SELF_SIGNED_CERT|ERR_TLS_CERT_ALTNAME_INVALID)\); /);
    expect(summary.reason).toContain('verifyCertificate: false');
    expect(server.requests).toHaveLength(0);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('private-IP mode over HTTPS: a self-signed certificate for the right host fails too', async () => {
    mockNetworkInterfaces(['127.0.0.1']);
    server = await startServer(app(), selfSignedCertificate(APP_HOST));
    configure(`https://${APP_HOST}:${server.port}`, [{ name: 'health', path: '/health' }],
      { [SMOKE_LOAD_BALANCER_FULL_NAME_ENV]: ALB_FULL_NAME });

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toContain('TLS certificate rejected: self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)');
    expect(server.requests).toHaveLength(0);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('private-IP mode over HTTPS with verification turned off passes any certificate, still sending SNI', async () => {
    mockNetworkInterfaces(['127.0.0.1']);
    server = await startServer(app(), selfSignedCertificate('app.example.test'));
    configure(`https://${ALB_HOST}:${server.port}`, [{ name: 'health', path: '/health' }],
      { [SMOKE_LOAD_BALANCER_FULL_NAME_ENV]: ALB_FULL_NAME, [SMOKE_VERIFY_TLS_ENV]: 'false' });

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.verdict).toBe('Succeeded');
    expectSingleReport(codeDeploy, 'Succeeded');
    expect(server.requests[0]).toMatchObject({ servername: ALB_HOST, headers: { host: `${ALB_HOST}:${server.port}` } });
  });

  test('DNS mode over HTTPS verifies certificates by default', async () => {
    server = await startServer(app(), selfSignedCertificate('app.example.test'));
    configure(server.url, [{ name: 'health', path: '/health' }]);

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toMatch(/failed: TLS certificate rejected: self-signed certificate \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
    expect(ec2.calls()).toHaveLength(0);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('DNS mode: without a load balancer name, EC2 is not called and the URL\'s host is used', async () => {
    server = await startServer(app());
    configure(server.url, [{ name: 'health', path: '/health' }]);

    await handler({ ...EVENT }, fakeContext());

    expect(ec2.calls()).toHaveLength(0);
    expect(server.requests[0].headers.host).toBe(`127.0.0.1:${server.port}`);
    expectSingleReport(codeDeploy, 'Succeeded');
  });

  test('a retry goes to the next private IP', async () => {
    // 127.0.0.2 is a loopback address too, but the server only listens on 127.0.0.1: the first
    // load balancer node refuses the connection, the second answers.
    mockNetworkInterfaces(['127.0.0.2', '127.0.0.1']);
    server = await startServer(app());
    configure(`http://${ALB_HOST}:${server.port}`, [{ name: 'health', path: '/health', attempts: 2, retryDelayMs: 5 }],
      { [SMOKE_LOAD_BALANCER_FULL_NAME_ENV]: ALB_FULL_NAME });

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.verdict).toBe('Succeeded');
    expect(attemptLines('health').map((line) => [line.target, line.verdict])).toEqual([
      [`127.0.0.2 (Host ${ALB_HOST}:${server.port})`, 'retry'],
      [`127.0.0.1 (Host ${ALB_HOST}:${server.port})`, 'pass'],
    ]);
    expect(attemptLines('health')[0].observed).toBe('connection refused (ECONNREFUSED)');
    expectSingleReport(codeDeploy, 'Succeeded');
  });

  test('a load balancer without network interfaces fails the hook', async () => {
    mockNetworkInterfaces([]);
    configure(`http://${ALB_HOST}:8080`, [{ name: 'health', path: '/health' }], { [SMOKE_LOAD_BALANCER_FULL_NAME_ENV]: ALB_FULL_NAME });

    const summary = await handler({ ...EVENT }, fakeContext());

    expect(summary.reason).toMatch(/^no network interface is described "ELB app\/my-alb\/50dc6c495c0c9188"/);
    expectSingleReport(codeDeploy, 'Failed');
  });
});

describe('Amazon ECS blue/green', () => {
  test('the same checks answer SUCCEEDED or FAILED to ECS, without calling CodeDeploy', async () => {
    server = await startServer(app());
    configure(server.url, [{ name: 'health', path: '/health' }]);
    await expect(ecsHandler({ executionId: 'e-1', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' }, fakeContext()))
      .resolves.toEqual({ hookStatus: 'SUCCEEDED' });

    configure(server.url, [{ name: 'missing', path: '/missing' }]);
    await expect(ecsHandler({ executionId: 'e-1', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' }, fakeContext()))
      .resolves.toEqual({ hookStatus: 'FAILED' });

    expect(codeDeploy.calls()).toHaveLength(0);
  });
});
