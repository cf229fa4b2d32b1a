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
  /** Refuse to start outside this weekly window, so a `cdk deploy` release keeps it too. */
  readonly deploymentWindow?: PreflightWindowConfig;
  /**
   * AWS Systems Manager Change Calendars (names or ARNs): refuse to start while one of them is
   * CLOSED, a change freeze people manage in the Change Calendar console without a code change.
   */
  readonly changeCalendars?: string[];
  /**
   * Honour the service's hotfix override (`contract/freeze-override.ts`) while a change calendar
   * is CLOSED. Absent: no override, a freeze refuses every release.
   */
  readonly freezeOverride?: PreflightFreezeOverrideConfig;
}

/** Where the pre-flight hook reads a hotfix override, and the release version it may name. */
export interface PreflightFreezeOverrideConfig {
  /** The override's SSM parameter: `freezeOverrideParameterName(<ECS service name>)`. */
  readonly parameterName: string;
  /** The application container, whose environment holds the release version. */
  readonly container: string;
  /** The container's environment variable that holds the release version, e.g. `RELEASE_VERSION`. */
  readonly versionVariable: string;
}

/** A weekly deployment window, as the pre-flight hook checks it. */
export interface PreflightWindowConfig {
  /** The days a deployment may start: `MON` … `SUN`. */
  readonly days: string[];
  /** The first hour a deployment may start, 0-23, in `timeZone`. */
  readonly startHour: number;
  /** The hour the window closes, 1-24, after `startHour`. */
  readonly endHour: number;
  /** An IANA time zone name. Default UTC. */
  readonly timeZone?: string;
  /** The window for people, e.g. `Mon, Tue 09:00-16:00 Europe/Dublin`. */
  readonly description: string;
}

/** The days of a {@link PreflightWindowConfig}, in the week's order from Sunday. */
export const WINDOW_DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/**
 * The most pages of `DescribeAlarms` read for one batch of 100 names. The names match at most
 * 100 alarms, which fit in one page of 100; a service that keeps returning `NextToken` past
 * this is misbehaving, and the hook refuses rather than loop until its deadline.
 */
export const MAX_DESCRIBE_ALARMS_PAGES = 5;
