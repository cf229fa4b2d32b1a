import { DescribeServiceDeploymentsCommand, ECSClient, ServiceDeployment } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import {
  UnexpectedAnswerError, describeEcsDeployment, ecsDeploymentFacts, ecsDeploymentOf,
} from '../../../lambda/shared';
import { forgetEcsDeployments } from '../../../lambda/shared/ecs-deployment';
import { awsError, callScope } from '../helpers';

const ecs = mockClient(ECSClient);

const ARN = 'arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/web/r9nUa2kQ';
const SOURCE = 'arn:aws:ecs:eu-west-1:111122223333:service-revision/prod/web/41';
const TARGET = 'arn:aws:ecs:eu-west-1:111122223333:service-revision/prod/web/42';
const STARTED = new Date('2026-03-01T10:00:00Z');

function answer(deployment: Partial<ServiceDeployment>): void {
  ecs.on(DescribeServiceDeploymentsCommand).resolves({
    serviceDeployments: [{
      serviceDeploymentArn: ARN,
      serviceArn: 'arn:aws:ecs:eu-west-1:111122223333:service/prod/web',
      clusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod',
      startedAt: STARTED,
      status: 'IN_PROGRESS',
      sourceServiceRevisions: [{ arn: SOURCE, requestedTaskCount: 2, runningTaskCount: 2 }],
      targetServiceRevision: { arn: TARGET, requestedTaskCount: 2, runningTaskCount: 0 },
      ...deployment,
    }],
  });
}

beforeEach(() => {
  ecs.reset();
  forgetEcsDeployments();
});

test('reads the deployment: its status, revisions and start, asking for the one ARN', async () => {
  answer({ lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' });

  const deployment = await describeEcsDeployment(callScope().scope, ARN);

  expect(deployment).toEqual({
    serviceDeploymentArn: ARN,
    serviceArn: 'arn:aws:ecs:eu-west-1:111122223333:service/prod/web',
    clusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod',
    sourceServiceRevisionArns: [SOURCE],
    firstDeployment: false,
    targetServiceRevisionArn: TARGET,
    startedAt: STARTED,
    status: 'IN_PROGRESS',
    lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT',
    rollingBack: false,
  });
  expect(ecs.commandCalls(DescribeServiceDeploymentsCommand).map((call) => call.args[0].input)).toEqual([{ serviceDeploymentArns: [ARN] }]);
});

test('reads the strategy and traffic steps of the deployment\'s configuration', async () => {
  answer({
    deploymentConfiguration: {
      strategy: 'LINEAR', linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 4 }, bakeTimeInMinutes: 10,
    },
  });

  await expect(ecsDeploymentFacts(callScope().scope, ARN)).resolves.toMatchObject({
    strategy: 'LINEAR', linear: { stepPercent: 25, stepBakeTimeInMinutes: 4 },
  });
  await expect(ecsDeploymentFacts(callScope().scope, ARN)).resolves.toMatchObject({ linear: { stepPercent: 25 } });
  expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(1);
});

test.each(['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'] as const)(
  'a deployment with status %s is rolling back', async (status) => {
    answer({ status, statusReason: 'alarm orders-5xx fired' });

    await expect(describeEcsDeployment(callScope().scope, ARN)).resolves.toMatchObject({ status, rollingBack: true, statusReason: 'alarm orders-5xx fired' });
  });

test.each(['IN_PROGRESS', 'PENDING', 'SUCCESSFUL', 'STOP_REQUESTED', 'STOPPED'] as const)('a deployment with status %s is not rolling back', async (status) => {
  answer({ status });

  await expect(describeEcsDeployment(callScope().scope, ARN)).resolves.toMatchObject({ rollingBack: false });
});

test('a rollback ECS reports counts even before the status says so, with its reason', async () => {
  answer({ status: 'IN_PROGRESS', rollback: { reason: 'the circuit breaker initiated the rollback', startedAt: new Date(), serviceRevisionArn: SOURCE } });

  await expect(describeEcsDeployment(callScope().scope, ARN)).resolves.toMatchObject({
    rollingBack: true, rollbackReason: 'the circuit breaker initiated the rollback',
  });
});

test.each([
  ['absent', undefined],
  ['empty', []],
])('source revisions %s: the service\'s first deployment', async (_case, sourceServiceRevisions) => {
  answer({ sourceServiceRevisions });

  await expect(describeEcsDeployment(callScope().scope, ARN)).resolves.toMatchObject({ firstDeployment: true, sourceServiceRevisionArns: [] });
});

test('the facts of a started deployment are read once per execution environment, its status every time', async () => {
  answer({});
  const { scope } = callScope();

  const first = await ecsDeploymentFacts(scope, ARN);
  const again = await ecsDeploymentFacts(scope, ARN);
  expect(again).toEqual({
    serviceDeploymentArn: ARN,
    serviceArn: 'arn:aws:ecs:eu-west-1:111122223333:service/prod/web',
    clusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/prod',
    sourceServiceRevisionArns: [SOURCE],
    firstDeployment: false,
    targetServiceRevisionArn: TARGET,
    startedAt: STARTED,
  });
  expect(first.firstDeployment).toBe(false);
  expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(1);

  answer({ status: 'ROLLBACK_IN_PROGRESS' });
  await expect(describeEcsDeployment(scope, ARN)).resolves.toMatchObject({ rollingBack: true });
  await expect(describeEcsDeployment(scope, ARN)).resolves.toMatchObject({ rollingBack: true });
  expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(3);
});

test('a deployment that has not started is asked again: its revisions may not be settled yet', async () => {
  answer({ status: 'PENDING', startedAt: undefined, sourceServiceRevisions: undefined });
  const { scope } = callScope();

  await ecsDeploymentFacts(scope, ARN);
  answer({});
  await expect(ecsDeploymentFacts(scope, ARN)).resolves.toMatchObject({ firstDeployment: false, startedAt: STARTED });

  expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(2);
});

test('a deployment ECS does not know fails naming it and ECS\'s reason', async () => {
  ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [], failures: [{ arn: ARN, reason: 'MISSING' }] });

  await expect(describeEcsDeployment(callScope().scope, ARN)).rejects.toThrow(`ecs:DescribeServiceDeployments: service deployment ${ARN} not found (MISSING)`);
});

test('an answer of the wrong shape names the call and the field', async () => {
  ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [{ serviceDeploymentArn: ARN, sourceServiceRevisions: { arn: SOURCE } }] } as never);

  const error = await describeEcsDeployment(callScope().scope, ARN).catch((e: unknown) => e);

  expect(error).toBeInstanceOf(UnexpectedAnswerError);
  expect(String(error)).toContain('ecs:DescribeServiceDeployments answered without a sourceServiceRevisions list in the service deployment');
});

test('a refused call is not retried and its error reaches the caller', async () => {
  ecs.on(DescribeServiceDeploymentsCommand).rejects(awsError('AccessDeniedException'));

  await expect(describeEcsDeployment(callScope().scope, ARN)).rejects.toThrow('AccessDeniedException from the service');
  expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(1);
});

describe('ecsDeploymentOf', () => {
  const scope = () => ({ ...callScope().scope });

  test('reads the deployment of an Amazon ECS hook\'s event', async () => {
    answer({ sourceServiceRevisions: [] });

    const facts = await ecsDeploymentOf({ ...scope(), execution: { engine: 'ecs', resourceArn: ARN } });

    expect(facts).toMatchObject({ serviceDeploymentArn: ARN, firstDeployment: true, targetServiceRevisionArn: TARGET });
  });

  test('refuses a CodeDeploy hook, and an ECS event without a deployment', async () => {
    await expect(ecsDeploymentOf({ ...scope(), execution: { engine: 'codedeploy', deploymentId: 'd-1', lifecycleEventHookExecutionId: 'e-1' } }))
      .rejects.toThrow('the hook runs under CodeDeploy, which has no Amazon ECS service deployment to read');
    await expect(ecsDeploymentOf({ ...scope(), execution: { engine: 'ecs' } }))
      .rejects.toThrow('the Amazon ECS hook event has no resourceArn, the service deployment to read');
    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(0);
  });
});
