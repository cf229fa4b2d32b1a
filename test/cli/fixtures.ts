import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  BatchGetDeploymentGroupsCommand, BatchGetDeploymentTargetsCommand, GetDeploymentCommand, ListApplicationsCommand,
  ListDeploymentGroupsCommand, ListDeploymentsCommand, ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { GetPipelineStateCommand, ListPipelineExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { DescribeServiceDeploymentsCommand, DescribeServicesCommand, ListServiceDeploymentsCommand } from '@aws-sdk/client-ecs';
import { mocks, ordersAccount, serviceArn } from './helpers';

export const STAGING_DEPLOYMENT = `${serviceArn('staging', 'orders-api').replace(':service/', ':service-deployment/')}/r2D2`;
export const EXECUTION = 'e1f2a3b4-1111-2222-3333-444455556666';

/**
 * orders-api in staging (Amazon ECS engine, a deployment paused at a pause hook) and production
 * (CodeDeploy, a deployment in AfterAllowTestTraffic), the pipeline's Production stage waiting for
 * its approval with its inbound transition disabled, and a production alarm firing.
 */
export function busyAccount(options: { productionStatus?: string; stagingPaused?: boolean; approval?: boolean } = {}): void {
  ordersAccount();
  mocks.codePipeline.on(GetPipelineStateCommand).resolves({
    pipelineName: 'orders-release',
    stageStates: [
      { stageName: 'Source', latestExecution: { pipelineExecutionId: EXECUTION, status: 'Succeeded' }, actionStates: [] },
      { stageName: 'Staging', latestExecution: { pipelineExecutionId: EXECUTION, status: 'InProgress' },
        actionStates: [{ actionName: 'Deploy', latestExecution: { status: 'InProgress' } }] },
      { stageName: 'Production', latestExecution: { pipelineExecutionId: 'd0d0d0d0-aaaa', status: options.approval === false ? 'Succeeded' : 'InProgress' },
        inboundTransitionState: { enabled: false, disabledReason: 'year-end freeze' },
        actionStates: options.approval === false ? [] : [{ actionName: 'Approve', latestExecution: { status: 'InProgress', token: 'approval-token-1' } }] },
    ],
  });
  mocks.codePipeline.on(ListPipelineExecutionsCommand).resolves({ pipelineExecutionSummaries: [
    { pipelineExecutionId: EXECUTION, status: 'InProgress', sourceRevisions: [{ actionName: 'Source', revisionId: '9f3c2e1d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e', revisionSummary: 'Round the checkout total once\n\nBody' }] },
    { pipelineExecutionId: 'd0d0d0d0-aaaa', status: 'InProgress', sourceRevisions: [{ actionName: 'Source', revisionId: '5b7a0d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e', revisionSummary: 'Show the delivery date' }] },
  ] });
  mocks.ecs.on(DescribeServicesCommand, { cluster: 'staging' }).resolves({ services: [{
    serviceArn: serviceArn('staging', 'orders-api'), deploymentController: { type: 'ECS' }, runningCount: 4, desiredCount: 2,
    taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/orders-api-staging:12',
    deploymentConfiguration: { alarms: { alarmNames: ['staging-5xx', 'staging-latency'], enable: true, rollback: true } },
  }] });
  mocks.ecs.on(DescribeServicesCommand, { cluster: 'production' }).resolves({ services: [{
    serviceArn: serviceArn('production', 'orders-api'), deploymentController: { type: 'CODE_DEPLOY' }, runningCount: 2, desiredCount: 2,
    taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/orders-api-production:9',
  }] });
  mocks.ecs.on(ListServiceDeploymentsCommand, { cluster: 'staging' }).resolves({ serviceDeployments: [{ serviceDeploymentArn: STAGING_DEPLOYMENT }] });
  mocks.ecs.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [{
    serviceDeploymentArn: STAGING_DEPLOYMENT, status: 'IN_PROGRESS', lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT',
    lifecycleHookDetails: options.stagingPaused === false ? [] : [{ hookId: 'hook-7', status: 'AWAITING_ACTION', targetType: 'PAUSE' }],
  }] });
  mocks.codeDeploy.on(ListApplicationsCommand).resolves({ applications: ['other-app', 'orders-production'] });
  mocks.codeDeploy.on(ListDeploymentGroupsCommand, { applicationName: 'other-app' }).resolves({ deploymentGroups: ['web'] });
  mocks.codeDeploy.on(ListDeploymentGroupsCommand, { applicationName: 'orders-production' }).resolves({ deploymentGroups: ['orders-api'] });
  mocks.codeDeploy.on(BatchGetDeploymentGroupsCommand, { applicationName: 'other-app' }).resolves({ deploymentGroupsInfo: [
    { deploymentGroupName: 'web', ecsServices: [{ clusterName: 'web', serviceName: 'web' }] },
  ] });
  mocks.codeDeploy.on(BatchGetDeploymentGroupsCommand, { applicationName: 'orders-production' }).resolves({ deploymentGroupsInfo: [{
    deploymentGroupName: 'orders-api', ecsServices: [{ clusterName: 'production', serviceName: 'orders-api' }],
    alarmConfiguration: { enabled: true, alarms: [{ name: 'production-5xx' }, { name: 'production-latency' }] },
  }] });
  const productionStatus = options.productionStatus ?? 'InProgress';
  mocks.codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: productionStatus === 'none' ? [] : ['d-PROD12345'] });
  mocks.codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: 'd-PROD12345', status: productionStatus as never } });
  mocks.codeDeploy.on(ListDeploymentTargetsCommand).resolves({ targetIds: ['production:orders-api'] });
  mocks.codeDeploy.on(BatchGetDeploymentTargetsCommand).resolves({ deploymentTargets: [{ ecsTarget: { lifecycleEvents: [
    { lifecycleEventName: 'BeforeInstall', status: 'Succeeded' },
    { lifecycleEventName: 'AfterInstall', status: 'Succeeded' },
    { lifecycleEventName: 'AfterAllowTestTraffic', status: 'InProgress' },
    { lifecycleEventName: 'AfterAllowTraffic', status: 'Pending' },
  ] } }] });
  mocks.cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [
    { AlarmName: 'staging-5xx', StateValue: 'OK' }, { AlarmName: 'staging-latency', StateValue: 'OK' },
    { AlarmName: 'production-5xx', StateValue: 'ALARM' }, { AlarmName: 'production-latency', StateValue: 'OK' },
  ] });
}
