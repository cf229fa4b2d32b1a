/**
 * Acknowledgements, for policy-validation plugins such as cdk-nag, of the wildcards and settings
 * the release pipeline needs. Each names the exact finding on the exact construct, so anything
 * else is still reported.
 */
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledgeWildcardResources, addAcknowledgedStatement, defaultPolicyOf } from '../../private/acknowledgements';

/** What pulling an image of a repository takes, besides the docker login (`Repository.grantPull` on the repository). */
export const ECR_PULL_ACTIONS = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];

/** What `Repository.grantPullPush` grants on the repository itself. */
export const ECR_PULL_PUSH_ACTIONS = [
  ...ECR_PULL_ACTIONS,
  'ecr:CompleteLayerUpload', 'ecr:UploadLayerPart', 'ecr:InitiateLayerUpload', 'ecr:PutImage',
];

/** The docker login to ECR, which has no resource to scope to, in the role's acknowledged wildcard policy. */
export function grantEcrLogin(role: iam.IRole, scopedTo = 'pushes are scoped to the repository'): void {
  addAcknowledgedStatement(role, new iam.PolicyStatement({ actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
    `ecr:GetAuthorizationToken, the docker login to ECR, has no resource to scope to; ${scopedTo}.`);
}

/** What CDK's grants on the pipeline's own artifact bucket and key look like. */
const ARTIFACT_GRANT_ACTIONS = ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

const ARTIFACT_GRANT_REASON = 'The grants of aws-cdk-lib on the pipeline\'s own artifact bucket and KMS key (and, for approvals, on the '
  + 'notification topic\'s key; for an S3 source, on the source object\'s bucket), no other bucket or key.';

/**
 * The artifact bucket, and the default policies of `roles`, where aws-cdk-lib puts its grants on
 * the artifacts; acknowledged there only, so another role of the app is still checked.
 */
export function acknowledgeArtifactAccess(pipeline: codepipeline.Pipeline, roles: iam.IRole[]): void {
  Validations.of(pipeline.artifactBucket.node.defaultChild ?? pipeline.artifactBucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'The artifact bucket holds only pipeline artifacts, KMS-encrypted and reachable by the pipeline roles alone; '
      + 'its reads and writes are the pipeline executions recorded in the deployment record.',
  });
  acknowledgeArtifactGrants(pipeline, roles);
}

/** The artifact grants aws-cdk-lib put in the default policies of `roles`. */
function acknowledgeArtifactGrants(pipeline: codepipeline.Pipeline, roles: iam.IRole[]): void {
  for (const role of roles) {
    const policy = defaultPolicyOf(role);
    for (const action of ARTIFACT_GRANT_ACTIONS) {
      Validations.of(policy).acknowledge({ id: `AwsSolutions-IAM5[Action::${action}]`, reason: ARTIFACT_GRANT_REASON });
    }
    acknowledgeWildcardResources(policy, [`${pipeline.artifactBucket.bucketArn}/*`],
      'CodePipeline artifacts: every object of the pipeline\'s own artifact bucket; object keys are generated per execution.');
  }
}

/**
 * The pipeline's role and the roles CodePipeline creates for the actions of the library's own
 * stages (`stageNames`), not those of stages a user adds to the pipeline.
 */
export function acknowledgePipelineRoles(pipeline: codepipeline.Pipeline, stageNames: string[]): void {
  acknowledgeArtifactAccess(pipeline, [pipeline.role, ...stageNames.flatMap((stageName) => actionRoles(pipeline, stageName))]);
}

/** The roles CodePipeline created for the actions of the library's own stage `stageName`, once its actions are added. */
export function acknowledgeStageActionRoles(pipeline: codepipeline.Pipeline, stageName: string): void {
  acknowledgeArtifactGrants(pipeline, actionRoles(pipeline, stageName));
}

function actionRoles(pipeline: codepipeline.Pipeline, stageName: string): iam.IRole[] {
  const roles: iam.IRole[] = [];
  for (const action of pipeline.node.tryFindChild(stageName)?.node.children ?? []) {
    const role = action.node.tryFindChild('CodePipelineActionRole');
    if (role instanceof iam.Role && role.node.tryFindChild('DefaultPolicy')) {
      roles.push(role);
    }
  }
  return roles;
}

/** The build project's logs, reports and ECR login. */
export function acknowledgeBuildAccess(project: codebuild.IProject): void {
  const stack = Stack.of(project);
  const policy = defaultPolicyOf(project.role!);
  acknowledgeWildcardResources(policy, [stack.formatArn({
    service: 'logs',
    resource: 'log-group',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    resourceName: `/aws/codebuild/${project.projectName}:*`,
  })], 'CodeBuild writes one log stream per build in its own log group; stream names are generated.');
  acknowledgeWildcardResources(policy, [stack.formatArn({ service: 'codebuild', resource: 'report-group', resourceName: `${project.projectName}-*` })],
    'CodeBuild test reports of this project only; aws-cdk-lib grants them to every project.');
}

/** A deploy role registers a new revision of the service's task definition family on every release. */
export function acknowledgeTaskDefinitionFamily(role: iam.IRole, familyRevisions: string): void {
  acknowledgeWildcardResources(defaultPolicyOf(role), [familyRevisions],
    'Every release registers a new revision of this service\'s task definition family; only this family.');
}
