/**
 * What the failed-task-set guard of RollbackAlarms passes to its handler, the function that stops
 * and rolls back a deployment whose green task set keeps failing.
 *
 * One function per stack guards every service of the stack: each service's EventBridge rule sends
 * it a {@link TaskSetGuardInput}, that service's configuration with the event. A function of its
 * own may instead read one service's configuration, as one JSON document, from the environment
 * variable {@link TASK_SET_GUARD_CONFIG_ENV} and receive the bare event.
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** Environment variable holding `JSON.stringify(TaskSetGuardConfig)`, for a function that guards one service. */
export const TASK_SET_GUARD_CONFIG_ENV = 'CDK_ECS_RELEASE_TASK_SET_GUARD_CONFIG';

/**
 * Construct id, under the stack, of the guard function the stack's services share. The function
 * of services whose guard log has another retention than the default has this id followed by
 * `LogRetention<days>`.
 */
export const SHARED_TASK_SET_GUARD_ID = 'CdkEcsReleaseFailedTaskSetGuard';

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

/**
 * What a service's rule sends to the shared guard function: the service's configuration and the
 * ECS event as EventBridge delivered it (the rule's input transformer places the whole event,
 * `$`, under `event`).
 */
export interface TaskSetGuardInput<E = unknown> {
  readonly guard: TaskSetGuardConfig;
  readonly event: E;
}
