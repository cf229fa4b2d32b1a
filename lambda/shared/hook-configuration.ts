/**
 * A hook function shared by the services of a stack: one function per hook kind, each service's
 * configuration in an SSM parameter of its own, found from the deployment the hook is called for
 * (`<prefix><application>/<deployment group>`). Before the body runs, the configuration's section
 * for the function's kind is read and put where the handler reads it when the function serves a
 * single service: its `*_CONFIG` variable. A function without a configuration prefix runs its
 * body as it is.
 */
import type * as Ssm from '@aws-sdk/client-ssm';
import {
  HOOK_CONFIGURATION_PREFIX_ENV,
  HOOK_KINDS,
  HOOK_KIND_ENV,
  HookKind,
  PARAMETER_NAME_SEGMENT,
  hookConfigurationParameterName,
} from '../../contract/hook';
import { answerOf, isRecord, optionalObject } from './answer';
import { AwsCallScope, awsCall } from './aws-call';
import { clientConfig, lazy } from './clients';
import { FailureCleanup, HookBody, HookExecution, LambdaContext } from './hook';
import { Logger, describeError, errorMessage, errorName, errorText } from './logger';
import { DeploymentGroup, deploymentGroupOf } from './deployment-target';
import { noteHookResultTarget } from './hook-result';

/** The SSM client package and the execution environment's one client of it. */
export interface SsmApi {
  readonly client: Ssm.SSMClient;
  readonly sdk: typeof Ssm;
}

/** Loaded on the first read of a configuration, so functions that serve one service never load it. */
export const ssmApi = lazy((): Promise<SsmApi> => import('@aws-sdk/client-ssm').then((sdk) => ({
  client: new sdk.SSMClient(clientConfig()),
  sdk,
})));

/** The configuration format this runtime reads. */
const CONFIGURATION_VERSION = 1;

/**
 * Where a section's `config` goes: the name of the variable that holds the whole object as JSON,
 * or the names of several variables, each set from the config's field of the same name (a string
 * as is, any other value as JSON; an absent field unsets the variable).
 */
export type HookConfigurationTarget = string | readonly string[];

/** The section of the configuration one run uses, and where it came from. */
export interface HookConfigurationRead {
  readonly kind: HookKind;
  readonly config: Record<string, unknown>;
  readonly hookName?: string;
  readonly serviceName?: string;
  /** Under CodeDeploy: the lifecycle event the service runs the hook at, and its deployment group. */
  readonly lifecycleEvent?: string;
  readonly applicationName?: string;
  readonly deploymentGroupName?: string;
  /** The SSM parameter, or `hookDetails.configuration` under Amazon ECS. */
  readonly source: string;
}

/**
 * Wraps a hook body for a function that may be shared: with `CDK_ECS_RELEASE_HOOK_CONFIGURATION_PREFIX`
 * set, each run first reads the deployment's service configuration and sets `target` from the
 * section of the function's kind (`CDK_ECS_RELEASE_HOOK_KIND`); without it, the body runs with
 * the configuration the function's environment holds.
 *
 * Under CodeDeploy: `codedeploy:GetDeployment` for the application and deployment group (kept
 * per deployment for the life of the execution environment), then `ssm:GetParameter`, read again
 * in each invocation, continued ones included. Under Amazon ECS there is no deployment group, so
 * the section's config comes from the hook's `hookDetails.configuration` (and its name from
 * `hookDetails.hookName`). Every failure throws, naming the call or the value and what was wrong;
 * the runtime reports it as Failed.
 */
export function withHookConfiguration<TState>(target: HookConfigurationTarget, body: HookBody<TState>): HookBody<TState> {
  return async (context) => {
    const prefix = process.env[HOOK_CONFIGURATION_PREFIX_ENV];
    if (!prefix) {
      return body(context);
    }
    // Until this run's configuration is read, the variables hold none: never another service's.
    clearConfiguration(target);
    const read = await readHookConfiguration(context, prefix, context.lambdaContext);
    applyConfiguration(target, read, context.execution);
    if (read.serviceName) {
      // Where the hook's result belongs in the deployment record (see hook-result.ts).
      noteHookResultTarget(context.lambdaContext, {
        serviceName: read.serviceName,
        ...(read.lifecycleEvent ? { lifecycleEvent: read.lifecycleEvent } : {}),
        ...(read.applicationName ? { applicationName: read.applicationName } : {}),
        ...(read.deploymentGroupName ? { deploymentGroupName: read.deploymentGroupName } : {}),
      }, read.hookName);
    }
    const hookName = read.hookName;
    return body(hookName ? { ...context, hookName, logger: context.logger.child({ hook: hookName }) } : context);
  };
}

/**
 * Wraps a hook's failure cleanup the same way: when the variables do not hold the configuration
 * of the execution that failed (no run of the body read it in this execution environment), it is
 * read with the cleanup's own deadline first. Should that fail, the cleanup runs with the
 * variables unset, as for a hook without configuration.
 */
export function cleanupWithHookConfiguration<TState>(target: HookConfigurationTarget, cleanup: FailureCleanup<TState>): FailureCleanup<TState> {
  return async (scope) => {
    const prefix = process.env[HOOK_CONFIGURATION_PREFIX_ENV];
    if (prefix && applied !== appliedKey(scope.execution)) {
      clearConfiguration(target);
      try {
        applyConfiguration(target, await readHookConfiguration(scope, prefix), scope.execution);
      } catch (error) {
        scope.logger.warn('could not read the hook configuration for the failure cleanup', { error: describeError(error) });
      }
    }
    return cleanup(scope);
  };
}

/** The execution whose configuration the variables hold (see {@link appliedKey}). */
let applied: string | undefined;

function appliedKey(execution: HookExecution): string {
  return execution.engine === 'codedeploy'
    ? `codedeploy ${process.env[HOOK_KIND_ENV]} ${process.env[HOOK_CONFIGURATION_PREFIX_ENV]} ${execution.deploymentId}`
    : `ecs ${execution.executionId ?? ''}`;
}

/** What a configuration is read with: a hook run's context, or a failure cleanup's scope. */
export interface HookConfigurationScope extends AwsCallScope {
  readonly execution: HookExecution;
  readonly logger: Logger;
}

/** The invocation each configuration was read for: the runs of one invocation read it once. */
const readsByInvocation = new WeakMap<LambdaContext, { readonly key: string; readonly read: HookConfigurationRead }>();

/**
 * Reads the section of the function's kind for the execution in `context`; given the invocation's
 * Lambda context, once per invocation.
 */
export async function readHookConfiguration(
  context: HookConfigurationScope,
  prefix: string,
  invocation?: LambdaContext,
): Promise<HookConfigurationRead> {
  const kind = hookKind();
  const execution = context.execution;
  if (execution.engine === 'ecs') {
    const details = execution.hookDetails ?? {};
    const config = details.configuration;
    if (!isRecord(config)) {
      throw new Error('hook configuration: an Amazon ECS lifecycle hook has no CodeDeploy deployment group to find the parameter '
        + `${hookConfigurationParameterName(prefix, '<application>', '<deployment group>')} by; `
        + `give the '${kind}' configuration as an object in the hook's hookDetails.configuration`);
    }
    const source = 'hookDetails.configuration';
    const hookName = optionalName(details.hookName, `${source}: hookName`);
    // Only where the hook's result belongs: never a reason to fail the hook.
    const serviceName = nameOrNothing(details.serviceName);
    const read: HookConfigurationRead = { kind, config, source, ...(hookName ? { hookName } : {}), ...(serviceName ? { serviceName } : {}) };
    logRead(context, read);
    return read;
  }

  const key = `${kind} ${prefix} ${execution.deploymentId}`;
  const earlier = invocation ? readsByInvocation.get(invocation) : undefined;
  if (earlier?.key === key) {
    return earlier.read;
  }
  const group = await parameterGroupOf(context, execution.deploymentId);
  const parameterName = hookConfigurationParameterName(prefix, group.applicationName, group.deploymentGroupName);
  const value = await parameterValue(context, parameterName);
  const read: HookConfigurationRead = {
    ...sectionOf(value, kind, parameterName),
    applicationName: group.applicationName,
    deploymentGroupName: group.deploymentGroupName,
  };
  if (invocation) {
    readsByInvocation.set(invocation, { key, read });
  }
  logRead(context, read);
  return read;
}

function hookKind(): HookKind {
  const kind = process.env[HOOK_KIND_ENV];
  if (!kind) {
    throw new Error(`hook configuration: ${HOOK_KIND_ENV} is not set; a function reading its configuration from `
      + `${HOOK_CONFIGURATION_PREFIX_ENV} must name the section it reads, one of ${HOOK_KINDS.join(', ')}`);
  }
  if (!(HOOK_KINDS as readonly string[]).includes(kind)) {
    throw new Error(`hook configuration: ${HOOK_KIND_ENV} is ${JSON.stringify(kind)}, not one of ${HOOK_KINDS.join(', ')}`);
  }
  return kind as HookKind;
}

/** The deployment's application and deployment group, which must fit in an SSM parameter name. */
async function parameterGroupOf(scope: AwsCallScope, deploymentId: string): Promise<DeploymentGroup> {
  const group = await deploymentGroupOf(scope, deploymentId, 'the deployment group whose hook configuration to read');
  for (const [what, name] of [['application', group.applicationName], ['deployment group', group.deploymentGroupName]] as const) {
    if (!PARAMETER_NAME_SEGMENT.test(name)) {
      throw new Error(`codedeploy:GetDeployment ${deploymentId}: the ${what} name ${JSON.stringify(name)} cannot be part of an SSM parameter name `
        + '(letters, digits, _ . - only)');
    }
  }
  return group;
}

async function parameterValue(scope: AwsCallScope, parameterName: string): Promise<string> {
  const call = 'ssm:GetParameter';
  const { client, sdk } = await ssmApi();
  let answer: Ssm.GetParameterCommandOutput;
  try {
    answer = await awsCall(scope, call, (abortSignal) =>
      client.send(new sdk.GetParameterCommand({ Name: parameterName }), { abortSignal }), { logFields: { parameterName } });
  } catch (error) {
    const name = errorName(error);
    if (name === 'ParameterNotFound') {
      throw new Error(`${call} ${parameterName}: ParameterNotFound — the service's hook configuration is missing; deploy its stack again`);
    }
    throw new Error(`${call} ${parameterName}: ${errorText(error)}`
      + (name === 'AccessDeniedException' ? ` — the function needs ${call} on the parameter` : ''));
  }
  const parameter = optionalObject<{ Value?: unknown; Type?: unknown }>(call, answerOf(call, answer), 'Parameter');
  if (parameter?.Type === 'SecureString') {
    throw new Error(`${call} ${parameterName}: the parameter is a SecureString; the hook configuration is a String parameter`);
  }
  if (typeof parameter?.Value !== 'string') {
    throw new Error(`${call} ${parameterName}: answered without the parameter's value`);
  }
  return parameter.Value;
}

/** Checks the parameter's value and returns the section of `kind`. */
export function sectionOf(value: string, kind: HookKind, parameterName: string): HookConfigurationRead {
  const where = `hook configuration ${parameterName}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new Error(`${where} is not JSON (${errorMessage(error)})`);
  }
  if (!isRecord(parsed)) {
    throw new Error(`${where} is not a JSON object`);
  }
  if (parsed.version !== CONFIGURATION_VERSION) {
    throw new Error(`${where} has version ${JSON.stringify(parsed.version) ?? 'none'}, this function reads version ${CONFIGURATION_VERSION}`);
  }
  if (!isRecord(parsed.hooks)) {
    throw new Error(`${where} has no hooks object`);
  }
  const section = parsed.hooks[kind];
  if (section === undefined || section === null) {
    throw new Error(`${where} has no '${kind}' section: the service has no ${kind} hook`);
  }
  if (!isRecord(section)) {
    throw new Error(`${where}: the '${kind}' section is not an object`);
  }
  if (!isRecord(section.config)) {
    throw new Error(`${where}: the '${kind}' section has no config object`);
  }
  const hookName = optionalName(section.hookName, `${where}: the '${kind}' section's hookName`);
  const serviceName = typeof parsed.serviceName === 'string' && parsed.serviceName ? parsed.serviceName : undefined;
  const lifecycleEvent = nameOrNothing(section.lifecycleEvent);
  return {
    kind,
    config: section.config,
    source: parameterName,
    ...(hookName ? { hookName } : {}),
    ...(serviceName ? { serviceName } : {}),
    ...(lifecycleEvent ? { lifecycleEvent } : {}),
  };
}

/**
 * Puts the section's config where the handler reads it. A Lambda execution environment runs one
 * invocation at a time, so setting the process's environment for this run is safe.
 */
function applyConfiguration(target: HookConfigurationTarget, read: HookConfigurationRead, execution: HookExecution): void {
  if (typeof target === 'string') {
    process.env[target] = JSON.stringify(read.config);
    applied = appliedKey(execution);
    return;
  }
  const unknown = Object.keys(read.config).filter((field) => !target.includes(field));
  if (unknown.length > 0) {
    throw new Error(`${configWhere(read)} has ${unknown.map((field) => JSON.stringify(field)).join(', ')}, `
      + `which this function does not read; it reads ${target.join(', ')}`);
  }
  for (const variable of target) {
    const value = read.config[variable];
    if (value === undefined || value === null) {
      delete process.env[variable];
    } else {
      process.env[variable] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  applied = appliedKey(execution);
}

function clearConfiguration(target: HookConfigurationTarget): void {
  for (const variable of typeof target === 'string' ? [target] : target) {
    delete process.env[variable];
  }
  applied = undefined;
}

function configWhere(read: HookConfigurationRead): string {
  return read.source === 'hookDetails.configuration' ? read.source : `hook configuration ${read.source}: the '${read.kind}' config`;
}

function logRead(context: HookConfigurationScope, read: HookConfigurationRead): void {
  context.logger.info('hook configuration read', {
    kind: read.kind,
    ...(read.serviceName ? { serviceName: read.serviceName } : {}),
    ...(read.hookName ? { hookName: read.hookName } : {}),
    ...(read.source === 'hookDetails.configuration' ? { source: read.source } : { parameterName: read.source }),
  });
}

function optionalName(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`${what} must be a non-empty string`);
  }
  return value;
}

function nameOrNothing(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
