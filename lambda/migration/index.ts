/**
 * MigrationHook: at AfterInstall, runs the database migration as one ECS task from the green
 * task definition and fails the deployment if it does not exit 0.
 */
import { HOOK_NAME_ENV } from '../../contract/hook';
import { codeDeployHook, ecsNativeHook } from '../shared';
import { MigrationState, migrationBody, stopMigrationTask } from './migration';

export type { CodeDeployHookEvent as MigrationHookEvent, HookRunSummary as MigrationHookResult } from '../shared';
export type { MigrationState } from './migration';

const hookName = process.env[HOOK_NAME_ENV] ?? 'migration';

/** Handler for a CodeDeploy AfterInstall hook. */
export const handler = codeDeployHook<MigrationState>(migrationBody, { hookName, onFailure: stopMigrationTask });

/** Handler for an Amazon ECS native blue/green hook (POST_SCALE_UP). */
export const ecsHandler = ecsNativeHook<MigrationState>(migrationBody, { hookName, onFailure: stopMigrationTask });
