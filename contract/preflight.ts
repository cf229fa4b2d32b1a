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
  /**
   * Start even when the deployment group has alarm monitoring turned off, so that its alarms
   * would not stop or roll back the deployment. Default false.
   */
  readonly allowDisabledAlarmMonitoring?: boolean;
}

/**
 * The most pages of `DescribeAlarms` read for one batch of 100 names. The names match at most
 * 100 alarms, which fit in one page of 100; a service that keeps returning `NextToken` past
 * this is misbehaving, and the hook refuses rather than loop until its deadline.
 */
export const MAX_DESCRIBE_ALARMS_PAGES = 5;
