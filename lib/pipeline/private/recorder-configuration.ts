/**
 * Where the deployment recorder's configuration goes. In its environment while it fits (Lambda
 * caps all variables at 4 KB); beyond, its stage lists go to SSM parameters of 4 KB each, standard
 * and free (intelligent tiering makes one larger than estimated advanced rather than refused), and
 * the environment names them. Decided at synthesis, once every stage and rollback alarm is known;
 * beyond {@link MAX_CONFIGURATION_PARAMETERS} parameters the synthesis fails.
 */
import { ArnFormat, Aspects, Lazy, Names, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct, IConstruct } from 'constructs';
import type { DeploymentRecorderConfig } from '../../../contract/deployment-record';
import { MAX_ENVIRONMENT_BYTES } from '../../private/handler-function';
import { resolvedSize } from '../../private/resolved-size';
import { recordPropProblem } from '../../private/validation';

/** The parameters the recorder reads, at most (three GetParameters calls, each of 10 at most). */
export const MAX_CONFIGURATION_PARAMETERS = 25;
/** A standard parameter's limit, each parameter's share of the lists. */
const PARAMETER_BYTES = 4096;
/** The lists' names and brackets around a parameter's entries. */
const PARAMETER_OVERHEAD_BYTES = 100;

const LISTS = ['deploymentGroups', 'ecsServices', 'deployActions', 'alarms'] as const;
type ListName = typeof LISTS[number];
type Lists = { -readonly [name in ListName]?: unknown[] };

/**
 * The value of the recorder's configuration variable: `config()` itself, or, once the aspect
 * found it too large, the names of the parameters holding its lists. `owner` names the problem.
 */
export function recorderConfigurationValue(scope: Construct, owner: IConstruct, fn: () => lambda.Function, config: () => DeploymentRecorderConfig): string {
  let parameters: { readonly name: string }[] | undefined;
  const value = Lazy.uncachedString({
    produce: () => {
      const full = config();
      if (!parameters) {
        return Stack.of(scope).toJsonString(full);
      }
      const rest: DeploymentRecorderConfig = {
        deploymentGroups: [], ecsServices: [], deployActions: [], ...(full.buildVariables ? { buildVariables: full.buildVariables } : {}),
        configurationParameters: parameters.map((p) => p.name),
      };
      return Stack.of(scope).toJsonString(rest);
    },
  });
  let placed = false;
  Aspects.of(scope).add({
    visit: (node) => {
      if (node !== scope || placed) {
        return;
      }
      placed = true;
      const recorder = fn();
      if (environmentBytes(recorder) <= MAX_ENVIRONMENT_BYTES) {
        return;
      }
      const chunks = chunksOf(scope, config());
      if (chunks.length > MAX_CONFIGURATION_PARAMETERS) {
        recordPropProblem(owner, 'stages', 'the deployment recorder\'s configuration (the stages\' deployment groups, deploy actions, Amazon ECS '
          + `services and rollback alarms) takes about ${chunks.length * PARAMETER_BYTES} bytes, more than the ${MAX_CONFIGURATION_PARAMETERS} `
          + `parameters of ${PARAMETER_BYTES} bytes it reads; split the stages between two ReleasePipelines, or give the services fewer rollback alarms`);
        return;
      }
      parameters = chunks.map((chunk, index) => configurationParameter(scope, recorder, index, chunk));
      // The recorder reads its parameters, by name, and no other.
      recorder.addToRolePolicy(new iam.PolicyStatement({
        actions: ['ssm:GetParameters'],
        resources: parameters.map((p) => Stack.of(scope).formatArn({
          service: 'ssm', resource: 'parameter', arnFormat: ArnFormat.SLASH_RESOURCE_NAME, resourceName: p.name.slice(1),
        })),
      }));
    },
  });
  return value;
}

function configurationParameter(scope: Construct, fn: lambda.Function, index: number, chunk: Lists): { readonly name: string } {
  const name = `/cdk-ecs-release/recorder/${Names.uniqueResourceName(scope, { maxLength: 100, separator: '-', allowedSpecialCharacters: '-_' })}/${index + 1}`;
  const parameter = new ssm.StringParameter(scope, `Configuration${index + 1}`, {
    parameterName: name,
    simpleName: false,
    description: `Stage lists of the deployment recorder, part ${index + 1}`,
    tier: ssm.ParameterTier.INTELLIGENT_TIERING,
    stringValue: Stack.of(scope).toJsonString(chunk),
  });
  // Written before the function is updated, so a new instance reads the new lists.
  fn.node.addDependency(parameter);
  return { name };
}

/** The lists' entries, in order, packed into parameters of at most {@link PARAMETER_BYTES} each, as estimated. */
function chunksOf(scope: Construct, config: DeploymentRecorderConfig): Lists[] {
  const stack = Stack.of(scope);
  const chunks: Lists[] = [];
  let current: Lists = {};
  let bytes = PARAMETER_OVERHEAD_BYTES;
  for (const list of LISTS) {
    for (const entry of config[list] ?? []) {
      const size = resolvedSize(stack.resolve(stack.toJsonString(entry))) + 1;
      if (bytes + size > PARAMETER_BYTES && Object.keys(current).length > 0) {
        chunks.push(current);
        current = {};
        bytes = PARAMETER_OVERHEAD_BYTES;
      }
      (current[list] ??= []).push(entry);
      bytes += size;
    }
  }
  if (Object.keys(current).length > 0) {
    chunks.push(current);
  }
  return chunks;
}

/** The function's environment, variable names included, as it would be deployed. */
function environmentBytes(fn: lambda.Function): number {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const resolved = Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
  return Object.entries(resolved?.variables ?? {}).reduce((sum, [name, v]) => sum + Buffer.byteLength(name) + resolvedSize(v), 0);
}
