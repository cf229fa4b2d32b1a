/**
 * PreflightHook: at BeforeInstall, refuses to start a deployment whose rollback alarms already
 * fire, have their actions disabled, or do not exist.
 */
import { HOOK_NAME_ENV } from '../../contract/hook';
import { PREFLIGHT_CONFIG_ENV } from '../../contract/preflight';
import { codeDeployHook, ecsNativeHook, withHookConfiguration } from '../shared';
import { preflightBody } from './preflight';

export type { CodeDeployHookEvent as PreflightHookEvent, HookRunSummary as PreflightHookResult } from '../shared';

const hookName = process.env[HOOK_NAME_ENV] ?? 'preflight';

/** The body reads its configuration on each run; a shared function's comes from the service's parameter. */
const body = withHookConfiguration(PREFLIGHT_CONFIG_ENV, preflightBody);

/** Handler for a CodeDeploy BeforeInstall hook. */
export const handler = codeDeployHook(body, { hookName, hookKind: 'preflight' });

/**
 * Handler for an Amazon ECS native blue/green hook (PRE_SCALE_UP). There is no CodeDeploy
 * deployment group then, so only the configured `alarmNames` are checked.
 */
export const ecsHandler = ecsNativeHook(body, { hookName, hookKind: 'preflight' });
