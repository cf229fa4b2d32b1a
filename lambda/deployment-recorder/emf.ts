/**
 * DORA's facts as CloudWatch embedded metric format: one JSON log line per record and fact, from
 * which CloudWatch Logs makes the metrics (no PutMetricData, so no permission), and which Logs
 * Insights queries as they are (`filter message = 'dora facts'`).
 */
import { DORA_METRICS, DORA_METRIC_NAMESPACE, DORA_SERVICE_DIMENSION, DORA_STAGE_DIMENSION } from '../../contract/deployment-record';

/** CloudWatch takes an embedded metric up to 14 days old and 2 hours ahead; a fact timed outside falls back to now. */
const OLDEST_MS = 13 * 24 * 3600 * 1000;
const NEWEST_MS = 3600 * 1000;

const UNITS: Record<string, string> = {
  [DORA_METRICS.deployments]: 'Count',
  [DORA_METRICS.changeFailures]: 'Count',
  [DORA_METRICS.leadTime]: 'Seconds',
  [DORA_METRICS.timeToRestore]: 'Seconds',
};

export interface DoraFacts {
  readonly serviceName: string;
  readonly stageName: string;
  /** When the facts happened (a deployment's completion, a restoration): the metrics' timestamp. */
  readonly time: string;
  readonly eventId: string;
  /** By {@link DORA_METRICS} name. */
  readonly metrics: Record<string, number>;
  /** What a person reading the line wants beside the figures (the deployment, its status). */
  readonly fields?: Record<string, string | undefined>;
}

/** The line of `facts`. */
export function doraLine(facts: DoraFacts, now: number = Date.now()): Record<string, unknown> {
  const at = Date.parse(facts.time);
  const timestamp = Number.isFinite(at) && at > now - OLDEST_MS && at < now + NEWEST_MS ? at : now;
  const defined = Object.fromEntries(Object.entries(facts.fields ?? {}).filter(([, v]) => v !== undefined));
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [{
        Namespace: DORA_METRIC_NAMESPACE,
        Dimensions: [[DORA_SERVICE_DIMENSION, DORA_STAGE_DIMENSION]],
        Metrics: Object.keys(facts.metrics).map((name) => ({ Name: name, Unit: UNITS[name] ?? 'None' })),
      }],
    },
    [DORA_SERVICE_DIMENSION]: facts.serviceName,
    [DORA_STAGE_DIMENSION]: facts.stageName,
    ...facts.metrics,
    level: 'info',
    message: 'dora facts',
    eventId: facts.eventId,
    ...defined,
    timestamp: new Date(now).toISOString(),
  };
}

export function emitDoraFacts(facts: DoraFacts): void {
  // Straight to stdout, as the logger writes: console.log would prefix the JSON.
  process.stdout.write(JSON.stringify(doraLine(facts)) + '\n');
}

