/**
 * Events the library's functions put on the default EventBridge bus of their account and region,
 * so that the notifier, the deployment record and people's own rules all see one fact once.
 *
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** The `source` of every event this library puts. */
export const RELEASE_EVENT_SOURCE = 'cdk-ecs-release';

/** The `detail-type` of the outcome of a rollback's verification. */
export const ROLLBACK_VERIFICATION_DETAIL_TYPE = 'Rollback Verification Result';

/**
 * `VERIFIED`: after the rollback completed, every smoke check passed against the production
 * listener: the old version serves again. `UNVERIFIED`: a check failed, or the checks could not
 * run (the rollback did not complete in time, the target could not be read): the release is
 * broken and the old version may be too, which pages at critical severity.
 */
export type RollbackVerificationOutcome = 'VERIFIED' | 'UNVERIFIED';

/** One smoke check's result, as a person reads it. */
export interface VerifiedCheck {
  readonly name: string;
  readonly passed: boolean;
  /** One line: the status, body or latency it saw against what it expected. */
  readonly detail: string;
}

/** The `detail` of a {@link ROLLBACK_VERIFICATION_DETAIL_TYPE} event. */
export interface RollbackVerificationDetail {
  readonly outcome: RollbackVerificationOutcome;
  /** Which engine rolled back: `CODE_DEPLOY` or `ECS`. */
  readonly engine: 'CODE_DEPLOY' | 'ECS';
  /** The service's name as people know it, e.g. `orders-api`. */
  readonly serviceName: string;
  /** The ECS service's ARN, when known. */
  readonly serviceArn?: string;
  /** The CodeDeploy deployment id, or the Amazon ECS service deployment ARN, that rolled back. */
  readonly deploymentId: string;
  /** CodeDeploy names, on that engine: the notifier finds the stage by them. */
  readonly applicationName?: string;
  readonly deploymentGroupName?: string;
  /** One line: why the outcome is what it is. */
  readonly reason: string;
  /** The checks run, in order; empty when they could not run. */
  readonly checks: VerifiedCheck[];
  /** The production URL the checks ran against. */
  readonly url?: string;
  /** The version the service runs after the rollback, when known. */
  readonly restoredVersion?: string;
  /** ISO 8601 times the verification started and ended. */
  readonly startedAt: string;
  readonly completedAt: string;
}

/** EventBridge `PutEvents` takes at most 256 KB per entry; the detail is kept far below. */
export const MAX_RELEASE_EVENT_DETAIL_BYTES = 64 * 1024;
