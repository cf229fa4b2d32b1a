/**
 * Acknowledgements, for policy-validation plugins such as cdk-nag, of the wildcards and settings
 * the release pipeline needs. Each names the exact finding on the exact construct, so anything
 * else is still reported.
 */
import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import { IConstruct } from 'constructs';
import { acknowledgeWildcardResources } from '../private/hook-acknowledgements';

/** What CDK's grants on the pipeline's own artifact bucket and key look like. */
const ARTIFACT_GRANT_ACTIONS = ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'];

/** The artifact bucket, and the roles that read and write its artifacts. */
export function acknowledgeArtifactAccess(pipeline: codepipeline.Pipeline, roles: IConstruct[]): void {
  Validations.of(pipeline.artifactBucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'The artifact bucket holds only pipeline artifacts, KMS-encrypted and reachable by the pipeline roles alone; '
      + 'its reads and writes are the pipeline executions recorded in the deployment record.',
  });
  for (const scope of [pipeline, ...roles]) {
    for (const action of ARTIFACT_GRANT_ACTIONS) {
      Validations.of(scope).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: 'The grants of aws-cdk-lib on the pipeline\'s own artifact bucket and KMS key (and, for approvals, on the '
          + 'notification topic\'s key; for an S3 source, on the source object\'s bucket), no other bucket or key.',
      });
    }
    acknowledgeWildcardResources(scope, [`${pipeline.artifactBucket.bucketArn}/*`],
      'CodePipeline artifacts: every object of the pipeline\'s own artifact bucket; object keys are generated per execution.');
  }
}

/** The build project's logs, reports and ECR login. */
export function acknowledgeBuildAccess(project: codebuild.IProject): void {
  const stack = Stack.of(project);
  const role = project.role!;
  acknowledgeWildcardResources(role, [stack.formatArn({
    service: 'logs',
    resource: 'log-group',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    resourceName: `/aws/codebuild/${project.projectName}:*`,
  })], 'CodeBuild writes one log stream per build in its own log group; stream names are generated.');
  acknowledgeWildcardResources(role, [stack.formatArn({ service: 'codebuild', resource: 'report-group', resourceName: `${project.projectName}-*` })],
    'CodeBuild test reports of this project only; aws-cdk-lib grants them to every project.');
  acknowledgeWildcardResources(role, ['*'],
    'ecr:GetAuthorizationToken, the docker login to ECR, has no resource to scope to; pushes are scoped to the repository.');
}

/** A deploy role registers a new revision of the service's task definition family on every release. */
export function acknowledgeTaskDefinitionFamily(role: IConstruct, familyRevisions: string): void {
  acknowledgeWildcardResources(role, [familyRevisions],
    'Every release registers a new revision of this service\'s task definition family; only this family.');
}
