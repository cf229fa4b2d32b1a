import { Duration, Token } from 'aws-cdk-lib';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import { Construct } from 'constructs';
import { TrafficShiftingKind } from '../../contract/metric-gate';
import { describeDuration, durationProblem, integerRangeProblem, recordPropProblem, valid, wholeDuration, wholeDurationIn } from '../private/validation';

// Defined once, in the contract, next to the wire form the metric gate derives from it.
export { TrafficShiftingKind } from '../../contract/metric-gate';

/** CodeDeploy's limit for canary and linear intervals: 2 days. */
const MAX_INTERVAL_MINUTES = 2880;

/**
 * The traffic-shifting strategy of a blue/green deployment.
 *
 * @exampleMetadata fixture=lib
 * @example
 * TrafficShifting.canary(10, Duration.minutes(5));
 */
export abstract class TrafficShifting {
  /** Shifts all production traffic to the new version at once. */
  public static allAtOnce(): TrafficShifting {
    return new PredefinedOrCustomShifting(TrafficShiftingKind.ALL_AT_ONCE);
  }

  /**
   * Shifts `percentage` of production traffic first, then the rest after `interval`.
   * @param percentage whole percent between 1 and 99; a deploy-time value (token) is passed on
   * @param interval whole minutes between 1 and 2880; a deploy-time value must be given in minutes
   */
  public static canary(percentage: number, interval: Duration): TrafficShifting {
    return new PredefinedOrCustomShifting(TrafficShiftingKind.CANARY, percentage, interval);
  }

  /**
   * Shifts `percentage` of production traffic every `interval` until all of it is shifted.
   * @param percentage whole percent between 1 and 99; a deploy-time value (token) is passed on
   * @param interval whole minutes between 1 and 2880; a deploy-time value must be given in minutes
   */
  public static linear(percentage: number, interval: Duration): TrafficShifting {
    return new PredefinedOrCustomShifting(TrafficShiftingKind.LINEAR, percentage, interval);
  }

  /**
   * Uses an existing ECS deployment configuration, predefined or custom.
   *
   * @param config the deployment configuration
   * @param kind how it shifts traffic. CodeDeploy's predefined configurations
   *   (`CodeDeployDefault.ECS…`) say so in their names; for any other, a hook that compares blue
   *   with green (`MetricGateHook`) needs it, and refuses to guess from a name you chose.
   *   Default: read from a predefined configuration's name, otherwise `CUSTOM`.
   */
  public static fromDeploymentConfig(config: codedeploy.IEcsDeploymentConfig, kind?: TrafficShiftingKind): TrafficShifting {
    return new ExistingConfigShifting(config, kind);
  }

  /** The kind of shifting; hooks that compare blue and green use it to pick their window. */
  public abstract readonly kind: TrafficShiftingKind;
  /** The percentage of each step, for canary and linear shifting. */
  public abstract readonly percentage?: number;
  /** The time between steps, for canary and linear shifting. */
  public abstract readonly interval?: Duration;
  /** The CodeDeploy deployment configuration given to `fromDeploymentConfig()`, if any. */
  public abstract readonly deploymentConfig?: codedeploy.IEcsDeploymentConfig;

  /**
   * Returns the deployment configuration for a deployment group in `scope`, creating a custom
   * one when no predefined configuration matches. Validates the input against CodeDeploy's limits.
   */
  public abstract bind(scope: Construct): codedeploy.IEcsDeploymentConfig;

  /** A short human description, e.g. `canary 10% then the rest after 5 minutes`. */
  public abstract describe(): string;
}

class PredefinedOrCustomShifting extends TrafficShifting {
  public readonly deploymentConfig = undefined;

  constructor(
    public readonly kind: TrafficShiftingKind,
    public readonly percentage?: number,
    public readonly interval?: Duration,
  ) {
    super();
  }

  public bind(scope: Construct): codedeploy.IEcsDeploymentConfig {
    if (this.kind === TrafficShiftingKind.ALL_AT_ONCE) {
      return codedeploy.EcsDeploymentConfig.ALL_AT_ONCE;
    }
    const percentage = this.percentage!;
    const given = this.interval!;
    const prop = this.kind === TrafficShiftingKind.CANARY ? 'trafficShifting (canary)' : 'trafficShifting (linear)';
    const percentageValid = valid(scope, `${prop} percentage`,
      integerRangeProblem(percentage, 1, 99, 'use a whole percent from 1 to 99, or TrafficShifting.allAtOnce() for 100'));
    // Tokens go to the custom configuration unchanged; CodeDeploy checks their values.
    const intervalValid = valid(scope, `${prop} interval`, durationProblem(given, { unit: 'minutes', min: 1, max: MAX_INTERVAL_MINUTES,
      fix: 'CodeDeploy counts it in whole minutes, at most 2 days, e.g. Duration.minutes(5)' }));
    if (!percentageValid || !intervalValid) {
      // Recorded on the service, which fails synthesis; this stand-in keeps construction going.
      return codedeploy.EcsDeploymentConfig.ALL_AT_ONCE;
    }

    const interval = wholeDuration(given, 'minutes');
    const predefined = predefinedConfig(this.kind, percentage, wholeDurationIn(interval, 'minutes'));
    if (predefined) {
      return predefined;
    }
    // A fixed id: one configuration per service, updated in place when the values change.
    const id = 'DeploymentConfig';
    const existing = scope.node.tryFindChild(id);
    if (existing) {
      return existing as codedeploy.EcsDeploymentConfig;
    }
    return new codedeploy.EcsDeploymentConfig(scope, id, {
      trafficRouting: this.kind === TrafficShiftingKind.CANARY
        ? codedeploy.TrafficRouting.timeBasedCanary({ percentage, interval })
        : codedeploy.TrafficRouting.timeBasedLinear({ percentage, interval }),
    });
  }

  public describe(): string {
    switch (this.kind) {
      case TrafficShiftingKind.CANARY:
        return `canary ${percent(this.percentage!)} then the rest after ${describeDuration(this.interval!)}`;
      case TrafficShiftingKind.LINEAR:
        return `linear ${percent(this.percentage!)} every ${describeDuration(this.interval!)}`;
      default:
        return 'all at once';
    }
  }
}

class ExistingConfigShifting extends TrafficShifting {
  public readonly kind: TrafficShiftingKind;
  public readonly deploymentConfig: codedeploy.IEcsDeploymentConfig;
  public readonly percentage = undefined;
  public readonly interval = undefined;
  private readonly predefinedKind?: TrafficShiftingKind;

  constructor(private readonly config: codedeploy.IEcsDeploymentConfig, private readonly givenKind?: TrafficShiftingKind) {
    super();
    this.deploymentConfig = config;
    this.predefinedKind = kindOfPredefinedConfig(config.deploymentConfigName);
    this.kind = givenKind ?? this.predefinedKind ?? TrafficShiftingKind.CUSTOM;
  }

  public bind(scope: Construct): codedeploy.IEcsDeploymentConfig {
    if (this.givenKind && this.predefinedKind && this.givenKind !== this.predefinedKind) {
      // Recorded on the service, which fails synthesis; the configuration itself is still the one to use.
      recordPropProblem(scope, 'trafficShifting', `fromDeploymentConfig was given kind ${this.givenKind}, but ${this.config.deploymentConfigName} `
        + `shifts ${this.predefinedKind}; leave the kind out for CodeDeploy's predefined configurations`);
    }
    return this.config;
  }

  public describe(): string {
    const name = this.config.deploymentConfigName;
    return Token.isUnresolved(name) ? 'a deployment configuration defined in this app' : `deployment configuration ${name}`;
  }
}

function percent(percentage: number): string {
  return Token.isUnresolved(percentage) ? 'a deploy-time percentage' : `${percentage}%`;
}

/**
 * CodeDeploy's predefined ECS configurations say how they shift in their names; a name a user
 * chose says nothing reliable (a `blue-canary` configuration may shift all at once).
 */
function kindOfPredefinedConfig(name: string): TrafficShiftingKind | undefined {
  if (Token.isUnresolved(name)) {
    return undefined;
  }
  const match = /^CodeDeployDefault\.ECS(AllAtOnce|Canary|Linear)/.exec(name);
  switch (match?.[1]) {
    case 'AllAtOnce':
      return TrafficShiftingKind.ALL_AT_ONCE;
    case 'Canary':
      return TrafficShiftingKind.CANARY;
    case 'Linear':
      return TrafficShiftingKind.LINEAR;
    default:
      return undefined;
  }
}

/** Reuses CodeDeploy's predefined configurations rather than creating an identical custom one. */
function predefinedConfig(kind: TrafficShiftingKind, percentage: number, minutes: number): codedeploy.IEcsDeploymentConfig | undefined {
  if (kind === TrafficShiftingKind.CANARY && percentage === 10 && minutes === 5) {
    return codedeploy.EcsDeploymentConfig.CANARY_10PERCENT_5MINUTES;
  }
  if (kind === TrafficShiftingKind.CANARY && percentage === 10 && minutes === 15) {
    return codedeploy.EcsDeploymentConfig.CANARY_10PERCENT_15MINUTES;
  }
  if (kind === TrafficShiftingKind.LINEAR && percentage === 10 && minutes === 1) {
    return codedeploy.EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_1MINUTES;
  }
  if (kind === TrafficShiftingKind.LINEAR && percentage === 10 && minutes === 3) {
    return codedeploy.EcsDeploymentConfig.LINEAR_10PERCENT_EVERY_3MINUTES;
  }
  return undefined;
}
