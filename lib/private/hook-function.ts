/**
 * The Lambda function behind each of the library's hooks: the bundled handler, Node.js 24 on
 * ARM, its own log group with retention, and the hook runtime's environment.
 */
import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { HOOK_NAME_ENV, HOOK_TOTAL_TIMEOUT_SECONDS_ENV } from './contract/hook';
import { handlerCode } from './handler-asset';

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
}

export interface HookFunctionResources {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
}

/** Creates the hook's function (id `Resource`) and log group (id `LogGroup`) in `scope`. */
export function createHookFunction(scope: Construct, settings: HookFunctionSettings): HookFunctionResources {
  const logGroup = new logs.LogGroup(scope, 'LogGroup', {
    retention: settings.logRetention ?? logs.RetentionDays.ONE_MONTH,
  });
  const environment: Record<string, string> = {
    [HOOK_NAME_ENV]: settings.hookName,
    ...(settings.totalTimeout ? { [HOOK_TOTAL_TIMEOUT_SECONDS_ENV]: String(settings.totalTimeout.toSeconds()) } : {}),
    ...settings.environment,
  };
  const fn = new lambda.Function(scope, 'Resource', {
    code: handlerCode(settings.handler),
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
  return new iam.Policy(scope, 'SelfInvokePolicy', {
    roles: [fn.role!],
    statements: [new iam.PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: [fn.functionArn],
    })],
  });
}
