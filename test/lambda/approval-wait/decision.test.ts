import { APPROVAL_WAIT_CONFIG_ENV, approvalCommand, approvalWaitHookTimeoutMinutes } from '../../../contract/approval-wait';
import { formatWait, serviceDeploymentOf } from '../../../lambda/approval-wait/approval-wait';
import { loadApprovalWaitSettings } from '../../../lambda/approval-wait/config';
import { parseApprovalValue } from '../../../lambda/approval-wait';

const ID = 'Sa0hTvq7sLwDmm3fCKlgk';
const ARN = `arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/orders/${ID}`;
const DEPLOYMENT = { arn: ARN, id: ID };

describe('parseApprovalValue', () => {
  test.each([
    [`approve ${ID}`],
    [`  approve ${ID}  `],
    [`\napprove\t${ID}\n`],
    [`APPROVE ${ID}`],
    [`Approve ${ID}`],
    [`approve ${ARN}`],
    [`"approve ${ID}"`],
    [`'approve ${ID}'`],
  ])('%j approves the deployment', (value) => {
    expect(parseApprovalValue(value, DEPLOYMENT)).toEqual({ kind: 'approved' });
  });

  test('text after an approval is kept as a note', () => {
    expect(parseApprovalValue(`approve ${ID}   checked the test listener  `, DEPLOYMENT))
      .toEqual({ kind: 'approved', note: 'checked the test listener' });
  });

  test.each([
    [`reject ${ID}`, { kind: 'rejected' }],
    [`REJECT ${ID}   `, { kind: 'rejected' }],
    [`reject ${ID} checkout button is broken`, { kind: 'rejected', reason: 'checkout button is broken' }],
    [`reject\t${ARN}\tlatency doubled`, { kind: 'rejected', reason: 'latency doubled' }],
    [`reject ${ID} first line\nsecond line`, { kind: 'rejected', reason: 'first line\nsecond line' }],
    [`"reject ${ID} not today"`, { kind: 'rejected', reason: 'not today' }],
  ])('%j rejects the deployment', (value, expected) => {
    expect(parseApprovalValue(value, DEPLOYMENT)).toEqual(expected);
  });

  test.each([
    ['approve Xb1otherDeploymentId9', 'Xb1otherDeploymentId9'],
    ['reject Xb1otherDeploymentId9 too slow', 'Xb1otherDeploymentId9'],
    // The same id under another service is another deployment.
    [`approve arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/payments/${ID}`,
      `arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/payments/${ID}`],
    // Ids are compared exactly, as ECS writes them.
    [`approve ${ID.toLowerCase()}`, ID.toLowerCase()],
    [`approve ${ID}x`, `${ID}x`],
  ])('%j is about another deployment: no decision', (value, other) => {
    const decision = parseApprovalValue(value, DEPLOYMENT);
    expect(decision).toMatchObject({ kind: 'none', otherDeployment: other });
    expect(decision.kind === 'none' && decision.why).toContain(`not ${ID}`);
  });

  test.each([
    [''],
    ['   '],
    ['waiting'],
    ['approve'],
    ['  reject  '],
    ['approved ' + ID],
    ['yes'],
    ['{"approve": true}'],
    [`${ID} approve`],
    ['""'],
    ['approve,' + ID],
  ])('%j is no decision', (value) => {
    const decision = parseApprovalValue(value, DEPLOYMENT);
    expect(decision.kind).toBe('none');
    expect(decision).not.toHaveProperty('otherDeployment');
  });

  test('a verb without an id says what to write', () => {
    expect(parseApprovalValue('approve', DEPLOYMENT)).toEqual({ kind: 'none', why: `"approve" names no deployment; write "approve ${ID}"` });
  });
});

describe('serviceDeploymentOf', () => {
  test('takes the id from the last segment of the resource ARN', () => {
    expect(serviceDeploymentOf({ engine: 'ecs', resourceArn: ARN })).toEqual(DEPLOYMENT);
  });

  test.each([
    [{ engine: 'ecs' as const }, /no resourceArn/],
    [{ engine: 'ecs' as const, resourceArn: `${ARN}/` }, /no resourceArn/],
    [{ engine: 'codedeploy' as const, deploymentId: 'd-1', lifecycleEventHookExecutionId: 'e' }, /Ready state/],
  ])('fails when the event names no service deployment: %j', (execution, message) => {
    expect(() => serviceDeploymentOf(execution)).toThrow(message);
  });
});

describe('loadApprovalWaitSettings', () => {
  const env = (config: unknown) => ({ [APPROVAL_WAIT_CONFIG_ENV]: JSON.stringify(config) });
  const minimal = { serviceName: 'orders', approvalParameterName: '/orders/approval', waitSeconds: 3600 };

  test('applies the defaults', () => {
    expect(loadApprovalWaitSettings(env(minimal))).toEqual({
      ...minimal, pollSeconds: 30, eventSource: 'cdk-ecs-release', eventBusName: 'default',
    });
  });

  test('keeps what is given', () => {
    const full = { ...minimal, pollSeconds: 10, eventSource: 'orders.releases', eventBusName: 'releases' };
    expect(loadApprovalWaitSettings(env(full))).toEqual(full);
  });

  test.each([
    [{ ...minimal, waitSeconds: 0 }, 'waitSeconds must be a whole number of seconds from 1 to 172800, got 0'],
    [{ ...minimal, waitSeconds: 172_801 }, 'got 172801'],
    [{ ...minimal, waitSeconds: 1.5 }, 'got 1.5'],
    [{ ...minimal, waitSeconds: '60' }, 'got "60"'],
    [{ serviceName: 'orders', approvalParameterName: '/p' }, 'waitSeconds must be a whole number of seconds from 1 to 172800, got nothing'],
    [{ ...minimal, pollSeconds: 0 }, 'pollSeconds must be a whole number of seconds from 1 to 900'],
    [{ ...minimal, pollSeconds: 901 }, 'pollSeconds must be a whole number of seconds from 1 to 900'],
    [{ ...minimal, serviceName: '' }, 'serviceName must be a non-empty string'],
    [{ ...minimal, approvalParameterName: 'orders approval' }, 'is not an SSM parameter name'],
    [{ ...minimal, eventSource: 'aws.ecs' }, 'starts with aws.'],
  ])('fails on %j', (config, message) => {
    expect(() => loadApprovalWaitSettings(env(config))).toThrow(`invalid ${APPROVAL_WAIT_CONFIG_ENV}: `);
    expect(() => loadApprovalWaitSettings(env(config))).toThrow(message);
  });

  test('fails when the variable is unset', () => {
    expect(() => loadApprovalWaitSettings({})).toThrow(`invalid ${APPROVAL_WAIT_CONFIG_ENV}: not set`);
  });
});

describe('the contract helpers', () => {
  test('approvalCommand is the command a person runs', () => {
    expect(approvalCommand('/orders/approval', 'approve', ID))
      .toBe(`aws ssm put-parameter --name /orders/approval --value "approve ${ID}" --overwrite`);
  });

  test('the hook timeout leaves room for the last read after the longest wait', () => {
    expect(approvalWaitHookTimeoutMinutes(172_800)).toBe(2886);
    expect(approvalWaitHookTimeoutMinutes(60, 30) * 60).toBeGreaterThan(60 + 30);
  });

  test.each([
    [45_000, '45 s'],
    [120_000, '2 min'],
    [5_400_000, '1 h 30 min'],
    [172_800_000, '48 h'],
    [3_661_000, '1 h 1 min 1 s'],
    [0, '0 s'],
  ])('formatWait(%d) is %s', (ms, text) => {
    expect(formatWait(ms)).toBe(text);
  });
});
