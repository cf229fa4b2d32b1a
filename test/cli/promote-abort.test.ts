import { ContinueDeploymentCommand, StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import { PutApprovalResultCommand } from '@aws-sdk/client-codepipeline';
import { ContinueServiceDeploymentCommand, ListServiceDeploymentsCommand, StopServiceDeploymentCommand } from '@aws-sdk/client-ecs';
import { STAGING_DEPLOYMENT, busyAccount } from './fixtures';
import { CALLER, awsError, mocks, resetMocks, run } from './helpers';

beforeEach(resetMocks);

describe('promote', () => {
  test('approves the approval pending in the service\'s stage, with the token and who promoted', async () => {
    busyAccount();
    mocks.codePipeline.on(PutApprovalResultCommand).resolves({});
    const result = await run('promote', '--service', 'production/orders-api');
    expect(result).toEqual({ code: 0, err: '', out: `promoted the approval 'Approve' of stage orders-release/Production (production/orders-api), as ${CALLER}` });
    expect(mocks.codePipeline.commandCalls(PutApprovalResultCommand)[0].args[0].input).toEqual({
      pipelineName: 'orders-release', stageName: 'Production', actionName: 'Approve', token: 'approval-token-1',
      result: { status: 'Approved', summary: `promoted with cdk-ecs-release by ${CALLER}` },
    });
    expect(mocks.codeDeploy.commandCalls(ContinueDeploymentCommand)).toHaveLength(0);
  });

  test('continues a CodeDeploy deployment that waits at Ready', async () => {
    busyAccount({ productionStatus: 'Ready', approval: false });
    mocks.codeDeploy.on(ContinueDeploymentCommand).resolves({});
    const result = await run('promote', '--service', 'production/orders-api', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({ promoted: { kind: 'codedeploy', deploymentId: 'd-PROD12345' }, service: 'production/orders-api', by: CALLER });
    expect(mocks.codeDeploy.commandCalls(ContinueDeploymentCommand)[0].args[0].input).toEqual({ deploymentId: 'd-PROD12345', deploymentWaitType: 'READY_WAIT' });
  });

  test('continues an Amazon ECS deployment held by a pause hook', async () => {
    busyAccount();
    mocks.ecs.on(ContinueServiceDeploymentCommand).resolves({});
    const result = await run('promote', '--service', 'staging/orders-api');
    expect(result.code).toBe(0);
    expect(mocks.ecs.commandCalls(ContinueServiceDeploymentCommand)[0].args[0].input).toEqual({
      serviceDeploymentArn: STAGING_DEPLOYMENT, hookId: 'hook-7', action: 'CONTINUE',
    });
  });

  test('fails when nothing waits, saying what it checked', async () => {
    busyAccount({ stagingPaused: false });
    const result = await run('promote', '--service', 'staging/orders-api');
    expect(result).toEqual({ code: 1, out: '', err: 'cdk-ecs-release: nothing to promote for staging/orders-api: no manual approval pending in '
      + 'orders-release/Staging, and its deployment in flight (IN_PROGRESS at POST_TEST_TRAFFIC_SHIFT) does not wait for a person' });
  });

  test('refuses to choose when an approval and a deployment both wait', async () => {
    busyAccount({ productionStatus: 'Ready' });
    const result = await run('promote', '--service', 'production/orders-api');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/more than one thing waits for production\/orders-api: the approval 'Approve' .*; CodeDeploy deployment d-PROD12345.*nothing was promoted/);
    expect(mocks.codePipeline.commandCalls(PutApprovalResultCommand)).toHaveLength(0);
    expect(mocks.codeDeploy.commandCalls(ContinueDeploymentCommand)).toHaveLength(0);
  });

  test('needs --service, refuses a name two services share, and an unknown stage', async () => {
    busyAccount();
    expect(await run('promote')).toEqual({ code: 2, out: '', err: 'cdk-ecs-release: promote needs --service, e.g. --service orders-api' });
    expect((await run('promote', '--service', 'orders-api')).err)
      .toBe("cdk-ecs-release: 'orders-api' names 2 services (production/orders-api, staging/orders-api); pass --service <cluster>/<name>");
    expect(await run('promote', '--service', 'staging/orders-api', '--stage', 'Production')).toEqual({ code: 2, out: '',
      err: "cdk-ecs-release: no stage 'Production' deploys staging/orders-api; its stages are: orders-release/Staging" });
  });

  test('a refused approval fails with the action named', async () => {
    busyAccount();
    mocks.codePipeline.on(PutApprovalResultCommand).rejects(awsError('InvalidApprovalTokenException', 400, 'The approval token is not valid'));
    expect((await run('promote', '--service', 'production/orders-api')).err).toBe('cdk-ecs-release: codepipeline:PutApprovalResult on pipeline orders-release, '
      + 'stage Production failed: InvalidApprovalTokenException: The approval token is not valid');
  });
});

describe('abort', () => {
  test('stops a CodeDeploy deployment with its rollback', async () => {
    busyAccount();
    mocks.codeDeploy.on(StopDeploymentCommand).resolves({ status: 'Pending' });
    const result = await run('abort', '--service', 'production/orders-api', '--reason', 'bad release');
    expect(result).toEqual({ code: 0, err: '', out: 'stopped d-PROD12345 of production/orders-api, rolling back (bad release)' });
    expect(mocks.codeDeploy.commandCalls(StopDeploymentCommand)[0].args[0].input).toEqual({ deploymentId: 'd-PROD12345', autoRollbackEnabled: true });
  });

  test('stops an Amazon ECS service deployment with stopType ROLLBACK', async () => {
    busyAccount();
    mocks.ecs.on(StopServiceDeploymentCommand).resolves({});
    const result = await run('abort', '--service', 'staging/orders-api', '--json');
    expect(JSON.parse(result.out)).toEqual({ aborted: [STAGING_DEPLOYMENT], service: 'staging/orders-api' });
    expect(mocks.ecs.commandCalls(StopServiceDeploymentCommand)[0].args[0].input).toEqual({ serviceDeploymentArn: STAGING_DEPLOYMENT, stopType: 'ROLLBACK' });
  });

  test('fails when nothing is in flight, naming what it checked', async () => {
    busyAccount({ productionStatus: 'none' });
    mocks.ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
    expect(await run('abort', '--service', 'production/orders-api')).toEqual({ code: 1, out: '',
      err: 'cdk-ecs-release: nothing in flight to abort for production/orders-api: checked the CodeDeploy deployments of orders-production/orders-api' });
    expect((await run('abort', '--service', 'staging/orders-api')).err)
      .toBe('cdk-ecs-release: nothing in flight to abort for staging/orders-api: checked its Amazon ECS service deployments');
  });
});
