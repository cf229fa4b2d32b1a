import { Command } from '../command';
import { discover, selectServices } from '../discovery';
import { UsageError } from '../errors';
import { shortId } from '../pipelines';
import { renderTable } from '../table';

const DEFAULT_LIMIT = 10;

export const history: Command = {
  name: 'history',
  summary: 'the latest releases of each pipeline: status, start, source revision',
  usage: 'cdk-ecs-release history [--service S] [--pipeline P] [--limit N]\n\n'
    + `Lists the latest pipeline executions (${DEFAULT_LIMIT} by default, at most 100) of the pipelines that deploy S, or of every pipeline.`,
  options: ['service', 'pipeline', 'limit'],
  async run({ aws, options }) {
    const limit = options.limit === undefined ? DEFAULT_LIMIT : Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw new UsageError(`--limit takes a whole number from 1 to 100, got '${options.limit}'`);
    }
    const inventory = await discover(aws);
    const services = options.service !== undefined ? selectServices(inventory, options.service) : [];
    const pipelines = inventory.pipelines.filter((pipeline) => (options.pipeline === undefined || pipeline.name === options.pipeline)
      && (options.service === undefined || services.some((service) => service.stages.some((stage) => stage.startsWith(`${pipeline.name}/`)))));
    const codePipeline = await aws.codePipeline();
    const executions = (await Promise.all(pipelines.map(async (pipeline) => {
      const out = await aws.call('codepipeline:ListPipelineExecutions', `pipeline ${pipeline.name}`, () => codePipeline.client.send(
        new codePipeline.sdk.ListPipelineExecutionsCommand({ pipelineName: pipeline.name, maxResults: limit })));
      return (out.pipelineExecutionSummaries ?? []).map((execution) => ({
        pipeline: pipeline.name,
        executionId: execution.pipelineExecutionId ?? '',
        status: execution.status ?? 'Unknown',
        startTime: execution.startTime?.toISOString(),
        lastUpdateTime: execution.lastUpdateTime?.toISOString(),
        revision: (execution.sourceRevisions ?? []).map((source) => source.revisionSummary ?? source.revisionId ?? '').join(' ').split('\n')[0],
        trigger: execution.trigger?.triggerType,
      }));
    }))).flat();
    const text = pipelines.length === 0
      ? 'no pipeline found'
      : renderTable({
        columns: ['pipeline', 'execution', 'status', 'started', 'revision'],
        rows: executions.map((execution) => [execution.pipeline, shortId(execution.executionId), execution.status,
          execution.startTime?.replace(/\.\d{3}Z$/, 'Z') ?? '-', execution.revision.slice(0, 60) || '-']),
      });
    return { json: { executions }, text };
  },
};
