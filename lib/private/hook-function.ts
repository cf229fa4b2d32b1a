/**
 * The Lambda function behind each of the library's hooks: the bundled handler, Node.js 24 on
 * ARM, its own log group with retention, and the hook runtime's environment.
 */
import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { HOOK_NAME_ENV, HOOK_TOTAL_TIMEOUT_SECONDS_ENV } from './contract/hook';
import { handlerCode } from './handler-asset';
import { acknowledgeManagedPolicy, acknowledgeWildcardResources } from './hook-acknowledgements';

/** Lambda's limit for all environment variables of a function together. */
export const MAX_ENVIRONMENT_BYTES = 4096;

export interface HookFunctionSettings {
  /** Folder of the bundled handler under `assets/handlers`. */
  readonly handler: string;
  /** Name in every log line of the hook. */
  readonly hookName: string;
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
}

export interface HookFunctionResources {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
}

/**
 * Creates the hook's function (id `Resource`), role (id `ServiceRole`) and log group (id
 * `LogGroup`) in `scope`. The role may write to that log group only, rather than to any log
 * group as the AWSLambdaBasicExecutionRole policy allows.
 */
export function createHookFunction(scope: Construct, settings: HookFunctionSettings): HookFunctionResources {
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    retention: settings.logRetention ?? logs.RetentionDays.ONE_MONTH,
  });
  const role = new iam.Role(scope, 'ServiceRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: settings.description.slice(0, 1000),
  });
  logGroup.grantWrite(role);
  if (settings.vpc) {
    // The network interfaces of a function in a VPC; AWS maintains the list of EC2 calls Lambda needs.
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole'));
    acknowledgeManagedPolicy(role, 'service-role/AWSLambdaVPCAccessExecutionRole',
      'Lambda manages the network interfaces of a function in a VPC with this role; AWS maintains this policy as Lambda\'s needs change.');
  }
  if (settings.tracing !== undefined && settings.tracing !== lambda.Tracing.DISABLED) {
    acknowledgeWildcardResources(role, ['*'],
      'X-Ray accepts trace segments on * only (no resource-level permissions), and the hook\'s other * actions are read-only Describe/Get calls AWS allows on * only.');
  }
  const environment: Record<string, string> = {
    [HOOK_NAME_ENV]: settings.hookName,
    ...(settings.totalTimeout ? { [HOOK_TOTAL_TIMEOUT_SECONDS_ENV]: String(settings.totalTimeout.toSeconds()) } : {}),
    ...settings.environment,
  };
  const fn = new lambda.Function(scope, 'Resource', {
    code: handlerCode(settings.handler),
    role,
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    description: settings.description,
    timeout: settings.timeout,
    memorySize: settings.memorySize ?? 256,
    environment,
    logGroup,
    tracing: settings.tracing ?? lambda.Tracing.DISABLED,
    vpc: settings.vpc,
    vpcSubnets: settings.vpc ? settings.vpcSubnets : undefined,
    securityGroups: settings.vpc ? settings.securityGroups : undefined,
    allowPublicSubnet: false,
    deadLetterQueue: settings.deadLetterQueue,
  });
  return { function: fn, logGroup };
}

/**
 * Lets a hook function invoke itself, as the hook runtime does to hand long work over to a fresh
 * invocation. The grant is a separate policy rather than a statement of the role's default
 * policy: the function waits for its role's default policy, so a statement there naming the
 * function's own ARN would make the function and its policy depend on each other.
 */
export function grantSelfInvoke(scope: Construct, fn: lambda.Function): iam.Policy {
  // The runtime invokes exactly what was invoked: a version or alias ARN (`<arn>:<qualifier>`)
  // when CodeDeploy called one, so the continuation runs the same code rather than $LATEST.
  const qualified = `${fn.functionArn}:*`;
  const policy = new iam.Policy(scope, 'SelfInvokePolicy', {
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
