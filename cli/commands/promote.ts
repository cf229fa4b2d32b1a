import { required } from '../args';
import { Command } from '../command';
import { readServiceStates } from '../deployments';
import { discover, qualifiedName, selectService, stagesOf } from '../discovery';
import { OperationError, UsageError } from '../errors';
import { readPipelineState } from '../pipelines';

/** One thing that waits for a person. */
type Waiting =
  | { readonly kind: 'approval'; readonly pipeline: string; readonly stage: string; readonly actionName: string; readonly token: string }
  | { readonly kind: 'codedeploy'; readonly deploymentId: string }
  | { readonly kind: 'ecs'; readonly serviceDeploymentArn: string; readonly hookId: string };

function describe(waiting: Waiting): string {
  switch (waiting.kind) {
    case 'approval': return `the approval '${waiting.actionName}' of stage ${waiting.pipeline}/${waiting.stage}`;
    case 'codedeploy': return `CodeDeploy deployment ${waiting.deploymentId}, ready to reroute production traffic`;
    case 'ecs': return `the paused service deployment ${waiting.serviceDeploymentArn} (hook ${waiting.hookId})`;
  }
}

export const promote: Command = {
  name: 'promote',
  summary: 'approve the pending approval, or continue a deployment that waits for a person',
  usage: 'cdk-ecs-release promote --service S [--stage X]\n\n'
    + 'Approves the manual approval pending in a stage that deploys S (PutApprovalResult), or continues the deployment of S '
    + 'that waits: a CodeDeploy deployment at Ready (ContinueDeployment), an Amazon ECS deployment held by a pause hook '
    + '(ContinueServiceDeployment CONTINUE). Fails when nothing waits, or when more than one thing does.',
  options: ['service', 'stage'],
  async run({ aws, options }) {
    required(options, 'service', 'promote', '--service orders-api');
    const inventory = await discover(aws);
    const service = selectService(inventory, options.service);
    const stages = stagesOf(inventory, service, options.stage);
    if (options.stage !== undefined && stages.length === 0) {
      throw new UsageError(`no stage '${options.stage}' deploys ${qualifiedName(service)}; its stages are: ${service.stages.join(', ') || 'none'}`);
    }
    const pipelineStates = await Promise.all([...new Set(stages.map((s) => s.pipeline))].map((pipeline) => readPipelineState(aws, pipeline)));
    const [state] = await readServiceStates(aws, [service]);
    const waiting: Waiting[] = [
      ...pipelineStates.flat().filter((stage) => stage.approval && stages.some((s) => s.pipeline.name === stage.pipeline && s.stage === stage.stage))
        .map((stage) => ({ kind: 'approval' as const, pipeline: stage.pipeline, stage: stage.stage, actionName: stage.approval!.actionName, token: stage.approval!.token })),
      ...state.inFlight.filter((deployment) => deployment.waiting).map((deployment): Waiting => (deployment.engine === 'CODE_DEPLOY'
        ? { kind: 'codedeploy', deploymentId: deployment.id }
        : { kind: 'ecs', serviceDeploymentArn: deployment.id, hookId: deployment.hookId ?? '' })),
    ];
    if (waiting.length === 0) {
      throw new OperationError(`nothing to promote for ${qualifiedName(service)}: no manual approval pending in ${stages.map((s) => `${s.pipeline.name}/${s.stage}`).join(', ') || 'any stage (none deploys it)'}, `
        + `and ${state.inFlight.length === 0 ? 'no deployment in flight' : `its deployment in flight (${state.inFlight.map((d) => `${d.status} at ${d.step}`).join('; ')}) does not wait for a person`}`);
    }
    if (waiting.length > 1) {
      // Rare (a stage runs one execution at a time), and guessing which one a person meant is worse than asking.
      throw new OperationError(`more than one thing waits for ${qualifiedName(service)}: ${waiting.map(describe).join('; ')}; `
        + `nothing was promoted${options.stage === undefined ? ': pass --stage to narrow the approvals, or' : ':'} answer the one you mean in the console`);
    }
    const [target] = waiting;
    const caller = await aws.callerArn();
    if (target.kind === 'approval') {
      const codePipeline = await aws.codePipeline();
      await aws.call('codepipeline:PutApprovalResult', `pipeline ${target.pipeline}, stage ${target.stage}`, () => codePipeline.client.send(
        new codePipeline.sdk.PutApprovalResultCommand({
          pipelineName: target.pipeline, stageName: target.stage, actionName: target.actionName, token: target.token,
          result: { status: 'Approved', summary: `promoted with cdk-ecs-release by ${caller}`.slice(0, 512) },
        })));
    } else if (target.kind === 'codedeploy') {
      const codeDeploy = await aws.codeDeploy();
      await aws.call('codedeploy:ContinueDeployment', `deployment ${target.deploymentId}`, () => codeDeploy.client.send(
        new codeDeploy.sdk.ContinueDeploymentCommand({ deploymentId: target.deploymentId, deploymentWaitType: 'READY_WAIT' })));
    } else {
      const ecs = await aws.ecs();
      await aws.call('ecs:ContinueServiceDeployment', target.serviceDeploymentArn, () => ecs.client.send(
        new ecs.sdk.ContinueServiceDeploymentCommand({ serviceDeploymentArn: target.serviceDeploymentArn, hookId: target.hookId, action: 'CONTINUE' })));
    }
    // The approval's token answers the approval once; it has no use in a record.
    const shown = target.kind === 'approval' ? { ...target, token: undefined } : target;
    return { json: { promoted: shown, service: qualifiedName(service), by: caller }, text: `promoted ${describe(target)} (${qualifiedName(service)}), as ${caller}` };
  },
};
