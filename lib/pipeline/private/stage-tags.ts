/**
 * The tags the release CLI reads on the pipeline: its construct path, and per deploy stage the
 * services that stage deploys, so that `status` shows each stage's services without reading the
 * stages' build projects.
 */
import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import { MAX_TAG_VALUE_LENGTH, tagResource, tagValue } from '../../private/release-tags';
import { PIPELINE_TAG, stageTagKey } from '../../../contract/release-tags';
import type { IBlueGreenService } from '../../service/blue-green-service-base';

/** What a generated cluster name may take, counted for the tag's length (it is known at deploy only). */
const GENERATED_NAME_ALLOWANCE = 128;

/** Tags the pipeline with its construct path. */
export function tagPipeline(pipeline: codepipeline.Pipeline, path: string): void {
  tagResource(pipeline.node.defaultChild as codepipeline.CfnPipeline, PIPELINE_TAG, tagValue(path));
}

/**
 * Tags the pipeline with the services a deploy stage deploys: `<cluster>/<service>` joined by
 * `,`. A cluster whose name is a deploy-time value is named only from the pipeline's own stack
 * (elsewhere the reference would make an export, or fail across regions) and only while the
 * longest such name still fits AWS's 256 characters; else the service's name alone, which the
 * CLI matches against the services' own tags. Services that do not fit at all are left out,
 * with a warning.
 */
export function tagStage(pipeline: codepipeline.Pipeline, stageName: string, services: readonly IBlueGreenService[]): void {
  const withClusters = services.map((service) => entryOf(pipeline, service, true));
  const entries = estimatedLength(withClusters) <= MAX_TAG_VALUE_LENGTH ? withClusters : services.map((service) => entryOf(pipeline, service, false));
  const fitting: string[] = [];
  for (const entry of entries) {
    if (estimatedLength([...fitting, entry]) > MAX_TAG_VALUE_LENGTH) {
      break;
    }
    fitting.push(entry);
  }
  if (fitting.length < entries.length) {
    Annotations.of(pipeline).addWarningV2('cdk-ecs-release:stage-tag-too-long',
      `stage '${stageName}' deploys ${entries.length} services, but the names of only ${fitting.length} fit in the ${MAX_TAG_VALUE_LENGTH}-character `
      + 'tag the release CLI reads; it shows the others without their stage. Split the stage to have every service shown with it');
  }
  tagResource(pipeline.node.defaultChild as codepipeline.CfnPipeline, stageTagKey(stageName), fitting.join(','));
}

function entryOf(pipeline: codepipeline.Pipeline, service: IBlueGreenService, withCluster: boolean): string {
  const clusterName = service.cluster.clusterName;
  const named = Token.isUnresolved(clusterName) ? Stack.of(service.cluster) === Stack.of(pipeline) : true;
  return withCluster && named ? `${clusterName}/${service.serviceName}` : service.serviceName;
}

/** The value's length once deployed, counting each deploy-time name at its allowance. */
function estimatedLength(entries: readonly string[]): number {
  return entries.map((entry) => Token.isUnresolved(entry)
    ? entry.split('/').pop()!.length + 1 + GENERATED_NAME_ALLOWANCE
    : entry.length).reduce((sum, length) => sum + length, Math.max(0, entries.length - 1));
}
