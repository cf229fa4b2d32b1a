/** The environment (account and region) of a stack, as references between stacks depend on it. */
import { Stack, Token } from 'aws-cdk-lib';

/**
 * Whether two stacks deploy to one environment, as aws-cdk-lib decides it for references between
 * stacks: the same account and region strings, where an env-agnostic stack's are the pseudo
 * parameters' tokens, the same for every env-agnostic stack.
 */
export function sameEnvironment(a: Stack, b: Stack): boolean {
  return a.account === b.account && a.region === b.region;
}

/** `stack Other (account 123456789012, region us-east-1)`, or `stack Other (env-agnostic)`. */
export function describeEnvironment(stack: Stack): string {
  const account = Token.isUnresolved(stack.account) ? undefined : stack.account;
  const region = Token.isUnresolved(stack.region) ? undefined : stack.region;
  if (account === undefined && region === undefined) {
    return `stack ${stack.node.path} (env-agnostic)`;
  }
  return `stack ${stack.node.path} (account ${account ?? 'env-agnostic'}, region ${region ?? 'env-agnostic'})`;
}

/** Whether the stack has an explicit account and region, as references to another environment need. */
export function hasExplicitEnvironment(stack: Stack): boolean {
  return !Token.isUnresolved(stack.account) && !Token.isUnresolved(stack.region);
}

/**
 * The path of the resource that `value` names and that `stack`, in another environment, could name
 * only by a physical name it lacks; undefined when `value` resolves in `stack`. Other errors are thrown.
 */
export function unnamedAcrossEnvironments(stack: Stack, value: unknown): string | undefined {
  try {
    stack.resolve(value);
    return undefined;
  } catch (error) {
    const unnamed = /Cannot use resource '([^']+)' in a cross-environment fashion/.exec(error instanceof Error ? error.message : String(error))?.[1];
    if (unnamed === undefined) {
      throw error;
    }
    return unnamed;
  }
}
