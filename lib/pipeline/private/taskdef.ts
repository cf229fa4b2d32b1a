import { IAnyProducer, IResolvable, IResolveContext, Lazy, Reference, Stack, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { IMAGE_PLACEHOLDER } from '../../../contract/artifacts';

/** Options of {@link renderTaskDefinitionRequest}. */
export interface TaskDefinitionRequestOptions {
  /** The container whose image is replaced by the placeholder; the other containers keep theirs. */
  readonly containerName: string;
  /**
   * What the container's image becomes.
   * @default IMAGE_PLACEHOLDER
   */
  readonly imagePlaceholder?: string;
}

/**
 * Renders the ECS `RegisterTaskDefinition` request (the API's camelCase shape) of a task
 * definition defined in CDK, with the image of one container replaced by a placeholder.
 *
 * The result is a lazy value: containers, volumes and tags added after this call are included,
 * and deploy-time values (role ARNs, log group names) stay tokens, so cross-stack references
 * work. Resolve it with {@link renderTaskDefinitionJson} or `Stack.resolve`.
 *
 * The request is read from the L1 `CfnTaskDefinition`, so it registers exactly what
 * CloudFormation registers. Raw property overrides (`addPropertyOverride`) are not seen, nor
 * inference accelerators (end of life, and reading them prints a deprecation warning).
 */
export function renderTaskDefinitionRequest(taskDefinition: ecs.TaskDefinition, options: TaskDefinitionRequestOptions): IResolvable {
  const producer: IAnyProducer = {
    produce: (context: IResolveContext) => buildRequest(taskDefinition, options, context),
  };
  return Lazy.uncachedAny(producer);
}

/**
 * The request of {@link renderTaskDefinitionRequest} as a JSON string that CloudFormation
 * completes at deploy time.
 */
export function renderTaskDefinitionJson(taskDefinition: ecs.TaskDefinition, options: TaskDefinitionRequestOptions): string {
  return Stack.of(taskDefinition).toJsonString(renderTaskDefinitionRequest(taskDefinition, options));
}

function buildRequest(taskDefinition: ecs.TaskDefinition, options: TaskDefinitionRequestOptions, context: IResolveContext): Record<string, unknown> {
  const cfn = taskDefinition.node.defaultChild;
  if (!(cfn instanceof ecs.CfnTaskDefinition)) {
    throw new Error(`${taskDefinition.node.path}: cannot render taskdef.json: the task definition has no CfnTaskDefinition; pass a task definition defined in this app, not an imported one`);
  }
  const containers = unwrap(cfn.containerDefinitions, context);
  if (!Array.isArray(containers)) {
    throw new Error(`${taskDefinition.node.path}: cannot render taskdef.json: the container definitions are not a list; add containers with addContainer()`);
  }
  const target = containers.find((c) => isRecord(c) && c.name === options.containerName);
  if (!target) {
    const names = containers.map((c) => (isRecord(c) ? String(c.name) : '?')).join(', ');
    throw new Error(`${taskDefinition.node.path}: cannot render taskdef.json: no container named '${options.containerName}' (containers: ${names || 'none'}); pass the name of the application container`);
  }

  const request: Record<string, unknown> = {
    family: cfn.family,
    taskRoleArn: cfn.taskRoleArn,
    executionRoleArn: cfn.executionRoleArn,
    networkMode: cfn.networkMode,
    containerDefinitions: containers.map((c) => isRecord(c) && c.name === options.containerName
      ? { ...c, image: options.imagePlaceholder ?? IMAGE_PLACEHOLDER }
      : c),
    volumes: mapList(unwrap(cfn.volumes, context), renderVolume),
    placementConstraints: unwrap(cfn.placementConstraints, context),
    requiresCompatibilities: unwrap(cfn.requiresCompatibilities, context),
    cpu: cfn.cpu,
    memory: cfn.memory,
    pidMode: cfn.pidMode,
    ipcMode: cfn.ipcMode,
    proxyConfiguration: mapOne(unwrap(cfn.proxyConfiguration, context), renderProxyConfiguration),
    ephemeralStorage: unwrap(cfn.ephemeralStorage, context),
    runtimePlatform: unwrap(cfn.runtimePlatform, context),
    enableFaultInjection: unwrap(cfn.enableFaultInjection, context),
    tags: renderTags(unwrap(cfn.tags.renderTags(), context)),
  };
  return dropEmpty(request);
}

/**
 * Resolves lazy values (the L2 renders containers, volumes and port mappings lazily) so the
 * structure can be walked, but keeps references and other CloudFormation intrinsics as tokens,
 * so `toJsonString` turns them into deploy-time values instead of literal `{"Ref": …}` objects.
 * Strings are kept as they are: a token inside a string is resolved later by `toJsonString`.
 */
function unwrap(value: unknown, context: IResolveContext): unknown {
  if (value === undefined || value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value;
  }
  if (Token.isUnresolved(value) && isResolvable(value)) {
    if (value instanceof Reference) {
      return value;
    }
    const resolved = value.resolve(context);
    if (isIntrinsic(resolved)) {
      return value;
    }
    return unwrap(resolved, context);
  }
  if (Array.isArray(value)) {
    return value.map((item) => unwrap(item, context));
  }
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      out[key] = unwrap(item, context);
    }
    return out;
  }
  return value;
}

/** The CloudFormation and API names of a volume differ in a few places. */
function renderVolume(volume: Record<string, unknown>): Record<string, unknown> {
  const { efsVolumeConfiguration, fSxWindowsFileServerVolumeConfiguration, ...rest } = volume;
  const out: Record<string, unknown> = { ...rest };
  if (isRecord(efsVolumeConfiguration)) {
    const { filesystemId, ...efs } = efsVolumeConfiguration;
    out.efsVolumeConfiguration = { fileSystemId: filesystemId, ...efs };
  }
  if (fSxWindowsFileServerVolumeConfiguration !== undefined) {
    out.fsxWindowsFileServerVolumeConfiguration = fSxWindowsFileServerVolumeConfiguration;
  }
  return out;
}

function renderProxyConfiguration(proxy: Record<string, unknown>): Record<string, unknown> {
  const { proxyConfigurationProperties, ...rest } = proxy;
  return { ...rest, properties: proxyConfigurationProperties };
}

/** CloudFormation renders tags as `{ Key, Value }`; the API takes `{ key, value }`. */
function renderTags(tags: unknown): unknown {
  if (!Array.isArray(tags) || tags.length === 0) {
    return undefined;
  }
  return tags.map((tag) => (isRecord(tag) ? { key: tag.Key ?? tag.key, value: tag.Value ?? tag.value } : tag));
}

function mapList(value: unknown, fn: (item: Record<string, unknown>) => Record<string, unknown>): unknown {
  return Array.isArray(value) ? value.map((item) => (isRecord(item) ? fn(item) : item)) : value;
}

function mapOne(value: unknown, fn: (item: Record<string, unknown>) => Record<string, unknown>): unknown {
  return isRecord(value) ? fn(value) : value;
}

/** Drops absent fields and empty lists, as the L1 does when it renders the template. */
function dropEmpty(request: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) {
      continue;
    }
    out[key] = value;
  }
  return out;
}

function isResolvable(value: unknown): value is IResolvable {
  return typeof value === 'object' && value !== null && typeof (value as { resolve?: unknown }).resolve === 'function';
}

function isIntrinsic(value: unknown): boolean {
  if (!isRecord(value)) {
    return false;
  }
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Token.isUnresolved(value);
}
