import { Duration } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { IBlueGreenService } from '../service/blue-green-service-base';
import type { DeploymentWindow } from '../hooks/deployment-window';
import { ReleaseSource } from './release-source';
import type { NotificationRoute } from './notification-route';

/** One environment of a release: a deploy stage of the pipeline. */
export interface ReleaseStageOptions {
  /** Name of the pipeline stage, e.g. `Staging` or `Production`. Letters, digits, `.`, `@`, `-` and `_`. */
  readonly stageName: string;

  /**
   * The service this stage deploys, blue/green: through its CodeDeploy deployment group, or, on
   * the Amazon ECS engine, by updating the service's stack with the release's image, so that
   * Amazon ECS runs the deployment as it does on `cdk deploy`.
   *
   * It may be in another account or region than the pipeline when both stacks have an explicit
   * `env`: the stage then runs by a role in the service's stack that trusts the pipeline's role
   * alone (on the Amazon ECS engine, with the project that updates the stack there too), reads
   * the artifacts of its region, and sends its deployments to the pipeline account's deployment
   * record. On the CodeDeploy engine, what `taskdef.json` names there needs a physical name
   * (`taskRoleName`, `logGroupName`).
   * @default - none: give `service`, or several in `services`
   */
  readonly service?: IBlueGreenService;

  /**
   * The services this stage deploys, one after another in this order: a monorepo's services,
   * each released with the pipeline's one image (for example an API and its worker). Each has its
   * own deploy action, `Deploy-<service name>`; one that fails stops the stage, and the services
   * after it keep the release they run. Give either `service` or `services`.
   * @default - the one `service`
   */
  readonly services?: IBlueGreenService[];

  /**
   * Whether this stage may deploy a service that `deployOnStackUpdate` releases on `cdk deploy`
   * too. Both then release it, and the later one runs: a `cdk deploy` that changes the task
   * definition releases the image defined in CDK over the pipeline's last release, and the
   * pipeline's next release replaces it again. Without it such a service is refused, so that
   * you say which wins: remove `deployOnStackUpdate` (the pipeline releases) or the stage
   * (`cdk deploy` releases). Not needed on the Amazon ECS engine, where the pipeline releases
   * through the stack and `cdk deploy` keeps the released image.
   * @default false
   */
  readonly lastReleaseWins?: boolean;

  /**
   * Whether a person approves before this stage deploys. The request names the source
   * revision, the image and the previous stage's deployment.
   * @default false
   */
  readonly requireApproval?: boolean;

  /**
   * Whether the stage runs the migration dry run of each of its services whose `MigrationHook` has
   * a `dryRunCommand`, before its approval: a one-off task of the release's task definition with
   * the dry-run command. The approval request shows the end of its output and links to all of it;
   * a dry run that fails (the task does not start, exits non-zero, or outlasts `dryRunTimeout`)
   * fails the stage, so the release stops before the approval. Only a stage with
   * `requireApproval` runs dry runs: without one there is no checkpoint to show a plan at.
   * @default true - on a stage with `requireApproval`
   */
  readonly migrationDryRun?: boolean;

  /**
   * Extra text for the approver, e.g. what to check first. At most 200 characters.
   * @default - the revision, image, migration command (if the service runs one) and previous stage only
   */
  readonly approvalComment?: string;

  /**
   * When a release may enter this stage, e.g. working hours and not on Fridays: the stage's entry
   * condition (CodePipeline V2's `DeploymentWindow` rule). A release that arrives outside it waits
   * at the stage's entry, before its approval, until the window opens; the console shows the
   * condition. Checked by the pipeline only: a `cdk deploy` release does not pass this stage.
   * @default - releases enter at any time
   */
  readonly deploymentWindow?: DeploymentWindow;

  /**
   * AWS Systems Manager Change Calendars, by name or ARN (of the pipeline's account and region),
   * that freeze this stage while CLOSED: the stage's entry condition (a CodePipeline `Commands`
   * rule) then fails, and its log says which calendar froze the release and until when. People
   * close and open the calendars in the Change Calendar console, without a code change. Give the
   * same calendars to the services' `PreflightHook` so that a `cdk deploy` release keeps them too.
   * @default - no change freeze at the stage's entry
   */
  readonly changeCalendars?: string[];

  /**
   * Let a release of the stage's services enter through a freeze when each service's hotfix
   * override parameter (`/cdk-ecs-release/freeze-override/<ECS service name>`) is set, unexpired
   * and at most 24 hours long (see `PreflightHook.grantOverrideFreeze`).
   * @default true when changeCalendars is set
   */
  readonly allowFreezeOverride?: boolean;
}

/**
 * An image the release's build makes besides the first, from the same source, for the services it
 * names: a monorepo whose services have Dockerfiles of their own.
 */
export interface ReleaseImageOptions {
  /** The services that run this image; every other service runs the pipeline's first image. */
  readonly services: IBlueGreenService[];

  /** Path of its Dockerfile, relative to the source root, e.g. `worker/Dockerfile`. */
  readonly dockerfile: string;

  /**
   * Its Docker build context, relative to the source root.
   * @default '.'
   */
  readonly dockerBuildContext?: string;

  /**
   * The repository it is pushed to.
   * @default - a new repository with immutable tags, scanning on push and KMS encryption
   */
  readonly repository?: ecr.IRepository;
}

/** Properties of a {@link ReleasePipeline}. */
export interface ReleasePipelineProps {
  /** Where releases start: an ECR image push, a Git repository or an S3 object. */
  readonly source: ReleaseSource;

  /**
   * The environments, in release order. More can be added with `addStage()`.
   * @default - none; add at least one with `addStage()`
   */
  readonly stages?: ReleaseStageOptions[];

  /**
   * Name of the pipeline: 1-100 letters, digits, `.`, `@`, `_` or `-`.
   * @default - generated by CloudFormation
   */
  readonly pipelineName?: string;

  /**
   * The environment variable that tells the application which release it runs. The build sets
   * it, in the application container of every `taskdef.json`, to the image tag of the release
   * (the short commit id, the S3 object version, or the pushed tag with an ECR source), so the
   * application can report it (e.g. on `/version`) and a smoke check can compare it with
   * `ExpectedVersion.fromDeployedEnvironment()`. It replaces a variable of the same name in the
   * container's environment: the release's value wins.
   * @default 'RELEASE_VERSION'
   */
  readonly releaseVersionVariable?: string;

  /**
   * Whether synthesis writes the release preview into the cloud assembly: per deploy stage and
   * service, the `taskdef.json` and `appspec.yaml` the build writes (CodeDeploy engine) or the
   * deployment configuration of the service (Amazon ECS engine), and a `preview.md` index of
   * every stage, its engine, traffic shifting, approval and hooks. Deploy-time names appear as
   * `<construct path>` placeholders. The folder is `cdk.out/<previewDirectory>`; it changes
   * nothing in the template.
   *
   * @default true
   */
  readonly preview?: boolean;

  /**
   * Commands that must all succeed before the image is built, e.g. `npm ci`, `npm test`,
   * `npm audit --audit-level=high`. They run in the source folder; one failing fails the release.
   * @default - none
   */
  readonly preCheckCommands?: string[];

  /**
   * The repository the build pushes the image to. Not used with an ECR source.
   * @default - a new repository with immutable tags, scanning on push and KMS encryption
   */
  readonly repository?: ecr.IRepository;

  /**
   * More images the build makes from the source, each for the services it names and pushed with
   * the same tag: a monorepo whose services are built from Dockerfiles of their own. Every
   * service not named runs the first image (`dockerfile`). Not with an ECR source.
   * @default - one image, run by every service
   */
  readonly additionalImages?: ReleaseImageOptions[];

  /**
   * Path of the Dockerfile, relative to the source root.
   * @default 'Dockerfile'
   */
  readonly dockerfile?: string;

  /**
   * Docker build context, relative to the source root.
   * @default '.'
   */
  readonly dockerBuildContext?: string;

  /**
   * The CodeBuild image that runs the build.
   * @default codebuild.LinuxBuildImage.STANDARD_7_0
   */
  readonly buildImage?: codebuild.IBuildImage;

  /**
   * The size of the build machine.
   * @default codebuild.ComputeType.SMALL
   */
  readonly buildComputeType?: codebuild.ComputeType;

  /**
   * How long a build may run before CodeBuild stops it: whole minutes, from 5 minutes to 36
   * hours. A deploy-time value (token) must be given in minutes, `Duration.minutes(value)`.
   * @default Duration.minutes(30)
   */
  readonly buildTimeout?: Duration;

  /**
   * How long build logs are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly buildLogRetention?: logs.RetentionDays;

  /**
   * E-mail addresses subscribed to the release notifications (each confirms by mail). They
   * receive every message, INFO and up; see `notificationRoutes` for fewer.
   * @default - no e-mail subscriptions
   */
  readonly notificationEmails?: string[];

  /**
   * A Slack channel, configured in AWS Chatbot, that receives the release notifications: every
   * message, INFO and up.
   * @default - none, or one created from `slackWorkspaceId` and `slackChannelId`
   */
  readonly slackChannel?: chatbot.ISlackChannelConfiguration;

  /**
   * ID of the Slack workspace authorised in AWS Chatbot (console, once), e.g. `T0123ABCD`.
   * Creates a channel configuration together with `slackChannelId`.
   * @default - no Slack channel created
   */
  readonly slackWorkspaceId?: string;

  /**
   * ID of the Slack channel, e.g. `C0123ABCD`. Needs `slackWorkspaceId`.
   * @default - no Slack channel created
   */
  readonly slackChannelId?: string;

  /**
   * Whether a successful deployment of a stage is notified too, with the version it installed.
   * Failed and stopped (rolled back) deployments always are.
   * @default false
   */
  readonly notifyDeploymentSuccess?: boolean;

  /**
   * Subscribers of the messages of one severity and above: e-mail, Slack (AWS Chatbot), PagerDuty.
   * Each threshold above INFO gets a topic of its own (same key as the notification topic),
   * made only when a route asks for it. Severities: INFO for starts and successes; WARNING for
   * failures, rollbacks (verified ones too), approvals and pauses awaiting a person, lost
   * notifications; CRITICAL for a rollback that could not be verified and a rollback alarm going
   * off outside a deployment of a stage that requires approval.
   *
   * @exampleMetadata fixture=lib
   * @example const notificationRoutes = [NotificationRoute.email('on-call@example.com', NotificationSeverity.WARNING), NotificationRoute.pagerDuty({ routingKey })];
   * @default - none: `notificationEmails` and `slackChannel` receive every message
   */
  readonly notificationRoutes?: NotificationRoute[];

  /**
   * Whether the start of each stage's deployment is notified too (INFO), on either engine.
   * @default false
   */
  readonly notifyDeploymentStart?: boolean;

  /**
   * Services this pipeline does not deploy whose deployments are notified to the same topic as
   * its stages': above all services on the Amazon ECS engine, which `cdk deploy` releases. A
   * notification names the service construct's id where a stage's names the stage, e.g.
   * `orders-api-preview Preview: deployment … rolled back`. Failed and rolled-back deployments
   * are always notified, completed ones with `notifyDeploymentSuccess`. So is every deployment
   * of an Amazon ECS service of their clusters that waits at a pause hook (`approvalWait`), with
   * the commands that continue or roll it back, and how the wait ended. A CodeDeploy-engine
   * service (e.g. one with `deployOnStackUpdate`) is notified as a stage's service is.
   *
   * EventBridge sees only its own account and region: a service elsewhere is notified by the
   * pipeline's notifier in its stack, as a stage there is (both stacks need an explicit `env`;
   * else it is reported as a warning and not notified), without pause announcements. A service
   * a stage deploys is refused, its deployments are notified already.
   * @default - only the stages' deployments are notified
   */
  readonly notifiedServices?: IBlueGreenService[];

  /**
   * How long the logs of the function that writes the deployment notifications are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly notifierLogRetention?: logs.RetentionDays;

  /**
   * How long the deployment record (pipeline and deployment state changes) is kept.
   * @default logs.RetentionDays.TWO_YEARS
   */
  readonly deploymentRecordRetention?: logs.RetentionDays;

  /**
   * The artifact bucket of each other region a stage deploys to, by region: CodePipeline copies
   * a stage's artifacts there. Each must be in a stack of that region, have a physical name and
   * be encrypted by a KMS key with an alias defined beside it.
   * @default - for each other region of `stages`, a bucket in a stack `<pipeline stack>-artifacts-<region>` of the pipeline's account
   */
  readonly crossRegionReplicationBuckets?: Record<string, s3.IBucket>;
}
