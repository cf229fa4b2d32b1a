/**
 * What ReleasePipeline passes to the release notifier, the function that tells the notification
 * topic why a deployment of one of its stages failed, was stopped or (optionally) succeeded,
 * whether CodeDeploy or Amazon ECS itself runs the deployment.
 *
 * The whole configuration travels as one JSON document in a single environment variable.
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** Environment variable holding `JSON.stringify(ReleaseNotifierConfig)`. */
export const RELEASE_NOTIFIER_CONFIG_ENV = 'CDK_ECS_RELEASE_NOTIFIER_CONFIG';

/** One stage of the pipeline: the deployment group it deploys through, and how people name it. */
export interface NotifiedDeploymentGroup {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  /** The service's name as people know it, e.g. `orders-api`. */
  readonly serviceName: string;
  /** The pipeline stage, e.g. `Production`. */
  readonly stageName: string;
  /** The deployment group in the CodeDeploy console. */
  readonly consoleUrl: string;
  /** The ECS cluster (name or ARN) of the service, to find the green task set. */
  readonly cluster?: string;
  /** The ECS service (name or ARN). */
  readonly service?: string;
  /** The application container, whose environment holds the release version. */
  readonly containerName?: string;
}

/** One stage of the pipeline whose service Amazon ECS deploys itself (blue/green, canary, linear). */
export interface NotifiedEcsService {
  /**
   * The service's ARN, `arn:aws:ecs:<region>:<account>:service/<cluster>/<service>`: the ARN the
   * deployment events name in their `resources`.
   */
  readonly serviceArn: string;
  /** The service's name as people know it, e.g. `orders-api`. */
  readonly serviceName: string;
  /** The pipeline stage, e.g. `Production`. */
  readonly stageName: string;
  /** The application container, whose environment holds the release version. */
  readonly containerName?: string;
  /**
   * The service's deployments in the ECS console; by default built from the service ARN:
   * `https://<region>.console.aws.amazon.com/ecs/v2/clusters/<cluster>/services/<service>/deployments?region=<region>`.
   */
  readonly consoleUrl?: string;
}

export interface ReleaseNotifierConfig {
  readonly deploymentGroups: NotifiedDeploymentGroup[];
  /** The stages deployed by Amazon ECS itself; events of any other service are ignored. */
  readonly ecsServices?: NotifiedEcsService[];
  /**
   * Whether a completed Amazon ECS deployment is notified, with the version it installed. Failures
   * and rollbacks always are. (Which CodeDeploy states arrive is chosen by the rule's pattern,
   * {@link NOTIFIED_FAILURE_STATES} plus `SUCCESS`.)
   */
  readonly notifyDeploymentSuccess?: boolean;
  /** The topic that receives every message, INFO and up. */
  readonly topicArn: string;
  /**
   * The topics of the thresholds above INFO: a message of one severity is published to
   * `topicArn` and to each of these whose threshold is at most that severity.
   * (`SeverityTopic` of contract/notification-routing.ts; repeated here so this file imports nothing.)
   */
  readonly severityTopics?: { readonly topicArn: string; readonly minimumSeverity: 'INFO' | 'WARNING' | 'CRITICAL' }[];
  /** Whether the start of a deployment (CodeDeploy `START`, a first Amazon ECS `SERVICE_DEPLOYMENT_IN_PROGRESS`) is notified. */
  readonly notifyDeploymentStart?: boolean;
  /** The environment variable of the application container holding the release version, e.g. `RELEASE_VERSION`. */
  readonly releaseVersionVariable: string;
  /** The pipeline's executions in the console, where the commit of each release shows. */
  readonly pipelineConsoleUrl?: string;
  /**
   * The deployment record's incident reports: a message about a rollback of a service and stage
   * of `releaseKeys` (`<service>#<stage>`, those the recorder writes reports of) links the
   * rolled-back deployment's report in `bucket` (`incidentReportKey` of contract/deployment-record.ts).
   */
  readonly incidentReports?: { readonly bucket: string; readonly releaseKeys: string[] };
}

/** CodeDeploy deployment states the notifier is invoked for: always failures and stops. */
export const NOTIFIED_FAILURE_STATES = ['FAILURE', 'STOP'] as const;

/** The EventBridge `source` and `detail-type` of Amazon ECS's service deployment state changes. */
export const ECS_DEPLOYMENT_EVENT_SOURCE = 'aws.ecs';
export const ECS_DEPLOYMENT_DETAIL_TYPE = 'ECS Deployment State Change';

/**
 * The `detail.eventName`s of Amazon ECS deployments the notifier is invoked for. A completed
 * deployment may be a finished rollback, which is always notified, so completions are invoked
 * for even without {@link ReleaseNotifierConfig.notifyDeploymentSuccess}; `SERVICE_DEPLOYMENT_IN_PROGRESS`
 * (a start, or a rollback's start) is never notified.
 */
export const NOTIFIED_ECS_DEPLOYMENT_EVENTS = ['SERVICE_DEPLOYMENT_FAILED', 'SERVICE_DEPLOYMENT_COMPLETED'] as const;
