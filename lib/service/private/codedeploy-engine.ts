/**
 * The CodeDeploy engine's parts of a BlueGreenService: the application and the deployment group
 * that swaps the listeners' target groups.
 */
import { Duration, PhysicalName, Stack } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { HookHost } from './hook-registry';
import type { TrafficShifting } from '../traffic-shifting';
import { createCodeDeployRelease } from './codedeploy-release';
import { HookRegistry } from './hook-registry';
import { stackServiceRoleOf } from './stack-service-role';

export interface CodeDeployParts {
  readonly application: codedeploy.EcsApplication;
  readonly deploymentGroup: codedeploy.EcsDeploymentGroup;
}

export function createCodeDeployGroup(scope: Construct, parts: {
  readonly service: ecs.FargateService;
  readonly blue: elbv2.IApplicationTargetGroup;
  readonly green: elbv2.IApplicationTargetGroup;
  readonly productionListener: elbv2.IApplicationListener;
  readonly testListener: elbv2.IApplicationListener;
  readonly trafficShifting: TrafficShifting;
  readonly applicationName?: string;
  readonly deploymentGroupName?: string;
  readonly terminationWait: Duration;
  readonly approvalWait?: Duration;
}): CodeDeployParts {
  // Named by CDK when a release pipeline in another account or region refers to them, else by CloudFormation.
  const application = new codedeploy.EcsApplication(scope, 'Application', { applicationName: parts.applicationName ?? PhysicalName.GENERATE_IF_NEEDED });
  const deploymentGroup = new codedeploy.EcsDeploymentGroup(scope, 'DeploymentGroup', {
    application,
    deploymentGroupName: parts.deploymentGroupName ?? PhysicalName.GENERATE_IF_NEEDED,
    role: codeDeployRoleOf(Stack.of(scope)),
    service: parts.service,
    deploymentConfig: parts.trafficShifting.bind(scope),
    blueGreenDeploymentConfig: {
      blueTargetGroup: parts.blue,
      greenTargetGroup: parts.green,
      listener: parts.productionListener,
      testListener: parts.testListener,
      terminationWaitTime: parts.terminationWait,
      deploymentApprovalWaitTime: parts.approvalWait,
    },
    autoRollback: {
      failedDeployment: true,
      stoppedDeployment: true,
    },
  });
  // Both target groups must be attached to a listener before the deployment group exists.
  deploymentGroup.node.addDependency(parts.productionListener, parts.testListener);
  return { application, deploymentGroup };
}

/** Construct id, under the stack, of the role its deployment groups share. */
export const CODEDEPLOY_ROLE_ID = 'CdkEcsReleaseCodeDeployRole';

/**
 * The one role the stack's deployment groups deploy with. It holds AWSCodeDeployRoleForECS and
 * nothing of any one service (that policy covers every service, listener and function alike),
 * so a role per service would be the same role again, one resource more per service.
 */
function codeDeployRoleOf(stack: Stack): iam.IRole {
  return stackServiceRoleOf(stack, {
    id: CODEDEPLOY_ROLE_ID,
    assumedBy: 'codedeploy.amazonaws.com',
    managedPolicyName: 'AWSCodeDeployRoleForECS',
    managedPolicyReason: 'AWSCodeDeployRoleForECS is the service-role policy AWS documents for CodeDeploy on ECS; AWS maintains it as CodeDeploy adds API calls.',
  });
}

/**
 * The CodeDeploy engine of a service: the service registered with blue, the deployment group,
 * the registry of its AppSpec hooks and, with `deployOnStackUpdate`, the release of each stack
 * update's task definition.
 */
export function setUpCodeDeployDeployments(host: HookHost & Construct, parts: Parameters<typeof createCodeDeployGroup>[1] & {
  readonly service: ecs.FargateService;
  readonly blue: elbv2.ApplicationTargetGroup;
  readonly serviceName: string;
  readonly taskDefinition: ecs.TaskDefinition;
  readonly deployOnStackUpdate: boolean;
}): CodeDeployParts & { readonly hookRegistry: HookRegistry } {
  // Registers the service with blue and makes it wait for the listener (ECS rejects a target
  // group without one).
  parts.service.attachToApplicationTargetGroup(parts.blue);
  const { application, deploymentGroup } = createCodeDeployGroup(host, parts);
  // aws-cdk-lib gives the deployment group's role AWSCodeDeployRoleForECS, which may invoke any function.
  const hookRegistry = new HookRegistry(host, deploymentGroup.role, true);
  if (parts.deployOnStackUpdate) {
    createCodeDeployRelease(host, {
      service: parts.service, taskDefinition: parts.taskDefinition, deploymentGroup, serviceName: parts.serviceName,
      appSpec: hookRegistry.renderAppSpec({ taskDefinition: parts.taskDefinition }), trafficShifting: parts.trafficShifting,
      terminationWait: parts.terminationWait, approvalWait: parts.approvalWait,
    });
  }
  return { application, deploymentGroup, hookRegistry };
}
