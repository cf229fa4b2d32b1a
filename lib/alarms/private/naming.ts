import { Duration, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { CriterionContext, num } from './criteria';
import { MAX_ALARM_NAME_LENGTH, formatAlarmName, formatDuration, truncateDescription } from './format';
import { fitName } from '../../private/text-limits';

/** What names and descriptions of one RollbackAlarms' alarms are built from. */
export interface AlarmNamingProps {
  readonly scope: Construct;
  readonly serviceName: string;
  readonly stackName: string;
  /** Whether the alarms stop deployments, or only watch. */
  readonly attached: boolean;
  readonly period: Duration;
  readonly evaluationPeriods: number;
  readonly minRequestCount: number;
}

/**
 * Names and describes the alarms of one RollbackAlarms the way people read them in the console:
 * `orders-api: 5xx rate > 1% for 2 min (OrdersApiRelease)`, and a description that says whether
 * the alarm stops deployments.
 */
export class AlarmNaming implements CriterionContext {
  public readonly scope: Construct;
  public readonly period: Duration;
  public readonly evaluationPeriods: number;
  public readonly minRequestCount: number;

  constructor(private readonly props: AlarmNamingProps) {
    this.scope = props.scope;
    this.period = props.period;
    this.evaluationPeriods = props.evaluationPeriods;
    this.minRequestCount = props.minRequestCount;
  }

  /**
   * A name too long for CloudWatch's 255 characters keeps its criterion and stack name, and its
   * service name is shortened with a hash of the whole name: two services whose names start
   * alike keep distinct alarm names.
   */
  public alarmName(criterion: string): string {
    const { serviceName, stackName } = this.props;
    const rest = `: ${criterion} (${stackName})`;
    if (Token.isUnresolved(rest) || serviceName.length + rest.length <= MAX_ALARM_NAME_LENGTH) {
      return formatAlarmName(serviceName, criterion, stackName);
    }
    const room = Math.max(MAX_ALARM_NAME_LENGTH - rest.length, 1);
    return formatAlarmName(fitName(`${serviceName}${rest}`, room), criterion, stackName);
  }

  public describe(condition: string): string {
    const lead = this.props.attached
      ? `Stops and rolls back a deployment of ${this.props.serviceName} when`
      : `Watches ${this.props.serviceName} (not attached to a deployment group): fires when`;
    return truncateDescription(`${lead} ${condition}`);
  }

  /** How long a criterion must hold, `evaluationPeriods` periods by default: `2 min`. */
  public windowLabel(evaluationPeriods = this.evaluationPeriods): string {
    const periodSeconds = this.period.toSeconds();
    return Token.isUnresolved(evaluationPeriods)
      ? `${num(evaluationPeriods)} x ${formatDuration(periodSeconds)}`
      : formatDuration(periodSeconds * evaluationPeriods);
  }

  /** `for 2 consecutive periods of 1 min`. */
  public windowText(evaluationPeriods = this.evaluationPeriods): string {
    const plural = Token.isUnresolved(evaluationPeriods) || evaluationPeriods !== 1;
    return `for ${num(evaluationPeriods)} consecutive period${plural ? 's' : ''} of ${formatDuration(this.period.toSeconds())}`;
  }
}
