/**
 * The `hookDetails` Amazon ECS passes to a library hook's function on each invocation: the hook
 * sets them, the service renders them into its lifecycle hooks at synthesis. Kept here because
 * hooks and the service are features apart.
 */
const detailsByHook = new WeakMap<object, () => Record<string, unknown>>();

/** Sets what ECS passes to `hook`'s function; `produce` runs at synthesis, so later values count. */
export function setEcsHookDetails(hook: object, produce: () => Record<string, unknown>): void {
  detailsByHook.set(hook, produce);
}

/** What ECS passes to `hook`'s function, when the hook set anything. */
export function ecsHookDetailsOf(hook: object): (() => Record<string, unknown>) | undefined {
  return detailsByHook.get(hook);
}

/**
 * What a hook's configuration gives for the ECS service's own name on the Amazon ECS engine:
 * the service lists the hook, so naming the service there would make it refer to itself, and
 * under ECS the runtime reads the service from the event (`executionDetails.serviceArn`).
 */
export const SERVICE_NAMED_BY_EVENT = '(the service of the Amazon ECS event)';

/** The ECS service's name as a hook's configuration may hold it. */
export function serviceNameForHook(service: { readonly engine: { readonly kind: string }; readonly service: { readonly serviceName: string } }): string {
  return service.engine.kind === 'ECS' ? SERVICE_NAMED_BY_EVENT : service.service.serviceName;
}
