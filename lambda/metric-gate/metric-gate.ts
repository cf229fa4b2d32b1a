/**
 * The metric-gate hook body: after production traffic has moved, compares the green target group
 * with the blue one on 5xx error rate and p99 response time, and fails the deployment (so it rolls
 * back) when green is clearly worse.
 *
 * Under CodeDeploy, which target group is green comes from the deployment itself (the ECS target's
 * task set labelled Green and its target group), not from the listener: CodeDeploy's record is
 * what this deployment did, needs no load balancer permission, and cannot be confused by other
 * listener rules or a concurrent change of the listener. Under Amazon ECS blue/green, which keeps
 * no such record, green is the target group the production listener rule forwards the traffic to
 * once it has shifted (`listener-rule.ts`).
 */
import type { MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { ECSTarget } from '@aws-sdk/client-codedeploy';
import { awsCall } from '../shared/aws-call';
import { clientConfig, lazy } from '../shared/clients';
import { ecsDeploymentTarget } from '../shared/deployment-target';
import { ecsDeploymentOf } from '../shared/ecs-deployment';
import { HookContext, HookOutcome, failed, inProgress, succeeded } from '../shared/hook';
import { LogFields } from '../shared/logger';
import { MetricGateSettings, loadMetricGateSettings } from './config';
import { forwardedTargetGroups, greenAndBlueOfRule } from './listener-rule';
import { GateVerdict, SeriesFigures, decideReport, evaluateGreenAgainstCeilings, evaluateMetricGate } from './verdict';
import {
  GateWindows, TimeWindow, TrafficTiming, computeEcsWindows, computeWindows, metricQueryRange, sharedProductionSeconds,
} from './window';

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
  /**
   * The service's first Amazon ECS deployment: there is no blue, so green is held to the
   * absolute ceilings alone.
   */
  readonly firstDeployment?: boolean;
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

/** What a plan found: the target groups and windows, and what to log of how they were found. */
interface GatePlan {
  readonly green: string;
  readonly blue: string;
  readonly windows: GateWindows;
  readonly firstDeployment: boolean;
  readonly logFields: LogFields;
}

async function planGate(context: HookContext<MetricGateState>, settings: MetricGateSettings): Promise<MetricGateState> {
  const execution = context.execution;
  const plan = execution.engine === 'codedeploy'
    ? await planCodeDeployGate(context, settings, execution.deploymentId)
    : await planEcsGate(context, settings);
  const state: MetricGateState = {
    greenTargetGroup: plan.green,
    blueTargetGroup: plan.blue,
    green: toState(plan.windows.green),
    blue: toState(plan.windows.blue),
    readyAt: plan.windows.readyAt.toISOString(),
    source: plan.windows.source,
    ...(plan.firstDeployment ? { firstDeployment: true } : {}),
  };
  context.logger.info('metric gate windows', { trafficShift: settings.trafficShift, ...state, ...plan.logFields });
  return state;
}

async function planCodeDeployGate(context: HookContext<MetricGateState>, settings: MetricGateSettings, deploymentId: string): Promise<GatePlan> {
  const target = await ecsDeploymentTarget(context, deploymentId);
  const { green, blue } = greenAndBlue(target, settings.targetGroupFullNames);
  const timing = trafficTiming(target);
  return {
    green,
    blue,
    windows: computeWindows(settings.trafficShift, timing, settings, new Date()),
    firstDeployment: false,
    logFields: { allowTrafficStart: timing.allowTrafficStart?.toISOString(), allowTrafficEnd: timing.allowTrafficEnd?.toISOString() },
  };
}

/** The traffic shift mode of each Amazon ECS deployment strategy the gate judges. */
const ECS_STRATEGY_MODES: Readonly<Record<string, string>> = { BLUE_GREEN: 'all-at-once', CANARY: 'canary', LINEAR: 'linear' };

/**
 * Under Amazon ECS, planned at the hook's first call, which ECS makes when the production traffic
 * shift is over: green from the production listener rule, the windows from the deployment's
 * traffic steps or start, and this moment (see `computeEcsWindows`).
 */
async function planEcsGate(context: HookContext<MetricGateState>, settings: MetricGateSettings): Promise<GatePlan> {
  const shiftEnd = new Date();
  const ruleArn = settings.productionListenerRuleArn;
  if (!ruleArn) {
    throw new Error('the metric gate needs productionListenerRuleArn under Amazon ECS blue/green');
  }
  const deployment = await ecsDeploymentOf(context);
  const forwarded = await forwardedTargetGroups(context, ruleArn);
  const { green, blue } = greenAndBlueOfRule(forwarded, settings.targetGroupFullNames, ruleArn);
  const strategyMode = deployment.strategy === undefined ? undefined : ECS_STRATEGY_MODES[deployment.strategy];
  if (strategyMode !== undefined && strategyMode !== settings.trafficShift) {
    context.logger.warn('the deployment shifts traffic otherwise than the metric gate was configured for; the windows follow the configuration', {
      trafficShift: settings.trafficShift, strategy: deployment.strategy,
    });
  }
  return {
    green,
    blue,
    windows: computeEcsWindows(settings.trafficShift, {
      startedAt: deployment.startedAt,
      shiftEnd,
      sharedProductionSeconds: sharedProductionSeconds(settings.trafficShift, deployment),
    }, settings),
    firstDeployment: deployment.firstDeployment,
    logFields: {
      serviceDeploymentArn: deployment.serviceDeploymentArn,
      deploymentStartedAt: deployment.startedAt?.toISOString(),
      strategy: deployment.strategy,
      ...(deployment.canary ? { canary: deployment.canary } : {}),
      ...(deployment.linear ? { linear: deployment.linear } : {}),
      sourceServiceRevisionArns: deployment.sourceServiceRevisionArns,
      productionListenerRuleArn: ruleArn,
      productionWeights: forwarded,
    },
  };
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
  const settings = loadMetricGateSettings(process.env, context.execution.engine);
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
  const verdict = state.firstDeployment
    ? evaluateGreenAgainstCeilings(green, settings.thresholds)
    : evaluateMetricGate(green, await readSeries(context, settings, state.blueTargetGroup, blueWindow), settings.thresholds);
  const decision = decideReport(verdict.verdict, settings);

  context.logger.info('decision', {
    ...describeChecks(settings, state),
    observed: verdict.reason,
    verdict: verdict.verdict,
    status: decision.status,
    policy: decision.explanation,
    dryRun: settings.dryRun,
    production: settings.production,
    trafficShift: settings.trafficShift,
    windowSource: state.source,
    green: { targetGroup: state.greenTargetGroup, window: state.green, ...verdict.green },
    ...blueFields(state, verdict),
    thresholds: verdict.thresholds,
    checks: verdict.checks,
  });

  const firstRelease = state.firstDeployment ? ' (first deployment of the service: no blue to compare with, green against the ceilings)' : '';
  const reason = `metric gate ${verdict.verdict}${firstRelease} (${decision.explanation}): ${verdict.reason}`;
  const facts = {
    verdict: verdict.verdict,
    figures: verdict.checks.map((check) => ({
      name: check.check,
      ...(Number.isFinite(check.green) ? { value: check.green } : {}),
      ...(Number.isFinite(check.threshold) ? { threshold: check.threshold } : {}),
      verdict: check.verdict,
    })),
  };
  return decision.status === 'Succeeded' ? succeeded(reason, facts) : failed(reason, facts);
}

/** What the decision line says was checked, and against what. */
function describeChecks(settings: MetricGateSettings, state: MetricGateState): { check: string; expectation: string } {
  const t = settings.thresholds;
  const latencyCeiling = t.maxLatencySeconds !== undefined ? `green p99 <= ${t.maxLatencySeconds} s; ` : '';
  const judged = `marginal up to ${t.marginalBand * 100} % over; 5xx rates judged by their one-sided 95 % Wilson bound; `
    + `under ${t.minRequestCount} green requests only a significant test fails a check, else inconclusive`;
  if (state.firstDeployment) {
    return {
      check: 'metric gate: green against the absolute ceilings (first deployment of the service, no blue)',
      expectation: `${latencyCeiling}green 5xx rate <= ${t.maxErrorRatePercent} %; ${judged}`,
    };
  }
  return {
    check: 'metric gate: green against blue',
    expectation: `green p99 <= max(${t.latencyRatio} x blue p99, ${t.latencyFloorSeconds} s)`
      + `${t.maxLatencySeconds !== undefined ? ` and <= ${t.maxLatencySeconds} s` : ''}; `
      + `green 5xx rate <= blue + ${t.errorRateDeltaPercentagePoints} points and <= ${t.maxErrorRatePercent} %; ${judged}`,
  };
}

function blueFields(state: MetricGateState, verdict: GateVerdict): LogFields {
  return verdict.blue
    ? { blue: { targetGroup: state.blueTargetGroup, window: state.blue, ...verdict.blue } }
    : { blue: { targetGroup: state.blueTargetGroup, notRead: 'first deployment of the service: blue serves nothing to compare with' } };
}
