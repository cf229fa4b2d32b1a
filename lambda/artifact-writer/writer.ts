/**
 * Writes the deployment files of CodePipeline's Amazon ECS (blue/green) deploy action:
 * `imageDetail.json`, `taskdef.json` and `appspec.yaml`, for one or more environments.
 *
 * Runs in the release pipeline's CodeBuild project (bundled to one file, Node.js only, no
 * dependencies), and by hand to refresh `taskdef.json` from a running service:
 *
 *   aws ecs describe-task-definition --task-definition orders-api --include TAGS > current.json
 *   node artifact-writer.js --task-definition current.json --container-name web \
 *     --appspec appspec.yaml --image-uri 1234.dkr.ecr.eu-west-1.amazonaws.com/orders@sha256:… --out release
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  APPSPEC_FILE,
  DEFAULT_RELEASE_VERSION_VARIABLE,
  ENVIRONMENT_VARIABLE_NAME,
  IMAGE_DETAIL_FILE,
  IMAGE_PLACEHOLDER,
  ReleaseEnvironment,
  ReleaseManifest,
  TASK_DEFINITION_FILE,
  TASK_DEFINITION_PLACEHOLDER,
} from '../../contract/artifacts';

export const USAGE = `usage: artifact-writer --out <folder> <image> <files> [<version>]

<image>, one of:
  --image-uri <registry>/<repository>@sha256:<digest>
  --image-detail <imageDetail.json>            as the ECR source action writes it
  --repository-uri <registry>/<repository> --image-digest sha256:<digest>
  --repository-uri <registry>/<repository> --docker-push-output <file>

<files>, one of:
  --manifest <file | env:NAME>                 every environment of a release manifest,
                                               each in <folder>/<directory>
  --task-definition <file | env:NAME> --appspec <file | env:NAME> [--container-name <name>]
                                               one set in <folder>; the task definition is a
                                               RegisterTaskDefinition request or the output of
                                               aws ecs describe-task-definition

<version>: the release version, set in the application container's environment
  --release-version <version>                  e.g. the image tag; required when the manifest
                                               names releaseVersionVariable
  --release-version-variable <name>            without --manifest; default ${DEFAULT_RELEASE_VERSION_VARIABLE}`;

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

const DIGEST_URI = /^[^\s@]+\/[^\s@]+@sha256:[0-9a-f]{64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** A problem with the input; the message says what is wrong and what to do. */
export class InputError extends Error {}

/**
 * The release version and the environment variable of the application container that carries
 * it, so the application can report which release it runs.
 */
export interface ReleaseVersion {
  readonly variable: string;
  readonly value: string;
}

/** What one run writes, for the log. */
export interface WrittenSet {
  readonly name: string;
  readonly directory: string;
  readonly files: string[];
}

/**
 * Runs the program with command-line arguments (without `node` and the script) and the
 * environment; returns what it wrote. Throws {@link InputError} on bad input.
 */
export function run(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): WrittenSet[] {
  const args = parseArgs(argv);
  const out = args.get('out');
  if (!out) {
    throw new InputError('--out is required: the folder that receives the files');
  }
  const imageUri = resolveImageUri(args);
  if (args.has('manifest')) {
    for (const conflicting of ['task-definition', 'appspec', 'container-name']) {
      if (args.has(conflicting)) {
        throw new InputError(`--${conflicting} cannot be combined with --manifest: the manifest already holds every environment's files`);
      }
    }
    if (args.has('release-version-variable')) {
      throw new InputError('--release-version-variable cannot be combined with --manifest: the manifest names the variable (releaseVersionVariable)');
    }
    const manifest = parseManifest(readInput(args.get('manifest')!, 'manifest', env));
    const releaseVersion = resolveReleaseVersion(args, manifest.releaseVersionVariable);
    return manifest.environments.map((environment) => writeEnvironment(out, imageUri, environment, releaseVersion));
  }
  const taskDefinitionSource = args.get('task-definition');
  const appSpecSource = args.get('appspec');
  if (!taskDefinitionSource || !appSpecSource) {
    throw new InputError('pass --manifest, or both --task-definition and --appspec');
  }
  const taskDefinition = parseJson(readInput(taskDefinitionSource, 'task definition', env), 'task definition');
  const written = writeSet(out, imageUri, {
    name: '-',
    taskDefinition,
    containerName: args.get('container-name'),
    appSpec: readInput(appSpecSource, 'appspec', env),
    releaseVersion: resolveReleaseVersion(args, args.get('release-version-variable')),
  });
  return [{ name: '-', directory: out, files: written }];
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

/** Writes the three files of one environment in `<out>/<directory>`. */
export function writeEnvironment(out: string, imageUri: string, environment: ReleaseEnvironment, releaseVersion?: ReleaseVersion): WrittenSet {
  if (!/^[A-Za-z0-9_-]+$/.test(environment.directory)) {
    throw new InputError(`environment '${environment.name}': directory '${environment.directory}' must be letters, digits, '-' or '_'`);
  }
  const directory = path.join(out, environment.directory);
  const files = writeSet(directory, imageUri, {
    name: environment.name,
    taskDefinition: environment.taskDefinition,
    containerName: environment.containerName,
    appSpec: environment.appSpec,
    releaseVersion,
  });
  return { name: environment.name, directory, files };
}

interface SetInput {
  readonly name: string;
  readonly taskDefinition: unknown;
  readonly containerName?: string;
  readonly appSpec: string;
  readonly releaseVersion?: ReleaseVersion;
}

function writeSet(directory: string, imageUri: string, input: SetInput): string[] {
  const request = toRegisterTaskDefinitionRequest(input.taskDefinition, input.containerName, input.releaseVersion);
  const appSpec = checkAppSpec(input.appSpec, input.name);
  fs.mkdirSync(directory, { recursive: true });
  const files = [
    [IMAGE_DETAIL_FILE, renderImageDetail(imageUri)],
    [TASK_DEFINITION_FILE, JSON.stringify(request, null, 2) + '\n'],
    [APPSPEC_FILE, appSpec],
  ];
  for (const [file, content] of files) {
    fs.writeFileSync(path.join(directory, file), content);
  }
  return files.map(([file]) => path.join(directory, file));
}

/** `imageDetail.json` as the deploy action and the ECR source action know it. */
export function renderImageDetail(imageUri: string): string {
  return JSON.stringify({ ImageURI: imageUri }, null, 2) + '\n';
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

/** Checks the AppSpec names the placeholders the deploy action fills in; returns it with a final newline. */
export function checkAppSpec(text: string, environment: string): string {
  const where = environment === '-' ? 'the appspec' : `the appspec of '${environment}'`;
  if (text.trim().length === 0) {
    throw new InputError(`${where} is empty`);
  }
  for (const required of ['version', 'TargetService', 'AWS::ECS::Service', 'LoadBalancerInfo', TASK_DEFINITION_PLACEHOLDER]) {
    if (!text.includes(required)) {
      throw new InputError(`${where} does not mention ${required}; the deploy action needs an ECS AppSpec with TaskDefinition: "${TASK_DEFINITION_PLACEHOLDER}"`);
    }
  }
  return text.endsWith('\n') ? text : text + '\n';
}

/** The pushed image as `<registry>/<repository>@sha256:<digest>`, from whichever input was given. */
export function resolveImageUri(args: ReadonlyMap<string, string>): string {
  const given = ['image-uri', 'image-detail', 'repository-uri'].filter((name) => args.has(name));
  if (given.length !== 1) {
    throw new InputError(`pass exactly one of --image-uri, --image-detail or --repository-uri, got ${given.length === 0 ? 'none' : given.map((g) => `--${g}`).join(', ')}`);
  }
  let uri: string;
  if (args.has('image-uri')) {
    uri = args.get('image-uri')!.trim();
  } else if (args.has('image-detail')) {
    uri = imageUriFromDetail(parseJson(readFile(args.get('image-detail')!, 'image detail'), 'image detail'));
  } else {
    const repository = args.get('repository-uri')!.trim().replace(/:[^/:]+$/, '');
    let digest: string | undefined;
    if (args.has('image-digest') === args.has('docker-push-output')) {
      throw new InputError('--repository-uri needs exactly one of --image-digest or --docker-push-output');
    }
    if (args.has('image-digest')) {
      digest = args.get('image-digest')!.trim();
    } else {
      digest = digestFromDockerPush(readFile(args.get('docker-push-output')!, 'docker push output'));
    }
    if (!DIGEST.test(digest)) {
      throw new InputError(`image digest '${digest}' is not sha256:<64 hex digits>`);
    }
    uri = `${repository}@${digest}`;
  }
  if (!DIGEST_URI.test(uri)) {
    throw new InputError(`image '${uri}' is not pinned by digest (<registry>/<repository>@sha256:<64 hex digits>); `
      + 'a tag can move between the stages of one release, a digest cannot');
  }
  return uri;
}

/** The image URI of an `imageDetail.json` written by the ECR source action (or by this program). */
export function imageUriFromDetail(detail: unknown): string {
  if (!isRecord(detail)) {
    throw new InputError('the image detail must be a JSON object with ImageURI');
  }
  const uri = typeof detail.ImageURI === 'string' ? detail.ImageURI : undefined;
  if (uri && uri.includes('@sha256:')) {
    return uri;
  }
  // Compose from the digest when ImageURI carries a tag.
  if (uri && typeof detail.ImageDigest === 'string') {
    return `${uri.replace(/:[^/:@]+$/, '')}@${detail.ImageDigest}`;
  }
  if (!uri) {
    throw new InputError('the image detail has no ImageURI');
  }
  return uri;
}

/** The digest `docker push` prints last: `<tag>: digest: sha256:<hex> size: <n>`. */
export function digestFromDockerPush(output: string): string {
  const matches = [...output.matchAll(/digest: (sha256:[0-9a-f]{64})/g)];
  if (matches.length === 0) {
    throw new InputError('the docker push output has no "digest: sha256:…" line; did the push succeed?');
  }
  return matches[matches.length - 1][1];
}

/** Parses and checks a release manifest. */
export function parseManifest(text: string): ReleaseManifest {
  const manifest = parseJson(text, 'manifest');
  if (!isRecord(manifest) || !Array.isArray(manifest.environments) || manifest.environments.length === 0) {
    throw new InputError('the manifest must be {"environments": [...]} with at least one environment');
  }
  const variable = manifest.releaseVersionVariable;
  if (variable !== undefined && (typeof variable !== 'string' || !ENVIRONMENT_VARIABLE_NAME.test(variable))) {
    throw new InputError(`the manifest's releaseVersionVariable ${JSON.stringify(variable)} is not an environment variable name; use letters, digits and '_', not starting with a digit`);
  }
  const directories = new Set<string>();
  manifest.environments.forEach((environment, index) => {
    if (!isRecord(environment)) {
      throw new InputError(`manifest environment ${index} is not an object`);
    }
    for (const field of ['name', 'directory', 'containerName', 'appSpec']) {
      if (typeof environment[field] !== 'string' || (environment[field] as string).length === 0) {
        throw new InputError(`manifest environment ${index} has no ${field}`);
      }
    }
    if (!isRecord(environment.taskDefinition)) {
      throw new InputError(`manifest environment '${environment.name}' has no taskDefinition object`);
    }
    if (directories.has(environment.directory as string)) {
      throw new InputError(`manifest environments share the directory '${environment.directory}'; each needs its own`);
    }
    directories.add(environment.directory as string);
  });
  return manifest as unknown as ReleaseManifest;
}

/** `--name value` pairs; every option takes a value and appears once. */
export function parseArgs(argv: readonly string[]): Map<string, string> {
  const known = new Set(['out', 'image-uri', 'image-detail', 'repository-uri', 'image-digest', 'docker-push-output',
    'manifest', 'task-definition', 'appspec', 'container-name', 'release-version', 'release-version-variable']);
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i];
    if (!flag.startsWith('--') || !known.has(flag.slice(2))) {
      throw new InputError(`unknown argument '${flag}'`);
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) {
      throw new InputError(`${flag} needs a value`);
    }
    if (args.has(flag.slice(2))) {
      throw new InputError(`${flag} is given twice`);
    }
    args.set(flag.slice(2), value);
  }
  return args;
}

/** Reads `env:NAME` from the environment, anything else as a file. */
function readInput(source: string, what: string, env: NodeJS.ProcessEnv): string {
  if (source.startsWith('env:')) {
    const name = source.slice(4);
    const value = env[name];
    if (value === undefined || value.length === 0) {
      throw new InputError(`the ${what} environment variable ${name} is empty or not set`);
    }
    return value;
  }
  return readFile(source, what);
}

function readFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the ${what} file ${file}: ${(error as Error).message}`);
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`the ${what} is not valid JSON: ${(error as Error).message}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
