/**
 * The metric-gate hook body: after production traffic has moved, compares the green target group
 * with the blue one on 5xx error rate and p99 response time, and fails the deployment (so
 * CodeDeploy rolls back) when green is clearly worse.
 *
 * Which target group is green comes from the deployment itself (the ECS target's task set
 * labelled Green and its target group), not from the listener: CodeDeploy's record is what
 * this deployment did, needs no load balancer permission, and cannot be confused by other
 * listener rules or a concurrent change of the listener.
 */
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { ECSTarget } from '@aws-sdk/client-codedeploy';
import { awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { ecsDeploymentTarget } from '../shared/deployment-target';
import { HookContext, HookOutcome, failed, inProgress, succeeded } from '../shared/hook';
import { MetricGateSettings, loadMetricGateSettings } from './config';
import { SeriesFigures, decideReport, evaluateMetricGate } from './verdict';
import { GateWindows, TimeWindow, TrafficTiming, computeWindows, metricQueryRange } from './window';

interface WindowState {
  readonly start: string;
  readonly end: string;
}

/** Carried while the hook waits for the window to elapse. */
export interface MetricGateState {
  readonly greenTargetGroup: string;
  readonly blueTargetGroup: string;
  readonly green: WindowState;
  readonly blue: WindowState;
  readonly readyAt: string;
  readonly source: GateWindows['source'];
}

/** Loaded on first use, like every client package, so the handler's module loads without it. */
const cloudwatchApi = lazy(() => import('@aws-sdk/client-cloudwatch').then((sdk) => ({ client: new sdk.CloudWatchClient(clientConfig()), sdk })));

const NAMESPACE = 'AWS/ApplicationELB';

/** `targetgroup/<name>/<id>` → `<name>`. */
function targetGroupName(fullName: string): string {
  return fullName.split('/')[1] ?? fullName;
}

/** Green and blue target groups' dimension values, from the deployment's green task set. */
export function greenAndBlue(target: ECSTarget, targetGroupFullNames: readonly [string, string]): { green: string; blue: string } {
  const green = (target.taskSetsInfo ?? []).find((set) => set.taskSetLabel === 'Green');
  const name = green?.targetGroup?.name;
  if (!name) {
    throw new Error('the deployment reports no target group for its green task set');
  }
  const index = targetGroupFullNames.findIndex((full) => targetGroupName(full) === name);
  if (index < 0) {
    throw new Error(`green target group ${name} is not one of the configured ${targetGroupFullNames.join(', ')}`);
  }
  return { green: targetGroupFullNames[index], blue: targetGroupFullNames[1 - index] };
}

/** When production traffic moved, from the ECS target's lifecycle events. */
export function trafficTiming(target: ECSTarget): TrafficTiming {
  const event = (name: string) => (target.lifecycleEvents ?? []).find((e) => e.lifecycleEventName === name);
  return {
    allowTrafficStart: event('AllowTraffic')?.startTime,
    allowTrafficEnd: event('AllowTraffic')?.endTime,
    afterAllowTrafficStart: event('AfterAllowTraffic')?.startTime,
  };
}

function toState(window: TimeWindow): WindowState {
  return { start: window.start.toISOString(), end: window.end.toISOString() };
}

function fromState(window: WindowState): TimeWindow {
  return { start: new Date(window.start), end: new Date(window.end) };
}

async function planGate(context: HookContext<MetricGateState>, settings: MetricGateSettings): Promise<MetricGateState> {
  const execution = context.execution;
  if (execution.engine !== 'codedeploy') {
    throw new Error('the metric gate reads its windows from a CodeDeploy deployment; Amazon ECS blue/green is not supported yet');
  }
  const target = await ecsDeploymentTarget(context, execution.deploymentId);
  const { green, blue } = greenAndBlue(target, settings.targetGroupFullNames);
  const timing = trafficTiming(target);
  const windows = computeWindows(settings.trafficShift, timing, settings, new Date());
  const state: MetricGateState = {
    greenTargetGroup: green,
    blueTargetGroup: blue,
    green: toState(windows.green),
    blue: toState(windows.blue),
    readyAt: windows.readyAt.toISOString(),
    source: windows.source,
  };
  context.logger.info('metric gate windows', {
    trafficShift: settings.trafficShift,
    ...state,
    allowTrafficStart: timing.allowTrafficStart?.toISOString(),
    allowTrafficEnd: timing.allowTrafficEnd?.toISOString(),
  });
  return state;
}

/**
 * RequestCount, HTTPCode_Target_5XX_Count and p99 TargetResponseTime of one target group over one
 * window, and p99 of each minute for the rank and sign tests that judge small samples.
 */
async function readSeries(
  context: HookContext<MetricGateState>,
  settings: MetricGateSettings,
  targetGroup: string,
  window: TimeWindow,
): Promise<SeriesFigures> {
  const { client, sdk } = await cloudwatchApi();
  const range = metricQueryRange(window);
  const dimensions = [
    { Name: 'LoadBalancer', Value: settings.loadBalancerFullName },
    { Name: 'TargetGroup', Value: targetGroup },
  ];
  const query = (id: string, metricName: string, stat: string, period = range.periodSeconds): MetricDataQuery => ({
    Id: id,
    MetricStat: { Metric: { Namespace: NAMESPACE, MetricName: metricName, Dimensions: dimensions }, Period: period, Stat: stat },
    ReturnData: true,
  });
  const queries = [
    query('requests', 'RequestCount', 'Sum'),
    query('errors', 'HTTPCode_Target_5XX_Count', 'Sum'),
    query('p99', 'TargetResponseTime', 'p99'),
    query('p99PerMinute', 'TargetResponseTime', 'p99', 60),
  ];
  const values: Record<string, number[]> = { requests: [], errors: [], p99: [], p99PerMinute: [] };
  let nextToken: string | undefined;
  do {
    const page = await awsCall(context, 'cloudwatch:GetMetricData', (abortSignal) => client.send(new sdk.GetMetricDataCommand({
      MetricDataQueries: queries,
      StartTime: range.startTime,
      EndTime: range.endTime,
      NextToken: nextToken,
    }), { abortSignal }));
    for (const result of page.MetricDataResults ?? []) {
      if (result.StatusCode === 'InternalError' || result.StatusCode === 'Forbidden') {
        const detail = (result.Messages ?? []).map((m) => m.Value).filter(Boolean).join('; ');
        throw new Error(`CloudWatch could not read ${result.Id} of ${targetGroup}: ${result.StatusCode}${detail ? ` (${detail})` : ''}`);
      }
      if (result.Id && values[result.Id]) {
        values[result.Id].push(...(result.Values ?? []).filter((v) => Number.isFinite(v)));
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);
  const sum = (list: number[]) => list.reduce((a, b) => a + b, 0);
  return {
    requests: sum(values.requests),
    errors: sum(values.errors),
    // One period covers the window, so there is one value; should CloudWatch split it, keep the worst.
    p99Seconds: values.p99.length > 0 ? Math.max(...values.p99) : undefined,
    p99PerMinuteSeconds: values.p99PerMinute,
  };
}

export async function metricGateBody(context: HookContext<MetricGateState>): Promise<HookOutcome<MetricGateState>> {
  const settings = loadMetricGateSettings();
  const state = context.continuation?.state ?? await planGate(context, settings);

  const waitMs = Date.parse(state.readyAt) - Date.now();
  if (waitMs > 0) {
    context.progress(`waiting until ${state.readyAt} for the comparison window to elapse and its metrics to land`);
    return inProgress(state, {
      delaySeconds: waitMs / 1000,
      reason: `comparison window complete at ${state.readyAt}`,
    });
  }

  context.progress('reading target group metrics');
  const greenWindow = fromState(state.green);
  const blueWindow = fromState(state.blue);
  const green = await readSeries(context, settings, state.greenTargetGroup, greenWindow);
  const blue = await readSeries(context, settings, state.blueTargetGroup, blueWindow);
  const verdict = evaluateMetricGate(green, blue, settings.thresholds);
  const decision = decideReport(verdict.verdict, settings);

  context.logger.info('decision', {
    check: 'metric gate: green against blue',
    expectation: `green p99 <= max(${settings.thresholds.latencyRatio} x blue p99, ${settings.thresholds.latencyFloorSeconds} s)`
      + `${settings.thresholds.maxLatencySeconds !== undefined ? ` and <= ${settings.thresholds.maxLatencySeconds} s` : ''}; `
      + `green 5xx rate <= blue + ${settings.thresholds.errorRateDeltaPercentagePoints} points and <= ${settings.thresholds.maxErrorRatePercent} %; `
      + `marginal up to ${settings.thresholds.marginalBand * 100} % over; 5xx rates judged by their one-sided 95 % Wilson bound; `
      + `under ${settings.thresholds.minRequestCount} green requests only a significant test fails a check, else inconclusive`,
    observed: verdict.reason,
    verdict: verdict.verdict,
    status: decision.status,
    policy: decision.explanation,
    dryRun: settings.dryRun,
    production: settings.production,
    trafficShift: settings.trafficShift,
    windowSource: state.source,
    green: { targetGroup: state.greenTargetGroup, window: state.green, ...verdict.green },
    blue: { targetGroup: state.blueTargetGroup, window: state.blue, ...verdict.blue },
    thresholds: verdict.thresholds,
    checks: verdict.checks,
  });

  const reason = `metric gate ${verdict.verdict} (${decision.explanation}): ${verdict.reason}`;
  return decision.status === 'Succeeded' ? succeeded(reason) : failed(reason);
}
