/**
 * The expected version after a rollback: the old version serves again, so a check that follows
 * each release compares with the task definition the rollback restored, never with the failed
 * release's.
 */
import type { ECSTarget } from '@aws-sdk/client-codedeploy';
import type { DeployedServiceSpec } from '../../contract/smoke-test';
import { answerOf, objectList } from '../shared/answer';
import { AwsCallScope, awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { DeployedContainer, describeDeployedContainer, serviceRevisionTaskDefinitionArn } from '../shared/deployed-task-definition';
import { ecsDeploymentTarget } from '../shared/deployment-target';
import { errorMessage } from '../shared/logger';
import type { ResolvedVersion } from './checks';

const ecsApi = lazy(() => import('@aws-sdk/client-ecs').then((sdk) => ({ client: new sdk.ECSClient(clientConfig()), sdk })));

/** Where the restored task definition is found. */
export type RestoredTaskDefinition =
  /** CodeDeploy: the blue (original) task set of the deployment that was rolled back. */
  | { readonly engine: 'CODE_DEPLOY'; readonly rolledBackDeploymentId: string }
  /** Amazon ECS: the source revision of the service deployment that rolled back. */
  | { readonly engine: 'ECS'; readonly sourceServiceRevisionArn?: string };

/**
 * Reads expected versions from the restored task definition, once per run however many checks
 * need it. Rejects, saying why, when it cannot: a check that cannot know the version must not pass.
 */
export class RestoredVersionReader {
  private container?: Promise<DeployedContainer>;
  /** The task definition read, once known: `family:revision`. */
  public restoredTaskDefinition?: string;

  constructor(
    private readonly scope: AwsCallScope,
    private readonly restored: RestoredTaskDefinition,
    private readonly service: DeployedServiceSpec | undefined,
  ) {}

  async read(variable: string): Promise<ResolvedVersion> {
    this.container ??= this.load();
    const container = await this.container;
    const value = container.environment.get(variable);
    if (value === undefined || value.trim() === '') {
      throw new Error(`task definition ${container.taskDefinition}, which the rollback restored, has no ${variable} in container `
        + `${container.name}, so the version to expect is unknown`);
    }
    return { value, source: `${variable} of task definition ${container.taskDefinition}, which the rollback restored` };
  }

  private async load(): Promise<DeployedContainer> {
    if (!this.service) {
      throw new Error('the verification is not configured with the service whose task definition holds the expected version');
    }
    try {
      const container = await describeDeployedContainer(this.scope, await this.taskDefinitionArn(this.service), this.service.container);
      this.restoredTaskDefinition = container.taskDefinition;
      return container;
    } catch (error) {
      throw new Error(`could not read the restored version: ${errorMessage(error)}`);
    }
  }

  private async taskDefinitionArn(service: DeployedServiceSpec): Promise<string> {
    if (this.restored.engine === 'ECS') {
      if (!this.restored.sourceServiceRevisionArn) {
        throw new Error('the service deployment names no source service revision to roll back to');
      }
      return serviceRevisionTaskDefinitionArn(this.scope, this.restored.sourceServiceRevisionArn);
    }
    return blueTaskDefinitionArn(this.scope, this.restored.rolledBackDeploymentId, service);
  }
}

/**
 * The task definition of a CodeDeploy deployment's blue task set: the one production returns
 * to when the deployment rolls back. Needs `codedeploy:ListDeploymentTargets`/`GetDeploymentTarget`
 * and `ecs:DescribeTaskSets`.
 */
export async function blueTaskDefinitionArn(scope: AwsCallScope, deploymentId: string, service: DeployedServiceSpec): Promise<string> {
  const target = await ecsDeploymentTarget(scope, deploymentId);
  const blue = objectList<NonNullable<ECSTarget['taskSetsInfo']>[number]>('codedeploy:GetDeploymentTarget', target, 'taskSetsInfo',
    { where: 'the ECS target' }).find((set) => set.taskSetLabel === 'Blue');
  if (!blue?.identifer) {
    throw new Error(`deployment ${deploymentId} has no blue task set`);
  }
  const { client, sdk } = await ecsApi();
  const call = 'ecs:DescribeTaskSets';
  const described = answerOf(call, await awsCall(scope, call, (abortSignal) => client.send(
    new sdk.DescribeTaskSetsCommand({ cluster: service.cluster, service: service.service, taskSets: [blue.identifer!] }), { abortSignal }),
  { baseDelayMs: 100 }));
  const arn = objectList<{ taskDefinition?: unknown }>(call, described, 'taskSets')[0]?.taskDefinition;
  if (typeof arn !== 'string' || !arn) {
    throw new Error(`blue task set ${blue.identifer} of ${service.service} not found`);
  }
  return arn;
}
