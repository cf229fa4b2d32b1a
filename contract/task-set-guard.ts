/**
 * What the failed-task-set guard of RollbackAlarms passes to its handler, the function that stops
 * and rolls back a deployment whose green task set keeps failing.
 *
 * The whole configuration travels as one JSON document in a single environment variable.
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** Environment variable holding `JSON.stringify(TaskSetGuardConfig)`. */
export const TASK_SET_GUARD_CONFIG_ENV = 'CDK_ECS_RELEASE_TASK_SET_GUARD_CONFIG';

/** The EventBridge event the guard reacts to. */
export const TASK_STATE_CHANGE_SOURCE = 'aws.ecs';
export const TASK_STATE_CHANGE_DETAIL_TYPE = 'ECS Task State Change';

export const TASK_SET_GUARD_DEFAULTS = {
  /**
   * Two, not one: a single task can fail for a reason of the moment (a throttled image pull, a
   * capacity shortage, an ENI that attached late) and ECS starts another at once; a second failure
   * of the same task set is a pattern, and arrives within a minute or two.
   */
  failedTaskThreshold: 2,
  stopDeployments: true,
} as const;

export interface TaskSetGuardConfig {
  /** The CodeDeploy application and deployment group whose deployments the guard stops. */
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  /** ARN of the service's cluster, as the task state-change events carry it. */
  readonly clusterArn: string;
  /** Name of the ECS service; its tasks have the group `service:<name>`. */
  readonly serviceName: string;
  /** The service's name as people know it, for log lines. */
  readonly displayName?: string;
  /** Failed tasks of the green task set at which the deployment is stopped. Default 2. */
  readonly failedTaskThreshold?: number;
  /** False: log what would be done, stop nothing. Default true. */
  readonly stopDeployments?: boolean;
}
