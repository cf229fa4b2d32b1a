import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { ListApplicationsCommand } from '@aws-sdk/client-codedeploy';
import { GetPipelineStateCommand } from '@aws-sdk/client-codepipeline';
import { DescribeServicesCommand, ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { EXECUTION, STAGING_DEPLOYMENT, busyAccount } from './fixtures';
import { awsError, mocks, resetMocks, run, serviceArn, tagAccount } from './helpers';

beforeEach(resetMocks);

describe('status', () => {
  test('shows each stage and each service at a glance: the execution, the approval that waits, the freeze, the step, the firing alarm', async () => {
    busyAccount();
    const result = await run('status');
    expect(result).toEqual({ code: 0, err: '', out: [
      'PIPELINE        STAGE       STATUS      EXECUTION  RELEASE                                NOW                       INBOUND',
      'orders-release  Source      Succeeded   e1f2a3b4   9f3c2e1 Round the checkout total once  -                         -',
      'orders-release  Staging     InProgress  e1f2a3b4   9f3c2e1 Round the checkout total once  Deploy                    -',
      "orders-release  Production  InProgress  d0d0d0d0   5b7a0d4 Show the delivery date         approval 'Approve' waits  FROZEN: year-end freeze",
      '',
      'SERVICE                STAGE                      ENGINE      TASK DEFINITION          TASKS  DEPLOYMENT              STEP                              ALARMS',
      'production/orders-api  orders-release/Production  CodeDeploy  orders-api-production:9  2/2    InProgress d-PROD12345  AfterAllowTestTraffic             ALARM: production-5xx',
      'staging/orders-api     orders-release/Staging     ECS         orders-api-staging:12    4/2    IN_PROGRESS             POST_TEST_TRAFFIC_SHIFT (paused)  2 OK',
    ].join('\n') });
    // One DescribeServices per cluster, one alarm read for all, the deployment groups read once.
    expect(mocks.ecs.commandCalls(DescribeServicesCommand)).toHaveLength(2);
    expect(mocks.cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(1);
    expect(mocks.codeDeploy.commandCalls(ListApplicationsCommand)).toHaveLength(1);
  });

  test('--json prints one document with the same facts, and no approval token', async () => {
    busyAccount();
    const result = await run('status', '--json');
    expect(result.code).toBe(0);
    const document = JSON.parse(result.out);
    expect(document.pipelines[0].stages[2]).toEqual({
      stage: 'Production', status: 'InProgress', executionId: 'd0d0d0d0-aaaa', release: '5b7a0d4 Show the delivery date', running: ['Approve'],
      frozen: 'year-end freeze', pendingApproval: 'Approve',
    });
    expect(document.pipelines[0].stages[1].executionId).toBe(EXECUTION);
    expect(document.services.map((service: { cluster: string }) => service.cluster)).toEqual(['production', 'staging']);
    expect(document.services[1]).toMatchObject({
      name: 'orders-api', engine: 'ECS', taskDefinition: 'orders-api-staging:12', runningCount: 4, desiredCount: 2,
      inFlight: [{ engine: 'ECS', id: STAGING_DEPLOYMENT, status: 'IN_PROGRESS', waiting: true, hookId: 'hook-7' }],
      alarms: [{ name: 'staging-5xx', state: 'OK' }, { name: 'staging-latency', state: 'OK' }],
    });
    expect(document.services[0].deploymentGroup).toEqual({ application: 'orders-production', name: 'orders-api' });
    expect(result.out).not.toContain('approval-token-1');
  });

  test('--service narrows to one service and the pipelines that deploy it', async () => {
    busyAccount();
    tagAccount({
      services: ['staging/orders-api', 'production/orders-api', 'web/web'],
      pipelines: { 'orders-release': { Staging: 'staging/orders-api', Production: 'production/orders-api' }, 'web-release': { Live: 'web' } },
    });
    const result = await run('status', '--service', 'staging/orders-api');
    expect(result.code).toBe(0);
    expect(result.out).toContain('staging/orders-api');
    expect(result.out).not.toContain('production/orders-api');
    expect(mocks.codePipeline.commandCalls(GetPipelineStateCommand).map((call) => call.args[0].input.name)).toEqual(['orders-release']);
  });

  test('fails on an unknown service, naming the services it found', async () => {
    busyAccount();
    expect(await run('status', '--service', 'orders')).toEqual({ code: 1, out: '',
      err: "cdk-ecs-release: unknown service 'orders'; the services found are: production/orders-api, staging/orders-api" });
  });

  test('fails when nothing is tagged, saying what it looked for', async () => {
    tagAccount({});
    const result = await run('status');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^cdk-ecs-release: no services found: no ECS service in this account and region has the tag cdk-ecs-release:service; check --region and --profile/);
  });

  test('fails with a plain message, and no stack trace, when there are no credentials', async () => {
    mocks.tagging.on(GetResourcesCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const result = await run('status');
    expect(result.code).toBe(1);
    expect(result.err).toBe('cdk-ecs-release: no AWS credentials: set AWS_PROFILE (or pass --profile) to a profile of ~/.aws/config, '
      + 'run `aws sso login` for an SSO profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  });

  test('names the denied action and its resource; --debug adds the stack trace', async () => {
    busyAccount();
    mocks.codePipeline.on(GetPipelineStateCommand).rejects(awsError('AccessDeniedException', 400, 'User is not authorized to perform codepipeline:GetPipelineState'));
    const result = await run('status');
    expect(result.code).toBe(1);
    expect(result.err).toBe('cdk-ecs-release: access denied: codepipeline:GetPipelineState on pipeline orders-release is not allowed for your identity '
      + '(User is not authorized to perform codepipeline:GetPipelineState); ask for that permission (the README lists what each command needs)');
    const debug = await run('status', '--debug');
    expect(debug.err.split('\n')[1]).toMatch(/^OperationError: access denied/);
  });

  test('a throttled or failing call fails the command with the action and AWS\'s message', async () => {
    busyAccount();
    mocks.cloudWatch.on(DescribeAlarmsCommand).rejects(awsError('ThrottlingException', 400, 'Rate exceeded'));
    expect((await run('status')).err).toBe('cdk-ecs-release: cloudwatch:DescribeAlarms on 4 alarms failed: ThrottlingException: Rate exceeded');
  });

  test('reads every page of the Tagging API, and shows a service deleted since it was tagged', async () => {
    mocks.tagging.on(GetResourcesCommand, { TagFilters: [{ Key: 'cdk-ecs-release:service' }], ResourceTypeFilters: ['ecs:service'] }).resolves({
      ResourceTagMappingList: [{ ResourceARN: serviceArn('web', 'web'), Tags: [] }], PaginationToken: 'page-2',
    });
    mocks.tagging.on(GetResourcesCommand, { PaginationToken: 'page-2' }).resolves({
      ResourceTagMappingList: [{ ResourceARN: serviceArn('old', 'legacy'), Tags: [] }], PaginationToken: '',
    });
    mocks.tagging.on(GetResourcesCommand, { TagFilters: [{ Key: 'cdk-ecs-release:pipeline' }] }).resolves({ ResourceTagMappingList: [] });
    mocks.ecs.on(DescribeServicesCommand, { cluster: 'web' }).resolves({ services: [{ serviceArn: serviceArn('web', 'web'), runningCount: 1, desiredCount: 1,
      taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/web:3' }] });
    mocks.ecs.on(DescribeServicesCommand, { cluster: 'old' }).resolves({ services: [], failures: [{ arn: serviceArn('old', 'legacy'), reason: 'MISSING' }] });
    mocks.ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] });
    const result = await run('status');
    expect(result).toEqual({ code: 0, err: '', out: [
      'SERVICE     STAGE  ENGINE   TASK DEFINITION  TASKS  DEPLOYMENT  STEP  ALARMS',
      'old/legacy  -      deleted  -                0/0    none        -     none',
      'web/web     -      ECS      web:3            1/1    none        -     none',
    ].join('\n') });
    expect(mocks.ecs.commandCalls(ListServiceDeploymentsCommand).map((call) => call.args[0].input.service)).toEqual(['web']);
  });
});
