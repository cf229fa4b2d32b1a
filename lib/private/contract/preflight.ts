/**
 * What the PreflightHook construct passes to the pre-flight handler.
 *
 * The whole configuration travels as one JSON document in a single environment variable.
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** Environment variable holding `JSON.stringify(PreflightHookConfig)`. */
export const PREFLIGHT_CONFIG_ENV = 'CDK_ECS_RELEASE_PREFLIGHT_CONFIG';

export interface PreflightHookConfig {
  /**
   * Read the rollback alarms of the deployment's own deployment group from CodeDeploy
   * (`GetDeployment` then `GetDeploymentGroup`). Default true.
   */
  readonly readDeploymentGroupAlarms?: boolean;
  /**
   * CodeDeploy application and deployment group to read the alarms from. Absent: the ones of
   * the deployment that invoked the hook, which is what one normally wants.
   */
  readonly applicationName?: string;
  readonly deploymentGroupName?: string;
  /**
   * Alarm names checked in addition to the deployment group's; also the fallback when the
   * deployment group cannot be read.
   */
  readonly alarmNames?: string[];
  /** Refuse to start when an alarm has its actions disabled. Default true. */
  readonly failOnActionsDisabled?: boolean;
}
