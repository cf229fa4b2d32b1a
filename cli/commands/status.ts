import { Command } from '../command';
import { alarmStates, alarmSummary, readServiceStates } from '../deployments';
import { discover, qualifiedName, selectServices } from '../discovery';
import { OperationError } from '../errors';
import { readPipelineState, releasesOf, shortId } from '../pipelines';
import { renderSections } from '../table';

export const status: Command = {
  name: 'status',
  summary: 'what each stage runs, which release is in flight and at which step, alarm states',
  usage: 'cdk-ecs-release status [--service S] [--pipeline P]\n\n'
    + 'Shows each pipeline stage (its execution, a pending approval, a freeze) and each service '
    + '(its stage, engine, task definition, tasks, the deployment in flight and its step, its rollback alarms).',
  options: ['service', 'pipeline'],
  async run({ aws, options }) {
    const inventory = await discover(aws);
    const services = selectServices(inventory, options.service);
    const pipelines = inventory.pipelines.filter((pipeline) => (options.pipeline === undefined || pipeline.name === options.pipeline)
      && (options.service === undefined || services.some((service) => service.stages.some((stage) => stage.startsWith(`${pipeline.name}/`)))));
    if (options.pipeline !== undefined && pipelines.length === 0) {
      throw new OperationError(`unknown pipeline '${options.pipeline}'; the pipelines found are: ${inventory.pipelines.map((p) => p.name).join(', ') || 'none'}`);
    }
    const [stages, releases, states] = await Promise.all([
      Promise.all(pipelines.map((pipeline) => readPipelineState(aws, pipeline))).then((all) => all.flat()),
      Promise.all(pipelines.map((pipeline) => releasesOf(aws, pipeline))).then((all) => new Map(all.flatMap((map) => [...map]))),
      readServiceStates(aws, services),
    ]);
    const releaseOf = (executionId: string | undefined) => (executionId ? releases.get(executionId) : undefined);
    const alarms = await alarmStates(aws, states.flatMap((state) => state.alarmNames));
    const json = {
      pipelines: pipelines.map((pipeline) => ({
        name: pipeline.name, path: pipeline.path,
        stages: stages.filter((stage) => stage.pipeline === pipeline.name).map(({ pipeline: _pipeline, approval, ...stage }) => ({
          ...stage, release: releaseOf(stage.executionId), pendingApproval: approval?.actionName,
        })),
      })),
      services: states.map((state) => ({
        name: state.service.name, cluster: state.service.cluster, arn: state.service.arn, stages: state.service.stages,
        engine: state.controller, taskDefinition: state.taskDefinition, runningCount: state.running, desiredCount: state.desired,
        deploymentGroup: state.deploymentGroup,
        inFlight: state.inFlight,
        alarms: state.alarmNames.map((name) => ({ name, state: alarms.get(name) ?? 'NOT_FOUND' })),
      })),
    };
    const stageRows = stages.map((stage) => [
      stage.pipeline, stage.stage, stage.status, shortId(stage.executionId), (releaseOf(stage.executionId) ?? '-').slice(0, 40),
      stage.approval ? `approval '${stage.approval.actionName}' waits` : stage.running.join(', ') || '-',
      stage.frozen ? `FROZEN: ${stage.frozen}` : '-',
    ]);
    const serviceRows = states.map((state) => {
      const inFlight = state.inFlight[0];
      return [
        qualifiedName(state.service), state.service.stages.join(', ') || '-', { CODE_DEPLOY: 'CodeDeploy', ECS: 'ECS', MISSING: 'deleted' }[state.controller] ?? state.controller,
        state.taskDefinition, `${state.running}/${state.desired}`,
        inFlight ? `${inFlight.status}${inFlight.engine === 'CODE_DEPLOY' ? ` ${inFlight.id}` : ''}` : 'none',
        inFlight ? inFlight.step : '-',
        alarmSummary(state.alarmNames, alarms),
      ];
    });
    const text = renderSections([
      ...(pipelines.length > 0 ? [{ columns: ['pipeline', 'stage', 'status', 'execution', 'release', 'now', 'inbound'], rows: stageRows }] : []),
      { columns: ['service', 'stage', 'engine', 'task definition', 'tasks', 'deployment', 'step', 'alarms'], rows: serviceRows },
    ]);
    return { json, text };
  },
};
