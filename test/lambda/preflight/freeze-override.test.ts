/**
 * The hotfix override of a change freeze in the pre-flight hook: honoured only when it parses, is
 * unexpired, lasts at most 24 hours from its write and names this release's version (if any);
 * every path ends in exactly one report, and an honoured override is logged as a decision.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient, GetDeploymentCommand, GetDeploymentGroupCommand, PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeServiceRevisionsCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetCalendarStateCommand, GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { freezeOverrideParameterName } from '../../../contract/freeze-override';
import { PREFLIGHT_CONFIG_ENV, PreflightHookConfig, WINDOW_DAYS } from '../../../contract/preflight';
import { ecsHandler, handler } from '../../../lambda/preflight';
import { judgeOverride } from '../../../lambda/preflight/override';
import { CapturedLogs, EVENT, awsError, captureLogs, decisionLines, expectSingleReport, fakeContext } from '../helpers';

const codedeploy = mockClient(CodeDeployClient);
const cloudwatch = mockClient(CloudWatchClient);
const ssm = mockClient(SSMClient);
const ecs = mockClient(ECSClient);

const PARAMETER = freezeOverrideParameterName('orders-api');
const TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:123456789012:task-definition/orders-api:42';
const CONFIG: PreflightHookConfig = {
  alarmNames: ['web-5xx'],
  changeCalendars: ['year-end-freeze'],
  freezeOverride: { parameterName: PARAMETER, container: 'web', versionVariable: 'RELEASE_VERSION' },
};

let logs: CapturedLogs;

const hours = (n: number) => new Date(Date.now() + n * 3600_000);

/** The override parameter SSM returns: written `writtenHoursAgo` ago. */
function stubOverride(fields: Record<string, unknown> | string, writtenHoursAgo = 1, throttledFirst = false): void {
  const stub = ssm.on(GetParameterCommand, { Name: PARAMETER });
  (throttledFirst ? stub.rejectsOnce(awsError('ThrottlingException')) : stub).resolves({
    Parameter: {
      Name: PARAMETER, Type: 'String', Version: 3, LastModifiedDate: hours(-writtenHoursAgo),
      Value: typeof fields === 'string' ? fields : JSON.stringify(fields),
    },
  });
}

const valid = (extra: Record<string, unknown> = {}) => ({
  reason: 'hotfix for INC-123', expiresAt: hours(4).toISOString(), approvedBy: 'oncall-lead', ...extra,
});

beforeEach(() => {
  codedeploy.reset();
  cloudwatch.reset();
  ssm.reset();
  ecs.reset();
  process.env[PREFLIGHT_CONFIG_ENV] = JSON.stringify(CONFIG);
  logs = captureLogs();
  codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  codedeploy.on(GetDeploymentCommand).resolves({
    deploymentInfo: {
      applicationName: 'web-app', deploymentGroupName: 'web-prod',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: `{"Resources":[{"TargetService":{"Properties":{"TaskDefinition":"${TASK_DEFINITION}"}}}]}` } },
    },
  });
  codedeploy.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: { alarmConfiguration: { enabled: true, alarms: [{ name: 'web-5xx' }] } } });
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'web-5xx', StateValue: 'OK', ActionsEnabled: true }] });
  ssm.on(GetCalendarStateCommand).resolves({ State: 'CLOSED', NextTransitionTime: '2027-01-04T08:00:00Z' });
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      taskDefinitionArn: TASK_DEFINITION, family: 'orders-api', revision: 42,
      containerDefinitions: [{ name: 'web', environment: [{ name: 'RELEASE_VERSION', value: 'v1.4.2' }] }],
    },
  });
});

afterEach(() => {
  logs.restore();
  delete process.env[PREFLIGHT_CONFIG_ENV];
});

async function refusal(): Promise<string> {
  const result = await handler(EVENT, fakeContext());
  expect(result).toMatchObject({ verdict: 'Failed' });
  expectSingleReport(codedeploy, 'Failed');
  expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
  return (result as { reason: string }).reason;
}

test('an unexpired override lets the release through the freeze, and its decision line records who, why, until when and which calendar', async () => {
  const override = valid();
  stubOverride(override);

  const result = await handler(EVENT, fakeContext());

  expect(result).toMatchObject({ verdict: 'Succeeded' });
  expectSingleReport(codedeploy, 'Succeeded');
  const decision = decisionLines(logs).find((d) => d.check === `freeze override ${PARAMETER}`);
  expect(decision).toMatchObject({
    verdict: 'pass', overrides: ['year-end-freeze'], approvedBy: 'oncall-lead', reason: 'hotfix for INC-123', expiresAt: override.expiresAt,
  });
  expect(String(decision!.observed)).toMatch(/^version 3, written /);
  // The alarms are still checked: an override lifts the freeze, nothing else.
  expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(1);
  // Without a version, the release version is not read.
  expect(ecs.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(0);
});

test('an override for this release\'s version passes, reading it from the task definition the deployment names', async () => {
  stubOverride(valid({ version: 'v1.4.2' }));

  expect(await handler(EVENT, fakeContext())).toMatchObject({ verdict: 'Succeeded' });
  expectSingleReport(codedeploy, 'Succeeded');
  expect(ecs.commandCalls(DescribeTaskDefinitionCommand)[0].args[0].input).toMatchObject({ taskDefinition: TASK_DEFINITION });
});

test('under Amazon ECS blue/green, the version comes from the target service revision', async () => {
  stubOverride(valid({ version: 'v1.4.2' }));
  const revisionArn = 'arn:aws:ecs:eu-west-1:123456789012:service-revision/prod/orders-api/7';
  ecs.on(DescribeServiceRevisionsCommand, { serviceRevisionArns: [revisionArn] })
    .resolves({ serviceRevisions: [{ serviceRevisionArn: revisionArn, taskDefinition: TASK_DEFINITION }] });

  const result = await ecsHandler({
    executionId: 'x-1', lifecycleStage: 'PRE_SCALE_UP', executionDetails: { targetServiceRevisionArn: revisionArn },
  }, fakeContext());

  expect(result).toEqual({ hookStatus: 'SUCCEEDED' });
  expect(codedeploy.commandCalls(GetDeploymentCommand)).toHaveLength(0);
  expect(ecs.commandCalls(DescribeTaskDefinitionCommand)[0].args[0].input).toMatchObject({ taskDefinition: TASK_DEFINITION });
});

test('an override for another version refuses', async () => {
  stubOverride(valid({ version: 'v1.4.3' }));
  expect(await refusal()).toContain(`the freeze override ${PARAMETER} is not honoured: it is for version v1.4.3, and this release is v1.4.2`);
});

test('an override naming a version refuses when the release version cannot be read', async () => {
  stubOverride(valid({ version: 'v1.4.2' }));
  ecs.on(DescribeTaskDefinitionCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform ecs:DescribeTaskDefinition'));
  expect(await refusal()).toContain('is for version v1.4.2, but the release version is unreadable');
});

test('an expired override refuses, saying when it expired', async () => {
  stubOverride(valid({ expiresAt: hours(-1).toISOString() }), 3);
  expect(await refusal()).toMatch(/refusing to deploy: the change calendar year-end-freeze is CLOSED \(a change freeze\) until 2027-01-04T08:00:00Z; the freeze override \S+ is not honoured: it expired at /);
});

test('an override that lasts longer than 24 hours from its write refuses', async () => {
  stubOverride(valid({ expiresAt: hours(20).toISOString() }), 5);
  expect(await refusal()).toContain('longer than 24 hours; an override is for a hotfix, not to lift a freeze');
});

test.each([
  ['not JSON', 'hotfix please', 'its value is not JSON'],
  ['without approvedBy', JSON.stringify({ reason: 'r', expiresAt: hours(2).toISOString() }), 'it names no approvedBy'],
  ['with an unreadable expiry', JSON.stringify({ reason: 'r', expiresAt: 'tomorrow', approvedBy: 'lead' }), 'its expiresAt is not an ISO 8601 time'],
  ['with a reason too long', JSON.stringify({ reason: 'x'.repeat(501), expiresAt: hours(2).toISOString(), approvedBy: 'lead' }), 'its reason must be'],
])('a malformed override (%s) refuses', async (_, value, why) => {
  stubOverride(value);
  expect(await refusal()).toContain(`is not honoured: ${why}`);
});

test('no override parameter (ParameterNotFound) refuses as a freeze does, saying how to write one', async () => {
  ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));
  const reason = await refusal();
  expect(reason).toContain('is CLOSED (a change freeze) until 2027-01-04T08:00:00Z, and no freeze override is set');
  expect(reason).toContain(`write ${PARAMETER}`);
  expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
});

test('an override that cannot be read (AccessDenied) refuses, naming the permission', async () => {
  ssm.on(GetParameterCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform ssm:GetParameter'));
  expect(await refusal()).toContain(`ssm:GetParameter ${PARAMETER}: AccessDeniedException: not authorized to perform ssm:GetParameter — the function needs ssm:GetParameter`);
});

test('a throttled override read is retried, then honoured', async () => {
  stubOverride(valid(), 1, true);

  expect(await handler(EVENT, fakeContext())).toMatchObject({ verdict: 'Succeeded' });
  expectSingleReport(codedeploy, 'Succeeded');
  expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
});

test('an OPEN calendar reads no override', async () => {
  ssm.on(GetCalendarStateCommand).resolves({ State: 'OPEN' });
  expect(await handler(EVENT, fakeContext())).toMatchObject({ verdict: 'Succeeded' });
  expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
});

test('an override never lifts a deployment window', async () => {
  // Open every day but today (UTC), so that now is outside it.
  const today = WINDOW_DAYS[new Date().getUTCDay()];
  process.env[PREFLIGHT_CONFIG_ENV] = JSON.stringify({
    ...CONFIG, deploymentWindow: { days: WINDOW_DAYS.filter((d) => d !== today), startHour: 0, endHour: 24, description: 'not today' },
  });
  stubOverride(valid());

  expect(await refusal()).toContain('outside the deployment window not today');
  expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
});

describe('judgeOverride', () => {
  const now = new Date('2026-12-24T12:00:00Z');
  const parameter = (value: Record<string, unknown>, lastModified = new Date('2026-12-24T11:00:00Z')) => ({ value: JSON.stringify(value), lastModified });

  test('honours exactly 24 hours and refuses a minute more', () => {
    const base = { reason: 'r', approvedBy: 'lead' };
    expect(judgeOverride(parameter({ ...base, expiresAt: '2026-12-25T11:00:00Z' }), now).honoured).toBe(true);
    expect(judgeOverride(parameter({ ...base, expiresAt: '2026-12-25T11:01:00Z' }), now).honoured).toBe(false);
  });

  test('refuses when SSM gives no write time', () => {
    expect(judgeOverride({ value: JSON.stringify({ reason: 'r', approvedBy: 'l', expiresAt: '2026-12-24T13:00:00Z' }) }, now))
      .toEqual({ honoured: false, why: 'SSM returned no time it was written, so how long it lasts is unknown' });
  });
});
