/**
 * The smoke-test hook: runs HTTP checks against the service's test listener at
 * AfterAllowTestTraffic, from inside the VPC, and fails the deployment before production traffic
 * moves if any check gets an unexpected status, body, JSON field or version, or is too slow.
 *
 * Configuration: the environment variables in `lib/private/contract/smoke-test.ts`.
 * Permissions: `codedeploy:PutLifecycleEventHookExecutionStatus`; `secretsmanager:GetSecretValue`
 * on the secrets of authenticated checks; `ec2:DescribeNetworkInterfaces` when connecting to the
 * load balancer's private IPs; `codedeploy:ListDeploymentTargets`/`GetDeploymentTarget`,
 * `ecs:DescribeTaskSets` and `ecs:DescribeTaskDefinition` when a check expects the version of the
 * deployed task definition; `events:PutEvents` of its result (`Release Hook Result`). Verifying a
 * completed rollback (`rollback-verification.ts`) adds `events:PutEvents` of its own event,
 * `codedeploy:GetDeployment` (CodeDeploy) or
 * `ecs:ListServiceDeployments`/`DescribeServiceDeployments` (Amazon ECS).
 */
import { HOOK_NAME_ENV } from '../../contract/hook';
import {
  SMOKE_CHECKS_ENV,
  SMOKE_CONCURRENCY_ENV,
  SMOKE_DEPLOYED_SERVICE_ENV,
  SMOKE_EXPECTED_VERSION_ENV,
  SMOKE_EXPECTED_VERSION_VARIABLE_ENV,
  SMOKE_LOAD_BALANCER_FULL_NAME_ENV,
  SMOKE_TEST_BASE_URL_ENV,
  SMOKE_VERIFY_TLS_ENV,
} from '../../contract/smoke-test';
import { CodeDeployHookEvent, HookRunSummary, codeDeployHook } from '../shared/codedeploy';
import { EcsNativeHookEvent, EcsNativeHookResult, ecsNativeHook } from '../shared/ecs-native';
import type { LambdaContext } from '../shared/hook';
import { withHookConfiguration } from '../shared/hook-configuration';
import { isRollbackVerificationInput, verifyRollback } from './rollback-verification';
import type { RollbackVerificationInput, RollbackVerificationSummary } from './rollback-verification';
import { smokeTestBody } from './run';

export type { CodeDeployHookEvent, HookRunSummary } from '../shared/codedeploy';
export type { EcsNativeHookEvent, EcsNativeHookResult } from '../shared/ecs-native';
export type { SmokeCheckSpec } from '../../contract/smoke-test';
export type { RollbackVerificationInput, RollbackVerificationSummary } from './rollback-verification';

const hookName = process.env[HOOK_NAME_ENV] || 'smoke-test';

/**
 * The variables the smoke test reads its configuration from, on each run. A shared function's
 * `smoke-test` section holds them as the fields of its config, by the same names (the checks as
 * a list or as its JSON text); a field left out unsets its variable.
 */
export const SMOKE_TEST_CONFIG_VARIABLES = [
  SMOKE_TEST_BASE_URL_ENV,
  SMOKE_CHECKS_ENV,
  SMOKE_CONCURRENCY_ENV,
  SMOKE_EXPECTED_VERSION_ENV,
  SMOKE_EXPECTED_VERSION_VARIABLE_ENV,
  SMOKE_DEPLOYED_SERVICE_ENV,
  SMOKE_LOAD_BALANCER_FULL_NAME_ENV,
  SMOKE_VERIFY_TLS_ENV,
] as const;

const body = withHookConfiguration(SMOKE_TEST_CONFIG_VARIABLES, smokeTestBody);

const codeDeployEntry = codeDeployHook(body, { hookName, hookKind: 'smoke-test' });
const ecsEntry = ecsNativeHook(body, { hookName, hookKind: 'smoke-test' });

/**
 * Entry point for a CodeDeploy lifecycle hook (`index.handler`), and for the rule that verifies
 * a completed rollback (its input carries `cdkEcsReleaseRollbackVerification`).
 */
export const handler = ((event: CodeDeployHookEvent | RollbackVerificationInput, context: LambdaContext) =>
  (isRollbackVerificationInput(event) ? verifyRollback(event, context) : codeDeployEntry(event, context))) as
  ((event: CodeDeployHookEvent, context: LambdaContext) => Promise<HookRunSummary>)
  & ((event: RollbackVerificationInput, context: LambdaContext) => Promise<RollbackVerificationSummary>);

/** Entry point for an Amazon ECS blue/green lifecycle hook (`index.ecsHandler`), and for the rollback verification rule. */
export const ecsHandler = ((event: EcsNativeHookEvent | RollbackVerificationInput, context: LambdaContext) =>
  (isRollbackVerificationInput(event) ? verifyRollback(event, context) : ecsEntry(event, context))) as
  ((event: EcsNativeHookEvent, context: LambdaContext) => Promise<EcsNativeHookResult>)
  & ((event: RollbackVerificationInput, context: LambdaContext) => Promise<RollbackVerificationSummary>);
