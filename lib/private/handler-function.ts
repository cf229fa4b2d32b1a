/**
 * The Lambda function behind each of the library's hooks: the bundled handler, Node.js 24 on
 * ARM, its own log group with retention, and the hook runtime's environment.
 */
import { ArnFormat, Duration, PhysicalName, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HOOK_NAME_ENV, HOOK_TOTAL_TIMEOUT_SECONDS_ENV } from '../../contract/hook';
import { handlerCode } from './handler-asset';
import { acknowledgeWildcardResources, addAcknowledgedStatement } from './acknowledgements';
import { iamDescription } from './text-limits';

/** Lambda's limit for all environment variables of a function together. */
export const MAX_ENVIRONMENT_BYTES = 4096;

/** Lambda's limit for a function's description. */
export const MAX_DESCRIPTION_LENGTH = 256;

/**
 * `description` within Lambda's 256 characters. The library's descriptions read
 * `<service name>: <what the function does>`; an ECS service name may have 255 characters, so
 * the name is shortened (ending in `...`) rather than what the function does.
 */
export function fitDescription(description: string): string {
  if (description.length <= MAX_DESCRIPTION_LENGTH) {
    return description;
  }
  const ellipsis = '...';
  const separator = description.indexOf(': ');
  const what = separator >= 0 ? description.slice(separator) : '';
  const room = MAX_DESCRIPTION_LENGTH - what.length - ellipsis.length;
  if (separator < 0 || room < 1) {
    return description.slice(0, MAX_DESCRIPTION_LENGTH - ellipsis.length) + ellipsis;
  }
  return description.slice(0, room) + ellipsis + what;
}

export interface HookFunctionSettings {
  /** Folder of the bundled handler under `assets/handlers`. */
  readonly handler: string;
  /** The export of the bundle Lambda calls: `ecsHandler` for a hook Amazon ECS invokes. Default `handler`. */
  readonly entryPoint?: string;
  /** Name in every log line of the hook. */
  readonly hookName: string;
  /** `<service name>: <what it does>`; a long service name is shortened to fit Lambda's limit. */
  readonly description: string;
  readonly timeout: Duration;
  readonly memorySize?: number;
  readonly environment?: Record<string, string>;
  /** The hook's total time across invocations (hand-over); absent: the runtime's default. */
  readonly totalTimeout?: Duration;
  readonly logRetention?: logs.RetentionDays;
  readonly tracing?: lambda.Tracing;
  readonly vpc?: ec2.IVpc;
  readonly vpcSubnets?: ec2.SubnetSelection;
  readonly securityGroups?: ec2.ISecurityGroup[];
  /** Where Lambda puts asynchronous invocations that failed every retry. */
  readonly deadLetterQueue?: sqs.IQueue;
  /** The function's role, given by the user; absent: a new role (id `ServiceRole`) scoped to the hook. */
  readonly role?: iam.IRole;
}

export interface HookFunctionResources {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.IRole;
}

/** What shapes a hook function's resources, whether one hook's own or shared by several services. */
export interface HookFunctionResourceSettings extends Omit<HookFunctionSettings, 'hookName' | 'totalTimeout'> {
  /** The function's whole environment. */
  readonly environment: Record<string, string>;
}

/**
 * Creates the hook's function (id `Resource`), role (id `ServiceRole`) and log group (id
 * `LogGroup`) in `scope`. The role may write to that log group only, rather than to any log
 * group as the AWSLambdaBasicExecutionRole policy allows.
 */
export function createHookFunction(scope: Construct, settings: HookFunctionSettings): HookFunctionResources {
  return createHookFunctionResources(scope, {
    ...settings,
    environment: {
      [HOOK_NAME_ENV]: settings.hookName,
      ...(settings.totalTimeout ? { [HOOK_TOTAL_TIMEOUT_SECONDS_ENV]: String(settings.totalTimeout.toSeconds()) } : {}),
      ...settings.environment,
    },
  });
}

/**
 * The resources of {@link createHookFunction} with the environment as given: the same for a
 * hook's own function and for a function shared by the services of a stack.
 */
export function createHookFunctionResources(scope: Construct, settings: HookFunctionResourceSettings): HookFunctionResources {
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    retention: settings.logRetention ?? logs.RetentionDays.ONE_MONTH,
  });
  const description = fitDescription(settings.description);
  // A role of our own: given one, aws-cdk-lib attaches no AWSLambdaBasicExecutionRole (logs on
  // any log group) and, in a VPC, no AWSLambdaVPCAccessExecutionRole (the same, plus EC2 on *).
  const role = settings.role ?? new iam.Role(scope, 'ServiceRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    // A Lambda description may hold characters IAM refuses in a role's.
    description: iamDescription(description),
  });
  logGroup.grantWrite(role);
  if (settings.vpc) {
    grantNetworkInterfaces(role, settings.vpc, settings.vpcSubnets, settings.securityGroups ?? []);
  }
  const tracing = settings.tracing ?? lambda.Tracing.DISABLED;
  if (tracing !== lambda.Tracing.DISABLED) {
    // Granted here rather than by the function's tracing prop, which adds it to the default policy.
    addAcknowledgedStatement(role, new iam.PolicyStatement({
      actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      resources: ['*'],
    }), 'X-Ray accepts trace segments on * only: PutTraceSegments and PutTelemetryRecords have no resource-level permissions.');
  }
  const fn = new lambda.Function(scope, 'Resource', {
    // Named by CDK when another account or region names it (a pipeline's appspec.yaml there), else by CloudFormation.
    functionName: PhysicalName.GENERATE_IF_NEEDED,
    code: handlerCode(settings.handler),
    role,
    handler: `index.${settings.entryPoint ?? 'handler'}`,
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    description,
    timeout: settings.timeout,
    memorySize: settings.memorySize ?? 256,
    environment: settings.environment,
    logGroup,
    vpc: settings.vpc,
    vpcSubnets: settings.vpc ? settings.vpcSubnets : undefined,
    securityGroups: settings.vpc ? settings.securityGroups : undefined,
    allowPublicSubnet: false,
    deadLetterQueue: settings.deadLetterQueue,
  });
  if (tracing !== lambda.Tracing.DISABLED) {
    (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: tracing };
  }
  return { function: fn, logGroup, role };
}

/**
 * Lets a hook function invoke itself, as the hook runtime does to hand long work over to a fresh
 * invocation. The grant is a separate policy rather than a statement of the role's default
 * policy: the function waits for its role's default policy, so a statement there naming the
 * function's own ARN would make the function and its policy depend on each other.
 */
export function grantSelfInvoke(scope: Construct, fn: lambda.Function): iam.ManagedPolicy {
  // The runtime invokes exactly what was invoked: a version or alias ARN (`<arn>:<qualifier>`)
  // when CodeDeploy called one, so the continuation runs the same code rather than $LATEST.
  const qualified = `${fn.functionArn}:*`;
  // Managed, like the acknowledged wildcard policy: it does not count towards IAM's limit on a role's inline policies.
  const policy = new iam.ManagedPolicy(scope, 'SelfInvokePolicy', {
    roles: [fn.role!],
    statements: [new iam.PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: [fn.functionArn, qualified],
    })],
  });
  acknowledgeWildcardResources(policy, [qualified],
    'lambda:InvokeFunction on the hook function\'s own versions and aliases only: the hand-over invokes the qualifier it was invoked by.');
  return policy;
}

/**
 * What Lambda needs to manage the network interfaces of a function in a VPC (the EC2 part of
 * AWSLambdaVPCAccessExecutionRole, without its logs on *): interfaces created only in the
 * function's subnets with its security groups, and changed or deleted only in this account and
 * region. DescribeNetworkInterfaces works on * only.
 */
function grantNetworkInterfaces(role: iam.IRole, vpc: ec2.IVpc, vpcSubnets: ec2.SubnetSelection | undefined, securityGroups: ec2.ISecurityGroup[]): void {
  const stack = Stack.of(role);
  const ec2Arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'ec2', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  const networkInterfaces = ec2Arn('network-interface', '*');
  const reason = 'Lambda creates and deletes the network interfaces of a function in a VPC with its role; their ids are chosen by EC2, '
    + 'and DescribeNetworkInterfaces accepts * only.';
  addAcknowledgedStatement(role, new iam.PolicyStatement({
    actions: ['ec2:CreateNetworkInterface'],
    resources: [
      networkInterfaces,
      ...vpc.selectSubnets(vpcSubnets).subnetIds.map((id) => ec2Arn('subnet', id)),
      ...securityGroups.map((group) => ec2Arn('security-group', group.securityGroupId)),
    ],
  }), reason);
  addAcknowledgedStatement(role, new iam.PolicyStatement({
    actions: ['ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
    resources: [networkInterfaces],
  }), reason);
  addAcknowledgedStatement(role, new iam.PolicyStatement({
    actions: ['ec2:DescribeNetworkInterfaces'],
    resources: ['*'],
  }), reason);
}
