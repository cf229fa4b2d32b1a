import { Stack } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { iamDescription } from '../../private/text-limits';
import { acknowledgeArtifactAccess, acknowledgeTaskDefinitionFamily } from './acknowledgements';
import { isRemoteStage, remoteActionRole, remoteScope } from './remote-stage';
import type { StageInfo } from './stage-naming';

/**
 * The role of a deploy action: what `CodeDeployEcsDeployAction` grants by itself, narrowed to
 * this service's task definition family and roles (the action grants both on `*`). For a service
 * in another account or region, the role is in the service's stack, trusted by the pipeline's role.
 */
export function deployRole(scope: Construct, owner: IConstruct, pipeline: codepipeline.Pipeline, stage: StageInfo): iam.Role {
  const service = stage.service;
  const serviceStack = Stack.of(service);
  const remote = isRemoteStage(owner, stage);
  // Stage validation admits CodeDeploy-engine services only.
  const deploymentGroup = service.deploymentGroup!;
  const description = `Deploys ${service.serviceName} in stage ${stage.stageName} of ${owner.node.path}`;
  const role = remote
    ? remoteActionRole(remoteScope(service), 'DeployRole', pipeline, description)
    : new iam.Role(scope, 'DeployRole', {
      assumedBy: new iam.ArnPrincipal(pipeline.role.roleArn),
      // The path may hold characters IAM refuses in a description, and any length.
      description: iamDescription(description),
    });
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['codedeploy:GetApplication', 'codedeploy:GetApplicationRevision', 'codedeploy:RegisterApplicationRevision'],
    resources: [deploymentGroup.application.applicationArn],
  }));
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['codedeploy:CreateDeployment', 'codedeploy:GetDeployment'],
    resources: [deploymentGroup.deploymentGroupArn],
  }));
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['codedeploy:GetDeploymentConfig'],
    resources: [deploymentGroup.deploymentConfig.deploymentConfigArn],
  }));
  const family = serviceStack.formatArn({
    service: 'ecs',
    resource: 'task-definition',
    resourceName: `${service.taskDefinition.family}:*`,
  });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['ecs:RegisterTaskDefinition'], resources: [family] }));
  // taskdef.json carries the task definition's tags.
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['ecs:TagResource'],
    resources: [family],
    conditions: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
  }));
  const passedRoles = [service.taskDefinition.taskRole.roleArn];
  if (service.taskDefinition.executionRole) {
    passedRoles.push(service.taskDefinition.executionRole.roleArn);
  }
  role.addToPolicy(new iam.PolicyStatement({
    actions: ['iam:PassRole'],
    resources: passedRoles,
    conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
  }));
  acknowledgeTaskDefinitionFamily(role, family);
  // A remote stage's artifact store exists once its action is added: the caller grants it then.
  if (!remote) {
    pipeline.artifactBucket.grantRead(role);
    acknowledgeArtifactAccess(pipeline, [role]);
  }
  return role;
}
