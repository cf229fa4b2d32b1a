/** The artifact writer's command line: its usage text and its `--name value` arguments. */
import { DEFAULT_RELEASE_VERSION_VARIABLE } from '../../contract/artifacts';
import { InputError } from './input';

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
