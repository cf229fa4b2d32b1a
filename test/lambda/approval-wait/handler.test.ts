/**
 * The approval wait, from its sources and from its bundle as Lambda runs it
 * (`assets/handlers/approval-wait/index.js`, built by `npm run bundle`): each path answers Amazon
 * ECS once, with the wait counted from the first run and the waiting event published once.
 */
import * as path from 'path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import {
  APPROVAL_APPROVED_DETAIL_TYPE,
  APPROVAL_EXPIRED_DETAIL_TYPE,
  APPROVAL_REJECTED_DETAIL_TYPE,
  APPROVAL_WAITING_DETAIL_TYPE,
  APPROVAL_WAIT_CONFIG_ENV,
  ApprovalWaitHookConfig,
} from '../../../contract/approval-wait';
import { HOOK_CONFIGURATION_PREFIX, HOOK_CONFIGURATION_PREFIX_ENV, HOOK_KINDS, HOOK_KIND_ENV } from '../../../contract/hook';
import { ecsHandler as sourceHandler } from '../../../lambda/approval-wait';
import type { EcsNativeHookEvent, EcsNativeHookResult, LambdaContext } from '../../../lambda/shared';
import { CapturedLogs, awsError, captureLogs, fakeContext } from '../helpers';

type Handler = (event: EcsNativeHookEvent, context: LambdaContext) => Promise<EcsNativeHookResult>;

function bundledHandler(): Handler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(__dirname, '..', '..', '..', 'assets', 'handlers', 'approval-wait', 'index.js')) as { ecsHandler: Handler }).ecsHandler;
}

const ID = 'Sa0hTvq7sLwDmm3fCKlgk';
const DEPLOYMENT_ARN = `arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/orders/${ID}`;
const PARAMETER = '/cdk-ecs-release/approvals/orders';
const CONFIG: ApprovalWaitHookConfig = { serviceName: 'orders', approvalParameterName: PARAMETER, waitSeconds: 7200, pollSeconds: 20 };

/** The first event of the hook: the service definition's hookDetails, no continuation yet. */
const FIRST_EVENT: EcsNativeHookEvent = {
  executionId: 'exec-1',
  lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
  resourceArn: DEPLOYMENT_ARN,
  executionDetails: { serviceArn: 'arn:aws:ecs:eu-west-1:111122223333:service/prod/orders' },
  hookDetails: { team: 'orders' },
};

/** The event Amazon ECS sends after an IN_PROGRESS: the hookDetails it was given back. */
function nextEvent(result: EcsNativeHookResult): EcsNativeHookEvent {
  expect(result.hookStatus).toBe('IN_PROGRESS');
  return { ...FIRST_EVENT, hookDetails: result.hookDetails };
}

/** An event carrying a wait that started `startedMsAgo` and lasts `waitMs`, its event published. */
function waitingEvent(startedMsAgo: number, waitMs: number, notified = true): EcsNativeHookEvent {
  const since = Date.now() - startedMsAgo;
  return {
    ...FIRST_EVENT,
    hookDetails: {
      team: 'orders',
      continuation: {
        state: { deploymentId: ID, waitingSince: new Date(since).toISOString(), deadline: new Date(since + waitMs).toISOString(), notified },
        attempt: 5,
        startedAt: new Date(since).toISOString(),
      },
    },
  };
}

const ssm = mockClient(SSMClient);
const events = mockClient(EventBridgeClient);
let logs: CapturedLogs;

function parameterHolds(value: string): void {
  ssm.on(GetParameterCommand, { Name: PARAMETER }).resolves({ Parameter: { Name: PARAMETER, Type: 'String', Value: value } });
}

/** The events put, in order: their detail type and parsed detail. */
function putEvents(): { detailType: string; detail: Record<string, unknown>; source?: string; bus?: string; resources?: string[] }[] {
  return events.commandCalls(PutEventsCommand).flatMap((call) => (call.args[0].input.Entries ?? []).map((entry) => ({
    detailType: String(entry.DetailType),
    detail: JSON.parse(String(entry.Detail)) as Record<string, unknown>,
    source: entry.Source,
    bus: entry.EventBusName,
    resources: entry.Resources,
  })));
}

function finished(): { verdict?: unknown; reason?: unknown; hookStatus?: unknown } {
  const line = logs.lines.filter((entry) => entry.message === 'hook finished').at(-1);
  expect(line).toBeDefined();
  return line as { verdict?: unknown; reason?: unknown };
}

beforeEach(() => {
  ssm.reset();
  events.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
  process.env.AWS_REGION = 'eu-west-1';
  process.env[APPROVAL_WAIT_CONFIG_ENV] = JSON.stringify(CONFIG);
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  for (const name of [APPROVAL_WAIT_CONFIG_ENV, HOOK_CONFIGURATION_PREFIX_ENV, HOOK_KIND_ENV]) {
    delete process.env[name];
  }
});

describe.each([
  ['sources', () => sourceHandler as Handler],
  ['bundle', bundledHandler],
])('the approval wait (%s)', (_from, load) => {
  let handler: Handler;
  beforeAll(() => {
    handler = load();
  });

  test('the first run announces the wait once and answers IN_PROGRESS after the poll interval', async () => {
    parameterHolds('waiting');
    const before = Date.now();

    const result = await handler(FIRST_EVENT, fakeContext());

    expect(result).toMatchObject({ hookStatus: 'IN_PROGRESS', callBackDelay: 20 });
    const continuation = (result.hookDetails as { team: string; continuation: { state: Record<string, unknown>; startedAt: string } });
    expect(continuation.team).toBe('orders');
    const state = continuation.continuation.state as { waitingSince: string; deadline: string };
    expect(state).toMatchObject({ deploymentId: ID, notified: true });
    expect(Date.parse(state.deadline) - Date.parse(state.waitingSince)).toBe(7200 * 1000);
    expect(Date.parse(state.waitingSince)).toBeGreaterThanOrEqual(before - 1);
    expect(putEvents()).toEqual([{
      detailType: APPROVAL_WAITING_DETAIL_TYPE,
      source: 'cdk-ecs-release',
      bus: 'default',
      resources: [DEPLOYMENT_ARN],
      detail: {
        serviceName: 'orders',
        deploymentArn: DEPLOYMENT_ARN,
        deploymentId: ID,
        lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
        approvalParameterName: PARAMETER,
        waitingSince: state.waitingSince,
        deadline: state.deadline,
        approveCommand: `aws ssm put-parameter --name ${PARAMETER} --value "approve ${ID}" --overwrite`,
        rejectCommand: `aws ssm put-parameter --name ${PARAMETER} --value "reject ${ID}" --overwrite`,
      },
    }]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  test('an approval of this deployment succeeds, with the waiting event published once across the runs', async () => {
    parameterHolds('waiting');
    const first = await handler(FIRST_EVENT, fakeContext());
    const second = await handler(nextEvent(first), fakeContext());
    parameterHolds(`approve ${ID}`);

    const third = await handler(nextEvent(second), fakeContext());

    expect(third).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(putEvents().map((event) => event.detailType)).toEqual([APPROVAL_WAITING_DETAIL_TYPE, APPROVAL_APPROVED_DETAIL_TYPE]);
    const firstState = (first.hookDetails as { continuation: { state: { deadline: string } } }).continuation.state;
    expect(putEvents()[1].detail).toMatchObject({ deploymentId: ID, deadline: firstState.deadline, decidedAt: expect.any(String) });
    expect(finished()).toMatchObject({ verdict: 'Succeeded', reason: `deployment ${ID} approved through ${PARAMETER}` });
  });

  test('the wait counts from the first run, not from each invocation', async () => {
    parameterHolds('waiting');
    const first = await handler(FIRST_EVENT, fakeContext());
    await new Promise((resolve) => setTimeout(resolve, 20));

    const second = await handler(nextEvent(first), fakeContext());

    const deadlineOf = (result: EcsNativeHookResult) => (result.hookDetails as { continuation: { state: { deadline: string }; startedAt: string } }).continuation;
    expect(deadlineOf(second).state.deadline).toBe(deadlineOf(first).state.deadline);
    expect(deadlineOf(second).startedAt).toBe(deadlineOf(first).startedAt);
  });

  test('a rejection fails with the person\'s reason', async () => {
    parameterHolds(`reject ${ID} checkout button is broken on green`);

    const result = await handler(waitingEvent(60_000, 7_200_000), fakeContext());

    expect(result).toEqual({ hookStatus: 'FAILED' });
    expect(finished()).toMatchObject({
      verdict: 'Failed', reason: `deployment ${ID} rejected through ${PARAMETER}: checkout button is broken on green`,
    });
    expect(putEvents()).toEqual([expect.objectContaining({
      detailType: APPROVAL_REJECTED_DETAIL_TYPE,
      detail: expect.objectContaining({ deploymentId: ID, reason: 'checkout button is broken on green' }),
    })]);
  });

  test('an approval left for another deployment decides nothing: still IN_PROGRESS', async () => {
    parameterHolds('approve Xb1otherDeploymentId9');

    const result = await handler(waitingEvent(60_000, 7_200_000), fakeContext());

    expect(result).toMatchObject({ hookStatus: 'IN_PROGRESS', callBackDelay: 20 });
    expect(putEvents()).toEqual([]);
    expect(logs.lines.find((line) => line.message === 'decision')).toMatchObject({
      verdict: 'waiting', detail: `the approve names deployment Xb1otherDeploymentId9, not ${ID}`,
    });
  });

  test('the wait running out fails exactly once, with one expired event', async () => {
    parameterHolds('waiting');
    const first = await handler(waitingEvent(119_000, 120_000), fakeContext());
    // The last read falls on the deadline, not a whole poll interval after it.
    expect(first).toMatchObject({ hookStatus: 'IN_PROGRESS', callBackDelay: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    const last = await handler(nextEvent(first), fakeContext());

    expect(last).toEqual({ hookStatus: 'FAILED' });
    expect(logs.lines.filter((line) => line.message === 'hook finished').map((line) => line.hookStatus)).toEqual(['FAILED']);
    expect(finished().reason).toMatch(new RegExp(`^no approval within 2 min: ${PARAMETER} did not approve deployment ${ID} by `));
    expect(putEvents()).toEqual([expect.objectContaining({
      detailType: APPROVAL_EXPIRED_DETAIL_TYPE,
      detail: expect.objectContaining({ deploymentId: ID, reason: finished().reason }),
    })]);
  });

  test('a PutEvents failure does not fail the hook, and the waiting event is tried again on the next run', async () => {
    parameterHolds('waiting');
    events.on(PutEventsCommand).rejectsOnce(awsError('AccessDeniedException'))
      .resolvesOnce({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try later' }] })
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-2' }] });

    const first = await handler(FIRST_EVENT, fakeContext());
    expect(first.hookStatus).toBe('IN_PROGRESS');
    expect((first.hookDetails as { continuation: { state: { notified: boolean } } }).continuation.state.notified).toBe(false);
    expect(logs.lines.find((line) => line.message.startsWith('could not publish'))).toMatchObject({
      level: 'warn', fix: "the function's role needs events:PutEvents on the event bus default",
    });

    const second = await handler(nextEvent(first), fakeContext());
    const third = await handler(nextEvent(second), fakeContext());
    parameterHolds(`approve ${ID}`);
    const fourth = await handler(nextEvent(third), fakeContext());

    expect([second.hookStatus, third.hookStatus, fourth.hookStatus]).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'SUCCEEDED']);
    expect(putEvents().map((entry) => entry.detailType)).toEqual([
      APPROVAL_WAITING_DETAIL_TYPE, APPROVAL_WAITING_DETAIL_TYPE, APPROVAL_WAITING_DETAIL_TYPE, APPROVAL_APPROVED_DETAIL_TYPE,
    ]);
    expect((third.hookDetails as { continuation: { state: { notified: boolean } } }).continuation.state.notified).toBe(true);
  });

  test('a decision event that cannot be published does not change the verdict', async () => {
    parameterHolds(`approve ${ID}`);
    events.on(PutEventsCommand).rejects(awsError('ResourceNotFoundException'));

    await expect(handler(waitingEvent(1_000, 60_000), fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });
  });

  test('a missing parameter fails at the first run, saying how to create it', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));

    await expect(handler(FIRST_EVENT, fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(finished().reason).toBe(`ssm:GetParameter ${PARAMETER}: ParameterNotFound — the approval parameter is missing; `
      + `deploy the service's stack again, or create it with: aws ssm put-parameter --name ${PARAMETER} --type String --value waiting`);
  });

  test('a missing grant fails, naming the permission', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('AccessDeniedException', 400, 'User is not authorized to perform ssm:GetParameter'));

    await expect(handler(waitingEvent(1_000, 60_000), fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(finished().reason).toBe(`ssm:GetParameter ${PARAMETER}: AccessDeniedException: User is not authorized to perform ssm:GetParameter`
      + ' — the function\'s role needs ssm:GetParameter on the parameter');
  });

  test('throttling that outlasts the retries keeps waiting before the deadline', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('ThrottlingException'));

    const result = await handler(waitingEvent(1_000, 60_000), fakeContext());

    expect(result).toMatchObject({ hookStatus: 'IN_PROGRESS' });
    expect(ssm.commandCalls(GetParameterCommand).length).toBeGreaterThan(1);
    expect(logs.lines.filter((line) => line.message === 'retrying AWS call' && line.call === 'ssm:GetParameter').length).toBeGreaterThan(0);
  });

  test('throttling once is retried within the run', async () => {
    ssm.on(GetParameterCommand).rejectsOnce(awsError('ThrottlingException'))
      .resolves({ Parameter: { Name: PARAMETER, Type: 'String', Value: `approve ${ID}` } });

    await expect(handler(waitingEvent(1_000, 60_000), fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });
  });

  test('throttling after the deadline ends the wait', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('ThrottlingException'));

    await expect(handler(waitingEvent(61_000, 60_000), fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(finished().reason).toMatch(/^no approval within 1 min: .* \(its last read failed: ThrottlingException/);
  });

  test('an unexpected error fails the hook, naming the call', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('ValidationException', 400, 'parameter name is invalid'));

    await expect(handler(waitingEvent(1_000, 60_000), fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(finished().reason).toBe(`ssm:GetParameter ${PARAMETER}: ValidationException: parameter name is invalid`);
  });

  test('an invalid configuration fails the hook', async () => {
    process.env[APPROVAL_WAIT_CONFIG_ENV] = JSON.stringify({ ...CONFIG, waitSeconds: 0 });

    await expect(handler(FIRST_EVENT, fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(finished().reason).toContain(`invalid ${APPROVAL_WAIT_CONFIG_ENV}: waitSeconds must be a whole number`);
    expect(ssm.calls()).toHaveLength(0);
    expect(events.calls()).toHaveLength(0);
  });

  test('an event without the service deployment\'s ARN fails the hook', async () => {
    await expect(handler({ ...FIRST_EVENT, resourceArn: undefined }, fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(finished().reason).toContain('no resourceArn');
  });

  test('a SecureString parameter fails the hook', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAMETER, Type: 'SecureString', Value: 'AQICAH…' } });

    await expect(handler(waitingEvent(1_000, 60_000), fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });
  });

  test('the same invocation delivered twice answers the same and publishes nothing more', async () => {
    parameterHolds('waiting');
    const event = waitingEvent(30_000, 7_200_000);

    const once = await handler(event, fakeContext());
    const twice = await handler(event, fakeContext());

    expect(twice).toEqual(once);
    expect(once).toMatchObject({ hookStatus: 'IN_PROGRESS', callBackDelay: 20 });
    expect(putEvents()).toEqual([]);
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  test('a deployment approved before its first run goes on at once', async () => {
    parameterHolds(`approve ${DEPLOYMENT_ARN}`);

    await expect(handler(FIRST_EVENT, fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });

    expect(putEvents().map((entry) => entry.detailType)).toEqual([APPROVAL_WAITING_DETAIL_TYPE, APPROVAL_APPROVED_DETAIL_TYPE]);
  });

  test('a carried state of another deployment does not restart the wait', async () => {
    parameterHolds('waiting');
    const event = waitingEvent(7_300_000, 7_200_000);
    const continuation = (event.hookDetails as { continuation: { state: Record<string, unknown> } }).continuation;
    continuation.state = { ...continuation.state, deploymentId: 'another' };

    await expect(handler(event, fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(finished().reason).toMatch(/^no approval within 2 h: /);
  });

  const listed = (HOOK_KINDS as readonly string[]).includes('approval-wait');
  (listed ? test : test.skip)('a shared function reads the service\'s configuration from hookDetails.configuration', async () => {
    delete process.env[APPROVAL_WAIT_CONFIG_ENV];
    process.env[HOOK_CONFIGURATION_PREFIX_ENV] = HOOK_CONFIGURATION_PREFIX;
    process.env[HOOK_KIND_ENV] = 'approval-wait';
    parameterHolds(`reject ${ID} not this week`);
    const event = { ...FIRST_EVENT, hookDetails: { hookName: 'orders approval', configuration: { ...CONFIG, eventBusName: 'releases' } } };

    await expect(handler(event, fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(putEvents().map((entry) => [entry.detailType, entry.bus])).toEqual([
      [APPROVAL_WAITING_DETAIL_TYPE, 'releases'], [APPROVAL_REJECTED_DETAIL_TYPE, 'releases'],
    ]);
    expect(finished()).toMatchObject({ reason: `deployment ${ID} rejected through ${PARAMETER}: not this week` });
  });
});
