/**
 * The size a hook's configuration takes where it is deployed: a function's environment, which
 * Lambda caps at 4 KB in all, or the service's configuration parameter, which SSM caps at 8 KB.
 * Literal parts count as they are; each deploy-time reference is estimated.
 */
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { MAX_ENVIRONMENT_BYTES } from '../../private/handler-function';
import { resolvedSize } from '../../private/resolved-size';
import { MAX_PARAMETER_VALUE_BYTES } from './hook-configuration';

/** Where a configuration went, and how much room it takes there. */
export interface ConfigurationSize {
  /** `the function's environment`, `the hook configuration parameter of orders-api`. */
  readonly where: string;
  readonly bytes: number;
  readonly limit: number;
}

/** The size of `fn`'s environment, variable names included. */
export function environmentSize(fn: lambda.Function): ConfigurationSize {
  const cfn = fn.node.defaultChild as lambda.CfnFunction;
  const resolved = Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
  const bytes = Object.entries(resolved?.variables ?? {})
    .reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + resolvedSize(value), 0);
  return { where: 'the function\'s environment', bytes, limit: MAX_ENVIRONMENT_BYTES };
}

/** The size of the value of a service's hook configuration parameter. */
export function parameterSize(parameter: ssm.StringParameter, serviceName: string): ConfigurationSize {
  const cfn = parameter.node.defaultChild as ssm.CfnParameter;
  return {
    where: `the hook configuration parameter of ${serviceName}, every hook's section included`,
    bytes: resolvedSize(Stack.of(parameter).resolve(cfn.value)),
    limit: MAX_PARAMETER_VALUE_BYTES,
  };
}

/** `about 5000 bytes of the function's environment, over its 4096-byte limit`, or undefined when it fits. */
export function sizeProblem(size: ConfigurationSize): string | undefined {
  return size.bytes <= size.limit ? undefined : `takes about ${size.bytes} bytes of ${size.where}, over its ${size.limit}-byte limit`;
}
