/**
 * What every hook construct passes to a hook function built on the runtime in `lambda/shared`,
 * and the fields the runtime adds to the event when it hands work over to a fresh invocation.
 *
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** Name of the hook in every log line, e.g. `smoke-test`. Default: the function name. */
export const HOOK_NAME_ENV = 'CDK_ECS_RELEASE_HOOK_NAME';

/**
 * Milliseconds kept in reserve before the function's own timeout: when only this much is left,
 * the runtime stops the hook body and reports Failed instead of letting Lambda kill the function.
 * Default: {@link DEFAULT_HOOK_SAFETY_MARGIN_MS}, or {@link SHORT_FUNCTION_SAFETY_MARGIN_FRACTION}
 * of the remaining time for short functions.
 */
export const HOOK_SAFETY_MARGIN_MS_ENV = 'CDK_ECS_RELEASE_HOOK_SAFETY_MARGIN_MS';

/**
 * Seconds a hook may take in total, across the invocations it hands over to (a long migration).
 * CodeDeploy waits at most one hour for a hook's status; the default leaves five minutes of it.
 */
export const HOOK_TOTAL_TIMEOUT_SECONDS_ENV = 'CDK_ECS_RELEASE_HOOK_TOTAL_TIMEOUT_SECONDS';

export const DEFAULT_HOOK_SAFETY_MARGIN_MS = 10_000;
export const SHORT_FUNCTION_SAFETY_MARGIN_FRACTION = 0.2;
export const DEFAULT_HOOK_TOTAL_TIMEOUT_SECONDS = 3300;

/** CodeDeploy's own limit on how long it waits for a hook's status. */
export const CODEDEPLOY_HOOK_TIMEOUT_SECONDS = 3600;

/**
 * Field the runtime adds to the event of a continued invocation (CodeDeploy: next to
 * `DeploymentId`; Amazon ECS: inside `hookDetails`).
 */
export const CONTINUATION_FIELD = 'continuation';

/** The value of {@link CONTINUATION_FIELD}. */
export interface HookContinuation<TState = unknown> {
  /** What the hook body returned to carry over. Must be JSON-serialisable. */
  readonly state: TState;
  /** How many times the hook body has returned "in progress" so far: 1 for the first continued run. */
  readonly attempt: number;
  /** ISO 8601 time at which the first invocation of this hook execution started. */
  readonly startedAt: string;
  /** ISO 8601 time before which the next run must not start (the delay the body asked for). */
  readonly resumeAt?: string;
}

/**
 * Set on a hook function shared by several services of a stack: the prefix of the SSM parameter
 * names holding each service's configuration (see {@link hookConfigurationParameterName}). When
 * set, the runtime reads the configuration of the deployment's service before the hook body runs.
 */
export const HOOK_CONFIGURATION_PREFIX_ENV = 'CDK_ECS_RELEASE_HOOK_CONFIGURATION_PREFIX';

/** The prefix the library's constructs use. */
export const HOOK_CONFIGURATION_PREFIX = '/cdk-ecs-release/hooks/';

/** Which section of a service's configuration a shared function reads, e.g. `preflight`. */
export const HOOK_KIND_ENV = 'CDK_ECS_RELEASE_HOOK_KIND';

/** The kinds of library hooks, the sections of {@link ServiceHookConfiguration}. */
export const HOOK_KINDS = ['preflight', 'migration', 'smoke-test', 'metric-gate'] as const;

/** One of {@link HOOK_KINDS}. */
export type HookKind = typeof HOOK_KINDS[number];

/**
 * Characters SSM accepts in a parameter name besides `/`; the CodeDeploy application and
 * deployment group names must consist of these to be part of one.
 */
export const PARAMETER_NAME_SEGMENT = /^[A-Za-z0-9_.-]+$/;

/**
 * The SSM parameter holding a service's hook configuration: one per CodeDeploy deployment group,
 * found from the deployment a hook is called for.
 */
export function hookConfigurationParameterName(prefix: string, applicationName: string, deploymentGroupName: string): string {
  return `${prefix}${applicationName}/${deploymentGroupName}`;
}

/** One hook's section of a {@link ServiceHookConfiguration}. */
export interface HookConfigurationSection {
  /** Name in every log line of the hook, e.g. `orders-api pre-flight`. */
  readonly hookName: string;
  /** The CodeDeploy lifecycle event the service runs the hook at, e.g. `BeforeInstall`: its result names it. */
  readonly lifecycleEvent?: string;
  /** The hook's configuration, as its handler reads it from its `*_CONFIG` variable otherwise. */
  readonly config: Record<string, unknown>;
}

/** The JSON value of a service's hook configuration parameter. */
export interface ServiceHookConfiguration {
  /** Format version; readers refuse other versions. */
  readonly version: 1;
  /** The service's name, for log lines. */
  readonly serviceName: string;
  /** The configuration of each of the service's library hooks, by kind. */
  readonly hooks: { readonly [kind: string]: HookConfigurationSection };
}
