/**
 * MigrationHook: at AfterInstall, runs the database migration as one ECS task from the green
 * task definition and fails the deployment if it does not exit 0.
 */
import { HOOK_NAME_ENV } from '../../contract/hook';
import { MIGRATION_CONFIG_ENV } from '../../contract/migration';
import { cleanupWithHookConfiguration, codeDeployHook, ecsNativeHook, withHookConfiguration } from '../shared';
import { MigrationState, migrationBody, stopMigrationTask } from './migration';

export type { CodeDeployHookEvent as MigrationHookEvent, HookRunSummary as MigrationHookResult } from '../shared';
export type { MigrationState } from './migration';

const hookName = process.env[HOOK_NAME_ENV] ?? 'migration';

/**
 * The body and the failure cleanup read their configuration on each run; a shared function's
 * comes from the service's parameter, read again by a continued invocation.
 */
const body = withHookConfiguration<MigrationState>(MIGRATION_CONFIG_ENV, migrationBody);
const onFailure = cleanupWithHookConfiguration<MigrationState>(MIGRATION_CONFIG_ENV, stopMigrationTask);

/** Handler for a CodeDeploy AfterInstall hook. */
export const handler = codeDeployHook<MigrationState>(body, { hookName, hookKind: 'migration', onFailure });

/** Handler for an Amazon ECS native blue/green hook (POST_SCALE_UP). */
export const ecsHandler = ecsNativeHook<MigrationState>(body, { hookName, hookKind: 'migration', onFailure });
