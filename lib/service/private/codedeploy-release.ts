/**
 * `deployOnStackUpdate` on the CodeDeploy engine: a custom resource that releases the task
 * definition of the stack. With the CODE_DEPLOY controller a stack update only registers a new
 * revision; on each update that changes it, the resource starts a CodeDeploy deployment with the
 * service's AppSpec (its hooks included), waits for it, and fails (so CloudFormation rolls the
 * stack back) when the deployment fails, is stopped or rolls back.
 */
import { CustomResource, Duration, Token } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  CODEDEPLOY_RELEASE_ACTIONS, CODEDEPLOY_RELEASE_DEFAULTS, CODEDEPLOY_RELEASE_RESOURCE_TYPE, CUSTOM_RESOURCE_TIMEOUT_SECONDS,
  CodeDeployReleaseProperties, MAX_CODEDEPLOY_RELEASE_TIMEOUT_SECONDS,
} from '../../../contract/codedeploy-release';
import { TrafficShiftingKind } from '../../../contract/metric-gate';
import { createHookFunction, grantSelfInvoke } from '../../private/handler-function';
import { describeDuration, recordPropProblem, wholeDurationIn } from '../../private/validation';
import type { TrafficShifting } from '../traffic-shifting';

/**
 * What the shift, the approval wait and the termination wait may take together: the rest of the
 * release's 55 minutes is left to the tasks' start and the hooks.
 */
export const MAX_RELEASE_WAITS_MINUTES = 45;

export interface CodeDeployReleaseParts {
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.TaskDefinition;
  readonly deploymentGroup: codedeploy.EcsDeploymentGroup;
  readonly serviceName: string;
  readonly appSpec: string;
  readonly trafficShifting: TrafficShifting;
  readonly terminationWait: Duration;
  readonly approvalWait?: Duration;
}

export function createCodeDeployRelease(scope: Construct, parts: CodeDeployReleaseParts): CustomResource {
  checkReleaseFitsCustomResource(scope, parts);
  const host = new Construct(scope, 'StackUpdateRelease');
  const { function: fn, role } = createHookFunction(host, {
    handler: 'codedeploy-release',
    hookName: `${parts.serviceName} stack update release`,
    description: `${parts.serviceName}: releases the task definition of a stack update through CodeDeploy and waits for it`,
    timeout: Duration.seconds(CODEDEPLOY_RELEASE_DEFAULTS.functionTimeoutSeconds),
    environment: {},
  });
  const group = parts.deploymentGroup;
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...CODEDEPLOY_RELEASE_ACTIONS.deploymentGroup], resources: [group.deploymentGroupArn] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...CODEDEPLOY_RELEASE_ACTIONS.application], resources: [group.application.applicationArn] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: [...CODEDEPLOY_RELEASE_ACTIONS.deploymentConfig], resources: [group.deploymentConfig.deploymentConfigArn],
  }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...CODEDEPLOY_RELEASE_ACTIONS.service], resources: [parts.service.serviceArn] }));
  grantSelfInvoke(host, fn);

  const properties: CodeDeployReleaseProperties = {
    ApplicationName: group.application.applicationName,
    DeploymentGroupName: group.deploymentGroupName,
    ClusterName: parts.service.cluster.clusterName,
    ServiceName: parts.service.serviceName,
    TaskDefinitionArn: parts.taskDefinition.taskDefinitionArn,
    AppSpecContent: parts.appSpec,
    TimeoutSeconds: MAX_CODEDEPLOY_RELEASE_TIMEOUT_SECONDS,
  };
  const release = new CustomResource(host, 'Release', {
    serviceToken: fn.functionArn,
    resourceType: CODEDEPLOY_RELEASE_RESOURCE_TYPE,
    serviceTimeout: Duration.seconds(CUSTOM_RESOURCE_TIMEOUT_SECONDS),
    properties: { ...properties },
  });
  // The deployment group (with its alarms) and the service must exist before a release starts.
  release.node.addDependency(group, parts.service);
  return release;
}

/**
 * CloudFormation waits an hour at most for a custom resource, and the CodeDeploy deployment it
 * waits for lasts through the shift, the approval wait and the termination wait: refused at
 * synthesis, naming them, when they cannot fit.
 */
function checkReleaseFitsCustomResource(scope: Construct, parts: CodeDeployReleaseParts): void {
  const shifting = parts.trafficShifting;
  const given = [shifting.interval, parts.approvalWait, parts.terminationWait];
  if (Token.isUnresolved(shifting.percentage) || given.some((value) => value?.isUnresolved())) {
    recordPropProblem(scope, 'deployOnStackUpdate', 'needs literal trafficShifting, approvalWait and terminationWait, whose sum must fit '
      + 'CloudFormation\'s one-hour custom resource limit; give them as literal durations');
    return;
  }
  const waits: Array<[string, Duration | undefined]> = [
    ['trafficShifting', shiftDuration(shifting)],
    ['approvalWait', parts.approvalWait],
    ['terminationWait', parts.terminationWait],
  ];
  const minutes = waits.reduce((sum, [, value]) => sum + (value ? wholeDurationIn(value, 'minutes') : 0), 0);
  if (minutes > MAX_RELEASE_WAITS_MINUTES) {
    const summands = waits.filter(([, value]) => value && value.toMinutes({ integral: false }) > 0)
      .map(([prop, value]) => `${prop} ${describeDuration(value!)}`).join(' + ');
    recordPropProblem(scope, 'deployOnStackUpdate', `the release would wait ${summands} = ${minutes} minutes, but CloudFormation waits at most one hour `
      + `for the custom resource, and the tasks' start and the hooks need the rest: keep the sum within ${MAX_RELEASE_WAITS_MINUTES} minutes `
      + '(e.g. terminationWait: Duration.minutes(10)), or release through ReleasePipeline instead');
  }
}

/**
 * How long production traffic takes to move: nothing all at once, one interval for a canary, each
 * step's for linear; the caller refuses deploy-time values first.
 */
function shiftDuration(shifting: TrafficShifting): Duration | undefined {
  if (shifting.interval === undefined || shifting.percentage === undefined || shifting.kind === TrafficShiftingKind.ALL_AT_ONCE) {
    return undefined;
  }
  if (shifting.kind === TrafficShiftingKind.CANARY) {
    return shifting.interval;
  }
  const steps = Math.ceil(100 / shifting.percentage) - 1;
  return Duration.minutes(wholeDurationIn(shifting.interval, 'minutes') * steps);
}
