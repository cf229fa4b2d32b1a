/**
 * MetricGateHook: at AfterAllowTraffic, compares green with blue on the load balancer's target
 * group metrics and rolls the deployment back when green is clearly worse.
 */
import { HOOK_NAME_ENV } from '../../contract/hook';
import { codeDeployHook } from '../shared';
import { MetricGateState, metricGateBody } from './metric-gate';

export type { CodeDeployHookEvent as MetricGateHookEvent, HookRunSummary as MetricGateHookResult } from '../shared';
export type { MetricGateState } from './metric-gate';
export { evaluateMetricGate, decideReport } from './verdict';

/** Handler for a CodeDeploy AfterAllowTraffic hook. */
export const handler = codeDeployHook<MetricGateState>(metricGateBody, {
  hookName: process.env[HOOK_NAME_ENV] ?? 'metric-gate',
});
