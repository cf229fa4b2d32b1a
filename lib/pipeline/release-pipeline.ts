import { AspectPriority, Aspects, attachCustomSynthesis } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { renderTaskDefinitionRequest } from './private/taskdef';
import { fitText } from '../private/text-limits';
import { propError, recordPropProblem, reportAtSynthesis } from '../private/validation';
import {
  DEFAULT_RELEASE_VERSION_VARIABLE, ReleaseEnvironment, ReleaseManifest,
} from '../../contract/artifacts';
import { acknowledgePipelineRoles, acknowledgeStageActionRoles } from './private/acknowledgements';
import { createReleaseBuildProject } from './private/build-project';
import { addDeployStage } from './private/deploy-stage';
import { DeploymentRecord } from './private/deployment-record';
import { DeploymentRecorder } from './private/deployment-recorder';
import { NotifiedServices } from './private/ecs-notifications';
import { ReleaseNotifications } from './private/release-notifications';
import { NARROW_ACTION_ROLE_TRUST_FLAG } from './private/remote-stage';
import { ReleaseImages, releaseRepository } from './private/release-images';
import { previewDirectoryOf, writeReleasePreview } from './private/release-preview';
import { replicationBuckets as replicationBucketsFor } from './private/replication-buckets';
import { StageUnit, hasDeploymentFiles, servicesOf, stageArtifactName, unitsOf } from './private/stage-naming';
import { tagPipeline, tagStage } from './private/stage-tags';
import { warnOfUncheckedFreezes } from './private/freeze-condition';
import { checkedPipelineName, stageProblems, validateReleasePipelineProps, warnOfOtherVersionVariables } from './private/stage-validation';
import { ReleasePipelineProps, ReleaseStageOptions } from './release-pipeline-props';
import { ReleaseSource } from './release-source';
import { NotificationRoute, NotificationSeverity } from './notification-route';
import type { IBlueGreenService } from '../service/blue-green-service-base';

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
 * @exampleMetadata fixture=lib
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
  /**
   * The topic of the WARNING messages and above, when a route asked for it
   * (`notificationRoutes`); subscribe your own endpoints to it.
   */
  public readonly warningNotificationTopic?: sns.ITopic;
  /** The topic of the CRITICAL messages, when a route asked for it (`notificationRoutes`). */
  public readonly criticalNotificationTopic?: sns.ITopic;
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
  /**
   * The deployment record as data: one item per release and stage (status, timeline, approval
   * wait, rollback verification), written from the same events as `deploymentRecord`. Partition
   * key `releaseKey` (`<service>#<stage>` for a deployment, `<pipeline>#<stage>` for a stage
   * execution), sort key `recordId`; the local index `byStartedAt` sorts a partition by start.
   * Grant readers with `recordTable.grantReadData(...)`.
   */
  public readonly recordTable: dynamodb.ITable;
  /** In ALARM while the recorder's dead-letter queue holds an event whose record could not be written. */
  public readonly deploymentRecordsLostAlarm: cloudwatch.IAlarm;
  /**
   * The incident reports: when a deployment of a stage in the pipeline's account and region rolls
   * back, the recorder writes a Markdown report to `incidents/<service>/<stage>/<deployment>.md`
   * (summary, impact, timeline, the alarms and hook results that decided the rollback, its
   * verification, action items) and links it from the record item (`incidentReportUrl`) and the
   * rollback's notifications. Versioned, encrypted with the record table's key, retained. Grant
   * readers with `incidentReportBucket.grantRead(...)`; they need the record table's key too.
   */
  public readonly incidentReportBucket: s3.IBucket;
  /** Where releases start. */
  public readonly source: ReleaseSource;
  /** The environment variable of the application container that holds the release version. */
  public readonly releaseVersionVariable: string;
  /** The addresses that receive every notification (`notificationEmails`). */
  public readonly notificationEmails: string[];
  /** Where notifications go by severity (`notificationRoutes`). */
  public readonly notificationRoutes: NotificationRoute[];
  /**
   * The release preview's folder in the cloud assembly (`cdk.out/<previewDirectory>`):
   * `<stack artifact id>.<pipeline path in its stack>.release-preview`, with a `preview.md` index
   * and a `<stage>/<service>/` folder per service. Absent with `preview: false`.
   */
  public readonly previewDirectory?: string;

  private readonly stages: ReleaseStageOptions[] = [];
  /** The stages whose deploy stage was built, each with the artifacts the build writes its services' files to. */
  private readonly builtStages: { readonly stage: ReleaseStageOptions; readonly files: ReadonlyMap<IBlueGreenService, codepipeline.Artifact> }[] = [];
  private readonly sourceOutput: codepipeline.Artifact;
  private readonly buildStage: codepipeline.IStage;
  private readonly stagesScope: Construct;
  private readonly notifications: ReleaseNotifications;
  private readonly notifiedServices: NotifiedServices;
  private readonly buildLogRetention?: logs.RetentionDays;
  private readonly record: DeploymentRecord;
  private readonly recorder: DeploymentRecorder;
  private built = false;
  /** The regions, besides its own, that the pipeline has an artifact bucket in. */
  private readonly replicationRegions: string[];
  private readonly images: ReleaseImages;

  constructor(scope: Construct, id: string, props: ReleasePipelineProps) {
    super(scope, id);
    this.source = props.source;
    this.releaseVersionVariable = props.releaseVersionVariable ?? DEFAULT_RELEASE_VERSION_VARIABLE;
    this.notificationEmails = [...props.notificationEmails ?? []];
    this.notificationRoutes = [...props.notificationRoutes ?? []];
    validateReleasePipelineProps(this, props);
    const pipelineName = checkedPipelineName(this, props.pipelineName);

    const replicationBuckets = replicationBucketsFor(this, props.stages ?? [], props.crossRegionReplicationBuckets);
    this.replicationRegions = Object.keys(replicationBuckets ?? {});
    // The pipeline's role gets a name only when a stage in another account must trust it.
    this.node.setContext(NARROW_ACTION_ROLE_TRUST_FLAG, true);
    this.pipeline = new codepipeline.Pipeline(this, 'Pipeline', {
      pipelineName,
      // In the pipeline's account: aws-cdk-lib would put them in the stages' stacks.
      crossRegionReplicationBuckets: replicationBuckets,
      pipelineType: codepipeline.PipelineType.V2,
      // A KMS-encrypted artifact bucket, and what stages in other accounts need.
      crossAccountKeys: true,
      enableKeyRotation: true,
      restartExecutionOnUpdate: false,
    });

    tagPipeline(this.pipeline, this.node.path);
    this.sourceOutput = new codepipeline.Artifact('Source');
    this.pipeline.addStage({ stageName: 'Source', actions: [this.source._action(this.sourceOutput)] });
    acknowledgePipelineRoles(this.pipeline, ['Source']);
    // In place now, so that every deploy stage comes after it; its action is added at synthesis.
    this.buildStage = this.pipeline.addStage({ stageName: 'Build' });

    this.repository = this.source.buildsImage
      ? props.repository ?? releaseRepository(this, 'Repository')
      : this.sourceRepository(props);
    this.images = new ReleaseImages(this, this.repository, props.additionalImages ?? [], this.source.buildsImage);

    this.buildProject = createReleaseBuildProject(this, {
      ...props,
      source: this.source,
      repository: this.repository,
      pipeline: this.pipeline,
      manifest: () => this.renderManifest(),
      // The services CodeDeploy deploys; the others need no deployment files.
      fileDirectories: () => this.codeDeployUnits.map((unit) => unit.directory),
      builtImages: this.images.additional,
    });
    this.buildLogRetention = props.buildLogRetention;

    const releaseNotifications = new ReleaseNotifications(this, 'Notifications', {
      owner: this,
      pipeline: this.pipeline,
      stages: () => this.stages.flatMap(unitsOf),
      releaseVersionVariable: this.releaseVersionVariable,
      notificationEmails: props.notificationEmails,
      slackChannel: props.slackChannel,
      slackWorkspaceId: props.slackWorkspaceId,
      slackChannelId: props.slackChannelId,
      notifyDeploymentSuccess: props.notifyDeploymentSuccess,
      notifyDeploymentStart: props.notifyDeploymentStart,
      notificationRoutes: props.notificationRoutes,
      notifierLogRetention: props.notifierLogRetention,
      notifiedServices: () => this.notifiedServices.codeDeployStages,
      ecsServices: () => this.notifiedServices.ecsServices,
    });
    this.notifications = releaseNotifications;
    this.notificationTopic = releaseNotifications.topic;
    this.warningNotificationTopic = releaseNotifications.severityTopics.existing(NotificationSeverity.WARNING);
    this.criticalNotificationTopic = releaseNotifications.severityTopics.existing(NotificationSeverity.CRITICAL);
    this.slackChannel = releaseNotifications.slackChannel;
    this.deploymentNotifier = releaseNotifications.notifier;
    this.deploymentNotificationDeadLetterQueue = releaseNotifications.deadLetterQueue;
    this.deploymentNotificationsLostAlarm = releaseNotifications.lostAlarm;

    const recorder = new DeploymentRecorder(this, 'DeploymentRecorder', {
      owner: this,
      stages: () => this.builtStages.flatMap((built) => unitsOf(built.stage)),
      logRetention: props.notifierLogRetention,
      pipelineName: this.pipeline.pipelineName,
    });
    this.recorder = recorder;
    this.incidentReportBucket = recorder.incidentReports.bucket;
    releaseNotifications.linkIncidentReports(this.incidentReportBucket.bucketName, () => recorder.reportedReleaseKeys());
    recorder.readApprovals(this.pipeline.pipelineArn);
    this.recordTable = recorder.table;
    this.deploymentRecordsLostAlarm = recorder.lostAlarm;
    // A record that could not be written is told like a lost notification: WARNING.
    releaseNotifications.severityTopics.alarmTo(recorder.lostAlarm, NotificationSeverity.WARNING);
    this.record = new DeploymentRecord(this, 'DeploymentRecord', {
      owner: this,
      recorder,
      pipelineArn: this.pipeline.pipelineArn,
      // Only in the descriptions of its rules, which EventBridge caps at 512 characters.
      pipelinePath: fitText(this.node.path, 450),
      pipelineName,
      retention: props.deploymentRecordRetention,
    });
    this.deploymentRecord = this.record.logGroup;
    this.stagesScope = new Construct(this, 'Stages');
    // Before the stages: a stage on the Amazon ECS engine is notified through it too.
    this.notifiedServices = new NotifiedServices(this, 'NotifiedServices', {
      owner: this,
      notifications: releaseNotifications,
      services: props.notifiedServices ?? [],
      // The stages given, until they are added.
      stages: () => (this.stages.length > 0 ? this.stages : props.stages ?? []).flatMap(unitsOf),
    });

    for (const stage of props.stages ?? []) {
      this.addStage(stage);
    }

    // The one build writes a deployment-files artifact per stage, and aws-cdk-lib fixes an
    // action's outputs when the action is added: so the build action alone is added once every
    // stage is known, at synthesis. Every deploy stage is built when it is added.
    Aspects.of(this).add({ visit: () => this.addBuildAction() }, { priority: AspectPriority.MUTATING });
    reportAtSynthesis(this, () => this.stageProblems());
    if (props.preview ?? true) {
      const directory = previewDirectoryOf(this);
      this.previewDirectory = directory;
      attachCustomSynthesis(this, {
        onSynthesize: (session) => writeReleasePreview(session.outdir, directory, {
          owner: this, stages: this.stages, releaseVersionVariable: this.releaseVersionVariable,
        }),
      });
    }
  }

  /**
   * Adds an environment after the ones already added: a deploy stage, preceded by a manual
   * approval when `requireApproval` is set.
   */
  public addStage(options: ReleaseStageOptions): void {
    if (this.built) {
      throw propError(this, 'stages', `cannot add stage '${options.stageName}' after synthesis has started; add every stage before the app synthesizes`);
    }
    const problemsBefore = this.stageProblems();
    this.stages.push(options);
    // A stage with a problem is reported at synthesis (with every other problem of the app) and
    // not built: building it could stop the synthesis earlier on a less helpful error, such as
    // a cross-region reference.
    if (this.stageProblems().some((problem) => !problemsBefore.includes(problem)) || this.builtStages.length < this.stages.length - 1) {
      return;
    }
    // Amazon ECS deploys a service of its engine from the stack update alone, without deployment files.
    const files = new Map(unitsOf(options).filter(hasDeploymentFiles)
      .map((unit) => [unit.service, new codepipeline.Artifact(stageArtifactName(unit.directory))] as const));
    addDeployStage(new Construct(this.stagesScope, options.stageName), this, {
      pipeline: this.pipeline,
      source: this.source,
      notificationTopic: this.notificationTopic,
      notifications: this.notifications,
      ecsNotifications: this.notifiedServices,
      recorder: this.recorder,
      images: this.images,
      sourceOutput: this.sourceOutput,
      releaseVersionVariable: this.releaseVersionVariable,
      logRetention: this.buildLogRetention,
      stage: options,
      previous: this.stages[this.stages.length - 2],
      files,
    });
    this.builtStages.push({ stage: options, files });
    tagStage(this.pipeline, options.stageName, servicesOf(options));
    acknowledgeStageActionRoles(this.pipeline, options.stageName);
    this.record.recordDeployments(unitsOf(options));
    this.recorder.recordStage(unitsOf(options));
  }

  /** The options of each deploy stage, in release order: what a runbook of the release describes. */
  public get stageOptions(): ReleaseStageOptions[] {
    return [...this.stages];
  }

  /** The stage names, in release order. */
  public get stageNames(): string[] {
    return this.stages.map((s) => s.stageName);
  }

  /** The release manifest handed to the build: every environment's task definition and AppSpec. */
  private renderManifest(): ReleaseManifest {
    const environments: ReleaseEnvironment[] = (this.deploysAll ? this.codeDeployUnits : []).map((unit) => ({
      name: unit.alone ? unit.stageName : `${unit.stageName} ${unit.service.serviceName}`,
      directory: unit.directory,
      containerName: unit.service.containerName,
      taskDefinition: renderTaskDefinitionRequest(unit.service.taskDefinition, { containerName: unit.service.containerName }) as unknown as Record<string, unknown>,
      appSpec: unit.service._renderAppSpec(),
      ...this.imageVariableOf(unit.service),
    }));
    return { environments, releaseVersionVariable: this.releaseVersionVariable };
  }

  private addBuildAction(): void {
    if (this.built) {
      return;
    }
    this.built = true;
    warnOfOtherVersionVariables(this, this.stages, this.releaseVersionVariable);
    warnOfUncheckedFreezes(this, this.stages, this.releaseVersionVariable);
    this.buildStage.addAction(new actions.CodeBuildAction({
      actionName: this.source.buildsImage ? 'BuildAndPush' : 'DeploymentFiles',
      project: this.buildProject,
      input: this.sourceOutput,
      // Every built deploy stage reads its artifact, also when another stage was refused: then
      // the synthesis fails on that stage's problem alone, not on a missing artifact as well.
      outputs: this.builtStages.flatMap((built) => [...built.files.values()]),
      variablesNamespace: 'Build',
    }));
    acknowledgeStageActionRoles(this.pipeline, 'Build');
  }

  /** The services CodeDeploy deploys, from the deployment files the build writes, stage by stage. */
  private get codeDeployUnits(): StageUnit[] {
    return this.stages.flatMap(unitsOf).filter(hasDeploymentFiles);
  }

  /** False when a stage is invalid: then the build writes no deployment files and the synthesis fails. */
  private get deploysAll(): boolean {
    return this.builtStages.length === this.stages.length && this.stageProblems().length === 0;
  }

  /** The manifest's image variable of a service that runs an additional image; nothing for the first. */
  private imageVariableOf(service: IBlueGreenService): { imageUriVariable?: string } {
    const image = this.images.imageOf(service);
    return image.first ? {} : { imageUriVariable: image.uriVariable };
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
      replicationRegions: this.replicationRegions,
    });
  }
}
