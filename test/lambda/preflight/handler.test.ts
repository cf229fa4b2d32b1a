import { CloudWatchClient, DescribeAlarmsCommand, MetricAlarm } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetCalendarStateCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { MAX_DESCRIBE_ALARMS_PAGES, PREFLIGHT_CONFIG_ENV, PreflightHookConfig } from '../../../contract/preflight';
import { ecsHandler, handler } from '../../../lambda/preflight';
import {
  CapturedLogs, EVENT, awsError, captureHookResults, captureLogs, decisionLines, expectSingleReport, fakeContext, reportedStatuses,
} from '../helpers';

const codedeploy = mockClient(CodeDeployClient);
const cloudwatch = mockClient(CloudWatchClient);

let logs: CapturedLogs;

function configure(config?: PreflightHookConfig) {
  if (config) {
    process.env[PREFLIGHT_CONFIG_ENV] = JSON.stringify(config);
  } else {
    delete process.env[PREFLIGHT_CONFIG_ENV];
  }
}

function alarm(name: string, fields: Partial<MetricAlarm> = {}): MetricAlarm {
  return { AlarmName: name, StateValue: 'OK', ActionsEnabled: true, ...fields };
}

beforeEach(() => {
  codedeploy.reset();
  cloudwatch.reset();
  configure();
  logs = captureLogs();
  codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  codedeploy.on(GetDeploymentCommand).resolves({
    deploymentInfo: { applicationName: 'web-app', deploymentGroupName: 'web-prod' },
  });
  codedeploy.on(GetDeploymentGroupCommand).resolves({
    deploymentGroupInfo: {
      alarmConfiguration: { enabled: true, alarms: [{ name: 'web-5xx' }, { name: 'web-p99' }] },
    },
  });
});

afterEach(() => {
  logs.restore();
});

test('all alarms clear: Succeeded, one decision line per alarm', async () => {
  cloudwatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [alarm('web-5xx'), alarm('web-p99', { StateValue: 'INSUFFICIENT_DATA' })],
    CompositeAlarms: [{ AlarmName: 'web-health', StateValue: 'OK', ActionsEnabled: true }],
  });
  configure({ alarmNames: ['web-health', 'web-5xx'] });

  const result = await handler(EVENT, fakeContext());

  expect(result).toMatchObject({ verdict: 'Succeeded', reason: 'all 3 rollback alarms are clear' });
  expectSingleReport(codedeploy, 'Succeeded');
  expect(codedeploy.commandCalls(GetDeploymentGroupCommand)[0].args[0].input).toEqual({
    applicationName: 'web-app', deploymentGroupName: 'web-prod',
  });
  expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input).toMatchObject({
    AlarmNames: ['web-5xx', 'web-p99', 'web-health'],
    AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
  });
  expect(decisionLines(logs).map((d) => [d.check, d.verdict])).toEqual([
    ['alarm web-5xx', 'pass'],
    ['alarm web-p99', 'pass'],
    ['alarm web-health', 'pass'],
  ]);
});

test('an alarm in ALARM fails, naming it and its reason', async () => {
  cloudwatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [
      alarm('web-5xx', { StateValue: 'ALARM', StateReason: 'Threshold Crossed: 2 datapoints were greater than 1.0' }),
      alarm('web-p99'),
    ],
  });

  const result = await handler(EVENT, fakeContext());

  expectSingleReport(codedeploy, 'Failed');
  expect(result.reason).toBe('refusing to deploy: metric alarm web-5xx is in ALARM: Threshold Crossed: 2 datapoints were greater than 1.0');
  expect(decisionLines(logs).find((d) => d.check === 'alarm web-5xx')).toMatchObject({ verdict: 'fail', observed: 'state ALARM, actions enabled' });
});

test('an alarm with its actions disabled fails', async () => {
  cloudwatch.on(DescribeAlarmsCommand).resolves({
    MetricAlarms: [alarm('web-5xx'), alarm('web-p99', { ActionsEnabled: false })],
  });

  const result = await handler(EVENT, fakeContext());

  expectSingleReport(codedeploy, 'Failed');
  expect(result.reason).toBe('refusing to deploy: metric alarm web-p99 has its actions disabled');
});

test('an alarm named by the deployment group but missing fails', async () => {
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('web-5xx')] });

  const result = await handler(EVENT, fakeContext());

  expectSingleReport(codedeploy, 'Failed');
  expect(result.reason).toBe('refusing to deploy: alarm web-p99 does not exist');
});

test('a throttled alarm lookup is retried, then passes', async () => {
  const throttled = Object.assign(new Error('Rate exceeded'), {
    name: 'Throttling', $metadata: { httpStatusCode: 400 },
  });
  cloudwatch.on(DescribeAlarmsCommand)
    .rejectsOnce(throttled)
    .rejectsOnce(throttled)
    .resolves({ MetricAlarms: [alarm('web-5xx'), alarm('web-p99')] });

  const result = await handler(EVENT, fakeContext());

  expect(result).toMatchObject({ verdict: 'Succeeded' });
  expectSingleReport(codedeploy, 'Succeeded');
  expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(3);
  expect(logs.lines.filter((line) => line.message === 'retrying AWS call')).toHaveLength(2);
});

test('more than 100 alarms are read in batches of 100, following pages', async () => {
  const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`);
  configure({ readDeploymentGroupAlarms: false, alarmNames: names });
  cloudwatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[]; NextToken?: string }) => {
    // The first batch comes back in two pages.
    if (input.AlarmNames.length === 100 && !input.NextToken) {
      return { MetricAlarms: input.AlarmNames.slice(0, 60).map((n) => alarm(n)), NextToken: 'page-2' };
    }
    if (input.NextToken) {
      return { MetricAlarms: input.AlarmNames.slice(60).map((n) => alarm(n)) };
    }
    return { MetricAlarms: input.AlarmNames.map((n) => alarm(n)) };
  });

  const result = await handler(EVENT, fakeContext());

  expect(result).toMatchObject({ verdict: 'Succeeded', reason: 'all 150 rollback alarms are clear' });
  expect(cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input.AlarmNames?.length)).toEqual([100, 100, 50]);
  expect(codedeploy.commandCalls(GetDeploymentGroupCommand)).toHaveLength(0);
  expectSingleReport(codedeploy, 'Succeeded');
});

test('when the deployment group cannot be read, the configured alarms are still checked', async () => {
  configure({ alarmNames: ['web-5xx'] });
  codedeploy.on(GetDeploymentGroupCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('web-5xx')] });

  const result = await handler(EVENT, fakeContext());

  expect(result).toMatchObject({ verdict: 'Succeeded', reason: 'all 1 rollback alarms are clear' });
  expectSingleReport(codedeploy, 'Succeeded');
  expect(logs.lines.some((line) => line.message.startsWith('could not read the deployment group alarms'))).toBe(true);
});

test('when the deployment group cannot be read and no alarm is configured, it fails', async () => {
  codedeploy.on(GetDeploymentGroupCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

  const result = await handler(EVENT, fakeContext());

  expectSingleReport(codedeploy, 'Failed');
  expect(result.reason).toBe('not authorized');
  expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
});

test('under Amazon ECS blue/green, the configured alarms are checked without CodeDeploy', async () => {
  configure({ alarmNames: ['web-5xx'] });
  cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('web-5xx', { StateValue: 'ALARM' })] });

  const result = await ecsHandler({ executionId: 'x-1', lifecycleStage: 'PRE_SCALE_UP' }, fakeContext());

  expect(result).toEqual({ hookStatus: 'FAILED' });
  expect(codedeploy.commandCalls(GetDeploymentCommand)).toHaveLength(0);
  expect(reportedStatuses(codedeploy)).toEqual([]);
});

describe('fault paths', () => {
  test('fails, naming DescribeAlarms, when CloudWatch keeps returning a next page', async () => {
    let calls = 0;
    cloudwatch.on(DescribeAlarmsCommand).callsFake(() => {
      calls++;
      return { MetricAlarms: [alarm('web-5xx'), alarm('web-p99')], NextToken: `page-${calls + 1}` };
    });

    const result = await handler(EVENT, fakeContext());

    expectSingleReport(codedeploy, 'Failed');
    expect(result.reason).toContain(`cloudwatch:DescribeAlarms still returned a NextToken after ${MAX_DESCRIBE_ALARMS_PAGES} pages for 2 alarm names`);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(MAX_DESCRIBE_ALARMS_PAGES);
  });

  test('refuses when the deployment group has alarm monitoring turned off', async () => {
    codedeploy.on(GetDeploymentGroupCommand).resolves({
      deploymentGroupInfo: { alarmConfiguration: { enabled: false, alarms: [{ name: 'web-5xx' }, { name: 'web-p99' }] } },
    });
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('web-5xx'), alarm('web-p99')] });

    const result = await handler(EVENT, fakeContext());

    expectSingleReport(codedeploy, 'Failed');
    expect(result.reason).toBe('refusing to deploy: alarm monitoring is disabled on deployment group web-app/web-prod, so none of its 2 '
      + 'rollback alarms would stop or roll back the deployment; turn alarm monitoring on in the deployment group, '
      + 'or set allowDisabledAlarmMonitoring on the PreflightHook to deploy without that safety net');
    expect(decisionLines(logs).map((d) => [d.check, d.verdict])).toEqual([['alarm monitoring of web-app/web-prod', 'fail']]);
  });

  test('with allowDisabledAlarmMonitoring, a group with monitoring off passes with a warning when its alarms are clear', async () => {
    configure({ allowDisabledAlarmMonitoring: true });
    codedeploy.on(GetDeploymentGroupCommand).resolves({
      deploymentGroupInfo: { alarmConfiguration: { enabled: false, alarms: [{ name: 'web-5xx' }, { name: 'web-p99' }] } },
    });
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('web-5xx'), alarm('web-p99')] });

    const result = await handler(EVENT, fakeContext());

    expect(result).toMatchObject({ verdict: 'Succeeded', reason: 'all 2 rollback alarms are clear' });
    expectSingleReport(codedeploy, 'Succeeded');
    expect(logs.lines.some((line) => line.level === 'warn' && line.message.startsWith('alarm monitoring is disabled'))).toBe(true);
  });

  test('a deployment group without alarms is not refused for its monitoring being off', async () => {
    configure({ alarmNames: ['web-5xx'] });
    codedeploy.on(GetDeploymentGroupCommand).resolves({ deploymentGroupInfo: { alarmConfiguration: { enabled: false, alarms: [] } } });
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('web-5xx')] });

    const result = await handler(EVENT, fakeContext());

    expect(result).toMatchObject({ verdict: 'Succeeded', reason: 'all 1 rollback alarms are clear' });
    expectSingleReport(codedeploy, 'Succeeded');
  });
});

describe('deployment window', () => {
  /** A weekly window on the day three days from now (UTC), so it is closed now and for the next two days. */
  function closedWindow(): NonNullable<PreflightHookConfig['deploymentWindow']> {
    const day = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'short' }).format(new Date(Date.now() + 3 * 86_400_000)).toUpperCase();
    return { days: [day], startHour: 0, endHour: 24, description: `${day} 00:00-24:00 UTC` };
  }

  test('outside the window it refuses before any AWS call, saying when it opens', async () => {
    configure({ alarmNames: ['web-5xx'], deploymentWindow: closedWindow() });

    const result = await handler(EVENT, fakeContext());

    expect(result).toMatchObject({ verdict: 'Failed' });
    expect((result as { reason: string }).reason).toMatch(/^refusing to deploy: it is \w{3} \d\d:\d\d UTC, outside the deployment window \w{3} 00:00-24:00 UTC; it next opens at \d{4}-\d\d-\d\dT00:00:00.000Z; release then/);
    expectSingleReport(codedeploy, 'Failed');
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
    expect(decisionLines(logs).map((d) => [d.check, d.verdict])).toEqual([['deployment window', 'fail']]);
  });

  test('inside the window the alarms are checked as before', async () => {
    configure({ alarmNames: ['web-5xx'], deploymentWindow: { days: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], startHour: 0, endHour: 24, description: 'always' } });
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('web-5xx'), alarm('web-p99')] });

    const result = await handler(EVENT, fakeContext());

    expect(result).toMatchObject({ verdict: 'Succeeded' });
    expect(decisionLines(logs).map((d) => d.check)).toEqual(['deployment window', 'alarm web-5xx', 'alarm web-p99']);
  });

  test('on the Amazon ECS engine it fails the lifecycle stage the same way', async () => {
    configure({ alarmNames: ['web-5xx'], deploymentWindow: closedWindow() });

    expect(await ecsHandler({ executionId: 'x-1', lifecycleStage: 'PRE_SCALE_UP' }, fakeContext())).toEqual({ hookStatus: 'FAILED' });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
  });

  test('a malformed window fails once, naming the field', async () => {
    configure({ deploymentWindow: { days: ['MON'], startHour: 9, endHour: 9, description: 'x' } });

    const result = await handler(EVENT, fakeContext());

    expect(result).toMatchObject({ verdict: 'Failed' });
    expect(JSON.stringify(result)).toMatch(/deploymentWindow.endHour must be a whole hour from 10 to 24/);
    expectSingleReport(codedeploy, 'Failed');
  });
});

describe('change freeze', () => {
  const ssm = mockClient(SSMClient);
  beforeEach(() => {
    ssm.reset();
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('web-5xx'), alarm('web-p99')] });
  });

  test('a CLOSED calendar refuses, saying until when and how to open it for a hotfix', async () => {
    configure({ changeCalendars: ['year-end-freeze', 'arn:aws:ssm:eu-west-1:123456789012:document/payments-freeze'] });
    ssm.on(GetCalendarStateCommand).resolves({ State: 'CLOSED', NextTransitionTime: '2027-01-04T08:00:00Z' });

    const result = await handler(EVENT, fakeContext());

    expect(result).toMatchObject({ verdict: 'Failed' });
    expect((result as { reason: string }).reason).toBe('refusing to deploy: one of the change calendars year-end-freeze, '
      + 'arn:aws:ssm:eu-west-1:123456789012:document/payments-freeze is CLOSED (a change freeze) until 2027-01-04T08:00:00Z; '
      + 'release once it opens, or, for a hotfix, open the calendar in the AWS Systems Manager Change Calendar console, which records who changed it');
    expect(ssm.commandCalls(GetCalendarStateCommand)[0].args[0].input).toEqual({
      CalendarNames: ['year-end-freeze', 'arn:aws:ssm:eu-west-1:123456789012:document/payments-freeze'],
    });
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
    expectSingleReport(codedeploy, 'Failed');
  });

  test('an OPEN calendar lets the alarms be checked', async () => {
    configure({ changeCalendars: ['year-end-freeze'] });
    ssm.on(GetCalendarStateCommand).resolves({ State: 'OPEN' });

    const result = await handler(EVENT, fakeContext());

    expect(result).toMatchObject({ verdict: 'Succeeded' });
    expect(decisionLines(logs).map((d) => [d.check, d.verdict])[0]).toEqual(['change calendars year-end-freeze', 'pass']);
  });

  test('a throttled calendar read is retried; one that keeps failing fails the hook once, as a freeze may be in force', async () => {
    configure({ changeCalendars: ['year-end-freeze'] });
    ssm.on(GetCalendarStateCommand).rejectsOnce(awsError('ThrottlingException')).resolves({ State: 'OPEN' });
    expect(await handler(EVENT, fakeContext())).toMatchObject({ verdict: 'Succeeded' });

    codedeploy.resetHistory();
    ssm.reset();
    ssm.on(GetCalendarStateCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform ssm:GetCalendarState'));
    const result = await handler(EVENT, fakeContext());
    expect(result).toMatchObject({ verdict: 'Failed' });
    expect(JSON.stringify(result)).toContain('ssm:GetCalendarState');
    expectSingleReport(codedeploy, 'Failed');
  });

  test('without calendars SSM is never called', async () => {
    configure({ alarmNames: ['web-5xx'] });
    await handler(EVENT, fakeContext());
    expect(ssm.commandCalls(GetCalendarStateCommand)).toHaveLength(0);
  });
});

test('the result goes to the deployment record: one event after the report, with each alarm as a check', async () => {
  const eventBridge = mockClient(EventBridgeClient);
  const results = captureHookResults(eventBridge);
  try {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm('web-5xx'), alarm('web-p99', { StateValue: 'ALARM' })] });

    await expect(handler(EVENT, fakeContext())).resolves.toMatchObject({ verdict: 'Failed', report: 'reported' });

    expectSingleReport(codedeploy, 'Failed');
    expect(results.details()).toEqual([expect.objectContaining({
      hookKind: 'preflight', engine: 'CODE_DEPLOY', status: 'FAILED', deploymentId: EVENT.DeploymentId, applicationName: 'web-app',
      summary: expect.stringContaining('web-p99'),
      checks: [
        { name: 'alarm web-5xx', passed: true, detail: expect.any(String) },
        { name: 'alarm web-p99', passed: false, detail: expect.stringContaining('ALARM') },
      ],
    })]);
  } finally {
    results.restore();
    eventBridge.restore();
  }
});
