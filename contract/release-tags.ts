/**
 * Tags the constructs write on the resources a person operates, so that the release CLI finds
 * them with the Resource Groups Tagging API, whatever their physical names.
 *
 * Pure TypeScript with no imports: `lib/` and the release CLI import this file.
 */

/** On the pipeline: its construct path. */
export const PIPELINE_TAG = 'cdk-ecs-release:pipeline';
/** On the ECS service: the service's name as people know it. */
export const SERVICE_TAG = 'cdk-ecs-release:service';
/** On a Change Calendar document the library creates: its construct path. */
export const CHANGE_CALENDAR_TAG = 'cdk-ecs-release:change-calendar';
/**
 * On the pipeline, one per deploy stage, `cdk-ecs-release:stage:<stage name>`: the services the
 * stage deploys, as `<cluster name>/<service name>` (or the service name alone) joined by `,`.
 */
export const STAGE_TAG_PREFIX = 'cdk-ecs-release:stage:';

/** The tag key naming the services of the stage `stageName`. */
export function stageTagKey(stageName: string): string {
  return `${STAGE_TAG_PREFIX}${stageName}`;
}
/** On the deployment record table: the pipeline's construct path. */
export const RECORD_TABLE_TAG = 'cdk-ecs-release:record-table';
