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

import { DEPLOY_ACTION_NAME } from '../../../contract/artifacts';

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
 * A deploy action is named DEPLOY_ACTION_NAME (`detail.action`) on both engines: a CodeDeploy
 * action has the category `Deploy`, the stack update of an Amazon ECS-engine stage is a CodeBuild
 * action of category `Build`. Approvals are named `Approve`.
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

function detailTypeIn(types: string[]): string {
  return `\`detail-type\` in [${types.map(quote).join(', ')}]`;
}

/** A Logs Insights string literal. */
export function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, '\\\'')}'`;
}
