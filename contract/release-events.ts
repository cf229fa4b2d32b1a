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

/** The `detail-type` of one lifecycle hook's final result, put once the engine has it. */
export const HOOK_RESULT_DETAIL_TYPE = 'Release Hook Result';

/** A hook's final result: the deployment goes on (`SUCCEEDED`) or stops and rolls back (`FAILED`). */
export type HookResultStatus = 'SUCCEEDED' | 'FAILED';

/** One figure a hook decided on, e.g. the metric gate's green error rate against its threshold. */
export interface HookFigure {
  /** e.g. `errors`, `latency`. */
  readonly name: string;
  /** The figure seen; absent when there was no data. */
  readonly value?: number;
  /** The value at or under which it passes. */
  readonly threshold?: number;
  /** e.g. `pass`, `marginal`, `fail`, `inconclusive`. */
  readonly verdict?: string;
}

/** What a hook found besides its status and summary: each kind sets its own, all small. */
export interface HookResultFacts {
  /** Smoke tests and pre-flight checks: each check, as a person reads it. */
  readonly checks?: readonly VerifiedCheck[];
  /** The metric gate: its figures. */
  readonly figures?: readonly HookFigure[];
  /** The metric gate: its verdict, `pass`, `marginal`, `fail` or `inconclusive`. */
  readonly verdict?: string;
  /** The migration: its container's exit code, and its log stream in the console. */
  readonly exitCode?: number;
  readonly logUrl?: string;
}

/**
 * Where a hook's result belongs, set on a hook's own function as JSON in
 * {@link HOOK_RESULT_TARGET_ENV}; a function shared by several services reads it from each
 * service's configuration instead.
 */
export interface HookResultTarget {
  /** The service's name as people know it, e.g. `orders-api`. */
  readonly serviceName: string;
  /** The CodeDeploy lifecycle event the hook runs at, e.g. `AfterAllowTestTraffic` (Amazon ECS names its stage in the event). */
  readonly lifecycleEvent?: string;
  /** The CodeDeploy names of the service's deployment group. */
  readonly applicationName?: string;
  readonly deploymentGroupName?: string;
}

/** Environment variable holding `JSON.stringify(HookResultTarget)` on a hook's own function. */
export const HOOK_RESULT_TARGET_ENV = 'CDK_ECS_RELEASE_HOOK_RESULT_TARGET';

/** The `detail` of a {@link HOOK_RESULT_DETAIL_TYPE} event. */
export interface HookResultDetail extends HookResultFacts {
  /** The hook's kind: `preflight`, `migration`, `smoke-test` or `metric-gate`. */
  readonly hookKind: string;
  /** The hook's name in its log lines, e.g. `orders-api smoke test`. */
  readonly hookName: string;
  readonly engine: 'CODE_DEPLOY' | 'ECS';
  /** The CodeDeploy lifecycle event (`AfterAllowTestTraffic`) or Amazon ECS lifecycle stage (`POST_TEST_TRAFFIC_SHIFT`). */
  readonly lifecycleEvent: string;
  readonly status: HookResultStatus;
  /** One line: why the result is what it is. */
  readonly summary: string;
  /** The CodeDeploy deployment id, or the Amazon ECS service deployment ARN: the deployment record's key. */
  readonly deploymentId: string;
  /** CodeDeploy names, on that engine: the recorder finds the stage by them. */
  readonly applicationName?: string;
  readonly deploymentGroupName?: string;
  /** The ECS service's ARN, on the Amazon ECS engine: the recorder finds the stage by it. */
  readonly serviceArn?: string;
  /** The service's name as people know it, e.g. `orders-api`. */
  readonly serviceName: string;
  /** ISO 8601 time the result was final. */
  readonly completedAt: string;
}
