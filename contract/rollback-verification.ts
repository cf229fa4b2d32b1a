/**
 * What the EventBridge rule of a SmokeTestHook's rollback verification passes to the smoke-test
 * function: the rollback's completion event, wrapped with the settings of the service it
 * concerns. The function tells this input from a lifecycle hook's event by
 * {@link ROLLBACK_VERIFICATION_FIELD}.
 *
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** The field of the rule's input that holds the {@link RollbackVerificationSettings}. */
export const ROLLBACK_VERIFICATION_FIELD = 'cdkEcsReleaseRollbackVerification';

/** The field of the rule's input that holds the EventBridge event as it was matched. */
export const ROLLBACK_VERIFICATION_EVENT_FIELD = 'event';

/** The version of the settings' format this library writes. */
export const ROLLBACK_VERIFICATION_VERSION = 1;

/** Which engine the service deploys with, as the result event names it. */
export type RollbackVerificationEngine = 'CODE_DEPLOY' | 'ECS';

/** The settings of one service's verification, rendered at synthesis. */
export interface RollbackVerificationSettings {
  readonly version: number;
  readonly engine: RollbackVerificationEngine;
  /** The service's name as people know it. */
  readonly serviceName: string;
  /**
   * On the ECS engine, the service's ARN: a rule serves several services, and the function acts
   * only on events whose resources name this one. Absent from the settings of earlier versions'
   * rules, one per service.
   */
  readonly serviceArn?: string;
  /** On the CodeDeploy engine: the function acts only on events of this application's... */
  readonly applicationName?: string;
  /** ...deployment group. */
  readonly deploymentGroupName?: string;
  /**
   * The smoke test's configuration by variable name, as the hook's own function reads it from its
   * environment, with the base URL of the production listener instead of the test listener's.
   */
  readonly config: Record<string, string>;
}

/**
 * Milliseconds of the function's run kept back from the checks for putting the result event:
 * checks still running then are stopped and the rollback reported UNVERIFIED.
 */
export const ROLLBACK_VERIFICATION_RESERVE_MS = 15_000;
