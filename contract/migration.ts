/**
 * What the MigrationHook construct passes to the migration handler.
 *
 * The whole configuration travels as one JSON document in a single environment variable, so
 * the construct and the handler agree on one typed shape rather than a dozen loose strings.
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** Environment variable holding `JSON.stringify(MigrationHookConfig)`. */
export const MIGRATION_CONFIG_ENV = 'CDK_ECS_RELEASE_MIGRATION_CONFIG';

/** Tag put on the migration task; its value is the CodeDeploy deployment id. */
export const MIGRATION_DEPLOYMENT_TAG_KEY = 'cdk-ecs-release:deployment-id';

/** Defaults applied by the handler when a field is left out. */
export const MIGRATION_DEFAULTS = {
  totalDeadlineSeconds: 1800,
  pollIntervalSeconds: 10,
  launchType: 'FARGATE',
  assignPublicIp: false,
  lifecycleEventName: 'AfterInstall',
} as const;

export interface MigrationHookConfig {
  /** ARN (or name) of the cluster that runs the service. */
  readonly clusterArn: string;
  /** Name of the ECS service being deployed. */
  readonly serviceName: string;
  /** Container of the green task definition whose command is overridden and whose exit code decides. */
  readonly containerName: string;
  /** Command override for that container, e.g. `["npm", "run", "migrate"]`. Absent: the image's own command. */
  readonly command?: string[];
  /** Extra environment variables for that container. */
  readonly environment?: { readonly name: string; readonly value: string }[];
  /** Subnets for the task's awsvpc network configuration. */
  readonly subnets: string[];
  /** Security groups for the task's awsvpc network configuration. */
  readonly securityGroups: string[];
  /** Assign a public IP to the task. Default false. */
  readonly assignPublicIp?: boolean;
  /** Launch type. Default FARGATE. */
  readonly launchType?: 'FARGATE' | 'EC2';
  /** Fargate platform version, e.g. `LATEST` or `1.4.0`. Absent: the ECS default. */
  readonly platformVersion?: string;
  /**
   * Longest a migration may run, counted from the moment its task was created; at this deadline
   * the task is stopped and the hook reports Failed. Default 1800. Must stay under CodeDeploy's
   * one-hour hook limit.
   */
  readonly totalDeadlineSeconds?: number;
  /** Seconds between two DescribeTasks polls. Default 10. Fractions are accepted. */
  readonly pollIntervalSeconds?: number;
  /** awslogs group of the migration container, to name the log stream in failure reasons. */
  readonly logGroupName?: string;
  /** awslogs stream prefix of the migration container. */
  readonly logStreamPrefix?: string;
  /**
   * The CodeDeploy lifecycle event the hook runs at, as named in the AppSpec file, e.g.
   * `AfterInstall`. A delivery that finds no task started and this event no longer in progress
   * starts none: the migration already ran for the deployment. Default `AfterInstall`.
   */
  readonly lifecycleEventName?: string;
}
