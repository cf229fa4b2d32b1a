/**
 * The checks of the options a platform team sets on day one: CPU architecture, capacity
 * providers, ECS Exec, the health-check settings and the physical names of the task's roles and
 * log group. Each invalid prop is recorded on the service and replaced by its default.
 */
import { Duration, Token } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { durationProblem, integerRangeProblem, recordPropProblem, valid, wholeDuration } from '../../private/validation';
import type { BlueGreenServiceProps } from '../blue-green-service-props';

/** The capacity providers a Fargate service can use. */
const FARGATE_PROVIDERS = ['FARGATE', 'FARGATE_SPOT'];
/** IAM's rule for a role name. */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** CloudWatch Logs' rule for a log group name. */
const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
/** ALB's rule for a target group's success codes: codes or ranges of HTTP codes, comma-separated. */
const HTTP_CODES = /^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$/;

/** What the service builds with. */
export interface RuntimeInput {
  /** Only with `cpuArchitecture`: a task definition without it stays as it was, and no stack update redeploys it. */
  readonly runtimePlatform?: ecs.RuntimePlatform;
  readonly capacityProviderStrategies?: ecs.CapacityProviderStrategy[];
  readonly enableExecuteCommand: boolean;
  readonly healthCheckGracePeriod: Duration;
  readonly healthyThresholdCount: number;
  readonly unhealthyThresholdCount: number;
  readonly healthyHttpCodes: string;
  readonly taskRoleName?: string;
  readonly executionRoleName?: string;
  readonly logGroupName?: string;
}

export function checkRuntimeOptions(scope: Construct, props: BlueGreenServiceProps): RuntimeInput {
  const healthCheckGracePeriod = wholeDuration(valid(scope, 'healthCheckGracePeriod', durationProblem(props.healthCheckGracePeriod, {
    unit: 'seconds', min: 0, max: 2147483647, fix: 'ECS waits that long before counting failed health checks, e.g. Duration.seconds(120)',
  })) ? props.healthCheckGracePeriod ?? Duration.seconds(60) : Duration.seconds(60), 'seconds');
  const threshold = (prop: 'healthyThresholdCount' | 'unhealthyThresholdCount', fallback: number) =>
    valid(scope, prop, integerRangeProblem(props[prop], 2, 10, 'the load balancer counts 2 to 10 checks in a row')) ? props[prop] ?? fallback : fallback;
  const healthyHttpCodes = props.healthyHttpCodes === undefined || Token.isUnresolved(props.healthyHttpCodes) || httpCodesValid(props.healthyHttpCodes)
    ? props.healthyHttpCodes ?? '200-399'
    : invalid(scope, 'healthyHttpCodes', `'${props.healthyHttpCodes}' is not what the load balancer takes: HTTP codes from 200 to 499, or `
      + 'ranges, comma-separated, e.g. \'200\', \'200-299\' or \'200,302\'', '200-399');
  return {
    runtimePlatform: props.cpuArchitecture ? { cpuArchitecture: props.cpuArchitecture, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX } : undefined,
    capacityProviderStrategies: checkedStrategies(scope, props.capacityProviderStrategies),
    enableExecuteCommand: props.enableExecuteCommand ?? false,
    healthCheckGracePeriod,
    healthyThresholdCount: threshold('healthyThresholdCount', 2),
    unhealthyThresholdCount: threshold('unhealthyThresholdCount', 3),
    healthyHttpCodes,
    taskRoleName: checkedName(scope, 'taskRoleName', props.taskRoleName, ROLE_NAME, 'IAM takes 1-64 letters, digits and +=,.@_-, e.g. \'orders-api-task\''),
    executionRoleName: checkedName(scope, 'executionRoleName', props.executionRoleName, ROLE_NAME,
      'IAM takes 1-64 letters, digits and +=,.@_-, e.g. \'orders-api-execution\''),
    logGroupName: checkedName(scope, 'logGroupName', props.logGroupName, LOG_GROUP_NAME,
      'CloudWatch Logs takes 1-512 letters, digits and ._-/#, e.g. \'/ecs/orders-api\''),
  };
}

function httpCodesValid(codes: string): boolean {
  if (!HTTP_CODES.test(codes)) {
    return false;
  }
  return codes.split(/[,-]/).every((code) => Number(code) >= 200 && Number(code) <= 499)
    && codes.split(',').every((range) => { const [from, to] = range.split('-').map(Number); return to === undefined || from <= to; });
}

function invalid<T>(scope: Construct, prop: string, problem: string, fallback: T): T {
  recordPropProblem(scope, prop, problem);
  return fallback;
}

function checkedName(scope: Construct, prop: string, name: string | undefined, rule: RegExp, fix: string): string | undefined {
  if (name === undefined || Token.isUnresolved(name) || rule.test(name)) {
    return name;
  }
  return invalid(scope, prop, `'${name}' is not a valid name; ${fix}`, undefined);
}

/** The strategies of a Fargate service as ECS takes them: Fargate's providers, one base, some weight. */
function checkedStrategies(scope: Construct, strategies: ecs.CapacityProviderStrategy[] | undefined): ecs.CapacityProviderStrategy[] | undefined {
  if (strategies === undefined) {
    return undefined;
  }
  const problems: string[] = [];
  if (strategies.length === 0) {
    problems.push('is empty; remove it to run on Fargate, or name FARGATE and/or FARGATE_SPOT');
  }
  for (const strategy of strategies) {
    if (!Token.isUnresolved(strategy.capacityProvider) && !FARGATE_PROVIDERS.includes(strategy.capacityProvider)) {
      problems.push(`names '${strategy.capacityProvider}', but a Fargate service runs on FARGATE or FARGATE_SPOT only`);
    }
    const weight = integerRangeProblem(strategy.weight, 0, 1000);
    if (weight) {
      problems.push(`weight of ${strategy.capacityProvider} ${weight}`);
    }
    const base = integerRangeProblem(strategy.base, 0, 100000);
    if (base) {
      problems.push(`base of ${strategy.capacityProvider} ${base}`);
    }
  }
  const names = strategies.map((s) => s.capacityProvider);
  if (names.some((name, index) => names.indexOf(name) !== index)) {
    problems.push('names a capacity provider twice; give each one once');
  }
  if (strategies.filter((s) => (s.base ?? 0) > 0).length > 1) {
    problems.push('gives a base to more than one capacity provider; ECS takes a base for one only');
  }
  if (strategies.length > 0 && strategies.every((s) => (s.weight ?? 0) === 0)) {
    problems.push('gives every capacity provider weight 0, so no task beyond the base would be placed; give one a weight, e.g. 1');
  }
  for (const problem of problems) {
    recordPropProblem(scope, 'capacityProviderStrategies', problem);
  }
  return problems.length === 0 ? strategies : undefined;
}
