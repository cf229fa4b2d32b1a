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
   * `lifecycle`: from AllowTraffic timing; `bake`: the all-at-once bake window; `shift` and
   * `deployment`: from an Amazon ECS deployment's traffic steps, or its start; `lookback`: fallback.
   */
  readonly source: 'lifecycle' | 'bake' | 'shift' | 'deployment' | 'lookback';
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
  /** How long both target groups served production at least, from {@link sharedProductionSeconds}. */
  readonly sharedProductionSeconds?: number;
}

/** A deployment's traffic steps, as ECS reports them in its `deploymentConfiguration`. */
export interface EcsTrafficSteps {
  readonly canary?: { readonly percent?: number; readonly bakeTimeInMinutes?: number };
  readonly linear?: { readonly stepPercent?: number; readonly stepBakeTimeInMinutes?: number };
}

/**
 * How long, at least, blue and green both served production before the shift ended: a canary's
 * bake time (its first step lasts that long before the rest moves), or a linear deployment's step
 * bake time once for each step but the last (ECS does not bake after reaching 100 %). Hooks and
 * pauses at PRODUCTION_TRAFFIC_SHIFT only lengthen the shift, so the shared time is never
 * shorter. Undefined when ECS reports no steps for the mode.
 */
export function sharedProductionSeconds(mode: TrafficShiftMode, steps: EcsTrafficSteps): number | undefined {
  if (mode === 'canary') {
    const bake = steps.canary?.bakeTimeInMinutes;
    return bake === undefined ? undefined : bake * 60;
  }
  if (mode === 'linear') {
    const { stepPercent, stepBakeTimeInMinutes } = steps.linear ?? {};
    if (stepPercent === undefined || stepBakeTimeInMinutes === undefined || stepPercent <= 0) {
      return undefined;
    }
    // Percentages come in tenths: the slack keeps 100 / 10.0 at 10 steps, not 11.
    const stepCount = Math.ceil(100 / stepPercent - 1e-9);
    return Math.max(0, stepCount - 1) * stepBakeTimeInMinutes * 60;
  }
  return undefined;
}

/**
 * Under Amazon ECS, which reports no time for its lifecycle stages, only the deployment's start
 * and its configured steps:
 *
 * all-at-once (ECS `BLUE_GREEN`): as under CodeDeploy, green over the bake window after the shift
 * and blue over as long before it, the shift being the hook's first call.
 *
 * canary / linear: both target groups served production from the first traffic step up to the
 * shift's end, and both are read over the same stretch of it, as under CodeDeploy:
 * - `shift`: the time the steps take at least ({@link sharedProductionSeconds}), up to the shift's
 *   end, when that is a minute or more;
 * - `deployment`: else from the deployment's start, which no step precedes, when that is within
 *   `lookbackSeconds` and a minute or more before the shift's end (green's earlier test traffic,
 *   read with it, is too little to sway it);
 * - `lookback`: else `lookbackSeconds` up to the shift's end.
 */
export function computeEcsWindows(mode: TrafficShiftMode, timing: EcsDeploymentTiming, settings: WindowSettings): GateWindows {
  const shift = timing.shiftEnd;
  if (mode === 'all-at-once') {
    return computeWindows(mode, { afterAllowTrafficStart: shift }, settings, shift);
  }
  const readyAt = plus(shift, settings.metricDelaySeconds);
  const shared = (start: Date, source: GateWindows['source']): GateWindows => {
    const window = { start, end: shift };
    return { green: window, blue: window, readyAt, source };
  };
  const startedAt = timing.startedAt;
  const steps = timing.sharedProductionSeconds;
  if (steps !== undefined && steps * 1000 >= MIN_SHARED_WINDOW_MS) {
    const stepsStart = plus(shift, -steps);
    return shared(startedAt && startedAt.getTime() > stepsStart.getTime() ? startedAt : stepsStart, 'shift');
  }
  const lookbackStart = plus(shift, -settings.lookbackSeconds);
  if (startedAt && startedAt.getTime() > lookbackStart.getTime() && shift.getTime() - startedAt.getTime() >= MIN_SHARED_WINDOW_MS) {
    return shared(startedAt, 'deployment');
  }
  return shared(lookbackStart, 'lookback');
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
