import { ListActionExecutionsCommand, ListPipelineExecutionsCommand, RollbackStageCommand } from '@aws-sdk/client-codepipeline';
import { BatchGetDeploymentsCommand, ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { DescribeServiceDeploymentsCommand, ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { STAGING_DEPLOYMENT, busyAccount } from './fixtures';
import { awsError, mocks, ordersAccount, resetMocks, run } from './helpers';

beforeEach(resetMocks);

function executions(): void {
  mocks.codePipeline.on(ListPipelineExecutionsCommand).resolves({ pipelineExecutionSummaries: [
    { pipelineExecutionId: 'd0d0d0d0-aaaa', status: 'Failed', startTime: new Date('2026-12-03T09:00:00.123Z'),
      sourceRevisions: [{ actionName: 'Source', revisionId: 'abc123', revisionSummary: 'Fix the checkout total\n\nLonger body' }] },
    { pipelineExecutionId: 'c0c0c0c0-bbbb', status: 'Failed', startTime: new Date('2026-12-02T09:00:00Z'), sourceRevisions: [{ actionName: 'Source', revisionId: 'def456' }] },
    { pipelineExecutionId: 'b0b0b0b0-cccc', status: 'Succeeded', startTime: new Date('2026-12-01T09:00:00Z'), sourceRevisions: [] },
  ] });
  mocks.codePipeline.on(ListActionExecutionsCommand, { filter: { pipelineExecutionId: 'c0c0c0c0-bbbb' } }).resolves({ actionExecutionDetails: [
    { stageName: 'Staging', actionName: 'Deploy', status: 'Succeeded' },
    { stageName: 'Production', actionName: 'Approve', status: 'Succeeded' },
    { stageName: 'Production', actionName: 'Deploy', status: 'Failed' },
  ] });
  mocks.codePipeline.on(ListActionExecutionsCommand, { filter: { pipelineExecutionId: 'b0b0b0b0-cccc' } }).resolves({ actionExecutionDetails: [
    { stageName: 'Production', actionName: 'Approve', status: 'Succeeded' },
    { stageName: 'Production', actionName: 'Deploy', status: 'Succeeded' },
  ] });
}

describe('rollback', () => {
  test('rolls the stage back to the execution that last succeeded in it before the current one', async () => {
    busyAccount();
    executions();
    mocks.codePipeline.on(RollbackStageCommand).resolves({ pipelineExecutionId: 'f0f0f0f0-dddd' });
    const result = await run('rollback', '--service', 'production/orders-api', '--stage', 'Production');
    expect(result).toEqual({ code: 0, err: '', out: 'rolling back orders-release/Production from d0d0d0d0 to b0b0b0b0 (execution f0f0f0f0-dddd)' });
    expect(mocks.codePipeline.commandCalls(RollbackStageCommand)[0].args[0].input).toEqual({
      pipelineName: 'orders-release', stageName: 'Production', targetPipelineExecutionId: 'b0b0b0b0-cccc',
    });
    // The current execution is not a target: its actions were never read.
    expect(mocks.codePipeline.commandCalls(ListActionExecutionsCommand).map((call) => call.args[0].input.filter?.pipelineExecutionId))
      .toEqual(['c0c0c0c0-bbbb', 'b0b0b0b0-cccc']);
  });

  test('fails when no earlier execution succeeded in the stage', async () => {
    busyAccount();
    mocks.codePipeline.on(ListPipelineExecutionsCommand).resolves({ pipelineExecutionSummaries: [{ pipelineExecutionId: 'd0d0d0d0-aaaa', status: 'Failed' }] });
    expect(await run('rollback', '--service', 'production/orders-api', '--stage', 'Production')).toEqual({ code: 1, out: '',
      err: 'cdk-ecs-release: no earlier successful execution of orders-release/Production among its last 25 executions: nothing to roll back to' });
    expect(mocks.codePipeline.commandCalls(RollbackStageCommand)).toHaveLength(0);
  });

  test('needs --stage, one that deploys the service', async () => {
    busyAccount();
    expect((await run('rollback', '--service', 'production/orders-api')).err)
      .toBe('cdk-ecs-release: rollback needs --stage, e.g. --service production/orders-api --stage Production');
    expect((await run('rollback', '--service', 'production/orders-api', '--stage', 'Staging')).code).toBe(2);
  });

  test('reports what CodePipeline refuses', async () => {
    busyAccount();
    executions();
    mocks.codePipeline.on(RollbackStageCommand).rejects(awsError('UnableToRollbackStageException', 400, 'The stage is in progress'));
    expect((await run('rollback', '--service', 'production/orders-api', '--stage', 'Production')).err)
      .toBe('cdk-ecs-release: codepipeline:RollbackStage on pipeline orders-release, stage Production failed: UnableToRollbackStageException: The stage is in progress');
  });
});

describe('history', () => {
  test('lists the pipeline\'s latest executions and the service\'s latest Amazon ECS deployments, newest first', async () => {
    busyAccount();
    executions();
    mocks.ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [
      { serviceDeploymentArn: `${STAGING_DEPLOYMENT.replace('r2D2', 'old1')}`, status: 'ROLLBACK_SUCCESSFUL', createdAt: new Date('2026-12-02T09:05:00Z'),
        finishedAt: new Date('2026-12-02T09:20:00.500Z'), rollback: { reason: 'alarm staging-5xx fired' } },
      { serviceDeploymentArn: STAGING_DEPLOYMENT, status: 'IN_PROGRESS', createdAt: new Date('2026-12-03T09:05:00Z'), startedAt: new Date('2026-12-03T09:05:02Z') },
    ] });
    const result = await run('history', '--service', 'staging/orders-api', '--limit', '3');
    expect(result).toEqual({ code: 0, err: '', out: [
      'PIPELINE        EXECUTION  STATUS     STARTED               REVISION',
      'orders-release  d0d0d0d0   Failed     2026-12-03T09:00:00Z  abc123 Fix the checkout total',
      'orders-release  c0c0c0c0   Failed     2026-12-02T09:00:00Z  def456',
      'orders-release  b0b0b0b0   Succeeded  2026-12-01T09:00:00Z  -',
      '',
      'Deployments of staging/orders-api:',
      'DEPLOYMENT  STATUS               STARTED               FINISHED              DETAIL',
      'r2D2        IN_PROGRESS          2026-12-03T09:05:02Z  -                     -',
      'old1        ROLLBACK_SUCCESSFUL  2026-12-02T09:05:00Z  2026-12-02T09:20:00Z  alarm staging-5xx fired',
    ].join('\n') });
    expect(mocks.codePipeline.commandCalls(ListPipelineExecutionsCommand)[0].args[0].input).toEqual({ pipelineName: 'orders-release', maxResults: 3 });
    expect(mocks.ecs.commandCalls(ListServiceDeploymentsCommand).at(-1)!.args[0].input).toEqual({ cluster: 'staging', service: 'orders-api', maxResults: 3 });
  });

  test('a CodeDeploy service\'s deployments, with why one rolled back', async () => {
    busyAccount();
    executions();
    mocks.codeDeploy.on(ListDeploymentsCommand, { includeOnlyStatuses: undefined }).resolves({ deployments: ['d-NEW', 'd-OLD'] });
    mocks.codeDeploy.on(BatchGetDeploymentsCommand).resolves({ deploymentsInfo: [
      { deploymentId: 'd-OLD', status: 'Stopped', createTime: new Date('2026-12-01T10:00:00Z'), completeTime: new Date('2026-12-01T10:30:00Z'),
        rollbackInfo: { rollbackMessage: 'Stopped by alarm production-5xx' } },
      { deploymentId: 'd-NEW', status: 'Succeeded', createTime: new Date('2026-12-02T10:00:00Z'), completeTime: new Date('2026-12-02T10:40:00Z') },
    ] });
    const document = JSON.parse((await run('history', '--service', 'production/orders-api', '--json')).out);
    expect(document.deployments).toEqual([{ service: 'production/orders-api', deployments: [
      { id: 'd-NEW', status: 'Succeeded', started: '2026-12-02T10:00:00.000Z', finished: '2026-12-02T10:40:00.000Z' },
      { id: 'd-OLD', status: 'Stopped', started: '2026-12-01T10:00:00.000Z', finished: '2026-12-01T10:30:00.000Z', detail: 'Stopped by alarm production-5xx' },
    ] }]);
    expect(mocks.codeDeploy.commandCalls(BatchGetDeploymentsCommand)[0].args[0].input).toEqual({ deploymentIds: ['d-NEW', 'd-OLD'] });
  });

  test('--json, and a bad --limit', async () => {
    ordersAccount();
    executions();
    const document = JSON.parse((await run('history', '--json')).out);
    expect(document).toEqual({ executions: expect.any(Array) });
    expect(document.executions[0]).toEqual({ pipeline: 'orders-release', executionId: 'd0d0d0d0-aaaa', status: 'Failed',
      startTime: '2026-12-03T09:00:00.123Z', revision: 'abc123 Fix the checkout total' });
    expect(await run('history', '--limit', 'ten')).toEqual({ code: 2, out: '', err: "cdk-ecs-release: --limit takes a whole number from 1 to 100, got 'ten'" });
  });
});
