import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { ReleaseManifest } from '../../../contract/artifacts';
import { artifactWriterBundlePath } from '../../private/handler-asset';
import { fitText } from '../../private/text-limits';
import type { ReleasePipelineProps } from '../release-pipeline-props';
import type { ReleaseSource } from '../release-source';
import { ECR_PULL_PUSH_ACTIONS, acknowledgeArtifactAccess, acknowledgeBuildAccess, grantEcrLogin } from './acknowledgements';
import { BUILD_ENV, additionalImageVariables, renderReleaseBuildSpec } from './buildspec';
import type { AdditionalImage } from './release-images';
import { stageArtifactName } from './stage-naming';

/** What the build project needs of its pipeline, besides the pipeline's props. */
export interface ReleaseBuildProjectProps extends ReleasePipelineProps {
  readonly source: ReleaseSource;
  /** The repository the build pushes to. */
  readonly repository: ecr.IRepository;
  readonly pipeline: codepipeline.Pipeline;
  /** The release manifest, read at synthesis: stages may be added after the project. */
  readonly manifest: () => ReleaseManifest;
  /** The folders of the deployment files, read at synthesis, for the buildspec's secondary artifacts. */
  readonly fileDirectories: () => string[];
  /** The images the build makes besides the first. */
  readonly builtImages: readonly AdditionalImage[];
}

/**
 * The CodeBuild project of the build stage, with its log group and the artifact writer asset
 * it runs (both children of `owner`): pre-checks, image build and push, then every stage's
 * deployment files.
 */
export function createReleaseBuildProject(owner: Construct, props: ReleaseBuildProjectProps): codebuild.PipelineProject {
  const writer = new s3assets.Asset(owner, 'ArtifactWriter', { path: artifactWriterBundlePath() });
  const buildLogs = new logs.LogGroup(owner, 'BuildLogs', {
    retention: props.buildLogRetention ?? logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const buildsImage = props.source.buildsImage;
  const spec = (outputs: { artifactName: string; directory: string }[]) => renderReleaseBuildSpec({
    buildsImage,
    preCheckCommands: props.preCheckCommands ?? [],
    revisionLength: props.source._revisionLength,
    outputs,
    additionalImages: props.builtImages.length,
  });
  // Without outputs the buildspec has no artifacts section; the stages add it at synthesis.
  const withoutArtifacts = spec([]);
  const environmentVariables: Record<string, codebuild.BuildEnvironmentVariable> = {
    [BUILD_ENV.artifactWriterUrl]: { value: writer.s3ObjectUrl },
    [BUILD_ENV.manifest]: {
      value: Lazy.uncachedString({ produce: () => Stack.of(owner).toJsonString(props.manifest()) }),
    },
  };
  if (buildsImage) {
    environmentVariables[BUILD_ENV.repositoryUri] = { value: props.repository.repositoryUri };
    environmentVariables[BUILD_ENV.dockerfile] = { value: props.dockerfile ?? 'Dockerfile' };
    environmentVariables[BUILD_ENV.buildContext] = { value: props.dockerBuildContext ?? '.' };
    props.builtImages.forEach((image, index) => {
      const variables = additionalImageVariables(index + 1);
      environmentVariables[variables.repositoryUri] = { value: image.repository.repositoryUri };
      environmentVariables[variables.dockerfile] = { value: image.dockerfile };
      environmentVariables[variables.buildContext] = { value: image.dockerBuildContext };
    });
  }
  const project = new codebuild.PipelineProject(owner, 'Build', {
    // CodeBuild caps a description at 255 characters; a path may be longer.
    description: fitText(buildsImage
      ? `Pre-checks, builds and pushes the image, and writes the deployment files of ${owner.node.path}`
      : `Pre-checks and writes the deployment files of ${owner.node.path}`, 255),
    environment: {
      buildImage: props.buildImage ?? codebuild.LinuxBuildImage.STANDARD_7_0,
      computeType: props.buildComputeType ?? codebuild.ComputeType.SMALL,
      // Docker builds need a privileged container.
      privileged: buildsImage,
    },
    environmentVariables,
    buildSpec: codebuild.BuildSpec.fromObject({
      ...withoutArtifacts,
      artifacts: Lazy.uncachedAny({
        produce: () => spec(props.fileDirectories().map((directory) => ({ artifactName: stageArtifactName(directory), directory }))).artifacts,
      }),
    }),
    timeout: props.buildTimeout ?? Duration.minutes(30),
    cache: buildsImage ? codebuild.Cache.local(codebuild.LocalCacheMode.DOCKER_LAYER) : undefined,
    logging: { cloudWatch: { logGroup: buildLogs } },
    encryptionKey: props.pipeline.artifactBucket.encryptionKey,
  });
  // The writer only: Asset.grantRead would open the whole bootstrap assets bucket.
  project.addToRolePolicy(new iam.PolicyStatement({
    actions: ['s3:GetObject'],
    resources: [Stack.of(owner).formatArn({ service: 's3', region: '', account: '', resource: writer.s3BucketName, resourceName: writer.s3ObjectKey })],
  }));
  if (buildsImage) {
    // grantPullPush would put the ECR login on * in the role's default policy, beside the user's statements.
    for (const repository of [props.repository, ...props.builtImages.map((image) => image.repository)]) {
      repository.grant(project, ...ECR_PULL_PUSH_ACTIONS, 'ecr:DescribeImages');
    }
    grantEcrLogin(project.role!);
  }
  acknowledgeArtifactAccess(props.pipeline, [project.role!]);
  acknowledgeBuildAccess(project);
  return project;
}
