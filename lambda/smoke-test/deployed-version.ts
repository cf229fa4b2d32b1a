/**
 * The expected version of checks that follow each release: the value of an environment variable
 * of the application container in the task definition this deployment installs. ReleasePipeline
 * writes the release's image tag there, the application reports it, and the check compares them.
 */
import type { DeployedServiceSpec } from '../../contract/smoke-test';
import { AwsCallScope } from '../shared/aws-call';
import {
  DeployedContainer, describeDeployedContainer, greenTaskDefinitionArn, serviceRevisionTaskDefinitionArn,
} from '../shared/deployed-task-definition';
import type { HookExecution } from '../shared/hook';
import { errorMessage } from '../shared/logger';
import type { ResolvedVersion } from './checks';

/**
 * Reads expected versions from the task definition the deployment installs: under CodeDeploy,
 * the deployment's green task set's; under Amazon ECS, the target service revision's. The task
 * definition is read once, on first use, however many checks need it.
 *
 * Needs `codedeploy:ListDeploymentTargets`/`GetDeploymentTarget`, `ecs:DescribeTaskSets` and
 * `ecs:DescribeTaskDefinition` (`ecs:DescribeServiceRevisions` under Amazon ECS).
 */
export class DeployedVersionReader {
  private container?: Promise<DeployedContainer>;
  private readonly versions = new Map<string, Promise<ResolvedVersion>>();

  constructor(
    private readonly scope: AwsCallScope,
    private readonly execution: HookExecution,
    private readonly service: DeployedServiceSpec | undefined,
  ) {}

  /**
   * The value of `variable` in the application container's environment. Rejects, saying how to
   * fix it, when the task definition has no such variable: a check that cannot know which
   * version to expect must not pass.
   */
  read(variable: string): Promise<ResolvedVersion> {
    let version = this.versions.get(variable);
    if (!version) {
      version = this.readOnce(variable);
      this.versions.set(variable, version);
    }
    return version;
  }

  private async readOnce(variable: string): Promise<ResolvedVersion> {
    const started = Date.now();
    this.container ??= this.loadContainer();
    const container = await this.container;
    const value = container.environment.get(variable);
    const problem = value === undefined ? missingVariable(container, variable)
      : value.trim() === '' ? `${variable} is empty in container ${container.name} of task definition ${container.taskDefinition}; `
        + 'set it to the version the application reports'
        : undefined;
    const fields = {
      check: 'expected version',
      expectation: `${variable} in container ${container.name} of the task definition the deployment installs`,
      observed: value === undefined ? `no ${variable} in task definition ${container.taskDefinition}`
        : `${JSON.stringify(value)} in task definition ${container.taskDefinition}`,
      verdict: problem ? 'fail' : 'pass',
      elapsedMs: Date.now() - started,
    };
    if (problem || value === undefined) {
      this.scope.logger.error('read the expected version', fields);
      throw new Error(problem);
    }
    this.scope.logger.info('read the expected version', fields);
    return { value, source: `${variable} of task definition ${container.taskDefinition}` };
  }

  private async loadContainer(): Promise<DeployedContainer> {
    if (!this.service) {
      throw new Error('the smoke test is not configured with the service whose task definition holds the expected version');
    }
    try {
      return await describeDeployedContainer(this.scope, await this.taskDefinitionArn(this.service), this.service.container);
    } catch (error) {
      throw new Error(`could not read the expected version from the deployed task definition: ${errorMessage(error)}`);
    }
  }

  /** The ARN of the task definition the deployment installs. */
  private taskDefinitionArn(service: DeployedServiceSpec): Promise<string> {
    const execution = this.execution;
    if (execution.engine === 'ecs') {
      const revisionArn = execution.executionDetails?.targetServiceRevisionArn;
      if (typeof revisionArn !== 'string') {
        throw new Error('the Amazon ECS hook event carries no targetServiceRevisionArn');
      }
      return serviceRevisionTaskDefinitionArn(this.scope, revisionArn);
    }
    return greenTaskDefinitionArn(this.scope, execution.deploymentId, service);
  }
}

/** Why a variable is not there, and how to put it there. */
function missingVariable(container: DeployedContainer, variable: string): string {
  const where = `task definition ${container.taskDefinition} (the one this deployment installs) has no environment variable ${variable} `
    + `in container ${container.name}`;
  const why = container.secrets.has(variable)
    ? ': it comes from a secret there, which the task definition does not show; make it a plain variable'
    : container.hasEnvironmentFiles
      ? ' (variables from environment files are not visible in the task definition)'
      : '';
  return `${where}${why}, so the version to expect is unknown. Release through ReleasePipeline, which sets ${variable} `
    + `(its releaseVersionVariable) to each release's image tag, or add ${variable} to the container's environment, `
    + 'or expect a fixed version with ExpectedVersion.of(...)';
}
