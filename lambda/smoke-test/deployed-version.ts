/**
 * The expected version of checks that follow each release: the value of an environment variable
 * of the application container in the task definition this deployment installs. ReleasePipeline
 * writes the release's image tag there, the application reports it, and the check compares them.
 */
import type {
  DescribeServiceRevisionsCommand as DescribeServiceRevisionsCommandType,
  DescribeTaskDefinitionCommand as DescribeTaskDefinitionCommandType,
  DescribeTaskSetsCommand as DescribeTaskSetsCommandType,
  ECSClient as ECSClientType,
} from '@aws-sdk/client-ecs';
import type { DeployedServiceSpec } from '../../lib/private/contract/smoke-test';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { ecsDeploymentTarget } from '../shared/deployment-target';
import type { HookExecution } from '../shared/hook';
import { errorMessage } from '../shared/logger';
import type { ResolvedVersion } from './checks';

interface EcsApi {
  readonly client: ECSClientType;
  readonly DescribeTaskSetsCommand: typeof DescribeTaskSetsCommandType;
  readonly DescribeServiceRevisionsCommand: typeof DescribeServiceRevisionsCommandType;
  readonly DescribeTaskDefinitionCommand: typeof DescribeTaskDefinitionCommandType;
}

/** Loaded on first use: only checks that follow the deployed version need it. */
const loadEcsApi = lazy((): Promise<EcsApi> => import('@aws-sdk/client-ecs').then((module) => ({
  client: new module.ECSClient(clientConfig()),
  DescribeTaskSetsCommand: module.DescribeTaskSetsCommand,
  DescribeServiceRevisionsCommand: module.DescribeServiceRevisionsCommand,
  DescribeTaskDefinitionCommand: module.DescribeTaskDefinitionCommand,
})));

/** The application container as the deployed task definition defines it. */
interface DeployedContainer {
  /** `family:revision`, for messages. */
  readonly taskDefinition: string;
  readonly name: string;
  readonly environment: ReadonlyMap<string, string>;
  readonly secrets: ReadonlySet<string>;
  readonly hasEnvironmentFiles: boolean;
}

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
    const { container: containerName } = this.service;
    try {
      const api = await loadEcsApi();
      const arn = await this.taskDefinitionArn(api, this.service);
      const described = await awsCall(this.scope, 'ecs:DescribeTaskDefinition', (abortSignal) =>
        api.client.send(new api.DescribeTaskDefinitionCommand({ taskDefinition: arn }), { abortSignal }), { baseDelayMs: 100 });
      const taskDefinition = described.taskDefinition;
      const label = taskDefinition?.family && taskDefinition.revision !== undefined
        ? `${taskDefinition.family}:${taskDefinition.revision}`
        : arn.split('/').pop() ?? arn;
      const containers = taskDefinition?.containerDefinitions ?? [];
      const container = containers.find((c) => c.name === containerName);
      if (!container) {
        throw new Error(`task definition ${label} has no container '${containerName}' (containers: ${containers.map((c) => c.name).join(', ') || 'none'})`);
      }
      return {
        taskDefinition: label,
        name: containerName,
        environment: new Map((container.environment ?? []).flatMap((pair) => (pair.name === undefined ? [] : [[pair.name, pair.value ?? '']]))),
        secrets: new Set((container.secrets ?? []).map((secret) => secret.name ?? '')),
        hasEnvironmentFiles: (container.environmentFiles ?? []).length > 0,
      };
    } catch (error) {
      throw new Error(`could not read the expected version from the deployed task definition: ${errorMessage(error)}`);
    }
  }

  /** The ARN of the task definition the deployment installs. */
  private async taskDefinitionArn(api: EcsApi, service: DeployedServiceSpec): Promise<string> {
    const execution = this.execution;
    if (execution.engine === 'ecs') {
      const revisionArn = execution.executionDetails?.targetServiceRevisionArn;
      if (typeof revisionArn !== 'string') {
        throw new Error('the Amazon ECS hook event carries no targetServiceRevisionArn');
      }
      const described = await awsCall(this.scope, 'ecs:DescribeServiceRevisions', (abortSignal) =>
        api.client.send(new api.DescribeServiceRevisionsCommand({ serviceRevisionArns: [revisionArn] }), { abortSignal }), { baseDelayMs: 100 });
      const arn = described.serviceRevisions?.[0]?.taskDefinition;
      if (!arn) {
        throw new Error(`service revision ${revisionArn} has no task definition`);
      }
      return arn;
    }
    const target = await ecsDeploymentTarget(this.scope, execution.deploymentId);
    const green = (target.taskSetsInfo ?? []).find((set) => set.taskSetLabel === 'Green');
    if (!green?.identifer) {
      throw new Error(`deployment ${execution.deploymentId} has no green task set yet`);
    }
    const taskSet = green.identifer;
    const described = await awsCall(this.scope, 'ecs:DescribeTaskSets', (abortSignal) =>
      api.client.send(new api.DescribeTaskSetsCommand({ cluster: service.cluster, service: service.service, taskSets: [taskSet] }), { abortSignal }),
    { baseDelayMs: 100 });
    const arn = described.taskSets?.[0]?.taskDefinition;
    if (!arn) {
      const why = described.failures?.map((f) => `${f.arn}: ${f.reason}`).join('; ');
      throw new Error(`green task set ${taskSet} of ${service.service} not found${why ? ` (${why})` : ''}`);
    }
    return arn;
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
