/**
 * Warns, once a stack holds more than {@link WARN_AT_RESOURCES} resources, how many more services
 * of the library it can take before CloudFormation's limit, and how to split it. Without the
 * warning, the service after the last that fits fails deep in aws-cdk-lib's synthesis with
 * `TooManyResourcesInStack`, long after the stack grew close to it.
 */
import { AspectPriority, Aspects, Annotations, CfnResource, Stack } from 'aws-cdk-lib';
import { Construct, IConstruct } from 'constructs';

/** CloudFormation's limit of resources in one stack. */
export const MAX_STACK_RESOURCES = 500;

/** Past this, the stack gets the warning. */
export const WARN_AT_RESOURCES = 400;

/** A service of the stack, and what is attached to it elsewhere in the tree (its hooks), read when the warning is made. */
interface WatchedService {
  readonly service: IConstruct;
  readonly attached: () => readonly unknown[];
}

const WATCHED = new WeakMap<Stack, WatchedService[]>();

/**
 * Counts `service` among the services of its stack in the capacity warning, with the resources of
 * the constructs `attached` returns (its hooks, which live beside the service and add a rule or a
 * function of their own to it).
 */
export function watchStackCapacity(service: IConstruct, attached: () => readonly unknown[] = () => []): void {
  const stack = Stack.of(service);
  const services = WATCHED.get(stack);
  if (services) {
    services.push({ service, attached });
    return;
  }
  const watched = [{ service, attached }];
  WATCHED.set(stack, watched);
  // Read-only, after every mutating aspect (the pipeline adds its build action in one).
  Aspects.of(stack).add({ visit: (node) => (node === stack ? warnNearLimit(stack, watched) : undefined) }, { priority: AspectPriority.READONLY });
}

/** The stack's own resources under `scopes`, each once, without those of nested stacks, which have a limit of their own. */
function resourcesOf(scopes: readonly IConstruct[], stack: Stack): number {
  const resources = new Set<IConstruct>();
  for (const scope of scopes) {
    scope.node.findAll().filter((c) => CfnResource.isCfnResource(c) && Stack.of(c) === stack).forEach((c) => resources.add(c));
  }
  return resources.size;
}

/** The resources of a service: its subtree's and its hooks' (a hook's rule, or its own function), each counted once. */
function resourcesOfService({ service, attached }: WatchedService, stack: Stack): number {
  const hooks = attached().filter((hook): hook is IConstruct => Construct.isConstruct(hook) && Stack.of(hook) === stack);
  return resourcesOf([service, ...hooks], stack);
}

function warnNearLimit(stack: Stack, services: WatchedService[]): void {
  const total = resourcesOf([stack], stack);
  if (total <= WARN_AT_RESOURCES) {
    return;
  }
  // What a service costs: the resources of its subtree and of its hooks (functions shared per
  // stack add a parameter to the service and a rule to the hook), averaged over the stack's services.
  const perService = Math.max(1, Math.ceil(services.reduce((sum, service) => sum + resourcesOfService(service, stack), 0) / services.length));
  const room = Math.max(0, Math.floor((MAX_STACK_RESOURCES - total) / perService));
  Annotations.of(stack).addWarningV2('cdk-ecs-release:stackResources',
    `the stack has ${total} of CloudFormation's ${MAX_STACK_RESOURCES} resources; its ${services.length} service(s) take about ${perService} each, `
    + `so it can hold ${room} more. Put further services in a stack of their own (e.g. one stack per group of services, sharing the VPC and `
    + 'cluster by reference), or move resources that change rarely (VPC, cluster, dashboards) into a stack of their own');
}
