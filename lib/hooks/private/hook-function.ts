/**
 * The function behind a library hook: one per hook kind and function shape, shared by the
 * services of a stack, each service's configuration in its own SSM parameter; or, for a hook
 * given a role of the user's, a function of the hook's own, configured by its environment.
 */
import { createHash } from 'crypto';
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, IConstruct } from 'constructs';
import {
  HOOK_CONFIGURATION_PREFIX,
  HOOK_CONFIGURATION_PREFIX_ENV,
  HOOK_KIND_ENV,
  HOOK_NAME_ENV,
  HOOK_TOTAL_TIMEOUT_SECONDS_ENV,
  HookKind,
} from '../../../contract/hook';
import { HOOK_RESULT_DETAIL_TYPE, HOOK_RESULT_TARGET_ENV, HookResultTarget, RELEASE_EVENT_SOURCE } from '../../../contract/release-events';
import { addAcknowledgedScopedStatement, addAcknowledgedStatement } from '../../private/acknowledgements';
import { minimizePoliciesUnder } from '../../private/minimized-policies';
import { createHookFunction, createHookFunctionResources, fitDescription, grantSelfInvoke } from '../../private/handler-function';
import type { IBlueGreenService } from '../../service/blue-green-service-base';
import { addHookConfiguration } from './hook-configuration';
import { setEcsHookDetails } from '../../private/hook-details';
import { DeploymentEngineKind } from '../../service/deployment-engine';
import { EndpointRequirements, HookNetwork } from './network';

/** Construct ids of the shared functions: `CdkEcsRelease<Kind>Hook`. */
const KIND_IDS: Record<HookKind, string> = {
  'preflight': 'Preflight',
  'migration': 'Migration',
  'smoke-test': 'SmokeTest',
  'metric-gate': 'MetricGate',
};

const DEFAULT_MEMORY_SIZE = 256;

/** What one hook asks of its function. */
export interface HookFunctionRequest {
  readonly kind: HookKind;
  readonly service: IBlueGreenService;
  /** Name in every log line of the hook, e.g. `orders-api pre-flight`. */
  readonly hookName: string;
  /** The CodeDeploy lifecycle event the hook runs at: its result names it. */
  readonly lifecycleEvent: string;
  /** What a hook's own function does, after `<service name>: ` in its description. */
  readonly does: string;
  /** What the shared function does, before `, for the services of <stack name>` in its description. */
  readonly sharedDoes: string;
  readonly timeout: Duration;
  readonly memorySize?: number;
  /** The hook's total time across invocations; absent: the runtime's default. */
  readonly totalTimeout?: Duration;
  /** The kind's own timeout and total timeout: a function of that shape takes the kind's plain id. */
  readonly defaults: { readonly timeout: Duration; readonly totalTimeout?: Duration };
  readonly logRetention?: logs.RetentionDays;
  readonly tracing?: lambda.Tracing;
  readonly deadLetterQueue?: sqs.IQueue;
  /** The user's role: the hook then keeps a function of its own. */
  readonly role?: iam.IRole;
  /** The function runs in this VPC, with a security group of its own (per function). */
  readonly network?: {
    readonly vpc: ec2.IVpc;
    readonly createVpcEndpoints: boolean;
    readonly createVpcEndpointsProp: string;
  };
  /** A hook's own function's environment besides the runtime's variables. */
  readonly environment: Record<string, string>;
  /**
   * The hook's section of the service's configuration parameter, rendered at synthesis: values
   * added to it later count.
   */
  readonly config: Record<string, unknown>;
  /** The function invokes itself to hand long work over to a fresh invocation. */
  readonly selfInvoke?: boolean;
}

/** The function a hook runs on, and how the hook grants what it needs to it. */
export interface HookFunctionBinding {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.IRole;
  /** The function shared by the services of the stack; absent for a hook's own function. */
  readonly shared?: SharedHookFunction;
  readonly network?: HookNetwork;
  /** The AWS APIs this hook's function calls from the VPC. */
  readonly endpoints?: EndpointRequirements;
  /** Adds a statement naming this service's resources only, as a grant of aws-cdk-lib would. */
  addStatement(statement: iam.PolicyStatement): void;
  /** Adds a statement whose wildcards lie within the service's resources, acknowledged. */
  addScopedStatement(statement: iam.PolicyStatement, reason: string): void;
  /**
   * Adds a statement with a wildcard to the role's managed WildcardPolicy, acknowledged there: one
   * of the library's `*` statements (once per function), or one within the service's resources.
   */
  addWildcardStatement(statement: iam.PolicyStatement, reason: string): void;
  /**
   * Lets the function describe the task sets of the service, where the green one names its task
   * definition (CodeDeploy engine; on the ECS engine the revision names it, granted with the function).
   */
  grantDescribeServiceTaskSets(): void;
}

/** The function for `hook`: the stack's shared one, or the hook's own when it is given a role. */
export function bindHookFunction(hook: Construct, request: HookFunctionRequest): HookFunctionBinding {
  const service = request.service;
  if (request.role) {
    const own = ownFunction(hook, request);
    own.addStatement(putHookResultStatement(Stack.of(hook)));
    if (onEcs(service)) {
      grantReadEcsDeployments(own, service);
    }
    return own;
  }
  const shared = SharedHookFunction.obtain(hook, request);
  const stack = Stack.of(shared);
  const added = shared._added;
  const addOnce = (statement: iam.PolicyStatement, add: () => void) => {
    const key = JSON.stringify(stack.resolve(statement.toStatementJson()));
    if (!added.has(key)) {
      added.add(key);
      add();
    }
  };
  const binding: HookFunctionBinding = {
    function: shared.function,
    logGroup: shared.logGroup,
    role: shared.role,
    shared,
    network: shared.network,
    endpoints: shared.network?.endpointsFor(hook, {
      createVpcEndpoints: request.network!.createVpcEndpoints,
      createVpcEndpointsProp: request.network!.createVpcEndpointsProp,
      description: `${request.kind} function of ${service.serviceName}`,
    }),
    addStatement: (statement) => addOnce(statement, () => shared.role.addToPrincipalPolicy(statement)),
    addScopedStatement: (statement, reason) => addOnce(statement, () => addAcknowledgedScopedStatement(shared.role, statement, reason)),
    addWildcardStatement: (statement, reason) => addOnce(statement, () => addAcknowledgedStatement(shared.role, statement, reason)),
    // In the role's managed WildcardPolicy, beside the deployment-target reads it goes with: the
    // default policy keeps its room for the other statements of each service, so that ten services
    // fit it without an overflow policy. At most about 180 characters a service (64-character
    // cluster and service names): 20 services take 3,600 of the policy's 6,144.
    grantDescribeServiceTaskSets: () => binding.addWildcardStatement(describeTaskSetsStatement(stack, service), DESCRIBE_TASK_SETS_REASON),
  };
  binding.addStatement(putHookResultStatement(stack));
  if (onEcs(service) || !service.deploymentGroup) {
    // ECS passes the configuration with each invocation, as the hook's details in the service definition.
    setEcsHookDetails(hook, () => ({ hookName: request.hookName, serviceName: service.serviceName, configuration: request.config }));
    grantReadEcsDeployments(binding, service);
    return binding;
  }
  const parameter = addHookConfiguration(hook, service, service.deploymentGroup, request.kind,
    { hookName: request.hookName, lifecycleEvent: request.lifecycleEvent, config: request.config });
  // The runtime finds the service's parameter from the deployment it is called for.
  binding.addStatement(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: [parameter.parameterArn] }));
  binding.addStatement(new iam.PolicyStatement({ actions: ['codedeploy:GetDeployment'], resources: [service.deploymentGroup.deploymentGroupArn] }));
  return binding;
}

/**
 * Lets the function put its hook's result (`Release Hook Result`) on the default bus, for the
 * deployment record: this library's source and that detail type only.
 */
function putHookResultStatement(stack: Stack): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['events:PutEvents'],
    resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
    conditions: { StringEquals: { 'events:source': RELEASE_EVENT_SOURCE, 'events:detail-type': HOOK_RESULT_DETAIL_TYPE } },
  });
}

/** Where a hook's own function's results belong: its one service, at its one lifecycle event. */
function resultTargetOf(request: HookFunctionRequest): HookResultTarget {
  const group = onEcs(request.service) ? undefined : request.service.deploymentGroup;
  return {
    serviceName: request.service.serviceName,
    ...(group ? {
      lifecycleEvent: request.lifecycleEvent,
      applicationName: group.application.applicationName,
      deploymentGroupName: group.deploymentGroupName,
    } : {}),
  };
}

function onEcs(service: IBlueGreenService): boolean {
  return service.engine.kind === DeploymentEngineKind.ECS;
}

/**
 * Lets an ECS-engine hook read the deployments (whether one rolls back, or is the service's
 * first) and revisions (the task definition a deployment installs) of the services of its
 * cluster. Scoped by cluster rather than by service: the service lists the hook, so a grant
 * naming the service would make a cycle, and a grant created after the service would come too
 * late for the hooks of its first deployment. Read-only.
 */
function grantReadEcsDeployments(binding: HookFunctionBinding, service: IBlueGreenService): void {
  const stack = Stack.of(service);
  const under = (resource: string) => stack.formatArn({
    service: 'ecs', resource, resourceName: `${service.cluster.clusterName}/*`, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  binding.addScopedStatement(new iam.PolicyStatement({
    actions: ['ecs:DescribeServiceDeployments', 'ecs:DescribeServiceRevisions'],
    resources: [under('service-deployment'), under('service-revision')],
  }), 'ecs:DescribeServiceDeployments and DescribeServiceRevisions, read-only, on the deployments and revisions of the service\'s cluster, '
    + 'which Amazon ECS creates and names at deployment time; the service itself cannot be named, since it lists the hook.');
}

const DESCRIBE_TASK_SETS_REASON = 'ecs:DescribeTaskSets on the service\'s own task sets: the green task set of a deployment, whose task definition '
  + 'is the one being released, is created by CodeDeploy at deployment time.';

function describeTaskSetsStatement(stack: Stack, service: IBlueGreenService): iam.PolicyStatement {
  const taskSets = stack.formatArn({
    service: 'ecs',
    resource: 'task-set',
    resourceName: `${service.cluster.clusterName}/${service.service.serviceName}/*`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  return new iam.PolicyStatement({ actions: ['ecs:DescribeTaskSets'], resources: [taskSets] });
}

/** A function of the hook's own, in its scope, configured by its environment: as for a hook given the user's role. */
function ownFunction(hook: Construct, request: HookFunctionRequest): HookFunctionBinding {
  const service = request.service;
  const network = request.network ? new HookNetwork(hook, {
    vpc: request.network.vpc,
    createVpcEndpoints: request.network.createVpcEndpoints,
    createVpcEndpointsProp: request.network.createVpcEndpointsProp,
    description: `${request.kind} function of ${service.serviceName}`,
    endpointsPerHook: true,
  }) : undefined;
  const resources = createHookFunction(hook, {
    handler: request.kind,
    entryPoint: onEcs(service) ? 'ecsHandler' : undefined,
    hookName: request.hookName,
    description: `${service.serviceName}: ${request.does}`,
    timeout: request.timeout,
    memorySize: request.memorySize,
    totalTimeout: request.totalTimeout,
    environment: { ...request.environment, [HOOK_RESULT_TARGET_ENV]: Stack.of(hook).toJsonString(resultTargetOf(request)) },
    logRetention: request.logRetention,
    tracing: request.tracing,
    deadLetterQueue: request.deadLetterQueue,
    role: request.role,
    ...(network ? { vpc: network.vpc, vpcSubnets: network.vpcSubnets, securityGroups: [network.securityGroup] } : {}),
  });
  if (request.selfInvoke && !onEcs(service)) {
    grantSelfInvoke(hook, resources.function);
  }
  const role = resources.role;
  const binding: HookFunctionBinding = {
    ...resources,
    network,
    endpoints: network?.endpointsFor(hook, {
      createVpcEndpoints: request.network!.createVpcEndpoints,
      createVpcEndpointsProp: request.network!.createVpcEndpointsProp,
      description: `${request.kind} function of ${service.serviceName}`,
    }),
    addStatement: (statement) => resources.function.addToRolePolicy(statement),
    addScopedStatement: (statement, reason) => addAcknowledgedStatement(role, statement, reason),
    addWildcardStatement: (statement, reason) => addAcknowledgedStatement(role, statement, reason),
    grantDescribeServiceTaskSets: () => addAcknowledgedStatement(role, describeTaskSetsStatement(Stack.of(hook), service), DESCRIBE_TASK_SETS_REASON),
  };
  return binding;
}

/**
 * The function of one hook kind and shape shared by the services of a stack (id
 * `CdkEcsRelease<Kind>Hook`, a child of the stack), with its role, log group and, in a VPC, its
 * security group. Each service adds its own grants to the role.
 */
export class SharedHookFunction extends Construct {
  /** The stack's function for this request's kind and shape, created on first use. */
  public static obtain(hook: IConstruct, request: HookFunctionRequest): SharedHookFunction {
    const stack = Stack.of(hook);
    const shape = shapeOf(request);
    let functions = SHARED.get(stack);
    if (!functions) {
      functions = new Map();
      SHARED.set(stack, functions);
    }
    const key = `${request.kind} ${request.service.engine.kind} ${shape.full}`;
    const existing = functions.get(key);
    if (existing) {
      return existing;
    }
    const plainId = `CdkEcsRelease${KIND_IDS[request.kind]}${onEcs(request.service) ? 'Ecs' : ''}Hook`;
    // The kind's defaults take the plain id. Any other shape, or the defaults in a second VPC,
    // gets a suffix derived from the shape rather than a counter, so that each function keeps its
    // logical ID when hooks of other shapes come or go.
    const id = shape.isDefault && !stack.node.tryFindChild(plainId) ? plainId : `${plainId}${hash(shape.full)}`;
    const created = new SharedHookFunction(stack, id, hook, request);
    functions.set(key, created);
    return created;
  }

  public readonly kind: HookKind;
  public readonly function: lambda.Function;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.IRole;
  public readonly network?: HookNetwork;
  /** The statements added to the role so far, each once. @internal */
  public readonly _added = new Set<string>();

  private constructor(stack: Stack, id: string, hook: IConstruct, request: HookFunctionRequest) {
    super(stack, id);
    minimizePoliciesUnder(this);
    this.kind = request.kind;
    const stackName = stack.stackName;
    this.network = request.network ? new HookNetwork(this, {
      vpc: request.network.vpc,
      createVpcEndpoints: false,
      createVpcEndpointsProp: request.network.createVpcEndpointsProp,
      description: `${request.kind} function of the services of ${stackName}`,
      owner: hook,
      endpointsPerHook: true,
    }) : undefined;
    const ecsEngine = onEcs(request.service);
    const resources = createHookFunctionResources(this, {
      handler: request.kind,
      entryPoint: ecsEngine ? 'ecsHandler' : undefined,
      description: fitDescription(`${request.sharedDoes}, for the services of ${stackName}`),
      timeout: request.timeout,
      memorySize: request.memorySize,
      environment: {
        [HOOK_CONFIGURATION_PREFIX_ENV]: HOOK_CONFIGURATION_PREFIX,
        [HOOK_KIND_ENV]: request.kind,
        [HOOK_NAME_ENV]: request.kind,
        ...(request.totalTimeout ? { [HOOK_TOTAL_TIMEOUT_SECONDS_ENV]: String(request.totalTimeout.toSeconds()) } : {}),
      },
      logRetention: request.logRetention,
      tracing: request.tracing,
      deadLetterQueue: request.deadLetterQueue,
      ...(this.network ? { vpc: this.network.vpc, vpcSubnets: this.network.vpcSubnets, securityGroups: [this.network.securityGroup] } : {}),
    });
    this.function = resources.function;
    this.logGroup = resources.logGroup;
    this.role = resources.role;
    // Amazon ECS calls a hook again itself while it answers IN_PROGRESS.
    if (request.selfInvoke && !ecsEngine) {
      grantSelfInvoke(this, this.function);
    }
  }
}

const SHARED = new WeakMap<Stack, Map<string, SharedHookFunction>>();

/**
 * Everything that shapes the function, as text: two requests with the same text can share a
 * function. The subnets are the VPC's private ones (see HookNetwork), so the VPC stands for them.
 */
function shapeOf(request: HookFunctionRequest): { full: string; isDefault: boolean } {
  const settings = (timeout: Duration, totalTimeout: Duration | undefined) => ({
    timeout: timeout.toSeconds(),
    totalTimeout: totalTimeout?.toSeconds(),
    memorySize: request.memorySize ?? DEFAULT_MEMORY_SIZE,
    tracing: request.tracing ?? lambda.Tracing.DISABLED,
    logRetention: request.logRetention ?? logs.RetentionDays.ONE_MONTH,
    deadLetterQueue: request.deadLetterQueue?.node.path,
  });
  const own = JSON.stringify(settings(request.timeout, request.totalTimeout));
  const defaults = JSON.stringify({ ...settings(request.defaults.timeout, request.defaults.totalTimeout), deadLetterQueue: undefined,
    memorySize: DEFAULT_MEMORY_SIZE, tracing: lambda.Tracing.DISABLED, logRetention: logs.RetentionDays.ONE_MONTH });
  const full = JSON.stringify({ handler: request.kind, settings: own, vpc: request.network?.vpc.node.path });
  return { full, isDefault: own === defaults };
}

/** Eight hex digits of the shape, for a construct id. */
function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8).toUpperCase();
}
