import * as fs from 'fs';
import * as path from 'path';
import { CloudWatchClient, GetMetricDataCommand, GetMetricDataCommandInput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { METRIC_GATE_CONFIG_ENV } from '../../../contract/metric-gate';
import { CapturedLogs, EVENT, captureLogs, decisionLines, expectSingleReport, fakeContext, stubDeploymentTarget } from '../helpers';

/** What Lambda runs: the esbuild bundle (`npm run bundle`), not the TypeScript sources. */
const BUNDLE = path.join(__dirname, '..', '..', '..', 'assets', 'handlers', 'metric-gate', 'index.js');

const LB = 'app/web/50dc6c495c0c9188';
const TG_A = 'targetgroup/web-a/73e2d6bc24d8a067';
const TG_B = 'targetgroup/web-b/943f017f100becff';

const codedeploy = mockClient(CodeDeployClient);
const cloudwatch = mockClient(CloudWatchClient);
let logs: CapturedLogs;

type Handler = (event: unknown, context: unknown) => Promise<{ reason?: string }>;

function bundledHandler(): Handler {
  expect(fs.existsSync(BUNDLE) ? BUNDLE : `missing ${BUNDLE}: run npm run bundle`).toBe(BUNDLE);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(BUNDLE) as { handler: Handler }).handler;
}

/** Green (web-b) answers with `green`; blue (web-a) has no datapoints at all. */
function greenOnly(green: { requests: number; errors: number; p99: number }) {
  cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((query): MetricDataResult => {
      const isGreen = query.MetricStat?.Metric?.Dimensions?.some((d) => d.Value === TG_B);
      const value = isGreen ? green[query.Id === 'p99PerMinute' ? 'p99' : query.Id as 'requests' | 'errors' | 'p99'] : undefined;
      return { Id: query.Id, StatusCode: 'Complete', Values: value === undefined ? [] : [value], Timestamps: value === undefined ? [] : [input.StartTime as Date] };
    }),
  }));
}

beforeEach(() => {
  codedeploy.reset();
  cloudwatch.reset();
  codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  const end = new Date(Date.now() - 10 * 60_000);
  stubDeploymentTarget(codedeploy, {
    taskSetsInfo: [
      { identifer: 'ecs-svc/blue', taskSetLabel: 'Blue', targetGroup: { name: 'web-a' }, trafficWeight: 0 },
      { identifer: 'ecs-svc/green', taskSetLabel: 'Green', targetGroup: { name: 'web-b' }, trafficWeight: 100 },
    ],
    lifecycleEvents: [
      { lifecycleEventName: 'AllowTraffic', status: 'Succeeded', startTime: new Date(end.getTime() - 5_000), endTime: end },
      { lifecycleEventName: 'AfterAllowTraffic', status: 'InProgress', startTime: new Date(end.getTime() + 1000) },
    ],
  });
  process.env[METRIC_GATE_CONFIG_ENV] = JSON.stringify({ loadBalancerFullName: LB, targetGroupFullNames: [TG_A, TG_B], trafficShift: 'all-at-once' });
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  delete process.env[METRIC_GATE_CONFIG_ENV];
});

describe('the bundled metric gate', () => {
  test('fails a green answering 100 % 5xx with no blue baseline, on the Wilson bound of the error-rate ceiling', async () => {
    greenOnly({ requests: 400, errors: 400, p99: 0.005 });

    const result = await bundledHandler()(EVENT, fakeContext(undefined, 'metric-gate-fn'));

    expectSingleReport(codedeploy, 'Failed');
    expect(result.reason).toContain('exceeds the 1 % ceiling: its lower 95 % bound');
    expect(decisionLines(logs)).toEqual([expect.objectContaining({ verdict: 'fail', status: 'Failed' })]);
  });

  test('fails 9 errors in 10 requests, under the request minimum', async () => {
    greenOnly({ requests: 10, errors: 9, p99: 0.2 });

    await bundledHandler()(EVENT, fakeContext(undefined, 'metric-gate-fn'));

    expectSingleReport(codedeploy, 'Failed');
  });

  test('leaves 0 errors in 10 requests inconclusive, which passes by default', async () => {
    greenOnly({ requests: 10, errors: 0, p99: 0.2 });

    const result = await bundledHandler()(EVENT, fakeContext(undefined, 'metric-gate-fn'));

    expectSingleReport(codedeploy, 'Succeeded');
    expect(result.reason).toMatch(/^metric gate inconclusive/);
  });
});
