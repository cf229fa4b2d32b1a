/**
 * Whether `value` matches a load balancer condition value with its wildcards: `*` for any
 * characters, `?` for one. Host headers compare without case, paths with it.
 */
export function wildcardMatches(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'i' : '').test(value);
}
