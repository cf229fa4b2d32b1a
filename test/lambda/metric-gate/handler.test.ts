import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandInput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient,
  ECSTarget,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { METRIC_GATE_CONFIG_ENV, MetricGateHookConfig } from '../../../contract/metric-gate';
import { handler } from '../../../lambda/metric-gate';
import {
  CapturedLogs, EVENT, LogLine, captureHookResults, captureLogs, decisionLines, expectHandedOver, expectSingleReport, fakeContext,
  stubDeploymentTarget,
} from '../helpers';

const codedeploy = mockClient(CodeDeployClient);
const cloudwatch = mockClient(CloudWatchClient);
const lambda = mockClient(LambdaClient);

const LB = 'app/web/50dc6c495c0c9188';
const TG_A = 'targetgroup/web-a/73e2d6bc24d8a067';
const TG_B = 'targetgroup/web-b/943f017f100becff';
const context = (remainingMs?: number) => fakeContext(remainingMs, 'metric-gate-fn');

function configure(overrides: Partial<MetricGateHookConfig> = {}) {
  const config: MetricGateHookConfig = {
    loadBalancerFullName: LB,
    targetGroupFullNames: [TG_A, TG_B],
    trafficShift: 'all-at-once',
    ...overrides,
  };
  process.env[METRIC_GATE_CONFIG_ENV] = JSON.stringify(config);
}

/** The deployment target: green on `greenTg`, AllowTraffic between the given times. */
function deploymentTarget(options: { greenTg?: string; allowTrafficStart?: Date; allowTrafficEnd?: Date } = {}): ECSTarget {
  const green = options.greenTg ?? 'web-b';
  const blue = green === 'web-b' ? 'web-a' : 'web-b';
  const end = options.allowTrafficEnd ?? new Date(Date.now() - 10 * 60_000);
  const start = options.allowTrafficStart ?? new Date(end.getTime() - 5_000);
  return {
    taskSetsInfo: [
      { identifer: 'ecs-svc/blue', taskSetLabel: 'Blue', targetGroup: { name: blue }, trafficWeight: 0 },
      { identifer: 'ecs-svc/green', taskSetLabel: 'Green', targetGroup: { name: green }, trafficWeight: 100 },
    ],
    lifecycleEvents: [
      { lifecycleEventName: 'AfterInstall', status: 'Succeeded' },
      { lifecycleEventName: 'AllowTraffic', status: 'Succeeded', startTime: start, endTime: end },
      { lifecycleEventName: 'AfterAllowTraffic', status: 'InProgress', startTime: new Date(end.getTime() + 1000) },
    ],
  };
}

interface Figures {
  requests?: number;
  errors?: number;
  p99?: number;
}

/** CloudWatch answers with `figures[targetGroup]`; a field left out has no datapoints. */
function metrics(figures: Record<string, Figures>) {
  cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const results: MetricDataResult[] = (input.MetricDataQueries ?? []).map((query) => {
      const tg = query.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'TargetGroup')?.Value ?? '';
      const value = figures[tg]?.[query.Id as keyof Figures];
      return {
        Id: query.Id,
        StatusCode: 'Complete',
        Timestamps: value === undefined ? [] : [input.StartTime as Date],
        Values: value === undefined ? [] : [value],
      };
    });
    return { MetricDataResults: results };
  });
}

/** The one decision line of the run. */
function decision(): LogLine {
  const lines = decisionLines(logs);
  expect(lines).toHaveLength(1);
  return lines[0];
}

let logs: CapturedLogs;

beforeEach(() => {
  codedeploy.reset();
  cloudwatch.reset();
  lambda.reset();
  configure();
  logs = captureLogs();
  codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  stubDeploymentTarget(codedeploy, deploymentTarget());
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
});

afterEach(() => {
  logs.restore();
});

test('clear pass: Succeeded, and the verdict line carries both series and the thresholds', async () => {
  metrics({
    [TG_B]: { requests: 1200, errors: 1, p99: 0.21 },
    [TG_A]: { requests: 1100, errors: 1, p99: 0.2 },
  });

  const result = await handler(EVENT, context());

  expect(result).toMatchObject({ verdict: 'Succeeded' });
  expectSingleReport(codedeploy, 'Succeeded');
  const line = decision();
  expect(line).toMatchObject({
    verdict: 'pass',
    status: 'Succeeded',
    windowSource: 'bake',
    green: { targetGroup: TG_B, requests: 1200, errors: 1, p99Seconds: 0.21 },
    blue: { targetGroup: TG_A, requests: 1100, errors: 1, p99Seconds: 0.2 },
    thresholds: { latencyRatio: 1.5, errorRateDeltaPercentagePoints: 0.5, marginalBand: 0.1, minRequestCount: 50 },
  });
  expect((line.green as { errorRatePercent: number }).errorRatePercent).toBeCloseTo(0.0833, 3);
  expect(line.checks).toEqual([
    expect.objectContaining({ check: 'latency', verdict: 'pass', threshold: 0.3 }),
    expect.objectContaining({ check: 'errors', verdict: 'pass' }),
    expect.objectContaining({ check: 'error-ceiling', verdict: 'pass', threshold: 1, test: 'Wilson score, continuity-corrected, one-sided 95 %' }),
  ]);
});

test('all-at-once reads green over the bake window after the shift and blue over as long before it', async () => {
  const shift = new Date('2025-06-02T10:00:30Z');
  stubDeploymentTarget(codedeploy, deploymentTarget({ allowTrafficEnd: shift }));
  metrics({ [TG_B]: { requests: 500, p99: 0.1 }, [TG_A]: { requests: 500, p99: 0.1 } });

  await handler(EVENT, context());

  const inputs = cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
  expect(inputs).toHaveLength(2);
  const byTg = (tg: string) => inputs.find((i) => i.MetricDataQueries?.[0].MetricStat?.Metric?.Dimensions?.[1].Value === tg)!;
  expect(byTg(TG_B)).toMatchObject({ StartTime: new Date('2025-06-02T10:00:00Z'), EndTime: new Date('2025-06-02T10:06:00Z') });
  expect(byTg(TG_A)).toMatchObject({ StartTime: new Date('2025-06-02T09:55:00Z'), EndTime: new Date('2025-06-02T10:01:00Z') });
  expect(byTg(TG_B).MetricDataQueries?.map((q) => [q.MetricStat?.Metric?.MetricName, q.MetricStat?.Stat, q.MetricStat?.Period])).toEqual([
    ['RequestCount', 'Sum', 360],
    ['HTTPCode_Target_5XX_Count', 'Sum', 360],
    ['TargetResponseTime', 'p99', 360],
    // per minute, for the rank and sign tests that judge small samples
    ['TargetResponseTime', 'p99', 60],
  ]);
  expect(byTg(TG_B).MetricDataQueries?.[0].MetricStat?.Metric).toEqual({
    Namespace: 'AWS/ApplicationELB',
    MetricName: 'RequestCount',
    Dimensions: [{ Name: 'LoadBalancer', Value: LB }, { Name: 'TargetGroup', Value: TG_B }],
  });
  expectSingleReport(codedeploy, 'Succeeded');
});

test('canary compares both target groups over the AllowTraffic window', async () => {
  configure({ trafficShift: 'canary' });
  stubDeploymentTarget(codedeploy, deploymentTarget({
    greenTg: 'web-a',
    allowTrafficStart: new Date('2025-06-02T10:00:10Z'),
    allowTrafficEnd: new Date('2025-06-02T10:15:10Z'),
  }));
  metrics({ [TG_A]: { requests: 100, errors: 0, p99: 0.3 }, [TG_B]: { requests: 900, errors: 0, p99: 0.3 } });

  await handler(EVENT, context());

  const inputs = cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
  for (const input of inputs) {
    expect(input).toMatchObject({ StartTime: new Date('2025-06-02T10:00:00Z'), EndTime: new Date('2025-06-02T10:16:00Z') });
  }
  expect(decision()).toMatchObject({ windowSource: 'lifecycle', green: { targetGroup: TG_A }, blue: { targetGroup: TG_B } });
  expectSingleReport(codedeploy, 'Succeeded');
});

test('clear fail: green 5xx rate far above blue reports Failed with the figures', async () => {
  metrics({
    [TG_B]: { requests: 1000, errors: 80, p99: 0.2 },
    [TG_A]: { requests: 1000, errors: 2, p99: 0.2 },
  });

  const result = await handler(EVENT, context());

  expectSingleReport(codedeploy, 'Failed');
  expect(result.reason).toBe('metric gate fail (fail): green 5xx rate 8 % (80/1000) exceeds 0.7 % (blue 0.2 % + 0.5 points): '
    + 'its lower 95 % bound 6.654 % is over 0.77 % (0.7 % + 10 %); '
    + 'green 5xx rate 8 % (80/1000) exceeds the 1 % ceiling: its lower 95 % bound 6.654 % is over 1.1 % (1 % + 10 %)');
});

test('the result goes to the deployment record: one event after the report, with the verdict and each check\'s figure', async () => {
  const eventBridge = mockClient(EventBridgeClient);
  const results = captureHookResults(eventBridge);
  try {
    metrics({ [TG_B]: { requests: 1000, errors: 80, p99: 0.2 }, [TG_A]: { requests: 1000, errors: 2, p99: 0.2 } });

    const result = await handler(EVENT, context());

    expectSingleReport(codedeploy, 'Failed');
    const [detail] = results.details();
    expect(detail).toMatchObject({ hookKind: 'metric-gate', status: 'FAILED', verdict: 'fail', summary: result.reason });
    expect(detail.figures).toEqual([
      { name: 'latency', value: 0.2, threshold: 0.3, verdict: 'pass' },
      { name: 'errors', value: 8, threshold: expect.closeTo(0.7, 5), verdict: 'fail' },
      { name: 'error-ceiling', value: 8, threshold: 1, verdict: 'fail' },
    ]);
  } finally {
    results.restore();
    eventBridge.restore();
  }
});

test('clear fail: green p99 far above blue reports Failed', async () => {
  metrics({
    [TG_B]: { requests: 1000, errors: 0, p99: 1.2 },
    [TG_A]: { requests: 1000, errors: 0, p99: 0.2 },
  });

  const result = await handler(EVENT, context());

  expectSingleReport(codedeploy, 'Failed');
  expect(result.reason).toContain('green p99 1200 ms exceeds 300 ms');
});

describe('marginal', () => {
  // threshold 300 ms; 320 ms is within 10 % over it
  const marginalFigures = { [TG_B]: { requests: 1000, errors: 0, p99: 0.32 }, [TG_A]: { requests: 1000, errors: 0, p99: 0.2 } };

  test('passes outside production by default', async () => {
    metrics(marginalFigures);

    const result = await handler(EVENT, context());

    expectSingleReport(codedeploy, 'Succeeded');
    expect(result.reason).toMatch(/^metric gate marginal \(marginal, onMarginal=fail-in-production, production=false\)/);
    expect(decision()).toMatchObject({ verdict: 'marginal', status: 'Succeeded' });
  });

  test('fails in production by default', async () => {
    configure({ production: true });
    metrics(marginalFigures);

    await handler(EVENT, context());

    expectSingleReport(codedeploy, 'Failed');
    expect(decision()).toMatchObject({ verdict: 'marginal', status: 'Failed' });
  });
});

test('too little green traffic without errors is inconclusive; it passes by default and fails when so configured', async () => {
  metrics({ [TG_B]: { requests: 12, errors: 0, p99: 0.2 }, [TG_A]: { requests: 1000, errors: 0, p99: 0.2 } });

  const lenient = await handler(EVENT, context());

  expectSingleReport(codedeploy, 'Succeeded');
  expect(lenient.reason).toContain('green served 12 requests, fewer than the 50 needed to judge it');

  codedeploy.resetHistory();
  configure({ onInconclusive: 'fail' });
  const strict = await handler(EVENT, context());

  expectSingleReport(codedeploy, 'Failed');
  expect(strict.reason).toMatch(/^metric gate inconclusive \(inconclusive, onInconclusive=fail/);
});

test('too little green traffic, half of it errors, fails even though inconclusive would pass', async () => {
  metrics({ [TG_B]: { requests: 12, errors: 6, p99: 0.2 }, [TG_A]: { requests: 1000, errors: 0, p99: 0.2 } });

  await handler(EVENT, context());

  expectSingleReport(codedeploy, 'Failed');
  expect(decision()).toMatchObject({ verdict: 'fail', status: 'Failed' });
});

test('with no blue datapoints, a green answering 100 % 5xx fails, and the line says by which test and bound', async () => {
  metrics({ [TG_B]: { requests: 400, errors: 400, p99: 0.005 } });

  const result = await handler(EVENT, context());

  expectSingleReport(codedeploy, 'Failed');
  expect(result.reason).toContain('green 5xx rate 100 % (400/400) exceeds the 1 % ceiling: its lower 95 % bound');
  const line = decision();
  expect(line).toMatchObject({ verdict: 'fail', status: 'Failed', blue: { requests: 0, errors: 0 } });
  expect(line.checks).toEqual(expect.arrayContaining([
    expect.objectContaining({ check: 'errors', verdict: 'inconclusive', basis: 'no data' }),
    expect.objectContaining({
      check: 'error-ceiling', verdict: 'fail', basis: 'bound', green: 100, threshold: 1, marginalLimit: 1.1,
      test: 'Wilson score, continuity-corrected, one-sided 95 %', lowerBound: expect.any(Number),
    }),
  ]));
  expect(line.expectation).toContain('<= 1 %');
});

test('no datapoints at all is inconclusive', async () => {
  metrics({});

  const result = await handler(EVENT, context());

  expectSingleReport(codedeploy, 'Succeeded');
  expect(decision()).toMatchObject({
    verdict: 'inconclusive',
    green: { requests: 0, errors: 0 },
    blue: { requests: 0, errors: 0 },
  });
  expect(result.reason).toContain('green served 0 requests');
});

test('dry run evaluates and logs a failing verdict but reports Succeeded', async () => {
  configure({ dryRun: true, production: true });
  metrics({ [TG_B]: { requests: 1000, errors: 300, p99: 2 }, [TG_A]: { requests: 1000, errors: 0, p99: 0.2 } });

  const result = await handler(EVENT, context());

  expectSingleReport(codedeploy, 'Succeeded');
  expect(result.reason).toContain('dry run, so Succeeded (would have failed)');
  expect(decision()).toMatchObject({ verdict: 'fail', status: 'Succeeded', dryRun: true });
});

test('all-at-once waits in the invocation until the bake window has elapsed', async () => {
  configure({ bakeWindowSeconds: 0.4, metricDelaySeconds: 0 });
  const shift = new Date();
  stubDeploymentTarget(codedeploy, deploymentTarget({ allowTrafficEnd: shift }));
  metrics({ [TG_B]: { requests: 500, p99: 0.1 }, [TG_A]: { requests: 500, p99: 0.1 } });

  const result = await handler(EVENT, context());

  expect(Date.now() - shift.getTime()).toBeGreaterThanOrEqual(400);
  expect(result).toMatchObject({ verdict: 'Succeeded' });
  expectSingleReport(codedeploy, 'Succeeded');
  expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
});

test('a bake window longer than the invocation continues in a fresh one', async () => {
  configure({ bakeWindowSeconds: 300 });
  stubDeploymentTarget(codedeploy, deploymentTarget({ allowTrafficEnd: new Date() }));

  const result = await handler(EVENT, context(1000));

  expect(result).toMatchObject({ verdict: 'InProgress', report: 'handed-over' });
  expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  const payload = expectHandedOver(codedeploy, lambda, 'metric-gate-fn');
  expect(payload.continuation.state).toMatchObject({ greenTargetGroup: TG_B, blueTargetGroup: TG_A, source: 'bake' });
});

test('a green target group that is not configured fails with a clear reason', async () => {
  stubDeploymentTarget(codedeploy, deploymentTarget({ greenTg: 'other' }));

  const result = await handler(EVENT, context());

  expectSingleReport(codedeploy, 'Failed');
  expect(result.reason).toBe(`green target group other is not one of the configured ${TG_A}, ${TG_B}`);
});
