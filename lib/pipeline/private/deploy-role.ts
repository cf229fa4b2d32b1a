import { Annotations, Stack } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct } from 'constructs';
import { iamDescription } from '../../private/text-limits';
import { acknowledgeArtifactAccess, acknowledgeTaskDefinitionFamily } from './acknowledgements';
import { StageInfo, differs } from './stage-naming';

/**
 * The role of a deploy action: what `CodeDeployEcsDeployAction` grants by itself, narrowed to
 * this service's task definition family and roles (the action grants both on `*`).
 */
export function deployRole(scope: Construct, owner: IConstruct, pipeline: codepipeline.Pipeline, stage: StageInfo): iam.IRole | undefined {
  const service = stage.service;
  const serviceStack = Stack.of(service);
  if (differs(serviceStack.account, Stack.of(owner).account)) {
    Annotations.of(owner).addWarningV2('cdk-ecs-release:crossAccountDeployRole',
      `stage '${stage.stageName}' deploys to account ${serviceStack.account}: its deploy role is the one CodePipeline creates there, `
      + 'which may register any task definition and pass task roles');
    return undefined;
  }
  // Stage validation admits CodeDeploy-engine services only.
  const deploymentGroup = service.deploymentGroup!;
  const role = new iam.Role(scope, 'DeployRole', {
    assumedBy: new iam.ArnPrincipal(pipeline.role.roleArn),
    // The path may hold characters IAM refuses in a description, and any length.
    description: iamDescription(`Deploys ${service.serviceName} in stage ${stage.stageName} of ${owner.node.path}`),
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
  pipeline.artifactBucket.grantRead(role);
  acknowledgeArtifactAccess(pipeline, [role]);
  acknowledgeTaskDefinitionFamily(role, family);
  // The action adds its broad statements to the role it is given; this view drops them.
  return role.withoutPolicyUpdates();
}
