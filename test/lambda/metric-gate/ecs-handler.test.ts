/**
 * The metric gate under Amazon ECS blue/green (`ecsHandler`): green from the production listener
 * rule, windows from the service deployment, the first deployment against the ceilings alone.
 */
import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandInput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { DescribeServiceDeploymentsCommand, ECSClient, ServiceDeployment } from '@aws-sdk/client-ecs';
import { Action, DescribeRulesCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { HOOK_CONFIGURATION_PREFIX_ENV, HOOK_KIND_ENV } from '../../../contract/hook';
import { METRIC_GATE_CONFIG_ENV, MetricGateHookConfig } from '../../../contract/metric-gate';
import { MetricGateState, ecsHandler } from '../../../lambda/metric-gate';
import { EcsNativeHookEvent } from '../../../lambda/shared';
import { forgetEcsDeployments } from '../../../lambda/shared/ecs-deployment';
import { CapturedLogs, awsError, captureLogs, decisionLines, fakeContext } from '../helpers';

const ecs = mockClient(ECSClient);
const elb = mockClient(ElasticLoadBalancingV2Client);
const cloudwatch = mockClient(CloudWatchClient);

const LB = 'app/web/50dc6c495c0c9188';
const TG_A = 'targetgroup/web-a/73e2d6bc24d8a067';
const TG_B = 'targetgroup/web-b/943f017f100becff';
const ELB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333';
const RULE_ARN = `${ELB_ARN}:listener-rule/${LB}/f2f7dc8efc522ab2/9683b2d02a6cabee`;
const DEPLOYMENT_ARN = 'arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/web/r9nUa2kQ';
const CONFIG: MetricGateHookConfig = {
  loadBalancerFullName: LB,
  targetGroupFullNames: [TG_A, TG_B],
  productionListenerRuleArn: RULE_ARN,
  trafficShift: 'all-at-once',
};

/** The event ECS sends, with the hook's configuration in hookDetails as the construct renders it. */
function ecsEvent(config: Partial<MetricGateHookConfig> = {}, lifecycleStage = 'POST_PRODUCTION_TRAFFIC_SHIFT'): EcsNativeHookEvent {
  return {
    executionId: 'exec-7',
    lifecycleStage,
    resourceArn: DEPLOYMENT_ARN,
    executionDetails: {
      serviceArn: 'arn:aws:ecs:eu-west-1:111122223333:service/prod/web',
      targetServiceRevisionArn: 'arn:aws:ecs:eu-west-1:111122223333:service-revision/prod/web/42',
    },
    hookDetails: { hookName: 'orders metric gate', configuration: { ...CONFIG, ...config } },
  };
}

function deployment(overrides: Partial<ServiceDeployment> = {}): void {
  ecs.on(DescribeServiceDeploymentsCommand).resolves({
    serviceDeployments: [{
      serviceDeploymentArn: DEPLOYMENT_ARN,
      status: 'IN_PROGRESS',
      startedAt: new Date(Date.now() - 8 * 60_000),
      sourceServiceRevisions: [{ arn: 'arn:aws:ecs:eu-west-1:111122223333:service-revision/prod/web/41' }],
      targetServiceRevision: { arn: 'arn:aws:ecs:eu-west-1:111122223333:service-revision/prod/web/42' },
      ...overrides,
    }],
  });
}

/** The production listener rule forwards to the target groups with these weights. */
function rule(weights: Record<string, number>): void {
  const action: Action = {
    Type: 'forward',
    ForwardConfig: { TargetGroups: Object.entries(weights).map(([tg, weight]) => ({ TargetGroupArn: `${ELB_ARN}:${tg}`, Weight: weight })) },
  };
  elb.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: RULE_ARN, Priority: '10', Actions: [action] }] });
}

interface Figures {
  requests?: number;
  errors?: number;
  p99?: number;
}

/** CloudWatch answers with `figures[targetGroup]`; a field left out has no datapoints. */
function metrics(figures: Record<string, Figures>): void {
  cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((query): MetricDataResult => {
      const tg = query.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'TargetGroup')?.Value ?? '';
      const value = figures[tg]?.[(query.Id === 'p99PerMinute' ? 'p99' : query.Id) as keyof Figures];
      return { Id: query.Id, StatusCode: 'Complete', Timestamps: value === undefined ? [] : [input.StartTime as Date], Values: value === undefined ? [] : [value] };
    }),
  }));
}

const metricReads = () => cloudwatch.commandCalls(GetMetricDataCommand).map((call) => ({
  targetGroup: call.args[0].input.MetricDataQueries?.[0].MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'TargetGroup')?.Value,
  start: call.args[0].input.StartTime,
  end: call.args[0].input.EndTime,
}));
const finished = () => logs.lines.filter((line) => line.message === 'hook finished');
const reason = () => {
  expect(finished()).toHaveLength(1);
  return String(finished()[0].reason);
};
const HEALTHY = { [TG_B]: { requests: 1200, errors: 1, p99: 0.21 }, [TG_A]: { requests: 1100, errors: 1, p99: 0.2 } };

let logs: CapturedLogs;

beforeEach(() => {
  ecs.reset();
  elb.reset();
  cloudwatch.reset();
  forgetEcsDeployments();
  process.env[HOOK_CONFIGURATION_PREFIX_ENV] = '/cdk-ecs-release/hooks/';
  process.env[HOOK_KIND_ENV] = 'metric-gate';
  deployment();
  rule({ [TG_A]: 0, [TG_B]: 100 });
  metrics(HEALTHY);
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  for (const name of [HOOK_CONFIGURATION_PREFIX_ENV, HOOK_KIND_ENV, METRIC_GATE_CONFIG_ENV]) {
    delete process.env[name];
  }
});

describe('all at once', () => {
  test('waits for the bake window IN_PROGRESS, carrying its plan in hookDetails, and the next call resumes it', async () => {
    const before = Date.now();
    const first = await ecsHandler(ecsEvent(), fakeContext());

    expect(first).toMatchObject({ hookStatus: 'IN_PROGRESS', hookDetails: { hookName: 'orders metric gate', configuration: CONFIG } });
    expect(first.callBackDelay).toBeGreaterThanOrEqual(385);
    expect(first.callBackDelay).toBeLessThanOrEqual(390);
    const continuation = first.hookDetails?.continuation as { state: MetricGateState; attempt: number };
    expect(continuation).toMatchObject({ attempt: 1, state: { greenTargetGroup: TG_B, blueTargetGroup: TG_A, source: 'bake' } });
    const greenStart = Date.parse(continuation.state.green.start);
    expect(greenStart).toBeGreaterThanOrEqual(before);
    expect(Date.parse(continuation.state.green.end) - greenStart).toBe(300_000);
    expect(Date.parse(continuation.state.blue.end)).toBe(greenStart);
    expect(elb.commandCalls(DescribeRulesCommand).map((call) => call.args[0].input)).toEqual([{ RuleArns: [RULE_ARN] }]);
    expect(metricReads()).toEqual([]);

    // ECS calls again with what it was given; here the window has elapsed.
    const elapsed = { ...continuation, state: { ...continuation.state, readyAt: new Date(Date.now() - 1000).toISOString() } };
    const second = await ecsHandler({ ...ecsEvent(), hookDetails: { ...first.hookDetails, continuation: elapsed } }, fakeContext());

    expect(second).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(elb.commandCalls(DescribeRulesCommand)).toHaveLength(1);
    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(1);
    const reads = metricReads();
    expect(reads.map((read) => read.targetGroup)).toEqual([TG_B, TG_A]);
    expect(reads[0].start!.getTime()).toBe(Math.floor(greenStart / 60_000) * 60_000);
    expect(decisionLines(logs)).toEqual([expect.objectContaining({
      check: 'metric gate: green against blue', verdict: 'pass', status: 'Succeeded', hook: 'orders metric gate',
      green: expect.objectContaining({ targetGroup: TG_B, requests: 1200 }),
      blue: expect.objectContaining({ targetGroup: TG_A, requests: 1100 }),
    })]);
  });

  test('green is the target group the rule now weighs, whichever of the two it is', async () => {
    rule({ [TG_A]: 100, [TG_B]: 0 });

    const result = await ecsHandler(ecsEvent(), fakeContext());

    expect(result.hookDetails?.continuation).toMatchObject({ state: { greenTargetGroup: TG_A, blueTargetGroup: TG_B } });
  });

  test('a forward action naming one target group makes it green', async () => {
    elb.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: RULE_ARN, Actions: [{ Type: 'forward', TargetGroupArn: `${ELB_ARN}:${TG_A}` }] }] });

    const result = await ecsHandler(ecsEvent(), fakeContext());

    expect(result.hookDetails?.continuation).toMatchObject({ state: { greenTargetGroup: TG_A, blueTargetGroup: TG_B } });
  });

  test('reads its configuration from the function\'s variable when it serves one service', async () => {
    delete process.env[HOOK_CONFIGURATION_PREFIX_ENV];
    process.env[METRIC_GATE_CONFIG_ENV] = JSON.stringify(CONFIG);

    const result = await ecsHandler({ ...ecsEvent(), hookDetails: {} }, fakeContext());

    expect(result).toMatchObject({ hookStatus: 'IN_PROGRESS', hookDetails: { continuation: { state: { greenTargetGroup: TG_B } } } });
  });
});

describe('canary and linear', () => {
  test.each(['canary', 'linear'] as const)('%s: both are read over the deployment up to the shift\'s end, and a bad green fails', async (trafficShift) => {
    const startedAt = new Date(Date.now() - 8 * 60_000);
    deployment({ startedAt });
    metrics({ [TG_B]: { requests: 1000, errors: 80, p99: 0.2 }, [TG_A]: { requests: 1000, errors: 1, p99: 0.2 } });

    const result = await ecsHandler(ecsEvent({ trafficShift, metricDelaySeconds: 0 }), fakeContext());

    expect(result).toEqual({ hookStatus: 'FAILED' });
    const reads = metricReads();
    expect(reads.map((read) => read.targetGroup)).toEqual([TG_B, TG_A]);
    for (const read of reads) {
      expect(read.start).toEqual(new Date(Math.floor(startedAt.getTime() / 60_000) * 60_000));
    }
    expect(decisionLines(logs)[0]).toMatchObject({ windowSource: 'deployment', verdict: 'fail' });
    expect(reason()).toMatch(/^metric gate fail \(fail\): .*green 5xx rate 8 % \(80\/1000\) exceeds/);
  });
});

test('a canary is read over its bake time, as ECS reports it, up to the shift\'s end', async () => {
  deployment({ deploymentConfiguration: { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 } } });
  const before = Date.now();

  const result = await ecsHandler(ecsEvent({ trafficShift: 'canary', metricDelaySeconds: 0 }), fakeContext());

  expect(result).toEqual({ hookStatus: 'SUCCEEDED' });
  const windows = logs.lines.find((line) => line.message === 'metric gate windows');
  expect(windows).toMatchObject({ source: 'shift', strategy: 'CANARY', canary: { percent: 10, bakeTimeInMinutes: 5 } });
  const green = windows?.green as { start: string; end: string };
  expect(Date.parse(green.end) - Date.parse(green.start)).toBe(5 * 60_000);
  expect(Date.parse(green.end)).toBeGreaterThanOrEqual(before);
  expect(windows?.blue).toEqual(green);
});

test('warns when the deployment\'s strategy is not the configured traffic shift', async () => {
  deployment({ deploymentConfiguration: { strategy: 'LINEAR', linearConfiguration: { stepPercent: 20, stepBakeTimeInMinutes: 2 } } });

  await ecsHandler(ecsEvent({ trafficShift: 'canary', metricDelaySeconds: 0 }), fakeContext());

  expect(logs.lines.filter((line) => line.level === 'warn')).toEqual([expect.objectContaining({
    message: 'the deployment shifts traffic otherwise than the metric gate was configured for; the windows follow the configuration',
    trafficShift: 'canary', strategy: 'LINEAR',
  })]);
});

describe('the service\'s first deployment', () => {
  beforeEach(() => {
    deployment({ sourceServiceRevisions: [] });
  });

  test('green alone is held to the ceilings: a green failing 5 % of requests fails', async () => {
    metrics({ [TG_B]: { requests: 2000, errors: 100, p99: 0.2 } });

    const result = await ecsHandler(ecsEvent({ trafficShift: 'canary', metricDelaySeconds: 0 }), fakeContext());

    expect(result).toEqual({ hookStatus: 'FAILED' });
    expect(metricReads().map((read) => read.targetGroup)).toEqual([TG_B]);
    expect(reason()).toMatch(/^metric gate fail \(first deployment of the service: no blue to compare with, green against the ceilings\) \(fail\): green 5xx rate 5 %/);
    expect(decisionLines(logs)[0]).toMatchObject({
      check: 'metric gate: green against the absolute ceilings (first deployment of the service, no blue)',
      blue: { targetGroup: TG_A, notRead: expect.stringContaining('first deployment') },
      checks: [expect.objectContaining({ check: 'error-ceiling', verdict: 'fail' })],
    });
  });

  test('a healthy green passes, its latency judged against maxLatencySeconds when set', async () => {
    metrics({ [TG_B]: { requests: 2000, errors: 2, p99: 0.2 } });

    const result = await ecsHandler(ecsEvent({ trafficShift: 'canary', metricDelaySeconds: 0, thresholds: { maxLatencySeconds: 0.5 } }), fakeContext());

    expect(result).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(decisionLines(logs)[0].checks).toEqual([
      expect.objectContaining({ check: 'error-ceiling', verdict: 'pass' }),
      expect.objectContaining({ check: 'latency-ceiling', verdict: 'pass', threshold: 0.5 }),
    ]);
  });

  test('the plan carries the first deployment across calls', async () => {
    const first = await ecsHandler(ecsEvent(), fakeContext());

    expect(first.hookDetails?.continuation).toMatchObject({ state: { firstDeployment: true } });
  });
});

describe('fails with a reason', () => {
  test('when the rule sends traffic to a target group the gate was not given', async () => {
    const stranger = 'targetgroup/legacy/0123456789abcdef';
    rule({ [stranger]: 100, [TG_B]: 0 });

    await expect(ecsHandler(ecsEvent(), fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(reason()).toBe(`production listener rule ${RULE_ARN} forwards traffic to ${stranger}, which is not one of the configured target groups `
      + `${TG_A}, ${TG_B}; give the metric gate the service's two target groups`);
    expect(metricReads()).toEqual([]);
  });

  test('when production traffic has not moved to one target group', async () => {
    rule({ [TG_A]: 50, [TG_B]: 50 });

    await expect(ecsHandler(ecsEvent({}, 'PRODUCTION_TRAFFIC_SHIFT'), fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(reason()).toContain(`production listener rule ${RULE_ARN} forwards 50 % to ${TG_A} and 50 % to ${TG_B}: production traffic has not moved`);
  });

  test('when productionListenerRuleArn is missing, before any call', async () => {
    const config = Object.fromEntries(Object.entries(CONFIG).filter(([field]) => field !== 'productionListenerRuleArn'));
    const result = await ecsHandler({ ...ecsEvent(), hookDetails: { configuration: config } }, fakeContext());

    expect(result).toEqual({ hookStatus: 'FAILED' });
    expect(reason()).toMatch(/^invalid CDK_ECS_RELEASE_METRIC_GATE_CONFIG: productionListenerRuleArn is required under Amazon ECS blue\/green/);
    expect(elb.commandCalls(DescribeRulesCommand)).toHaveLength(0);
  });

  test('when the rule is of another load balancer', async () => {
    const other = `${ELB_ARN}:listener-rule/app/admin/1111111111111111/f2f7dc8efc522ab2/9683b2d02a6cabee`;

    await expect(ecsHandler(ecsEvent({ productionListenerRuleArn: other }), fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(reason()).toContain(`productionListenerRuleArn ${other} is a rule of load balancer app/admin/1111111111111111, not of loadBalancerFullName ${LB}`);
  });

  test('when the rule cannot be read', async () => {
    elb.on(DescribeRulesCommand).rejects(awsError('AccessDenied', 403, 'not authorized to perform: elasticloadbalancing:DescribeRules'));

    await expect(ecsHandler(ecsEvent(), fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(reason()).toBe('not authorized to perform: elasticloadbalancing:DescribeRules');
  });

  test('exactly once when CloudWatch hangs past the deadline', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(() => new Promise(() => undefined));

    await expect(ecsHandler(ecsEvent({ trafficShift: 'canary', metricDelaySeconds: 0 }), fakeContext(1500))).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(reason()).toMatch(/^hook deadline reached after .*; reading target group metrics$/);
  });
});

test('a rollback at PRODUCTION_TRAFFIC_SHIFT passes without reading the rule or the metrics', async () => {
  deployment({ status: 'ROLLBACK_IN_PROGRESS' });

  await expect(ecsHandler(ecsEvent({}, 'PRODUCTION_TRAFFIC_SHIFT'), fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });

  expect(reason()).toMatch(/^the service deployment is rolling back \(ROLLBACK_IN_PROGRESS\)/);
  expect(elb.commandCalls(DescribeRulesCommand)).toHaveLength(0);
  expect(metricReads()).toEqual([]);
});
