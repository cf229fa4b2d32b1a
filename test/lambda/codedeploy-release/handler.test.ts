/**
 * The release custom resource, from the sources and as Lambda runs the bundle: every path ends
 * with exactly one answer PUT to CloudFormation's response URL (a real server here), or one
 * hand-over whose invocation answers, and leaves no deployment running when it fails.
 */
import {
  CodeDeployClient,
  CreateDeploymentCommand,
  DeploymentInfo,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { TestServer } from '../smoke-test/server';
import { CapturedLogs, awsError, captureLogs, fakeContext } from '../helpers';
import {
  NEW_TASK_DEFINITION,
  OLD_TASK_DEFINITION,
  ReleaseHandler,
  answers,
  appSpec,
  expectSingleAnswer,
  loadHandler,
  startResponseServer,
  updateRequest,
} from './fixtures';

const codeDeploy = mockClient(CodeDeployClient);
const ecs = mockClient(ECSClient);
const lambda = mockClient(LambdaClient);

function deployment(status: string, extra: Partial<DeploymentInfo> = {}): { deploymentInfo: DeploymentInfo } {
  return { deploymentInfo: { deploymentId: 'd-NEW000001', status: status as DeploymentInfo['status'], ...extra } };
}

function primaryRuns(taskDefinition: string): void {
  ecs.on(DescribeServicesCommand).resolves({
    services: [{
      serviceName: 'orders-api', status: 'ACTIVE', deploymentController: { type: 'CODE_DEPLOY' },
      taskSets: [
        { id: 'ecs-svc/2', status: 'ACTIVE', taskDefinition: 'arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:40' },
        { id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition },
      ],
    }],
  });
}

describe.each(['sources', 'bundle'] as const)('the release custom resource (%s)', (source) => {
  let handler: ReleaseHandler;
  let server: TestServer;
  let logs: CapturedLogs;

  beforeAll(() => {
    handler = loadHandler(source);
  });

  beforeEach(async () => {
    codeDeploy.reset();
    ecs.reset();
    lambda.reset();
    primaryRuns(OLD_TASK_DEFINITION);
    codeDeploy.on(CreateDeploymentCommand).resolves({ deploymentId: 'd-NEW000001' });
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: [] });
    codeDeploy.on(StopDeploymentCommand).resolves({ status: 'Pending' });
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    server = await startResponseServer();
    logs = captureLogs();
  });

  afterEach(async () => {
    logs.restore();
    await server.close();
  });

  test('starts the deployment of the AppSpec and answers SUCCESS once it succeeded', async () => {
    codeDeploy.on(GetDeploymentCommand).resolvesOnce(deployment('Created')).resolvesOnce(deployment('InProgress')).resolves(deployment('Succeeded'));

    const result = await handler(updateRequest(server), fakeContext());

    expect(result).toMatchObject({ status: 'SUCCESS', response: 'sent', deploymentId: 'd-NEW000001' });
    const answer = expectSingleAnswer(server, 'SUCCESS');
    expect(answer.Data).toEqual({ DeploymentId: 'd-NEW000001' });
    // The presigned URL is signed without a content type.
    expect(server.requests[0].headers['content-type']).toBe('');
    expect(server.requests[0].url).toBe('/cfn-response?X-Amz-Signature=abc');
    const created = codeDeploy.commandCalls(CreateDeploymentCommand);
    expect(created).toHaveLength(1);
    expect(created[0].args[0].input).toMatchObject({
      applicationName: 'orders-app',
      deploymentGroupName: 'orders-prod',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec(NEW_TASK_DEFINITION) } },
    });
    expect(created[0].args[0].input.description).toContain('Orders OrdersRelease: orders-api:42');
    expect(ecs.commandCalls(DescribeServicesCommand)[0].args[0].input).toEqual({ cluster: 'orders', services: ['orders-api'] });
    expect(codeDeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  test('answers FAILED with CodeDeploy\'s error and its rollback when the deployment failed', async () => {
    codeDeploy.on(GetDeploymentCommand).resolvesOnce(deployment('InProgress')).resolves(deployment('Failed', {
      errorInformation: { code: 'HOOK_EXECUTION_FAILURE', message: 'The AfterAllowTestTraffic hook orders-smoke-test failed' },
      rollbackInfo: { rollbackDeploymentId: 'd-ROLLBACK1', rollbackMessage: 'Automatic rollback triggered' },
    }));

    const result = await handler(updateRequest(server), fakeContext());

    const answer = expectSingleAnswer(server, 'FAILED');
    expect(answer.Reason).toContain('deployment d-NEW000001 failed: HOOK_EXECUTION_FAILURE: The AfterAllowTestTraffic hook orders-smoke-test failed');
    expect(answer.Reason).toContain('CodeDeploy rolled the service back (rollback deployment d-ROLLBACK1: Automatic rollback triggered)');
    expect(result.status).toBe('FAILED');
    // It ended by itself: nothing to stop.
    expect(codeDeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  test('answers FAILED when the deployment was stopped', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment('Stopped', {
      errorInformation: { code: 'ALARM_ACTIVE', message: 'One or more alarms have been activated: orders-5xx' },
    }));

    await handler(updateRequest(server), fakeContext());

    const answer = expectSingleAnswer(server, 'FAILED');
    expect(answer.Reason).toContain('deployment d-NEW000001 was stopped: ALARM_ACTIVE: One or more alarms have been activated: orders-5xx');
    expect(answer.Reason).not.toContain('rolled the service back');
    expect(codeDeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  test('keeps waiting while the deployment waits for ContinueDeployment, then answers SUCCESS', async () => {
    codeDeploy.on(GetDeploymentCommand)
      .resolvesOnce(deployment('InProgress')).resolvesOnce(deployment('Ready')).resolvesOnce(deployment('Ready'))
      .resolvesOnce(deployment('Ready')).resolves(deployment('Succeeded'));

    await handler(updateRequest(server), fakeContext());

    expectSingleAnswer(server, 'SUCCESS');
    expect(codeDeploy.commandCalls(GetDeploymentCommand)).toHaveLength(5);
    const waiting = logs.lines.filter((line) => line.message.startsWith('deployment waits for ContinueDeployment'));
    // Said once, when the deployment started waiting, not at every poll.
    expect(waiting).toHaveLength(1);
    expect(waiting[0]).toMatchObject({ deploymentId: 'd-NEW000001', observed: 'Ready' });
  });

  test('stops the deployment with rollback when TimeoutSeconds is over, and answers FAILED once', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment('InProgress'));

    const started = Date.now();
    const result = await handler(updateRequest(server, { TimeoutSeconds: '0.3' }), fakeContext());

    const elapsedMs = Date.now() - started;
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    expect(codeDeploy.commandCalls(StopDeploymentCommand).map((call) => call.args[0].input))
      .toEqual([{ deploymentId: 'd-NEW000001', autoRollbackEnabled: true }]);
    const answer = expectSingleAnswer(server, 'FAILED');
    const reason = /^deployment d-NEW000001 did not end within TimeoutSeconds \(0\.3 s\): still InProgress after (\d+\.\d) s; stopped it with rollback/
      .exec(String(answer.Reason));
    expect(reason).not.toBeNull();
    // The time it reports is the time that passed, to the tenth of a second it is rounded to: not
    // before the timeout, and no more than the test itself waited (how much more than 0.3 s that
    // is depends on how busy the machine's cores are).
    expect(Number(reason?.[1])).toBeGreaterThanOrEqual(0.3);
    expect(Number(reason?.[1])).toBeLessThanOrEqual(elapsedMs / 1000 + 0.05);
    expect(result.response).toBe('sent');
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  test('answers with the deployment\'s own outcome when it ended just as the timeout stopped it', async () => {
    codeDeploy.on(GetDeploymentCommand).resolvesOnce(deployment('InProgress')).resolves(deployment('Succeeded'));
    codeDeploy.on(StopDeploymentCommand).rejects(awsError('DeploymentAlreadyCompletedException'));

    await handler(updateRequest(server, { TimeoutSeconds: '0.01', PollSeconds: '1' }), fakeContext());

    expectSingleAnswer(server, 'SUCCESS');
  });

  test('hands the wait over before the function\'s timeout; the continued invocation answers', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment('InProgress'));

    const first = await handler(updateRequest(server), fakeContext(3000, 'orders-release'));

    expect(first).toMatchObject({ status: 'IN_PROGRESS', response: 'handed-over', deploymentId: 'd-NEW000001' });
    expect(server.requests).toHaveLength(0);
    expect(codeDeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    const invokes = lambda.commandCalls(InvokeCommand);
    expect(invokes).toHaveLength(1);
    expect(invokes[0].args[0].input).toMatchObject({ FunctionName: 'orders-release', InvocationType: 'Event' });
    const payload = JSON.parse(Buffer.from(invokes[0].args[0].input.Payload as Uint8Array).toString('utf8'));
    expect(payload).toMatchObject({ ...updateRequest(server), continuation: { state: { deploymentId: 'd-NEW000001' }, attempt: 1 } });
    const startedAt = Date.parse(payload.continuation.startedAt);
    expect(Date.now() - startedAt).toBeLessThan(5000);

    codeDeploy.resetHistory();
    ecs.resetHistory();
    lambda.resetHistory();
    codeDeploy.on(GetDeploymentCommand).resolvesOnce(deployment('InProgress')).resolves(deployment('Succeeded'));
    const second = await handler(payload, fakeContext(3000, 'orders-release'));

    expect(second).toMatchObject({ status: 'SUCCESS', response: 'sent', deploymentId: 'd-NEW000001' });
    expect(expectSingleAnswer(server, 'SUCCESS').Data).toEqual({ DeploymentId: 'd-NEW000001' });
    // The continued invocation only waits: it neither checks the service nor deploys again.
    expect(ecs.commandCalls(DescribeServicesCommand)).toHaveLength(0);
    expect(codeDeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  test('counts TimeoutSeconds from the first invocation in a continued one', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment('InProgress'));
    const continued = {
      ...updateRequest(server, { TimeoutSeconds: '120' }),
      continuation: { state: { deploymentId: 'd-NEW000001' }, attempt: 3, startedAt: new Date(Date.now() - 121_000).toISOString() },
    };

    await handler(continued, fakeContext());

    expect(codeDeploy.commandCalls(StopDeploymentCommand)).toHaveLength(1);
    expect(expectSingleAnswer(server, 'FAILED').Reason).toMatch(/did not end within TimeoutSeconds \(120 s\): still InProgress after 2 min 1 s/);
  });

  test('stops the deployment and answers FAILED once when the hand-over fails', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves(deployment('InProgress'));
    lambda.on(InvokeCommand).rejects(awsError('AccessDeniedException', 403, 'not authorized to perform: lambda:InvokeFunction'));

    const result = await handler(updateRequest(server), fakeContext(3000, 'orders-release'));

    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
    expect(codeDeploy.commandCalls(StopDeploymentCommand).map((call) => call.args[0].input))
      .toEqual([{ deploymentId: 'd-NEW000001', autoRollbackEnabled: true }]);
    const answer = expectSingleAnswer(server, 'FAILED');
    expect(answer.Reason).toMatch(/^could not hand the hook over to a new invocation of orders-release: not authorized .*; stopped deployment d-NEW000001 with rollback$/);
    expect(result).toMatchObject({ status: 'FAILED', response: 'sent' });
  });

  test('stops the deployment and answers FAILED once when a call fails for good', async () => {
    codeDeploy.on(GetDeploymentCommand).resolvesOnce(deployment('InProgress'))
      .rejects(awsError('AccessDeniedException', 400, 'not authorized to perform: codedeploy:GetDeployment'));

    await handler(updateRequest(server), fakeContext());

    expect(codeDeploy.commandCalls(StopDeploymentCommand)).toHaveLength(1);
    expect(expectSingleAnswer(server, 'FAILED').Reason)
      .toBe('release error: AccessDeniedException: not authorized to perform: codedeploy:GetDeployment; stopped deployment d-NEW000001 with rollback');
  });

  test('answers FAILED once, starting nothing, when the service cannot be read', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [{ arn: 'orders-api', reason: 'MISSING' }] });

    await handler(updateRequest(server), fakeContext());

    expect(expectSingleAnswer(server, 'FAILED').Reason).toBe('release error: service orders-api not found in cluster orders (MISSING)');
    expect(codeDeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
    expect(codeDeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  test('rides out throttled polls', async () => {
    codeDeploy.on(GetDeploymentCommand).rejectsOnce(awsError('ThrottlingException', 400, 'Rate exceeded'))
      .rejectsOnce(awsError('ThrottlingException', 400, 'Rate exceeded')).resolves(deployment('Succeeded'));

    await handler(updateRequest(server), fakeContext());

    expectSingleAnswer(server, 'SUCCESS');
  });

  test('answers SUCCESS without deploying when the primary task set already runs the task definition', async () => {
    primaryRuns(NEW_TASK_DEFINITION);

    const result = await handler(updateRequest(server), fakeContext());

    const answer = expectSingleAnswer(server, 'SUCCESS');
    expect(answer.Data).toEqual({ DeploymentId: '' });
    expect(result.reason).toBe('service orders-api already runs orders-api:42; nothing to deploy');
    expect(codeDeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
    expect(codeDeploy.commandCalls(GetDeploymentCommand)).toHaveLength(0);
  });

  test('waits for CodeDeploy\'s rollback back to the task definition during a stack rollback', async () => {
    // The rollback update asks for the old task definition, which blue already serves again.
    primaryRuns(OLD_TASK_DEFINITION);
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-ROLLBACK1'] });
    codeDeploy.on(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK1' })
      .resolvesOnce({ deploymentInfo: { deploymentId: 'd-ROLLBACK1', status: 'InProgress', creator: 'codeDeployRollback',
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec(OLD_TASK_DEFINITION), sha256: 'f00' } } } })
      .resolves({ deploymentInfo: { deploymentId: 'd-ROLLBACK1', status: 'Succeeded' } });

    await handler(updateRequest(server, { TaskDefinitionArn: OLD_TASK_DEFINITION, AppSpecContent: appSpec(OLD_TASK_DEFINITION) }), fakeContext());

    expect(expectSingleAnswer(server, 'SUCCESS').Data).toEqual({ DeploymentId: 'd-ROLLBACK1' });
    expect(codeDeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(0);
  });

  test('waits out CodeDeploy\'s rollback in the way of a stack rollback, then finds the service back on its task definition', async () => {
    // Green still serves when the rollback update arrives; CodeDeploy's rollback is moving traffic back.
    ecs.on(DescribeServicesCommand)
      .resolvesOnce({ services: [{ status: 'ACTIVE', taskSets: [{ status: 'PRIMARY', taskDefinition: NEW_TASK_DEFINITION }] }] })
      .resolves({ services: [{ status: 'ACTIVE', taskSets: [{ status: 'PRIMARY', taskDefinition: OLD_TASK_DEFINITION }] }] });
    codeDeploy.on(CreateDeploymentCommand).rejects(awsError('DeploymentLimitExceededException', 400,
      'The Deployment Group \'orders-prod\' already has an active Deployment \'d-ROLLBACK1\''));
    codeDeploy.on(ListDeploymentsCommand).resolvesOnce({ deployments: ['d-ROLLBACK1'] }).resolves({ deployments: [] });
    codeDeploy.on(GetDeploymentCommand, { deploymentId: 'd-ROLLBACK1' })
      .resolvesOnce({ deploymentInfo: { deploymentId: 'd-ROLLBACK1', status: 'InProgress', creator: 'codeDeployRollback' } })
      .resolvesOnce({ deploymentInfo: { deploymentId: 'd-ROLLBACK1', status: 'InProgress', creator: 'codeDeployRollback' } })
      .resolves({ deploymentInfo: { deploymentId: 'd-ROLLBACK1', status: 'Succeeded', creator: 'codeDeployRollback' } });

    const result = await handler(updateRequest(server, { TaskDefinitionArn: OLD_TASK_DEFINITION, AppSpecContent: appSpec(OLD_TASK_DEFINITION) }), fakeContext());

    expect(result.reason).toBe('service orders-api already runs orders-api:41; nothing to deploy');
    expectSingleAnswer(server, 'SUCCESS');
    expect(codeDeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(1);
    expect(ecs.commandCalls(DescribeServicesCommand)).toHaveLength(2);
    expect(codeDeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  test('answers FAILED, stopping nothing, when CodeDeploy\'s rollback in the way outlasts the invocation', async () => {
    codeDeploy.on(CreateDeploymentCommand).rejects(awsError('DeploymentLimitExceededException', 400, 'already has an active Deployment'));
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-ROLLBACK1'] });
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: 'd-ROLLBACK1', status: 'InProgress', creator: 'codeDeployRollback' } });

    await handler(updateRequest(server), fakeContext(2000));

    expect(expectSingleAnswer(server, 'FAILED').Reason)
      .toMatch(/^CodeDeploy is still rolling back deployment group orders-prod \(d-ROLLBACK1, InProgress\) after 1\.\d s; deploy the stack again/);
    expect(codeDeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
  });

  test('answers that the rollback outlasted the invocation when the deadline cuts a read of it short', async () => {
    codeDeploy.on(CreateDeploymentCommand).rejects(awsError('DeploymentLimitExceededException', 400, 'already has an active Deployment'));
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-ROLLBACK1'] });
    const inProgress = { deploymentInfo: { deploymentId: 'd-ROLLBACK1', status: 'InProgress' as const, creator: 'codeDeployRollback' as const } };
    // The first read finds the rollback; the next hangs (a slow host, a stalled connection) past the deadline.
    codeDeploy.on(GetDeploymentCommand).resolvesOnce(inProgress)
      .callsFake(() => new Promise((resolve) => setTimeout(() => resolve(inProgress), 5_000).unref()));

    await handler(updateRequest(server), fakeContext(2000));

    expect(expectSingleAnswer(server, 'FAILED').Reason)
      .toMatch(/^CodeDeploy is still rolling back deployment group orders-prod \(d-ROLLBACK1, InProgress\) after \d\.\d s; deploy the stack again/);
    expect(codeDeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  test('answers Delete with SUCCESS at once, calling nothing', async () => {
    const result = await handler({ ...updateRequest(server), RequestType: 'Delete' }, fakeContext());

    expect(result).toMatchObject({ status: 'SUCCESS', response: 'sent' });
    expectSingleAnswer(server, 'SUCCESS');
    expect(ecs.calls()).toHaveLength(0);
    expect(codeDeploy.calls()).toHaveLength(0);
  });

  test('adopts the deployment of a duplicate invocation of the same request', async () => {
    codeDeploy.on(CreateDeploymentCommand).rejects(awsError('DeploymentLimitExceededException', 400,
      'The Deployment Group \'orders-prod\' already has an active Deployment \'d-FIRST0001\''));
    codeDeploy.on(GetDeploymentCommand, { deploymentId: 'd-FIRST0001' })
      .resolvesOnce({ deploymentInfo: { deploymentId: 'd-FIRST0001', status: 'InProgress',
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec(NEW_TASK_DEFINITION) } } } })
      .resolves({ deploymentInfo: { deploymentId: 'd-FIRST0001', status: 'Succeeded' } });

    await handler(updateRequest(server), fakeContext());

    expect(expectSingleAnswer(server, 'SUCCESS').Data).toEqual({ DeploymentId: 'd-FIRST0001' });
    expect(codeDeploy.commandCalls(CreateDeploymentCommand)).toHaveLength(1);
    expect(codeDeploy.commandCalls(ListDeploymentsCommand)[0].args[0].input).toEqual({
      applicationName: 'orders-app', deploymentGroupName: 'orders-prod',
      includeOnlyStatuses: ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'],
    });
  });

  test('answers FAILED naming another deployment in the way, and leaves it alone', async () => {
    codeDeploy.on(CreateDeploymentCommand).rejects(awsError('DeploymentLimitExceededException', 400, 'The Deployment Group already has an active Deployment'));
    codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: ['d-OTHER0001'] });
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: 'd-OTHER0001', status: 'Ready',
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec('arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:43') } } } });

    await handler(updateRequest(server), fakeContext());

    expect(expectSingleAnswer(server, 'FAILED').Reason).toContain('is running another deployment, d-OTHER0001 (Ready), which does not deploy orders-api:42');
    expect(codeDeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  test('retries the answer after the response URL answered 500', async () => {
    await server.close();
    server = await startResponseServer(1);
    codeDeploy.on(GetDeploymentCommand).resolves(deployment('Succeeded'));

    const result = await handler(updateRequest(server), fakeContext());

    expect(result.response).toBe('sent');
    expect(answers(server).map((answer) => answer.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(server.requests[0].body).toBe(server.requests[1].body);
  });

  test('answers FAILED naming the properties a template left out', async () => {
    const request = updateRequest(server, { ServiceName: undefined, AppSpecContent: '' });

    await handler(request, fakeContext());

    expect(expectSingleAnswer(server, 'FAILED').Reason).toBe('the release resource lacks the properties ServiceName, AppSpecContent');
    expect(ecs.calls()).toHaveLength(0);
  });

  test('answers FAILED to a TimeoutSeconds beyond CloudFormation\'s hour', async () => {
    await handler(updateRequest(server, { TimeoutSeconds: '3600' }), fakeContext());

    expect(expectSingleAnswer(server, 'FAILED').Reason).toMatch(/^TimeoutSeconds must be at most 3300, got 3600/);
  });

  test('returns without answering a request that has no response URL', async () => {
    const request = { ...updateRequest(server), ResponseURL: undefined };

    await expect(handler(request, fakeContext())).resolves.toMatchObject({ status: 'UNANSWERED', response: 'not-attempted' });
    expect(server.requests).toHaveLength(0);
  });
});
