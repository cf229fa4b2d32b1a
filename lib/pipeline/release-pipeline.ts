import {
  AspectPriority, Aspects, Duration, RemovalPolicy, Stack,
} from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { renderTaskDefinitionRequest } from './private/taskdef';
import { propError, recordPropProblem, reportAtSynthesis } from '../private/validation';
import {
  DEFAULT_RELEASE_VERSION_VARIABLE, ReleaseEnvironment, ReleaseManifest,
} from '../../contract/artifacts';
import { acknowledgePipelineRoles } from './private/acknowledgements';
import { createReleaseBuildProject } from './private/build-project';
import { addDeployStage } from './private/deploy-stage';
import { DeploymentRecord } from './private/deployment-record';
import { ReleaseNotifications } from './private/release-notifications';
import { differs, stageArtifactName, stageDirectory } from './private/stage-naming';
import { stageProblems, validateReleasePipelineProps, warnOfOtherVersionVariables } from './private/stage-validation';
import { ReleasePipelineProps, ReleaseStageOptions } from './release-pipeline-props';
import { ReleaseSource } from './release-source';

export * from './release-pipeline-props';

/**
 * A CodePipeline that takes each change from its source to production: pre-checks, image build
 * and push, the deployment files of every environment, then one blue/green CodeDeploy
 * deployment per environment in order, with optional manual approvals in between, and a
 * notification for every outcome.
 *
 * `taskdef.json` is rendered from each service's task definition as defined in CDK and
 * `appspec.yaml` from its hooks: nobody keeps a second copy of either.
 *
 * @example
 * const pipeline = new ReleasePipeline(this, 'Release', {
 *   source: ReleaseSource.codeStarConnection({ connectionArn, owner: 'my-org', repo: 'orders-api' }),
 *   preCheckCommands: ['npm ci', 'npm test'],
 *   stages: [
 *     { stageName: 'Staging', service: staging },
 *     { stageName: 'Production', service: production, requireApproval: true },
 *   ],
 *   notificationEmails: ['team@example.com'],
 * });
 */
export class ReleasePipeline extends Construct {
  /** The pipeline. */
  public readonly pipeline: codepipeline.Pipeline;
  /** The CodeBuild project of the build stage; grant it what your pre-checks need. */
  public readonly buildProject: codebuild.PipelineProject;
  /** The repository releases are pushed to (with an ECR source: the source repository). */
  public readonly repository: ecr.IRepository;
  /** The encrypted topic receiving every release notification. */
  public readonly notificationTopic: sns.ITopic;
  /** The Slack channel receiving the notifications, if any. */
  public readonly slackChannel?: chatbot.ISlackChannelConfiguration;
  /**
   * The function that tells the notification topic which service, stage and version a deployment
   * concerns and why it failed; EventBridge invokes it for each stage's deployments.
   */
  public readonly deploymentNotifier: lambda.IFunction;
  /**
   * Deployment notifications that could not be delivered or published after every retry. Its
   * `deploymentNotificationsLostAlarm` fires when one lands here.
   */
  public readonly deploymentNotificationDeadLetterQueue: sqs.IQueue;
  /** In ALARM while the dead-letter queue holds a notification nobody received. */
  public readonly deploymentNotificationsLostAlarm: cloudwatch.IAlarm;
  /** Log group holding one JSON line per pipeline, stage, action and deployment state change. */
  public readonly deploymentRecord: logs.ILogGroup;
  /** Where releases start. */
  public readonly source: ReleaseSource;
  /** The environment variable of the application container that holds the release version. */
  public readonly releaseVersionVariable: string;

  private readonly stages: ReleaseStageOptions[] = [];
  private readonly sourceOutput: codepipeline.Artifact;
  private readonly crossRegionReplicationBuckets: Record<string, s3.IBucket>;
  private readonly notifications: ReleaseNotifications;
  private readonly record: DeploymentRecord;
  private built = false;
  /** False when a stage is invalid: then the build has no deployment files and nothing deploys. */
  private stagesValid = true;

  constructor(scope: Construct, id: string, props: ReleasePipelineProps) {
    super(scope, id);
    this.source = props.source;
    this.releaseVersionVariable = props.releaseVersionVariable ?? DEFAULT_RELEASE_VERSION_VARIABLE;
    this.crossRegionReplicationBuckets = props.crossRegionReplicationBuckets ?? {};
    validateReleasePipelineProps(this, props);

    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName: props.pipelineName,
      pipelineType: codepipeline.PipelineType.V2,
      // A KMS-encrypted artifact bucket, and what stages in other accounts need.
      crossAccountKeys: true,
      enableKeyRotation: true,
      crossRegionReplicationBuckets: props.crossRegionReplicationBuckets,
      restartExecutionOnUpdate: false,
    });

    this.sourceOutput = new codepipeline.Artifact('Source');
    this.pipeline.addStage({ stageName: 'Source', actions: [this.source._action(this.sourceOutput)] });
    acknowledgePipelineRoles(this.pipeline, ['Source']);

    this.repository = this.source.buildsImage
      ? props.repository ?? new ecr.Repository(this, 'Repository', {
        imageScanOnPush: true,
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        encryption: ecr.RepositoryEncryption.KMS,
        lifecycleRules: [{
          description: 'Untagged images are layers of interrupted or replaced pushes; released images keep their tags',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(14),
        }],
        removalPolicy: RemovalPolicy.RETAIN,
      })
      : this.sourceRepository(props);

    this.buildProject = createReleaseBuildProject(this, {
      ...props,
      source: this.source,
      repository: this.repository,
      pipeline: this.pipeline,
      manifest: () => this.renderManifest(),
      stageNames: () => this.stageNames,
    });

    const releaseNotifications = new ReleaseNotifications(this, 'Notifications', {
      owner: this,
      pipeline: this.pipeline,
      stages: () => this.stages,
      releaseVersionVariable: this.releaseVersionVariable,
      notificationEmails: props.notificationEmails,
      slackChannel: props.slackChannel,
      slackWorkspaceId: props.slackWorkspaceId,
      slackChannelId: props.slackChannelId,
      notifyDeploymentSuccess: props.notifyDeploymentSuccess,
      notifierLogRetention: props.notifierLogRetention,
    });
    this.notifications = releaseNotifications;
    this.notificationTopic = releaseNotifications.topic;
    this.slackChannel = releaseNotifications.slackChannel;
    this.deploymentNotifier = releaseNotifications.notifier;
    this.deploymentNotificationDeadLetterQueue = releaseNotifications.deadLetterQueue;
    this.deploymentNotificationsLostAlarm = releaseNotifications.lostAlarm;

    this.record = new DeploymentRecord(this, 'DeploymentRecord', {
      owner: this,
      pipelineArn: this.pipeline.pipelineArn,
      pipelinePath: this.node.path,
      pipelineName: props.pipelineName,
      retention: props.deploymentRecordRetention,
    });
    this.deploymentRecord = this.record.logGroup;

    for (const stage of props.stages ?? []) {
      this.addStage(stage);
    }

    // The build writes one output per stage, and an action's outputs are fixed once it is
    // added; so the build and deploy stages are added once every stage is known, at synthesis.
    Aspects.of(this).add({ visit: () => this.buildJustInTime() }, { priority: AspectPriority.MUTATING });
    reportAtSynthesis(this, () => this.stageProblems());
  }

  /**
   * Adds an environment after the ones already added: a deploy stage, preceded by a manual
   * approval when `requireApproval` is set.
   */
  public addStage(options: ReleaseStageOptions): void {
    if (this.built) {
      throw propError(this, 'stages', `cannot add stage '${options.stageName}' after synthesis has started; add every stage before the app synthesizes`);
    }
    this.stages.push(options);
  }

  /** The stage names, in release order. */
  public get stageNames(): string[] {
    return this.stages.map((s) => s.stageName);
  }

  /** The release manifest handed to the build: every environment's task definition and AppSpec. */
  private renderManifest(): ReleaseManifest {
    const environments: ReleaseEnvironment[] = (this.stagesValid ? this.stages : []).map((stage) => ({
      name: stage.stageName,
      directory: stageDirectory(stage.stageName),
      containerName: stage.service.containerName,
      taskDefinition: renderTaskDefinitionRequest(stage.service.taskDefinition, { containerName: stage.service.containerName }) as unknown as Record<string, unknown>,
      appSpec: stage.service.renderAppSpec(),
    }));
    return { environments, releaseVersionVariable: this.releaseVersionVariable };
  }

  private buildJustInTime(): void {
    if (this.built) {
      return;
    }
    this.built = true;
    // With a bad stage, the validation reports it; building the deploy stages could stop the
    // synthesis earlier on a less helpful error (e.g. a cross-region reference).
    this.stagesValid = this.stageProblems().length === 0;
    warnOfOtherVersionVariables(this, this.stages, this.releaseVersionVariable);

    const outputs = this.stagesValid ? this.stages.map((stage) => new codepipeline.Artifact(stageArtifactName(stage.stageName))) : [];
    this.pipeline.addStage({
      stageName: 'Build',
      actions: [new actions.CodeBuildAction({
        actionName: this.source.buildsImage ? 'BuildAndPush' : 'DeploymentFiles',
        project: this.buildProject,
        input: this.sourceOutput,
        outputs,
        variablesNamespace: 'Build',
      })],
    });
    if (!this.stagesValid) {
      return;
    }

    const stagesScope = new Construct(this, 'Stages');
    this.stages.forEach((stage, index) => {
      addDeployStage(new Construct(stagesScope, stage.stageName), this, {
        pipeline: this.pipeline,
        source: this.source,
        notificationTopic: this.notificationTopic,
        notifications: this.notifications,
        stage,
        previous: this.stages[index - 1],
        files: outputs[index],
      });
    });
    acknowledgePipelineRoles(this.pipeline, ['Source', 'Build', ...this.stages.map((s) => s.stageName)]);
    const here = Stack.of(this);
    this.record.recordDeployments(this.stages.filter((s) => !differs(Stack.of(s.service).account, here.account) && !differs(Stack.of(s.service).region, here.region)));
  }

  private sourceRepository(props: ReleasePipelineProps): ecr.IRepository {
    if (props.repository) {
      recordPropProblem(this, 'repository', 'only applies when the pipeline builds the image; with an ECR source the image is already in the source repository, remove repository');
    }
    return this.source._imageRepository!;
  }

  /** What is wrong with the stages; empty when they can be built. */
  private stageProblems(): string[] {
    return stageProblems(this, {
      stages: this.stages,
      releaseVersionVariable: this.releaseVersionVariable,
      crossRegionReplicationBuckets: this.crossRegionReplicationBuckets,
    });
  }
}
