import { required } from '../args';
import { Command } from '../command';
import { discover, qualifiedName, selectService, stagesOf } from '../discovery';
import { OperationError, UsageError } from '../errors';
import { readPipelineState, shortId } from '../pipelines';

/** How many earlier executions to search for the stage's last success. */
const EXECUTIONS_SEARCHED = 25;

export const rollback: Command = {
  name: 'rollback',
  summary: 'roll a stage back to the release it last deployed successfully',
  usage: 'cdk-ecs-release rollback --service S --stage X\n\n'
    + 'Runs CodePipeline RollbackStage on stage X (which deploys S) with the pipeline execution that last succeeded in X '
    + 'before the current one: that release is deployed again, with the same deployment engine and hooks.',
  options: ['service', 'stage'],
  async run({ aws, options }) {
    required(options, 'service', 'rollback', '--service orders-api --stage Production');
    const stageName = required(options, 'stage', 'rollback', `--service ${options.service} --stage Production`);
    const inventory = await discover(aws);
    const service = selectService(inventory, options.service);
    const [target] = stagesOf(inventory, service, stageName);
    if (!target) {
      throw new UsageError(`no stage '${stageName}' deploys ${qualifiedName(service)}; its stages are: ${service.stages.join(', ') || 'none'}`);
    }
    const pipelineName = target.pipeline.name;
    const current = (await readPipelineState(aws, target.pipeline)).find((stage) => stage.stage === stageName);
    const codePipeline = await aws.codePipeline();
    if (!('RollbackStageCommand' in codePipeline.sdk)) {
      throw new OperationError('this build of the CodePipeline client has no RollbackStage; update cdk-ecs-release');
    }
    const executions = await aws.call('codepipeline:ListPipelineExecutions', `pipeline ${pipelineName}`, () => codePipeline.client.send(
      new codePipeline.sdk.ListPipelineExecutionsCommand({ pipelineName, maxResults: EXECUTIONS_SEARCHED })));
    let previous: string | undefined;
    for (const execution of executions.pipelineExecutionSummaries ?? []) {
      const id = execution.pipelineExecutionId;
      if (!id || id === current?.executionId) {
        continue;
      }
      const actions = await aws.call('codepipeline:ListActionExecutions', `pipeline ${pipelineName}`, () => codePipeline.client.send(
        new codePipeline.sdk.ListActionExecutionsCommand({ pipelineName, filter: { pipelineExecutionId: id } })));
      const inStage = (actions.actionExecutionDetails ?? []).filter((action) => action.stageName === stageName);
      if (inStage.length > 0 && inStage.every((action) => action.status === 'Succeeded')) {
        previous = id;
        break;
      }
    }
    if (!previous) {
      throw new OperationError(`no earlier successful execution of ${pipelineName}/${stageName} among its last ${EXECUTIONS_SEARCHED} executions: nothing to roll back to`);
    }
    const out = await aws.call('codepipeline:RollbackStage', `pipeline ${pipelineName}, stage ${stageName}`, () => codePipeline.client.send(
      new codePipeline.sdk.RollbackStageCommand({ pipelineName, stageName, targetPipelineExecutionId: previous })));
    return {
      json: { pipeline: pipelineName, stage: stageName, from: current?.executionId, to: previous, rollbackExecutionId: out.pipelineExecutionId },
      text: `rolling back ${pipelineName}/${stageName} from ${shortId(current?.executionId)} to ${shortId(previous)} (execution ${out.pipelineExecutionId ?? '?'})`,
    };
  },
};
