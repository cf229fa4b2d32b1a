import { Command } from '../command';
import { deploymentHistory } from '../deployment-history';
import { readServiceStates } from '../deployments';
import { discover, qualifiedName, selectServices } from '../discovery';
import { UsageError } from '../errors';
import { releaseName, shortId } from '../pipelines';
import { Table, renderSections } from '../table';

const DEFAULT_LIMIT = 10;

export const history: Command = {
  name: 'history',
  summary: 'the latest releases of each pipeline, and with --service the service\'s latest deployments',
  usage: 'cdk-ecs-release history [--service S] [--pipeline P] [--limit N]\n\n'
    + `Lists the latest pipeline executions (${DEFAULT_LIMIT} by default, at most 100) of the pipelines that deploy S, or of every pipeline; `
    + 'with --service, also the latest deployments of S on its engine (CodeDeploy or Amazon ECS), with why each failed or rolled back.',
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
        revision: releaseName(execution.sourceRevisions ?? []),
        trigger: execution.trigger?.triggerType,
      }));
    }))).flat();
    const states = services.length > 0 ? await readServiceStates(aws, services) : [];
    const deployments = await Promise.all(states.map(async (state) => ({ service: qualifiedName(state.service), deployments: await deploymentHistory(aws, state, limit) })));
    const time = (iso: string | undefined) => iso?.replace(/\.\d{3}Z$/, 'Z') ?? '-';
    const sections: (Table | string)[] = [pipelines.length === 0 ? 'no pipeline found' : {
      columns: ['pipeline', 'execution', 'status', 'started', 'revision'],
      rows: executions.map((execution) => [execution.pipeline, shortId(execution.executionId), execution.status,
        time(execution.startTime), execution.revision.slice(0, 60) || '-']),
    }, ...deployments.map(({ service, deployments: rows }): Table => ({
      title: `Deployments of ${service}:`,
      columns: ['deployment', 'status', 'started', 'finished', 'detail'],
      rows: rows.map((row) => [row.id, row.status, time(row.started), time(row.finished), (row.detail ?? '-').slice(0, 80)]),
    }))];
    return { json: { executions, ...(options.service !== undefined ? { deployments } : {}) }, text: renderSections(sections) };
  },
};
