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
 * deployed task definition.
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
import { codeDeployHook } from '../shared/codedeploy';
import { ecsNativeHook } from '../shared/ecs-native';
import { withHookConfiguration } from '../shared/hook-configuration';
import { smokeTestBody } from './run';

export type { CodeDeployHookEvent, HookRunSummary } from '../shared/codedeploy';
export type { EcsNativeHookEvent, EcsNativeHookResult } from '../shared/ecs-native';
export type { SmokeCheckSpec } from '../../contract/smoke-test';

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

/** Entry point for a CodeDeploy lifecycle hook (`index.handler`). */
export const handler = codeDeployHook(body, { hookName });

/** Entry point for an Amazon ECS blue/green lifecycle hook (`index.ecsHandler`). */
export const ecsHandler = ecsNativeHook(body, { hookName });
