/**
 * The rule for a service name. The name goes, unchanged, into alarm names and descriptions, the
 * fatal-log metric name, the awslogs stream prefix, security-group rule, role, function, rule and
 * output descriptions, notifications and dashboards. So it must be known at synthesis, and use
 * only characters all of them accept: then no clean-up changes it, and two services whose names
 * differ cannot share an alarm or a metric.
 */
import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { recordPropProblem } from './validation';
import { shortHash } from './text-limits';

/** Letters, digits, '.', '_' and '-', starting with a letter or digit. */
export const SERVICE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Short enough that every name and description derived from it stays within its AWS limit. */
export const MAX_SERVICE_NAME_LENGTH = 64;

/** The rule, as a message tells it. */
const RULE = `1-${MAX_SERVICE_NAME_LENGTH} letters, digits, '.', '_' or '-', starting with a letter or digit, e.g. 'orders-api'`;

/**
 * What is wrong with a service name; undefined when nothing is. `defaultedFrom` names where the
 * name came from when the prop was not given (`the construct id`), so the message says to pass it.
 */
export function serviceNameProblem(name: string, defaultedFrom?: string): string | undefined {
  if (Token.isUnresolved(name)) {
    return 'is a deploy-time value (a token), but it must be known at synthesis: it goes into alarm and metric names, '
      + 'the log stream prefix and output descriptions, which CloudFormation needs as literal text. Pass a literal string; '
      + 'for a name per environment, read it from context (this.node.tryGetContext(\'serviceName\')) or from the stack\'s props';
  }
  if (name.length >= 1 && name.length <= MAX_SERVICE_NAME_LENGTH && SERVICE_NAME_PATTERN.test(name)) {
    return undefined;
  }
  const got = `'${name}'${name.length > MAX_SERVICE_NAME_LENGTH ? ` (${name.length} characters)` : ''}`;
  if (defaultedFrom !== undefined) {
    return `is not given, so it defaults to ${defaultedFrom} ${got}, which is not a valid service name: a service name has ${RULE}. `
      + 'Pass serviceName';
  }
  return `must have ${RULE}, got ${got}; it appears unchanged in alarm names, metric names and log streams`;
}

/**
 * The service name of `scope`: `given`, or `fallback` (described by `fallbackLabel`) when it is
 * not given. An invalid name is recorded on `scope` as an invalid `serviceName` and replaced by a
 * valid stand-in of its own, so that construction goes on and no other problem follows from it.
 */
export function checkedServiceName(scope: IConstruct, given: string | undefined, fallback: string, fallbackLabel: string): string {
  const name = given ?? fallback;
  const problem = serviceNameProblem(name, given === undefined ? fallbackLabel : undefined);
  if (problem === undefined) {
    return name;
  }
  recordPropProblem(scope, 'serviceName', problem);
  return serviceNameStandIn(scope, name);
}

/** A valid name close to `name`, distinct for each construct. */
function serviceNameStandIn(scope: IConstruct, name: string): string {
  const hash = shortHash(scope.node.path);
  const cleaned = Token.isUnresolved(name) ? '' : name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return `${cleaned.slice(0, MAX_SERVICE_NAME_LENGTH - hash.length - 1)}-${hash}`.replace(/^-/, '');
}
