/**
 * What a cluster's resolved settings say about Container Insights, which publishes the task
 * counts the running-task alarm watches. Pure functions, no CDK imports.
 */

/**
 * The `containerInsights` value of resolved `ClusterSettings` (`enabled`, `enhanced`,
 * `disabled`), or undefined when the cluster does not set it and the account default applies.
 */
export function containerInsightsSetting(clusterSettings: unknown): string | undefined {
  if (!Array.isArray(clusterSettings)) {
    return undefined;
  }
  const setting = clusterSettings.find(s => typeof s === 'object' && s !== null && (s as { name?: unknown }).name === 'containerInsights');
  const value = (setting as { value?: unknown } | undefined)?.value;
  return typeof value === 'string' ? value : undefined;
}
