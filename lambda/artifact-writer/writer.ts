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
import { APPSPEC_FILE, IMAGE_DETAIL_FILE, ReleaseEnvironment, TASK_DEFINITION_FILE } from '../../contract/artifacts';
import { parseArgs } from './arguments';
import { environmentImageUri, resolveImageUri } from './image';
import { InputError, parseJson, readInput } from './input';
import { checkAppSpec, parseManifest } from './manifest';
import { ReleaseVersion, resolveReleaseVersion, toRegisterTaskDefinitionRequest } from './task-definition';

export { USAGE, parseArgs } from './arguments';
export { digestFromDockerPush, imageUriFromDetail, resolveImageUri } from './image';
export { InputError } from './input';
export { checkAppSpec, parseManifest } from './manifest';
export { READ_ONLY_TASK_DEFINITION_FIELDS, resolveReleaseVersion, toRegisterTaskDefinitionRequest } from './task-definition';
export type { ReleaseVersion } from './task-definition';

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
    return manifest.environments.map((environment) => writeEnvironment(out, environmentImageUri(environment, imageUri, env), environment, releaseVersion));
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
