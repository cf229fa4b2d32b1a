/**
 * The fault paths of the bundled handlers, as Lambda runs them (`assets/handlers/<name>/index.js`,
 * built by `npm run bundle`): each ends with exactly one reported status.
 */
import * as path from 'path';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCalendarStateCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { MAX_DESCRIBE_ALARMS_PAGES, PREFLIGHT_CONFIG_ENV } from '../../contract/preflight';
import { SMOKE_CHECKS_ENV, SMOKE_LOAD_BALANCER_FULL_NAME_ENV, SMOKE_TEST_BASE_URL_ENV } from '../../contract/smoke-test';
import { HOOK_RESULT_EVENT_BUDGET_MS } from '../../lambda/shared/hook-result';
import { CapturedLogs, EVENT, awsError, captureHookResults, captureLogs, expectSingleReport, fakeContext } from './helpers';
import { selfSignedCertificate, startServer } from './smoke-test/server';
import { issuedCertificate, runHandlerInChild } from './smoke-test/tls';

function bundlePath(name: string): string {
  return path.join(__dirname, '..', '..', 'assets', 'handlers', name, 'index.js');
}

describe('the bundled handlers\' fault paths', () => {
  const codeDeploy = mockClient(CodeDeployClient);
  const cloudWatch = mockClient(CloudWatchClient);
  let logs: CapturedLogs;

  beforeEach(() => {
    codeDeploy.reset();
    cloudWatch.reset();
    codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
    logs = captureLogs();
  });

  afterEach(() => {
    logs.restore();
    for (const name of [PREFLIGHT_CONFIG_ENV, SMOKE_TEST_BASE_URL_ENV, SMOKE_CHECKS_ENV, SMOKE_LOAD_BALANCER_FULL_NAME_ENV]) {
      delete process.env[name];
    }
  });

  function bundled(name: string): (event: unknown, context: unknown) => Promise<{ verdict?: string; reason?: string }> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(bundlePath(name)) as { handler: (event: unknown, context: unknown) => Promise<{ verdict?: string; reason?: string }> }).handler;
  }

  test('the pre-flight hook stops paging a DescribeAlarms that never ends, and reports Failed once', async () => {
    process.env[PREFLIGHT_CONFIG_ENV] = JSON.stringify({ readDeploymentGroupAlarms: false, alarmNames: ['orders-5xx'] });
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'orders-5xx', StateValue: 'OK' }], NextToken: 'again' });

    const result = await bundled('preflight')(EVENT, fakeContext());

    expect(result.reason).toContain(`cloudwatch:DescribeAlarms still returned a NextToken after ${MAX_DESCRIBE_ALARMS_PAGES} pages`);
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(MAX_DESCRIBE_ALARMS_PAGES);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('the pre-flight hook refuses outside its deployment window, before any AWS call, and reports Failed once', async () => {
    // The day three days from now: closed today and tomorrow, whatever the hour.
    const day = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Dublin', weekday: 'short' }).format(new Date(Date.now() + 3 * 86_400_000)).toUpperCase();
    process.env[PREFLIGHT_CONFIG_ENV] = JSON.stringify({
      readDeploymentGroupAlarms: false, alarmNames: ['orders-5xx'],
      deploymentWindow: { days: [day], startHour: 9, endHour: 16, timeZone: 'Europe/Dublin', description: `${day} 09:00-16:00 Europe/Dublin` },
    });

    const result = await bundled('preflight')(EVENT, fakeContext());

    expect(result.reason).toMatch(/Europe\/Dublin, outside the deployment window \w{3} 09:00-16:00 Europe\/Dublin; it next opens at /);
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
    expectSingleReport(codeDeploy, 'Failed');
  });

  test('the pre-flight hook refuses during a change freeze, and fails once when the calendar cannot be read', async () => {
    const ssm = mockClient(SSMClient);
    try {
      process.env[PREFLIGHT_CONFIG_ENV] = JSON.stringify({ readDeploymentGroupAlarms: false, alarmNames: ['orders-5xx'], changeCalendars: ['year-end-freeze'] });
      ssm.on(GetCalendarStateCommand).resolves({ State: 'CLOSED', NextTransitionTime: '2027-01-04T08:00:00Z' });
      expect((await bundled('preflight')(EVENT, fakeContext())).reason).toContain('year-end-freeze is CLOSED (a change freeze) until 2027-01-04T08:00:00Z');
      expectSingleReport(codeDeploy, 'Failed');

      codeDeploy.resetHistory();
      ssm.reset();
      ssm.on(GetCalendarStateCommand).rejects(Object.assign(new Error('boom'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }));
      expect((await bundled('preflight')(EVENT, fakeContext())).verdict).toBe('Failed');
      expectSingleReport(codeDeploy, 'Failed');
      expect(cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
    } finally {
      ssm.restore();
    }
  });

  test('the pre-flight hook honours an approved freeze override once, and refuses once when the override cannot be read', async () => {
    const ssm = mockClient(SSMClient);
    const parameterName = '/cdk-ecs-release/freeze-override/orders-api';
    try {
      process.env[PREFLIGHT_CONFIG_ENV] = JSON.stringify({
        readDeploymentGroupAlarms: false, alarmNames: ['orders-5xx'], changeCalendars: ['year-end-freeze'],
        freezeOverride: { parameterName, container: 'web', versionVariable: 'RELEASE_VERSION' },
      });
      ssm.on(GetCalendarStateCommand).resolves({ State: 'CLOSED', NextTransitionTime: '2027-01-04T08:00:00Z' });
      ssm.on(GetParameterCommand, { Name: parameterName }).resolves({ Parameter: {
        Name: parameterName, Version: 1, LastModifiedDate: new Date(),
        Value: JSON.stringify({ reason: 'hotfix INC-123', expiresAt: new Date(Date.now() + 3_600_000).toISOString(), approvedBy: 'oncall-lead' }),
      } });
      cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'orders-5xx', StateValue: 'OK', ActionsEnabled: true }] });
      expect((await bundled('preflight')(EVENT, fakeContext())).verdict).toBe('Succeeded');
      expectSingleReport(codeDeploy, 'Succeeded');
      expect(logs.lines.find((line) => line.message === 'decision' && line.check === `freeze override ${parameterName}`))
        .toMatchObject({ verdict: 'pass', approvedBy: 'oncall-lead', reason: 'hotfix INC-123', overrides: ['year-end-freeze'] });

      codeDeploy.resetHistory();
      cloudWatch.resetHistory();
      ssm.on(GetParameterCommand).rejects(Object.assign(new Error('boom'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } }));
      const refused = await bundled('preflight')(EVENT, fakeContext(5_000));
      expect(refused.verdict).toBe('Failed');
      expect(refused.reason).toContain(`ssm:GetParameter ${parameterName}`);
      expectSingleReport(codeDeploy, 'Failed');
      expect(cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
    } finally {
      ssm.restore();
    }
  });

  test('the smoke test rejects a certificate the host name does not match, and reports Failed once', async () => {
    const server = await startServer((_request, res) => res.end('ok'), selfSignedCertificate('other.example.test'));
    try {
      process.env[SMOKE_TEST_BASE_URL_ENV] = `https://localhost:${server.port}`;
      process.env[SMOKE_CHECKS_ENV] = JSON.stringify([{ name: 'health', path: '/health' }]);

      const result = await bundled('smoke-test')(EVENT, fakeContext());

      expect(result.reason).toMatch(/TLS certificate rejected: .*\((DEPTH_ZERO_SELF_SIGNED_CERT|ERR_TLS_CERT_ALTNAME_INVALID)\)/);
      expect(server.requests).toHaveLength(0);
      expectSingleReport(codeDeploy, 'Failed');
    } finally {
      await server.close();
    }
  });

  test('the smoke test passes a certificate valid for the host name, reached by private IP with SNI', async () => {
    const issued = issuedCertificate('orders.example.test');
    const server = await startServer((_request, res) => res.end('ok'), issued);
    try {
      const env = {
        [SMOKE_TEST_BASE_URL_ENV]: `https://orders.example.test:${server.port}`,
        [SMOKE_CHECKS_ENV]: JSON.stringify([{ name: 'health', path: '/health' }]),
        [SMOKE_LOAD_BALANCER_FULL_NAME_ENV]: 'app/orders/50dc6c495c0c9188',
      };
      const run = await runHandlerInChild(bundlePath('smoke-test'), { ...env, NODE_EXTRA_CA_CERTS: issued.caFile });

      expect(run.result).toMatchObject({ verdict: 'Succeeded' });
      expect(run.reports.map((report) => report.status)).toEqual(['Succeeded']);
      expect(server.requests[0]).toMatchObject({ servername: 'orders.example.test' });

      // The same certificate from an authority the process does not trust fails: the verification is real.
      const untrusted = await runHandlerInChild(bundlePath('smoke-test'), env);
      expect(untrusted.result.reason).toMatch(/TLS certificate rejected: .*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
      expect(untrusted.reports.map((report) => report.status)).toEqual(['Failed']);
    } finally {
      await server.close();
      issued.cleanup();
    }
  });

  describe('a hook result event that cannot be put never changes or holds up the status', () => {
    const eventBridge = mockClient(EventBridgeClient);
    let results: ReturnType<typeof captureHookResults>;

    beforeEach(() => {
      results = captureHookResults(eventBridge);
      process.env[PREFLIGHT_CONFIG_ENV] = JSON.stringify({ readDeploymentGroupAlarms: false, alarmNames: ['orders-5xx'] });
      cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'orders-5xx', StateValue: 'OK', ActionsEnabled: true }] });
    });

    afterEach(() => results.restore());

    test('put: the pre-flight hook reports, then puts its result once', async () => {
      expect(await bundled('preflight')(EVENT, fakeContext())).toMatchObject({ verdict: 'Succeeded', report: 'reported' });

      expectSingleReport(codeDeploy, 'Succeeded');
      expect(results.details()).toEqual([expect.objectContaining({ hookKind: 'preflight', status: 'SUCCEEDED', deploymentId: EVENT.DeploymentId })]);
    });

    test.each([
      ['refused', () => eventBridge.on(PutEventsCommand).rejects(awsError('AccessDeniedException'))],
      ['throttled', () => eventBridge.on(PutEventsCommand).rejects(awsError('ThrottlingException'))],
      ['never answered', () => eventBridge.on(PutEventsCommand).callsFake(() => new Promise(() => undefined))],
    ])('%s: the CodeDeploy status is reported once as decided, within the event\'s budget', async (_what, arrange) => {
      arrange();
      const started = Date.now();

      expect(await bundled('preflight')(EVENT, fakeContext())).toMatchObject({ verdict: 'Succeeded', report: 'reported' });

      expect(Date.now() - started).toBeLessThan(HOOK_RESULT_EVENT_BUDGET_MS + 500);
      expectSingleReport(codeDeploy, 'Succeeded');
      expect(logs.lines.filter((line) => line.message.startsWith('hook result event not put'))).toHaveLength(1);
    });

    test('never answered: the Amazon ECS answer is as decided, within the event\'s budget', async () => {
      eventBridge.on(PutEventsCommand).callsFake(() => new Promise(() => undefined));
      const ecsHandler = (require(bundlePath('preflight')) as { ecsHandler: (event: unknown, context: unknown) => Promise<unknown> }).ecsHandler; // eslint-disable-line @typescript-eslint/no-require-imports
      const started = Date.now();

      await expect(ecsHandler({
        executionId: 'exec-1', lifecycleStage: 'PRE_SCALE_UP',
        resourceArn: 'arn:aws:ecs:eu-west-1:111122223333:service-deployment/orders-cluster/orders-api/NCWGC2ZR',
        hookDetails: {},
      }, fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });

      expect(Date.now() - started).toBeLessThan(HOOK_RESULT_EVENT_BUDGET_MS + 500);
      expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
      expect(codeDeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand)).toHaveLength(0);
    });
  });
});
