/**
 * What a release pipeline passes to the migration dry-run program, which its stage runs before a
 * production approval: the one-off task of the release's task definition with the migration's
 * dry-run command, whose output the approver reads.
 *
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** Environment variables of the dry-run build. */
export const DRY_RUN_ENV = {
  /** `JSON.stringify(MigrationDryRunConfig)`. */
  config: 'CDK_ECS_RELEASE_DRY_RUN_CONFIG',
  /** The release's image, by digest (`#{Build.IMAGE_URI}`). */
  image: 'DRY_RUN_IMAGE',
  /** `s3://bucket/key` of the bundled dry-run program. */
  programUrl: 'DRY_RUN_PROGRAM_URL',
  /** Bucket the full output is kept in (the pipeline's artifact bucket). */
  outputBucket: 'DRY_RUN_OUTPUT_BUCKET',
  /** KMS key the output is encrypted with (the artifact bucket's). */
  outputKey: 'DRY_RUN_OUTPUT_KEY',
  /** Key, in that bucket, of the full output of this execution's dry run. */
  outputObject: 'DRY_RUN_OUTPUT_OBJECT',
} as const;

/** Variables the dry-run action exports to the pipeline (`#{<namespace>.DRY_RUN_SUMMARY}`). */
export const DRY_RUN_VARIABLES = {
  /** The last lines of the output, and the verdict, on one line. */
  summary: 'DRY_RUN_SUMMARY',
  /** CloudWatch Logs console link to the dry-run container's log stream. */
  logUrl: 'DRY_RUN_LOG_URL',
  /** `s3://` address of the full output. */
  outputUri: 'DRY_RUN_OUTPUT_URI',
  /** The container's exit code. */
  exitCode: 'DRY_RUN_EXIT_CODE',
} as const;

/** Prefix, in the artifact bucket, of the dry runs' outputs: `<prefix>/<execution id>/<service>.log`. */
export const DRY_RUN_OUTPUT_PREFIX = 'migration-dry-runs';

/** `startedBy` of the dry-run task, which tells it apart from the migration and the service's tasks. */
export const DRY_RUN_STARTED_BY = 'cdk-ecs-release-dry-run';

/** Longest summary: it goes into the approval request, which holds at most 500 characters in all. */
export const DRY_RUN_SUMMARY_MAX_LENGTH = 150;

/** Defaults applied by the program when a field is left out. */
export const DRY_RUN_DEFAULTS = {
  timeoutSeconds: 1800,
  pollIntervalSeconds: 10,
  /** The output kept, at most; the container log's first part beyond it is dropped. */
  maxOutputBytes: 1024 * 1024,
} as const;

export interface MigrationDryRunConfig {
  /** ARN of the cluster that runs the service. */
  readonly clusterArn: string;
  /** Name of the ECS service, whose current task definition the release's image is put in when no taskdef.json is given. */
  readonly serviceName: string;
  /** The application container: its image is the release's, its command the dry-run command. */
  readonly containerName: string;
  /** The dry-run command, e.g. `["npm", "run", "migrate", "--", "--dry-run"]`. */
  readonly command: string[];
  /** Extra environment variables of the container (the migration's). */
  readonly environment?: { readonly name: string; readonly value: string }[];
  /** Subnets of the task's awsvpc network configuration. */
  readonly subnets: string[];
  /** Security groups of the task's awsvpc network configuration. */
  readonly securityGroups: string[];
  /** Assign a public IP to the task. Default false. */
  readonly assignPublicIp?: boolean;
  /** Fargate platform version. Absent: the ECS default. */
  readonly platformVersion?: string;
  /** Longest the task may take, from its start to its stop; then it is stopped and the dry run fails. Default 1800. */
  readonly timeoutSeconds?: number;
  /** Seconds between two DescribeTasks polls. Default 10. */
  readonly pollIntervalSeconds?: number;
  /** awslogs group of the container, read for the output. */
  readonly logGroupName?: string;
  /** awslogs stream prefix of the container. */
  readonly logStreamPrefix?: string;
  /**
   * The `taskdef.json` to run, relative to the build's source folder (CodeDeploy engine: the
   * request CodeDeploy registers, with `<IMAGE1_NAME>`). Absent: the service's current task
   * definition with the release's image (Amazon ECS engine: what the stack update registers).
   */
  readonly taskDefinitionFile?: string;
  /** The placeholder of the release's image in `taskDefinitionFile`. */
  readonly imagePlaceholder?: string;
}
