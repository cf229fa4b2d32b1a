import { required } from '../args';
import { Command } from '../command';
import { readServiceStates } from '../deployments';
import { discover, qualifiedName, selectService } from '../discovery';
import { OperationError } from '../errors';

export const abort: Command = {
  name: 'abort',
  summary: 'stop the deployment in flight and roll it back',
  usage: 'cdk-ecs-release abort --service S [--reason …]\n\n'
    + 'Stops the deployment of S in flight and rolls it back: CodeDeploy StopDeployment with auto-rollback, or '
    + 'Amazon ECS StopServiceDeployment with stopType ROLLBACK. Fails when nothing is in flight. Neither engine stores a reason: '
    + '--reason is printed (and in --json) for the record of whoever runs it.',
  options: ['service', 'reason'],
  async run({ aws, options }) {
    required(options, 'service', 'abort', '--service orders-api');
    const inventory = await discover(aws);
    const service = selectService(inventory, options.service);
    const [state] = await readServiceStates(aws, [service]);
    const stoppable = state.inFlight.filter((deployment) => !/ROLLBACK|STOP_REQUESTED/.test(deployment.status));
    if (stoppable.length === 0) {
      const checked = state.controller === 'CODE_DEPLOY'
        ? `the CodeDeploy deployments of ${state.deploymentGroup ? `${state.deploymentGroup.application}/${state.deploymentGroup.name}` : 'its deployment group (none found)'}`
        : 'its Amazon ECS service deployments';
      throw new OperationError(`nothing in flight to abort for ${qualifiedName(service)}: checked ${checked}`
        + `${state.inFlight.length > 0 ? `; ${state.inFlight.map((d) => `${d.id} is already ${d.status}`).join(', ')}` : ''}`);
    }
    const stopped: string[] = [];
    for (const deployment of stoppable) {
      if (deployment.engine === 'CODE_DEPLOY') {
        const codeDeploy = await aws.codeDeploy();
        await aws.call('codedeploy:StopDeployment', `deployment ${deployment.id}`, () => codeDeploy.client.send(
          new codeDeploy.sdk.StopDeploymentCommand({ deploymentId: deployment.id, autoRollbackEnabled: true })));
      } else {
        const ecs = await aws.ecs();
        await aws.call('ecs:StopServiceDeployment', deployment.id, () => ecs.client.send(
          new ecs.sdk.StopServiceDeploymentCommand({ serviceDeploymentArn: deployment.id, stopType: 'ROLLBACK' })));
      }
      stopped.push(deployment.id);
    }
    const reason = options.reason ? ` (${options.reason})` : '';
    return {
      json: { aborted: stopped, service: qualifiedName(service), reason: options.reason },
      text: `stopped ${stopped.join(', ')} of ${qualifiedName(service)}, rolling back${reason}`,
    };
  },
};
