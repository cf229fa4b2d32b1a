/**
 * DORA's four keys on a ReleaseDashboard: one number per production service and stage, over the
 * dashboard's time range, from the metrics the deployment recorder emits (contract/deployment-record.ts).
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import {
  DORA_METRICS, DORA_METRIC_NAMESPACE, DORA_SERVICE_DIMENSION, DORA_STAGE_DIMENSION,
} from '../../../contract/deployment-record';
import type { ReleaseStageOptions } from '../../pipeline/release-pipeline-props';

/** A service deployed by a production stage: the dimensions of its DORA metrics. */
export interface ProductionUnit {
  readonly serviceName: string;
  readonly stageName: string;
}

/** The services each of `productionStages` deploys, in release order. */
export function productionUnits(stages: readonly ReleaseStageOptions[], productionStages: readonly string[]): ProductionUnit[] {
  return stages.filter((stage) => productionStages.includes(stage.stageName))
    .flatMap((stage) => (stage.services ?? (stage.service ? [stage.service] : []))
      .map((service) => ({ serviceName: service.serviceName, stageName: stage.stageName })));
}

function doraMetric(unit: ProductionUnit, metricName: string, statistic: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: DORA_METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { [DORA_SERVICE_DIMENSION]: unit.serviceName, [DORA_STAGE_DIMENSION]: unit.stageName },
    statistic,
  });
}

function labelOf(unit: ProductionUnit): string {
  return `${unit.serviceName} ${unit.stageName}`;
}

/** Each key's title and its figure per unit; `index` keeps the ids of one widget's expressions apart. */
const KEYS: ReadonlyArray<{ title: string; figure: (unit: ProductionUnit, index: number) => cloudwatch.IMetric }> = [
  {
    title: 'Deployment frequency: releases in the time range',
    figure: (unit) => doraMetric(unit, DORA_METRICS.deployments, 'Sum').with({ label: labelOf(unit) }),
  },
  {
    title: 'Lead time for changes: median hours, commit to production',
    figure: (unit, index) => new cloudwatch.MathExpression({
      expression: `lead${index} / 3600`,
      usingMetrics: { [`lead${index}`]: doraMetric(unit, DORA_METRICS.leadTime, 'p50') },
      label: labelOf(unit),
    }),
  },
  {
    title: 'Change failure rate: % of releases that failed or rolled back',
    figure: (unit, index) => new cloudwatch.MathExpression({
      expression: `100 * failures${index} / releases${index}`,
      usingMetrics: {
        [`failures${index}`]: doraMetric(unit, DORA_METRICS.changeFailures, 'Sum'),
        [`releases${index}`]: doraMetric(unit, DORA_METRICS.deployments, 'Sum'),
      },
      label: labelOf(unit),
    }),
  },
  {
    title: 'Time to restore: median minutes, failure to restoration',
    figure: (unit, index) => new cloudwatch.MathExpression({
      expression: `restore${index} / 60`,
      usingMetrics: { [`restore${index}`]: doraMetric(unit, DORA_METRICS.timeToRestore, 'p50') },
      label: labelOf(unit),
    }),
  },
];

/** How many keys there are: a widget each. */
export const DORA_KEY_COUNT = KEYS.length;

/** The widget of the key `key` (0 to 3, in DORA's order): each unit's figure over the whole time range. */
export function doraWidget(key: number, units: readonly ProductionUnit[], width: number, height: number): cloudwatch.IWidget {
  // A pipeline's production stages each deploy a service: a stage without one fails the synthesis.
  const { title, figure } = KEYS[key];
  return new cloudwatch.SingleValueWidget({
    title,
    width,
    height,
    metrics: units.map((unit, index) => figure(unit, index)),
    // One figure over the dashboard's range, not the latest period's.
    setPeriodToTimeRange: true,
  });
}
