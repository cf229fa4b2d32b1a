/**
 * The `taskdef.json` the deploy action registers: a `RegisterTaskDefinition` request with the
 * application image replaced by the placeholder and the release version in its environment.
 */
import {
  DEFAULT_RELEASE_VERSION_VARIABLE, ENVIRONMENT_VARIABLE_NAME, IMAGE_PLACEHOLDER, READ_ONLY_TASK_DEFINITION_FIELDS,
} from '../../contract/artifacts';
import { InputError, isRecord } from './input';

export { READ_ONLY_TASK_DEFINITION_FIELDS };

/**
 * The release version and the environment variable of the application container that carries
 * it, so the application can report which release it runs.
 */
export interface ReleaseVersion {
  readonly variable: string;
  readonly value: string;
}

/**
 * The release version to set, from `--release-version`, in `variable` (default
 * {@link DEFAULT_RELEASE_VERSION_VARIABLE}). Required when a manifest names the variable: the
 * pipeline's build always passes it, so its absence is a broken build, not a choice.
 */
export function resolveReleaseVersion(args: ReadonlyMap<string, string>, variable: string | undefined): ReleaseVersion | undefined {
  const value = args.get('release-version');
  if (value === undefined) {
    if (args.has('release-version-variable')) {
      throw new InputError('--release-version-variable needs --release-version, the version to set');
    }
    if (variable !== undefined) {
      throw new InputError(`the manifest sets the release version in ${variable}; pass --release-version <version>, e.g. the image tag`);
    }
    return undefined;
  }
  if (value.trim().length === 0) {
    throw new InputError('--release-version is empty; pass the version the release was built from, e.g. the image tag '
      + '(with an ECR source, the tag of the pushed image in imageDetail.json)');
  }
  const name = variable ?? DEFAULT_RELEASE_VERSION_VARIABLE;
  if (!ENVIRONMENT_VARIABLE_NAME.test(name)) {
    throw new InputError(`the release version variable '${name}' is not an environment variable name; use letters, digits and '_', not starting with a digit`);
  }
  return { variable: name, value: value.trim() };
}

/**
 * Turns a `RegisterTaskDefinition` request, or the output of `describe-task-definition`
 * (`{ taskDefinition: {...}, tags: [...] }`), into a request with the application image replaced
 * by the placeholder. Read-only fields are dropped; fields this program does not know are kept,
 * so requests from a newer API still go through.
 *
 * @param containerName the application container; when absent, the container that already holds
 * the placeholder, or the only container
 * @param releaseVersion set in the application container's environment; it replaces a variable of
 * the same name already there
 */
export function toRegisterTaskDefinitionRequest(input: unknown, containerName?: string, releaseVersion?: ReleaseVersion): Record<string, unknown> {
  if (!isRecord(input)) {
    throw new InputError('the task definition must be a JSON object: a RegisterTaskDefinition request or the output of describe-task-definition');
  }
  let definition: Record<string, unknown> = input;
  let describedTags: unknown;
  if (isRecord(input.taskDefinition)) {
    definition = input.taskDefinition;
    describedTags = input.tags;
  }
  const request: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(definition)) {
    if (!READ_ONLY_TASK_DEFINITION_FIELDS.includes(key)) {
      request[key] = value;
    }
  }
  if (request.tags === undefined && Array.isArray(describedTags) && describedTags.length > 0) {
    request.tags = describedTags;
  }
  if (typeof request.family !== 'string' || request.family.length === 0) {
    throw new InputError('the task definition has no family; RegisterTaskDefinition needs one');
  }
  const containers = request.containerDefinitions;
  if (!Array.isArray(containers) || containers.length === 0 || !containers.every(isRecord)) {
    throw new InputError(`task definition '${request.family}' has no containerDefinitions; RegisterTaskDefinition needs at least one container`);
  }
  const names = containers.map((c) => String(c.name));
  let target: Record<string, unknown> | undefined;
  if (containerName !== undefined) {
    target = containers.find((c) => c.name === containerName);
    if (!target) {
      throw new InputError(`task definition '${request.family}' has no container '${containerName}' (containers: ${names.join(', ')}); pass the application container to --container-name`);
    }
  } else {
    const holding = containers.filter((c) => c.image === IMAGE_PLACEHOLDER);
    target = holding.length === 1 ? holding[0] : containers.length === 1 ? containers[0] : undefined;
    if (!target) {
      throw new InputError(`task definition '${request.family}' has ${containers.length} containers (${names.join(', ')}) and none holds ${IMAGE_PLACEHOLDER}; `
        + 'pass the application container to --container-name');
    }
  }
  const application = withReleaseVersion({ ...target, image: IMAGE_PLACEHOLDER }, request.family, releaseVersion);
  request.containerDefinitions = containers.map((c) => (c === target ? application : c));
  return request;
}

/**
 * The container with the release version in its environment. The release's value wins over a
 * variable of that name already there (which keeps its place); ECS also lets `environment` win
 * over `environmentFiles`. A secret of that name would be a second value ECS does not arbitrate.
 */
function withReleaseVersion(container: Record<string, unknown>, family: string, releaseVersion: ReleaseVersion | undefined): Record<string, unknown> {
  if (!releaseVersion) {
    return container;
  }
  const { variable, value } = releaseVersion;
  const secrets = Array.isArray(container.secrets) ? container.secrets : [];
  if (secrets.some((secret) => isRecord(secret) && secret.name === variable)) {
    throw new InputError(`container '${container.name}' of task definition '${family}' takes ${variable} from a secret, where the release version goes; `
      + 'rename the secret, or put the release version in another variable (releaseVersionVariable of ReleasePipeline, or --release-version-variable)');
  }
  const entry = { name: variable, value };
  const environment = Array.isArray(container.environment) ? container.environment : [];
  const at = environment.findIndex((e) => isRecord(e) && e.name === variable);
  const updated = at < 0
    ? [...environment, entry]
    : environment.flatMap((e, index) => (index === at ? [entry] : isRecord(e) && e.name === variable ? [] : [e]));
  return { ...container, environment: updated };
}
