/**
 * Warns, once a stack holds more than {@link WARN_AT_RESOURCES} resources, how many more services
 * of the library it can take before CloudFormation's limit, and how to split it. Without the
 * warning, the service after the last that fits fails deep in aws-cdk-lib's synthesis with
 * `TooManyResourcesInStack`, long after the stack grew close to it.
 */
import { AspectPriority, Aspects, Annotations, CfnResource, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** CloudFormation's limit of resources in one stack. */
export const MAX_STACK_RESOURCES = 500;

/** Past this, the stack gets the warning. */
export const WARN_AT_RESOURCES = 400;

const WATCHED = new WeakMap<Stack, IConstruct[]>();

/** Counts `service` among the services of its stack in the capacity warning. */
export function watchStackCapacity(service: IConstruct): void {
  const stack = Stack.of(service);
  const services = WATCHED.get(stack);
  if (services) {
    services.push(service);
    return;
  }
  const watched = [service];
  WATCHED.set(stack, watched);
  // Read-only, after every mutating aspect (the pipeline adds its build action in one).
  Aspects.of(stack).add({ visit: (node) => (node === stack ? warnNearLimit(stack, watched) : undefined) }, { priority: AspectPriority.READONLY });
}

/** The stack's own resources, without those of nested stacks, which have a limit of their own. */
function resourcesOf(scope: IConstruct, stack: Stack): number {
  return scope.node.findAll().filter((c) => CfnResource.isCfnResource(c) && Stack.of(c) === stack).length;
}

function warnNearLimit(stack: Stack, services: IConstruct[]): void {
  const total = resourcesOf(stack, stack);
  if (total <= WARN_AT_RESOURCES) {
    return;
  }
  // What a service costs: the resources in its own subtree (hooks shared per stack add a
  // parameter there), averaged over the stack's services.
  const perService = Math.max(1, Math.ceil(services.reduce((sum, service) => sum + resourcesOf(service, stack), 0) / services.length));
  const room = Math.max(0, Math.floor((MAX_STACK_RESOURCES - total) / perService));
  Annotations.of(stack).addWarningV2('cdk-ecs-release:stackResources',
    `the stack has ${total} of CloudFormation's ${MAX_STACK_RESOURCES} resources; its ${services.length} service(s) take about ${perService} each, `
    + `so it can hold ${room} more. Put further services in a stack of their own (e.g. one stack per group of services, sharing the VPC and `
    + 'cluster by reference), or move resources that change rarely (VPC, cluster, dashboards) into a stack of their own');
}
