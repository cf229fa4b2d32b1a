/**
 * The hook runtime: wraps a hook body so that, whatever happens, the calling engine gets exactly
 * one answer. Hook handlers import from here:
 *
 * ```ts
 * import { codeDeployHook, succeeded, failed } from '../shared';
 * export const handler = codeDeployHook(async ({ signal, logger }) => { ... return succeeded(); });
 * ```
 */
export { succeeded, failed, inProgress, formatSeconds, MAX_DEADLINE_CLEANUP_MS } from './hook';
export type {
  HookBody,
  HookContext,
  DeadlineCleanup,
  DeadlineCleanupScope,
  FailureCleanup,
  FailureCleanupScope,
  HookContinuation,
  HookExecution,
  CodeDeployExecution,
  EcsNativeExecution,
  HookOutcome,
  HookSucceeded,
  HookFailed,
  HookInProgress,
  HookRuntimeOptions,
  LambdaContext,
} from './hook';
export { codeDeployHook, reportHookStatus, codeDeployApi } from './codedeploy';
export type { CodeDeployApi, CodeDeployHookEvent, CodeDeployHookOptions, HookRunSummary, ReportResult } from './codedeploy';
export { ecsDeploymentTarget } from './deployment-target';
export { ecsNativeHook, ROLLBACK_STAGES } from './ecs-native';
export { ecsDeploymentOf, ecsDeploymentFacts, describeEcsDeployment } from './ecs-deployment';
export type { EcsDeploymentFacts, EcsDeploymentState } from './ecs-deployment';
export type { EcsNativeHookEvent, EcsNativeHookResult } from './ecs-native';
export { createLogger, describeError, errorMessage } from './logger';
export type { Logger, LogFields, LogLevel, LogSink } from './logger';
export { withRetry, isRetryableAwsError, sleep, AttemptTimeoutError, DEFAULT_RETRY } from './retry';
export type { RetryOptions, RetryAttempt, RetryNotice, CallRetryOptions } from './retry';
export { awsCall } from './aws-call';
export { UnexpectedAnswerError, answerOf, objectList, optionalObject, stringList } from './answer';
export type { AwsCallScope, AwsCallOptions } from './aws-call';
export { awsRegion, clientConfig, lazy } from './clients';
export { JsonConfigReader } from './config';
export { withHookConfiguration, cleanupWithHookConfiguration, readHookConfiguration, ssmApi } from './hook-configuration';
export type { HookConfigurationTarget, HookConfigurationRead, HookConfigurationScope, SsmApi } from './hook-configuration';
