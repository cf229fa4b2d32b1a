/**
 * MetricGateHook: once production traffic has moved (CodeDeploy's AfterAllowTraffic, Amazon ECS's
 * POST_PRODUCTION_TRAFFIC_SHIFT), compares green with blue on the load balancer's target group
 * metrics and rolls the deployment back when green is clearly worse.
 */
import { HOOK_NAME_ENV } from '../../contract/hook';
import { METRIC_GATE_CONFIG_ENV } from '../../contract/metric-gate';
import { codeDeployHook, ecsNativeHook, withHookConfiguration } from '../shared';
import { MetricGateState, metricGateBody } from './metric-gate';

export type { CodeDeployHookEvent as MetricGateHookEvent, HookRunSummary as MetricGateHookResult } from '../shared';
export type { EcsNativeHookEvent as MetricGateEcsHookEvent, EcsNativeHookResult as MetricGateEcsHookResult } from '../shared';
export type { MetricGateState } from './metric-gate';
export { evaluateMetricGate, evaluateGreenAgainstCeilings, decideReport } from './verdict';

const hookName = process.env[HOOK_NAME_ENV] ?? 'metric-gate';

/** Reads its configuration on each run: a shared function's comes from the service (see withHookConfiguration). */
const body = withHookConfiguration<MetricGateState>(METRIC_GATE_CONFIG_ENV, metricGateBody);

/**
 * Handler for a CodeDeploy AfterAllowTraffic hook. A shared function's configuration comes from
 * the service's parameter, read again by a continued invocation.
 */
export const handler = codeDeployHook<MetricGateState>(body, { hookName, hookKind: 'metric-gate' });

/**
 * Handler for an Amazon ECS POST_PRODUCTION_TRAFFIC_SHIFT hook (`index.ecsHandler`). A shared
 * function's configuration comes from the hook's `hookDetails.configuration`, which ECS passes
 * back with every call, the IN_PROGRESS ones included.
 */
export const ecsHandler = ecsNativeHook<MetricGateState>(body, { hookName, hookKind: 'metric-gate' });
