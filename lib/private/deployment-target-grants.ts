import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { acknowledgeWildcardResources } from './hook-acknowledgements';

/** The CodeDeploy calls that read a deployment's targets: for ECS, its blue and green task sets. */
export const DEPLOYMENT_TARGET_READ_ACTIONS = ['codedeploy:ListDeploymentTargets', 'codedeploy:GetDeploymentTarget'];

/**
 * Lets `grantee` read the targets of any deployment. The service authorization reference lists no
 * resource type for ListDeploymentTargets and GetDeploymentTarget, so IAM matches them against `*`
 * only: a statement naming the deployment group would be denied at run time. Both are read-only.
 */
export function grantDeploymentTargetReads(grantee: iam.IGrantable, acknowledgeOn: IConstruct): void {
  grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
    actions: DEPLOYMENT_TARGET_READ_ACTIONS,
    resources: ['*'],
  }));
  acknowledgeWildcardResources(acknowledgeOn, ['*'],
    'codedeploy:ListDeploymentTargets and GetDeploymentTarget, read-only, find the green task set of the deployment; '
    + 'they have no resource-level permissions, so AWS accepts them on * only.');
}
