/**
 * Finds what the constructs tagged (contract/release-tags.ts) with the Resource Groups Tagging
 * API: the ECS services, the pipelines with the services each stage deploys, the Change Calendars,
 * the deployment record tables.
 */
import { CHANGE_CALENDAR_TAG, PIPELINE_TAG, RECORD_TABLE_TAG, SERVICE_TAG, STAGE_TAG_PREFIX } from '../contract/release-tags';
import { Aws } from './aws';
import { OperationError, UsageError } from './errors';

/** An ECS service the library created. */
export interface FoundService {
  readonly name: string;
  readonly arn: string;
  readonly cluster: string;
  /** The stages that deploy it, `<pipeline>/<stage>`. */
  readonly stages: string[];
}

/** A pipeline the library created. */
export interface FoundPipeline {
  readonly name: string;
  readonly arn: string;
  /** Its construct path. */
  readonly path: string;
  /** Each deploy stage's entries (`<cluster>/<service>` or `<service>`), in the tags' order. */
  readonly stages: ReadonlyMap<string, readonly string[]>;
}

/** A Change Calendar the library created. */
export interface FoundCalendar {
  readonly name: string;
  readonly arn: string;
  readonly path: string;
}

/** A pipeline's deployment record table. */
export interface FoundRecordTable {
  readonly name: string;
  readonly arn: string;
  /** The construct path of its pipeline, as the pipeline's own tag has it. */
  readonly pipelinePath: string;
}

export interface Inventory {
  readonly services: FoundService[];
  readonly pipelines: FoundPipeline[];
  readonly calendars: FoundCalendar[];
  readonly recordTables: FoundRecordTable[];
}

interface TaggedResource {
  readonly arn: string;
  readonly tags: ReadonlyMap<string, string>;
}

async function tagged(aws: Aws, key: string, resourceTypes?: string[]): Promise<TaggedResource[]> {
  const tagging = await aws.tagging();
  const found: TaggedResource[] = [];
  let token: string | undefined;
  do {
    const page = await aws.call('tag:GetResources', `resources tagged ${key}`, () => tagging.client.send(new tagging.sdk.GetResourcesCommand({
      TagFilters: [{ Key: key }],
      ...(resourceTypes ? { ResourceTypeFilters: resourceTypes } : {}),
      ...(token ? { PaginationToken: token } : {}),
    })));
    for (const mapping of page.ResourceTagMappingList ?? []) {
      if (mapping.ResourceARN) {
        found.push({ arn: mapping.ResourceARN, tags: new Map((mapping.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])) });
      }
    }
    token = page.PaginationToken || undefined;
  } while (token);
  return found;
}

/** `arn:aws:ecs:<region>:<account>:service/<cluster>/<name>` → cluster and name. */
function serviceArnParts(arn: string): { cluster: string; name: string } {
  const resource = arn.split(':').slice(5).join(':');
  const [, cluster = '', name = ''] = resource.split('/');
  return { cluster, name };
}

/** The last part of an ARN's resource: a pipeline's or a document's name. */
function arnName(arn: string): string {
  const resource = arn.split(':').slice(5).join(':');
  return resource.split('/').pop() ?? resource;
}

/** What to look for: services and pipelines for most commands, calendars for freezes, record tables for DORA's keys. */
export interface DiscoveryNeeds {
  readonly services?: boolean;
  readonly pipelines?: boolean;
  readonly calendars?: boolean;
  readonly recordTables?: boolean;
}

export async function discover(aws: Aws, needs: DiscoveryNeeds = { services: true, pipelines: true }): Promise<Inventory> {
  const [serviceTags, pipelineTags, calendarTags, tableTags] = await Promise.all([
    needs.services ? tagged(aws, SERVICE_TAG, ['ecs:service']) : [],
    needs.pipelines ? tagged(aws, PIPELINE_TAG) : [],
    needs.calendars ? tagged(aws, CHANGE_CALENDAR_TAG) : [],
    needs.recordTables ? tagged(aws, RECORD_TABLE_TAG, ['dynamodb:table']) : [],
  ]);
  const pipelines: FoundPipeline[] = pipelineTags.map((resource) => ({
    name: arnName(resource.arn),
    arn: resource.arn,
    path: resource.tags.get(PIPELINE_TAG) ?? '',
    stages: new Map([...resource.tags].filter(([key]) => key.startsWith(STAGE_TAG_PREFIX))
      .map(([key, value]) => [key.slice(STAGE_TAG_PREFIX.length), value.split(',').filter((entry) => entry !== '')])),
  })).sort((a, b) => a.name.localeCompare(b.name));
  const services: FoundService[] = serviceTags.map((resource) => {
    const { cluster, name } = serviceArnParts(resource.arn);
    const stages = pipelines.flatMap((pipeline) => [...pipeline.stages]
      .filter(([, entries]) => entries.some((entry) => entry === `${cluster}/${name}` || entry === name))
      .map(([stage]) => `${pipeline.name}/${stage}`));
    return { name, arn: resource.arn, cluster, stages };
  }).sort((a, b) => a.name.localeCompare(b.name) || a.cluster.localeCompare(b.cluster));
  const calendars = calendarTags.map((resource) => ({ name: arnName(resource.arn), arn: resource.arn, path: resource.tags.get(CHANGE_CALENDAR_TAG) ?? '' }));
  const recordTables = tableTags.map((resource) => ({ name: arnName(resource.arn), arn: resource.arn, pipelinePath: resource.tags.get(RECORD_TABLE_TAG) ?? '' }));
  return { services, pipelines, calendars, recordTables };
}

/** The services to work on: all, or the ones named `--service` (by name, or `<cluster>/<name>`). */
export function selectServices(inventory: Inventory, name: string | undefined): FoundService[] {
  if (inventory.services.length === 0) {
    throw new OperationError(`no services found: no ECS service in this account and region has the tag ${SERVICE_TAG}; `
      + 'check --region and --profile, and that the stack is deployed with this version of cdk-ecs-release');
  }
  if (name === undefined) {
    return inventory.services;
  }
  const matches = inventory.services.filter((service) => service.name === name || `${service.cluster}/${service.name}` === name);
  if (matches.length === 0) {
    throw new OperationError(`unknown service '${name}'; the services found are: ${inventory.services.map(qualifiedName).join(', ')}`);
  }
  return matches;
}

/** Exactly one service, for the commands that act on one. */
export function selectService(inventory: Inventory, name: string | undefined): FoundService {
  if (name === undefined) {
    throw new UsageError('--service is required: name the service to act on');
  }
  const matches = selectServices(inventory, name);
  if (matches.length > 1) {
    throw new UsageError(`'${name}' names ${matches.length} services (${matches.map(qualifiedName).join(', ')}); pass --service <cluster>/<name>`);
  }
  return matches[0];
}

/** `<cluster>/<service>`. */
export function qualifiedName(service: FoundService): string {
  return `${service.cluster}/${service.name}`;
}

/** The pipelines and stages that deploy `service`, optionally only the stage named `stage`. */
export function stagesOf(inventory: Inventory, service: FoundService, stage?: string): { pipeline: FoundPipeline; stage: string }[] {
  return inventory.pipelines.flatMap((pipeline) => service.stages
    .filter((qualified) => qualified.startsWith(`${pipeline.name}/`))
    .map((qualified) => qualified.slice(pipeline.name.length + 1))
    .filter((name) => stage === undefined || name === stage)
    .map((name) => ({ pipeline, stage: name })));
}
