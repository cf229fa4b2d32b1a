/**
 * Which stretch of time the metric gate compares, worked out from the deployment's lifecycle
 * timing. Pure, so the choice can be tested without CloudWatch.
 */
import { TrafficShiftMode } from '../../contract/metric-gate';

export interface TimeWindow {
  readonly start: Date;
  readonly end: Date;
}

/** When CodeDeploy says production traffic moved, from the ECS target's lifecycle events. */
export interface TrafficTiming {
  /** AllowTraffic start: first production traffic on green (the canary or first linear step). */
  readonly allowTrafficStart?: Date;
  /** AllowTraffic end: all production traffic on green. */
  readonly allowTrafficEnd?: Date;
  /** AfterAllowTraffic start: when this hook's event began. */
  readonly afterAllowTrafficStart?: Date;
}

export interface GateWindows {
  readonly green: TimeWindow;
  readonly blue: TimeWindow;
  /** Not before this time are the windows' metrics complete in CloudWatch. */
  readonly readyAt: Date;
  /**
   * `lifecycle`: from AllowTraffic timing; `bake`: the all-at-once bake window; `deployment`: from
   * the Amazon ECS service deployment's start; `lookback`: fallback.
   */
  readonly source: 'lifecycle' | 'bake' | 'deployment' | 'lookback';
}

export interface WindowSettings {
  readonly bakeWindowSeconds: number;
  readonly lookbackSeconds: number;
  readonly metricDelaySeconds: number;
}

const MINUTE_MS = 60_000;

/** Shortest AllowTraffic event worth comparing over; ALB metrics have one-minute resolution. */
const MIN_SHARED_WINDOW_MS = MINUTE_MS;

function plus(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

/**
 * all-at-once: blue served everything before the shift and green everything after, so green is
 * read over the bake window after the shift and blue over a window of the same length just
 * before it.
 *
 * canary / linear: both target groups served production during AllowTraffic, so both are read
 * over that same window, which makes the comparison fair (same clients, same time of day). When
 * CodeDeploy does not report the timing, or AllowTraffic lasted under a minute, both are read
 * over `lookbackSeconds` up to the shift.
 */
export function computeWindows(
  mode: TrafficShiftMode,
  timing: TrafficTiming,
  settings: WindowSettings,
  now: Date,
): GateWindows {
  const shift = timing.allowTrafficEnd ?? timing.afterAllowTrafficStart ?? now;
  if (mode === 'all-at-once') {
    const greenEnd = plus(shift, settings.bakeWindowSeconds);
    return {
      green: { start: shift, end: greenEnd },
      blue: { start: plus(shift, -settings.bakeWindowSeconds), end: shift },
      readyAt: plus(greenEnd, settings.metricDelaySeconds),
      source: 'bake',
    };
  }
  const start = timing.allowTrafficStart;
  const end = timing.allowTrafficEnd;
  if (start && end && end.getTime() - start.getTime() >= MIN_SHARED_WINDOW_MS) {
    const window = { start, end };
    return { green: window, blue: window, readyAt: plus(end, settings.metricDelaySeconds), source: 'lifecycle' };
  }
  const window = { start: plus(shift, -settings.lookbackSeconds), end: shift };
  return { green: window, blue: window, readyAt: plus(shift, settings.metricDelaySeconds), source: 'lookback' };
}

/** What Amazon ECS tells of a service deployment's timing. */
export interface EcsDeploymentTiming {
  /** When the service deployment started (`ecs:DescribeServiceDeployments`), if it says. */
  readonly startedAt?: Date;
  /**
   * When production traffic finished moving: the hook's first call at POST_PRODUCTION_TRAFFIC_SHIFT,
   * which ECS makes as soon as the shift is over.
   */
  readonly shiftEnd: Date;
}

/**
 * Under Amazon ECS, which reports no time for its lifecycle stages, only the deployment's start:
 *
 * all-at-once (ECS `BLUE_GREEN`): as under CodeDeploy, green over the bake window after the shift
 * and blue over as long before it, the shift being the hook's first call.
 *
 * canary / linear: both target groups served production from the first traffic step up to the
 * shift's end, but ECS does not say when that step came. Both are read over the same window from
 * the deployment's start, which no traffic step precedes, up to the shift's end, and over at most
 * `lookbackSeconds`: the window then holds the whole shift (and green's earlier test traffic, too
 * little to sway it) without reaching back before the release. A window under a minute, or a
 * deployment without a start time, falls back to `lookbackSeconds` up to the shift's end.
 */
export function computeEcsWindows(mode: TrafficShiftMode, timing: EcsDeploymentTiming, settings: WindowSettings): GateWindows {
  const shift = timing.shiftEnd;
  if (mode === 'all-at-once') {
    return computeWindows(mode, { afterAllowTrafficStart: shift }, settings, shift);
  }
  const lookbackStart = plus(shift, -settings.lookbackSeconds);
  const startedAt = timing.startedAt;
  if (startedAt && startedAt.getTime() > lookbackStart.getTime() && shift.getTime() - startedAt.getTime() >= MIN_SHARED_WINDOW_MS) {
    const window = { start: startedAt, end: shift };
    return { green: window, blue: window, readyAt: plus(shift, settings.metricDelaySeconds), source: 'deployment' };
  }
  const window = { start: lookbackStart, end: shift };
  return { green: window, blue: window, readyAt: plus(shift, settings.metricDelaySeconds), source: 'lookback' };
}

/**
 * The window as a GetMetricData request: start rounded down and end rounded up to the minute,
 * and one period covering all of it, so that CloudWatch computes Sum and p99 over the whole
 * window at once (a p99 cannot be rebuilt from per-minute p99s).
 */
export function metricQueryRange(window: TimeWindow): { startTime: Date; endTime: Date; periodSeconds: number } {
  const startMs = Math.floor(window.start.getTime() / MINUTE_MS) * MINUTE_MS;
  let endMs = Math.ceil(window.end.getTime() / MINUTE_MS) * MINUTE_MS;
  if (endMs <= startMs) {
    endMs = startMs + MINUTE_MS;
  }
  return { startTime: new Date(startMs), endTime: new Date(endMs), periodSeconds: (endMs - startMs) / 1000 };
}
