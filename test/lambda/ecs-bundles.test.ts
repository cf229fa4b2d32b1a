/**
 * The Amazon ECS entry points of the bundled handlers (`assets/handlers/<name>/index.js`,
 * `index.ecsHandler`), as Lambda runs them: exactly one answer on every path, state carried in
 * hookDetails between calls, and a rollback never held up.
 */
import * as path from 'path';
import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandInput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { DescribeServiceDeploymentsCommand, ECSClient, ServiceDeployment } from '@aws-sdk/client-ecs';
import { DescribeRulesCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { HOOK_CONFIGURATION_PREFIX, HOOK_CONFIGURATION_PREFIX_ENV, HOOK_KIND_ENV } from '../../contract/hook';
import { MetricGateHookConfig } from '../../contract/metric-gate';
import { CapturedLogs, awsError, captureLogs, fakeContext } from './helpers';

interface EcsResult {
  readonly hookStatus: string;
  readonly callBackDelay?: number;
  readonly hookDetails?: Record<string, unknown>;
}
type EcsHandler = (event: unknown, context: unknown) => Promise<EcsResult>;

function bundledEcsHandler(name: string): EcsHandler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(__dirname, '..', '..', 'assets', 'handlers', name, 'index.js')) as { ecsHandler: EcsHandler }).ecsHandler;
}

const ecs = mockClient(ECSClient);
const elb = mockClient(ElasticLoadBalancingV2Client);
const cloudwatch = mockClient(CloudWatchClient);

const LB = 'app/web/50dc6c495c0c9188';
const TG_A = 'targetgroup/web-a/73e2d6bc24d8a067';
const TG_B = 'targetgroup/web-b/943f017f100becff';
const ELB_ARN = 'arn:aws:elasticloadbalancing:eu-west-1:111122223333';
const RULE_ARN = `${ELB_ARN}:listener-rule/${LB}/f2f7dc8efc522ab2/9683b2d02a6cabee`;
const CONFIG: MetricGateHookConfig = {
  loadBalancerFullName: LB, targetGroupFullNames: [TG_A, TG_B], productionListenerRuleArn: RULE_ARN, trafficShift: 'all-at-once',
};

// The bundle keeps each started deployment's facts for the life of the module: one ARN per test.
let deploymentArn = '';
let deployments = 0;

function ecsEvent(lifecycleStage: string, config: Partial<MetricGateHookConfig> = {}): Record<string, unknown> {
  return {
    executionId: 'exec-9',
    lifecycleStage,
    resourceArn: deploymentArn,
    executionDetails: { serviceArn: 'arn:aws:ecs:eu-west-1:111122223333:service/prod/web' },
    hookDetails: { hookName: 'orders metric gate', configuration: { ...CONFIG, ...config } },
  };
}

function deployment(overrides: Partial<ServiceDeployment> = {}): void {
  ecs.on(DescribeServiceDeploymentsCommand).resolves({
    serviceDeployments: [{
      serviceDeploymentArn: deploymentArn,
      status: 'IN_PROGRESS',
      startedAt: new Date(Date.now() - 8 * 60_000),
      sourceServiceRevisions: [{ arn: 'arn:aws:ecs:eu-west-1:111122223333:service-revision/prod/web/41' }],
      ...overrides,
    }],
  });
}

function rule(weights: Record<string, number>): void {
  elb.on(DescribeRulesCommand).resolves({
    Rules: [{
      RuleArn: RULE_ARN,
      Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: Object.entries(weights).map(([tg, Weight]) => ({ TargetGroupArn: `${ELB_ARN}:${tg}`, Weight })) } }],
    }],
  });
}

function metrics(figures: Record<string, { requests: number; errors: number; p99: number }>): void {
  cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((query): MetricDataResult => {
      const tg = query.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'TargetGroup')?.Value ?? '';
      const value = figures[tg]?.[(query.Id === 'p99PerMinute' ? 'p99' : query.Id) as 'requests' | 'errors' | 'p99'];
      return { Id: query.Id, StatusCode: 'Complete', Timestamps: value === undefined ? [] : [input.StartTime as Date], Values: value === undefined ? [] : [value] };
    }),
  }));
}

const metricTargetGroups = () => cloudwatch.commandCalls(GetMetricDataCommand)
  .map((call) => call.args[0].input.MetricDataQueries?.[0].MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'TargetGroup')?.Value);

let logs: CapturedLogs;

/** The reason of the run's one `hook finished` line. */
function finishedReason(): string {
  const finished = logs.lines.filter((line) => line.message === 'hook finished');
  expect(finished).toHaveLength(1);
  return String(finished[0].reason);
}

beforeEach(() => {
  ecs.reset();
  elb.reset();
  cloudwatch.reset();
  deploymentArn = `arn:aws:ecs:eu-west-1:111122223333:service-deployment/prod/web/bundle-${++deployments}`;
  process.env[HOOK_CONFIGURATION_PREFIX_ENV] = HOOK_CONFIGURATION_PREFIX;
  process.env[HOOK_KIND_ENV] = 'metric-gate';
  deployment();
  rule({ [TG_A]: 0, [TG_B]: 100 });
  metrics({ [TG_B]: { requests: 1200, errors: 1, p99: 0.21 }, [TG_A]: { requests: 1100, errors: 1, p99: 0.2 } });
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  delete process.env[HOOK_CONFIGURATION_PREFIX_ENV];
  delete process.env[HOOK_KIND_ENV];
});

describe('the bundled metric gate under Amazon ECS', () => {
  test('answers IN_PROGRESS with its plan in hookDetails.continuation, and the next call resumes it to SUCCEEDED', async () => {
    const handler = bundledEcsHandler('metric-gate');

    const first = await handler(ecsEvent('POST_PRODUCTION_TRAFFIC_SHIFT'), fakeContext());

    expect(first).toMatchObject({ hookStatus: 'IN_PROGRESS', hookDetails: { hookName: 'orders metric gate', configuration: CONFIG } });
    const continuation = first.hookDetails?.continuation as { attempt: number; state: Record<string, unknown> };
    expect(continuation).toMatchObject({ attempt: 1, state: { greenTargetGroup: TG_B, blueTargetGroup: TG_A, source: 'bake' } });

    const elapsed = { ...continuation, state: { ...continuation.state, readyAt: new Date(Date.now() - 1000).toISOString() } };
    const second = await handler({ ...ecsEvent('POST_PRODUCTION_TRAFFIC_SHIFT'), hookDetails: { ...first.hookDetails, continuation: elapsed } }, fakeContext());

    expect(second).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(metricTargetGroups()).toEqual([TG_B, TG_A]);
    expect(elb.commandCalls(DescribeRulesCommand)).toHaveLength(1);
  });

  test('takes green from the rule\'s weights', async () => {
    rule({ [TG_A]: 100, [TG_B]: 0 });

    const result = await bundledEcsHandler('metric-gate')(ecsEvent('POST_PRODUCTION_TRAFFIC_SHIFT', { trafficShift: 'canary', metricDelaySeconds: 0 }), fakeContext());

    expect(result).toEqual({ hookStatus: 'SUCCEEDED' });
    expect(metricTargetGroups()).toEqual([TG_A, TG_B]);
  });

  test('FAILED when the rule forwards to a target group it was not configured with', async () => {
    rule({ 'targetgroup/legacy/0123456789abcdef': 100 });

    await expect(bundledEcsHandler('metric-gate')(ecsEvent('POST_PRODUCTION_TRAFFIC_SHIFT'), fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(finishedReason()).toContain('forwards traffic to targetgroup/legacy/0123456789abcdef, which is not one of the configured target groups');
  });

  test('holds a first deployment to the ceilings alone, and fails a broken green', async () => {
    deployment({ sourceServiceRevisions: [] });
    metrics({ [TG_B]: { requests: 2000, errors: 400, p99: 0.2 } });

    const result = await bundledEcsHandler('metric-gate')(ecsEvent('POST_PRODUCTION_TRAFFIC_SHIFT', { trafficShift: 'linear', metricDelaySeconds: 0 }), fakeContext());

    expect(result).toEqual({ hookStatus: 'FAILED' });
    expect(metricTargetGroups()).toEqual([TG_B]);
    expect(finishedReason()).toMatch(/^metric gate fail \(first deployment of the service: no blue to compare with, green against the ceilings\)/);
  });

  test('FAILED once when an AWS call is refused', async () => {
    ecs.on(DescribeServiceDeploymentsCommand).rejects(awsError('AccessDeniedException', 400, 'not authorized to perform: ecs:DescribeServiceDeployments'));

    await expect(bundledEcsHandler('metric-gate')(ecsEvent('POST_PRODUCTION_TRAFFIC_SHIFT'), fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });

    expect(finishedReason()).toBe('not authorized to perform: ecs:DescribeServiceDeployments');
  });

  test('FAILED once at the deadline while CloudWatch hangs', async () => {
    cloudwatch.on(GetMetricDataCommand).callsFake(() => new Promise(() => undefined));

    const result = await bundledEcsHandler('metric-gate')(ecsEvent('POST_PRODUCTION_TRAFFIC_SHIFT', { trafficShift: 'canary', metricDelaySeconds: 0 }), fakeContext(1500));

    expect(result).toEqual({ hookStatus: 'FAILED' });
    expect(finishedReason()).toMatch(/^hook deadline reached after .*; reading target group metrics$/);
  });

  test('SUCCEEDED at PRODUCTION_TRAFFIC_SHIFT of a rollback, without reading the rule or the metrics', async () => {
    deployment({ status: 'ROLLBACK_IN_PROGRESS' });

    await expect(bundledEcsHandler('metric-gate')(ecsEvent('PRODUCTION_TRAFFIC_SHIFT'), fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });

    expect(finishedReason()).toMatch(/^the service deployment is rolling back \(ROLLBACK_IN_PROGRESS\)/);
    expect(elb.commandCalls(DescribeRulesCommand)).toHaveLength(0);
    expect(metricTargetGroups()).toEqual([]);
  });
});

describe.each(['smoke-test', 'migration'])('the bundled %s hook under Amazon ECS', (name) => {
  // Without configuration the body can only fail: a SUCCEEDED shows it did not run.
  const event = (lifecycleStage: string) => ({ ...ecsEvent(lifecycleStage), hookDetails: {} });

  beforeEach(() => {
    delete process.env[HOOK_CONFIGURATION_PREFIX_ENV];
  });

  test('passes a rollback\'s TEST_TRAFFIC_SHIFT without running', async () => {
    deployment({ status: 'ROLLBACK_REQUESTED' });

    await expect(bundledEcsHandler(name)(event('TEST_TRAFFIC_SHIFT'), fakeContext())).resolves.toEqual({ hookStatus: 'SUCCEEDED' });
    expect(ecs.commandCalls(DescribeServiceDeploymentsCommand)).toHaveLength(1);
  });

  test('runs at a forward deployment\'s TEST_TRAFFIC_SHIFT', async () => {
    await expect(bundledEcsHandler(name)(event('TEST_TRAFFIC_SHIFT'), fakeContext())).resolves.toEqual({ hookStatus: 'FAILED' });
    expect(finishedReason()).not.toContain('rolling back');
  });
});
