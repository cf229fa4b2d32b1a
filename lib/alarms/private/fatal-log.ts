import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { isResolved } from '../../private/validation';
import { fatalLogFilterId } from './filter-pattern';
import { fatalLogCriterion, formatDuration } from './format';
import { AlarmNaming } from './naming';

/** Namespace of the metric the fatal-log metric filters publish. */
export const FATAL_LOG_NAMESPACE = 'EcsRelease';

/**
 * The default fatal-line patterns: JSON lines whose `level` is `fatal` or `FATAL`, and plain-text
 * lines whose level field, first or after a timestamp, is `FATAL`. Not the bare term `FATAL`,
 * which also matches a line that merely quotes the word, such as a user's input.
 */
export function defaultFatalLogPatterns(): logs.IFilterPattern[] {
  return [
    logs.FilterPattern.any(
      logs.FilterPattern.stringValue('$.level', '=', 'fatal'),
      logs.FilterPattern.stringValue('$.level', '=', 'FATAL'),
    ),
    logs.FilterPattern.spaceDelimited('level', '...').whereString('level', '=', 'FATAL'),
    logs.FilterPattern.spaceDelimited('time', 'level', '...').whereString('level', '=', 'FATAL'),
  ];
}

/** One metric filter per pattern on `logGroup`, all counting into one metric, under `naming.scope`. */
export function createFatalLogMetricFilters(naming: AlarmNaming, logGroup: logs.ILogGroup, patterns: logs.IFilterPattern[],
  metricName: string): logs.MetricFilter[] {
  return patterns.map((filterPattern, i) => {
    const text = filterPattern.logPatternString;
    return new logs.MetricFilter(naming.scope, fatalLogFilterId(text, isResolved(text), i), {
      logGroup,
      filterPattern,
      metricNamespace: FATAL_LOG_NAMESPACE,
      metricName,
      metricValue: '1',
      // Lines that do not match report 0, so the alarm sees data (and shows OK) whenever the
      // service logs; no log lines at all is missing data, which is not a breach.
      defaultValue: 0,
    });
  });
}

/** The alarm on the fatal-log metric: one line in one period is enough. */
export function createFatalLogAlarm(naming: AlarmNaming, metric: cloudwatch.IMetric, patternCount: number, metricName: string): cloudwatch.Alarm {
  return new cloudwatch.Alarm(naming.scope, 'FatalLogAlarm', {
    alarmName: naming.alarmName(fatalLogCriterion()),
    alarmDescription: naming.describe(`a fatal log line appears in the service's log group (any of ${patternCount} filter `
      + `pattern${patternCount === 1 ? '' : 's'}, counted by metric ${FATAL_LOG_NAMESPACE} ${metricName}) within `
      + `${formatDuration(naming.period.toSeconds())}.`),
    metric,
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
