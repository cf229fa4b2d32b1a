/**
 * The CodeDeploy engine's parts of a BlueGreenService: the application and the deployment group
 * that swaps the listeners' target groups.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import type { TrafficShifting } from '../traffic-shifting';

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
  const application = new codedeploy.EcsApplication(scope, 'Application', { applicationName: parts.applicationName });
  const deploymentGroup = new codedeploy.EcsDeploymentGroup(scope, 'DeploymentGroup', {
    application,
    deploymentGroupName: parts.deploymentGroupName,
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
  Validations.of(deploymentGroup.role).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSCodeDeployRoleForECS]',
    reason: 'AWSCodeDeployRoleForECS is the service-role policy AWS documents for CodeDeploy on ECS; AWS maintains it as CodeDeploy adds API calls.',
  });
  return { application, deploymentGroup };
}
