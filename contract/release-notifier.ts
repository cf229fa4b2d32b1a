/**
 * What ReleasePipeline passes to the release notifier, the function that tells the notification
 * topic why a deployment of one of its stages failed, was stopped or (optionally) succeeded.
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

export interface ReleaseNotifierConfig {
  readonly deploymentGroups: NotifiedDeploymentGroup[];
  /** The topic that receives the message. */
  readonly topicArn: string;
  /** The environment variable of the application container holding the release version, e.g. `RELEASE_VERSION`. */
  readonly releaseVersionVariable: string;
  /** The pipeline's executions in the console, where the commit of each release shows. */
  readonly pipelineConsoleUrl?: string;
}

/** CodeDeploy deployment states the notifier is invoked for: always failures and stops. */
export const NOTIFIED_FAILURE_STATES = ['FAILURE', 'STOP'] as const;
