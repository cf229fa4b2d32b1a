/**
 * CloudWatch Logs Insights queries over a release pipeline's deployment record: the log group to
 * which EventBridge writes every pipeline, stage and action state change of the pipeline and every
 * CodeDeploy or Amazon ECS deployment state change of its services, one event as JSON per log line. Pure
 * functions, no CDK imports.
 *
 * Logs Insights discovers the fields of a JSON line and names nested ones with dots
 * (`detail.state`, `detail.type.category`); a name with a hyphen must be quoted in backticks
 * (`detail-type`, `detail.execution-id`). Each query returns its lines without the leading `| `,
 * as `LogQueryWidget.queryLines` takes them.
 */

import { DEPLOY_ACTION_NAME, DEPLOY_ACTION_PREFIX } from '../../../contract/artifacts';

/** The `detail-type` of each kind of event in the record. */
export const RECORD_EVENT_TYPES = {
  pipelineExecution: 'CodePipeline Pipeline Execution State Change',
  stageExecution: 'CodePipeline Stage Execution State Change',
  actionExecution: 'CodePipeline Action Execution State Change',
  deployment: 'CodeDeploy Deployment State-change Notification',
  /** Of a stage on the Amazon ECS engine. */
  ecsDeployment: 'ECS Deployment State Change',
} as const;

/*
 * Deploy actions are selected by their name (`detail.action`, DEPLOY_ACTION_NAME), the same on
 * both engines: a CodeDeploy action has the category `Deploy`, the stack update of an Amazon
 * ECS-engine stage is a CodeBuild action of category `Build`. Approvals are named `Approve`.
 */
export { DEPLOY_ACTION_NAME };

/** The pipeline executions and stage executions, newest first: when, which stage, what state. */
export function recentReleasesQuery(limit = 50): string[] {
  return [
    `filter ${detailTypeIn([RECORD_EVENT_TYPES.pipelineExecution, RECORD_EVENT_TYPES.stageExecution])}`,
    // Pipeline-level events have no stage.
    'fields @timestamp, coalesce(detail.stage, \'(pipeline)\') as stage, detail.state, `detail.execution-id`',
    'sort @timestamp desc',
    `limit ${limit}`,
  ];
}

/**
 * The deployments of the pipeline's services, newest first, with their ids: CodeDeploy's by
 * deployment group and state, Amazon ECS's by service ARN and event name.
 */
export function recentDeploymentsQuery(limit = 50): string[] {
  return [
    `filter ${detailTypeIn([RECORD_EVENT_TYPES.deployment, RECORD_EVENT_TYPES.ecsDeployment])}`,
    'fields @timestamp, coalesce(detail.deploymentGroup, `resources.0`) as deployed, detail.deploymentId, coalesce(detail.state, detail.eventName) as state',
    'sort @timestamp desc',
    `limit ${limit}`,
  ];
}

/**
 * Deployment frequency: the deploy actions of the production stages that succeeded, per day.
 * A deploy action succeeds when its deployment does (after the termination wait).
 */
export function deploymentFrequencyQuery(productionStages: string[]): string[] {
  return [
    `filter ${productionDeploys(productionStages)} and detail.state = 'SUCCEEDED'`,
    'stats count(*) as successfulDeployments by bin(1d)',
  ];
}

/**
 * Change failure rate per week: of the deploy actions of the production stages that finished
 * (succeeded or failed), the share that failed. A deploy action fails when its CodeDeploy
 * deployment fails or is stopped and rolled back; superseded or cancelled executions never
 * finished, so they do not count.
 */
export function changeFailureRateQuery(productionStages: string[]): string[] {
  return [
    `filter ${productionDeploys(productionStages)} and detail.state in ['SUCCEEDED', 'FAILED']`,
    // Among these two states, strcontains is 1 for FAILED and 0 for SUCCEEDED.
    'fields strcontains(detail.state, \'FAILED\') as failed',
    'stats count(*) as deployments, sum(failed) as failedOrRolledBack, '
      + '100 * sum(failed) / count(*) as changeFailureRatePercent by bin(1w)',
  ];
}

/**
 * Lead time through the pipeline, per release: from the pipeline execution's start (the change
 * reaching the pipeline) until its last production deploy action succeeded. Executions that
 * started before the time range, or never reached production, are left out.
 */
export function leadTimeQuery(productionStages: string[], limit = 20): string[] {
  const started = `${detailTypeIs(RECORD_EVENT_TYPES.pipelineExecution)} and detail.state = 'STARTED'`;
  const deployed = `${productionDeploys(productionStages)} and detail.state = 'SUCCEEDED'`;
  return [
    `filter (${started}) or (${deployed})`,
    // Among these events, STARTED marks the start and SUCCEEDED a production deployment.
    'fields strcontains(detail.state, \'STARTED\') as isStart, strcontains(detail.state, \'SUCCEEDED\') as isDeployment',
    'stats min(@timestamp) as pipelineStarted, max(@timestamp) as inProduction, sum(isStart) as starts, '
      + 'sum(isDeployment) as deployments, (max(@timestamp) - min(@timestamp)) / 60000 as leadTimeMinutes by `detail.execution-id`',
    'filter starts > 0 and deployments > 0',
    'sort pipelineStarted desc',
    `limit ${limit}`,
  ];
}

/** The deploy actions of the given stages. */
function productionDeploys(stages: string[]): string {
  return `${detailTypeIs(RECORD_EVENT_TYPES.actionExecution)} and (detail.action = ${quote(DEPLOY_ACTION_NAME)} `
    // A regular expression: Logs Insights' like with a string matches anywhere in the value.
    + `or detail.action like /^${DEPLOY_ACTION_PREFIX}/) `
    + `and detail.stage in [${stages.map(quote).join(', ')}]`;
}

function detailTypeIs(type: string): string {
  return `\`detail-type\` = ${quote(type)}`;
}

function detailTypeIn(types: string[]): string {
  return `\`detail-type\` in [${types.map(quote).join(', ')}]`;
}

/** A Logs Insights string literal. */
export function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, '\\\'')}'`;
}
