/** The release manifest and the AppSpec of each environment, checked before anything is written. */
import { ENVIRONMENT_VARIABLE_NAME, ReleaseManifest, TASK_DEFINITION_PLACEHOLDER } from '../../contract/artifacts';
import { InputError, isRecord, parseJson } from './input';

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
    const imageVariable = environment.imageUriVariable;
    if (imageVariable !== undefined && (typeof imageVariable !== 'string' || !ENVIRONMENT_VARIABLE_NAME.test(imageVariable))) {
      throw new InputError(`manifest environment '${environment.name}' has the imageUriVariable ${JSON.stringify(imageVariable)}, which is not an environment variable name`);
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
