/**
 * What ReleasePipeline hands to the artifact writer that its build runs, and the files the
 * writer produces for CodePipeline's Amazon ECS (blue/green) deploy action.
 *
 * Pure TypeScript with no imports: both `lib/` and `artifact-writer/` import this file.
 */

/** Environment variable of the build holding `JSON.stringify(ReleaseManifest)`. */
export const RELEASE_MANIFEST_ENV = 'CDK_ECS_RELEASE_MANIFEST';

/** `{"ImageURI": "<registry>/<repository>@sha256:<digest>"}`; the deploy action reads the image from it. */
export const IMAGE_DETAIL_FILE = 'imageDetail.json';

/** The `RegisterTaskDefinition` request with the application image replaced by {@link IMAGE_PLACEHOLDER}. */
export const TASK_DEFINITION_FILE = 'taskdef.json';

/** The AppSpec file, with `<TASK_DEFINITION>` where the registered task definition ARN goes. */
export const APPSPEC_FILE = 'appspec.yaml';

/**
 * The name of every release pipeline stage's deploy action, on both engines: what the deployment
 * record's action events carry as `detail.action`, and what the dashboard's DORA queries select.
 */
export const DEPLOY_ACTION_NAME = 'Deploy';

/**
 * How the deploy actions of a stage that deploys several services are named: `Deploy-<service>`,
 * each service's in the order the stage gives. The DORA queries select these too.
 */
export const DEPLOY_ACTION_PREFIX = `${DEPLOY_ACTION_NAME}-`;

/** The name the deploy action's `Image1ContainerName` setting gives the image placeholder. */
export const IMAGE_PLACEHOLDER_NAME = 'IMAGE1_NAME';

/** What the application image is in `taskdef.json`; the deploy action puts the pushed image there. */
export const IMAGE_PLACEHOLDER = `<${IMAGE_PLACEHOLDER_NAME}>`;

/** What the task definition ARN is in `appspec.yaml`; the deploy action puts the registered ARN there. */
export const TASK_DEFINITION_PLACEHOLDER = '<TASK_DEFINITION>';

/**
 * The environment variable the writer sets, in the application container of every
 * `taskdef.json`, to the release version (the image tag the build pushed), unless the manifest
 * names another. A smoke check reads it back from the deployed task definition.
 */
export const DEFAULT_RELEASE_VERSION_VARIABLE = 'RELEASE_VERSION';

/** What the name of an environment variable may look like: letters, digits and `_`, not starting with a digit. */
export const ENVIRONMENT_VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Every environment a release goes to, in pipeline order. */
export interface ReleaseManifest {
  readonly environments: ReleaseEnvironment[];
  /**
   * The environment variable of the application container that receives the release version.
   * Default {@link DEFAULT_RELEASE_VERSION_VARIABLE}.
   */
  readonly releaseVersionVariable?: string;
}

/** The deployment files of one environment (one deploy stage). */
export interface ReleaseEnvironment {
  /** The stage name, for messages. */
  readonly name: string;
  /** Folder under the output folder that receives the three files; also the build's artifact identifier. */
  readonly directory: string;
  /** The application container, whose image becomes {@link IMAGE_PLACEHOLDER}. */
  readonly containerName: string;
  /** The `RegisterTaskDefinition` request (camelCase, as the ECS API takes it). */
  readonly taskDefinition: Record<string, unknown>;
  /** The text of `appspec.yaml`. */
  readonly appSpec: string;
  /**
   * The build's environment variable holding the URI, by digest, of this environment's image,
   * when the build pushes several (a monorepo's); default the writer's one image input.
   */
  readonly imageUriVariable?: string;
}

/** Fields `DescribeTaskDefinition` returns that `RegisterTaskDefinition` rejects. */
export const READ_ONLY_TASK_DEFINITION_FIELDS: readonly string[] = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
];
