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
