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
import { codeDeployHook } from '../shared/codedeploy';
import { ecsNativeHook } from '../shared/ecs-native';
import { smokeTestBody } from './run';

export type { CodeDeployHookEvent, HookRunSummary } from '../shared/codedeploy';
export type { EcsNativeHookEvent, EcsNativeHookResult } from '../shared/ecs-native';
export type { SmokeCheckSpec } from '../../contract/smoke-test';

const hookName = process.env[HOOK_NAME_ENV] || 'smoke-test';

/** Entry point for a CodeDeploy lifecycle hook (`index.handler`). */
export const handler = codeDeployHook(smokeTestBody, { hookName });

/** Entry point for an Amazon ECS blue/green lifecycle hook (`index.ecsHandler`). */
export const ecsHandler = ecsNativeHook(smokeTestBody, { hookName });
