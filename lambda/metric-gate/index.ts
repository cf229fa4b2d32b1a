/**
 * MetricGateHook: at AfterAllowTraffic, compares green with blue on the load balancer's target
 * group metrics and rolls the deployment back when green is clearly worse.
 */
import { HOOK_NAME_ENV } from '../../contract/hook';
import { METRIC_GATE_CONFIG_ENV } from '../../contract/metric-gate';
import { codeDeployHook, withHookConfiguration } from '../shared';
import { MetricGateState, metricGateBody } from './metric-gate';

export type { CodeDeployHookEvent as MetricGateHookEvent, HookRunSummary as MetricGateHookResult } from '../shared';
export type { MetricGateState } from './metric-gate';
export { evaluateMetricGate, decideReport } from './verdict';

/**
 * Handler for a CodeDeploy AfterAllowTraffic hook. The body reads its configuration on each run;
 * a shared function's comes from the service's parameter, read again by a continued invocation.
 */
export const handler = codeDeployHook<MetricGateState>(withHookConfiguration<MetricGateState>(METRIC_GATE_CONFIG_ENV, metricGateBody), {
  hookName: process.env[HOOK_NAME_ENV] ?? 'metric-gate',
});
