/**
 * The bundled hooks (`assets/handlers/<name>/index.js`, as Lambda runs them) as functions shared by
 * the services of a stack: each reads the deployment's service configuration from its SSM
 * parameter, runs on it, and reports once; a missing parameter is one Failed naming it.
 */
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand, GetMetricDataCommandInput, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient, GetDeploymentCommand, PutLifecycleEventHookExecutionStatusCommand } from '@aws-sdk/client-codedeploy';
import { DescribeTaskSetsCommand, DescribeTasksCommand, ECSClient, ListTasksCommand } from '@aws-sdk/client-ecs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { HOOK_CONFIGURATION_PREFIX, HOOK_CONFIGURATION_PREFIX_ENV, HOOK_KIND_ENV, HookKind } from '../../contract/hook';
import { METRIC_GATE_CONFIG_ENV } from '../../contract/metric-gate';
import { MIGRATION_CONFIG_ENV } from '../../contract/migration';
import { PREFLIGHT_CONFIG_ENV } from '../../contract/preflight';
import { SMOKE_CHECKS_ENV, SMOKE_TEST_BASE_URL_ENV } from '../../contract/smoke-test';
import { CapturedLogs, EVENT, awsError, captureLogs, expectSingleReport, fakeContext, stubDeploymentTarget } from './helpers';

const PARAMETER = `${HOOK_CONFIGURATION_PREFIX}orders-app/orders-dg`;
const TASK_ARN = 'arn:aws:ecs:eu-west-1:111111111111:task/prod/abc';
const TG_A = 'targetgroup/web-a/73e2d6bc24d8a067';
const TG_B = 'targetgroup/web-b/943f017f100becff';

type Handler = (event: unknown, context: unknown) => Promise<{ verdict?: string; report?: string; reason?: string }>;

function bundled(kind: HookKind): Handler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(__dirname, '..', '..', 'assets', 'handlers', kind, 'index.js')) as { handler: Handler }).handler;
}

const codeDeploy = mockClient(CodeDeployClient);
const ssm = mockClient(SSMClient);
const cloudWatch = mockClient(CloudWatchClient);
const ecs = mockClient(ECSClient);
let logs: CapturedLogs;
let server: http.Server;
let baseUrl: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    res.writeHead(req.url === '/health' ? 200 : 500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: req.url === '/health' ? 'ok' : 'broken' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  for (const mock of [codeDeploy, ssm, cloudWatch, ecs]) {
    mock.reset();
  }
  codeDeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { applicationName: 'orders-app', deploymentGroupName: 'orders-dg' } });
  process.env[HOOK_CONFIGURATION_PREFIX_ENV] = HOOK_CONFIGURATION_PREFIX;
  process.env.AWS_REGION = 'eu-west-1';
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
  for (const name of [HOOK_CONFIGURATION_PREFIX_ENV, HOOK_KIND_ENV, PREFLIGHT_CONFIG_ENV, MIGRATION_CONFIG_ENV, METRIC_GATE_CONFIG_ENV,
    SMOKE_TEST_BASE_URL_ENV, SMOKE_CHECKS_ENV]) {
    delete process.env[name];
  }
});

/** Per kind: the section's config, the stubs its success needs, and the event it runs on. */
const SCENARIOS: Record<HookKind, { config: () => Record<string, unknown>; stub: () => void; event: () => Record<string, unknown> }> = {
  'preflight': {
    config: () => ({ readDeploymentGroupAlarms: false, alarmNames: ['orders-5xx'] }),
    stub: () => cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'orders-5xx', StateValue: 'OK', ActionsEnabled: true }] }),
    event: () => ({ ...EVENT }),
  },
  'migration': {
    config: () => ({ clusterArn: 'prod', serviceName: 'web', containerName: 'web', subnets: ['subnet-1'], securityGroups: [], pollIntervalSeconds: 30 }),
    stub: () => {
      stubDeploymentTarget(codeDeploy, {
        taskSetsInfo: [{ identifer: 'ecs-svc/green', taskSetLabel: 'Green' }],
        lifecycleEvents: [{ lifecycleEventName: 'AfterInstall', status: 'InProgress' }],
      });
      ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: [{ taskDefinition: 'web:42' }] });
      ecs.on(ListTasksCommand).resolves({ taskArns: [] });
      ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK_ARN, lastStatus: 'STOPPED', containers: [{ name: 'web', exitCode: 0 }] }] });
    },
    // A continued invocation, handed over by the one that started the task: it reads the configuration again.
    event: () => ({
      ...EVENT,
      continuation: { state: { taskArn: TASK_ARN, startedAt: new Date().toISOString() }, attempt: 1, startedAt: new Date().toISOString() },
    }),
  },
  'smoke-test': {
    config: () => ({ [SMOKE_TEST_BASE_URL_ENV]: baseUrl, [SMOKE_CHECKS_ENV]: [{ name: 'health', path: '/health', jsonFields: { status: 'ok' } }] }),
    stub: () => undefined,
    event: () => ({ ...EVENT }),
  },
  'metric-gate': {
    config: () => ({ loadBalancerFullName: 'app/web/50dc6c495c0c9188', targetGroupFullNames: [TG_A, TG_B], trafficShift: 'all-at-once' }),
    stub: () => {
      const end = new Date(Date.now() - 10 * 60_000);
      stubDeploymentTarget(codeDeploy, {
        taskSetsInfo: [
          { identifer: 'ecs-svc/blue', taskSetLabel: 'Blue', targetGroup: { name: 'web-a' }, trafficWeight: 0 },
          { identifer: 'ecs-svc/green', taskSetLabel: 'Green', targetGroup: { name: 'web-b' }, trafficWeight: 100 },
        ],
        lifecycleEvents: [
          { lifecycleEventName: 'AllowTraffic', status: 'Succeeded', startTime: new Date(end.getTime() - 5_000), endTime: end },
          { lifecycleEventName: 'AfterAllowTraffic', status: 'InProgress', startTime: new Date(end.getTime() + 1000) },
        ],
      });
      // Green answers 10 requests without errors, blue nothing: inconclusive, which passes by default.
      cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
        MetricDataResults: (input.MetricDataQueries ?? []).map((query): MetricDataResult => {
          const isGreen = query.MetricStat?.Metric?.Dimensions?.some((d) => d.Value === TG_B);
          const value = isGreen ? ({ requests: 10, errors: 0, p99: 0.2, p99PerMinute: 0.2 } as Record<string, number>)[query.Id ?? ''] : undefined;
          return { Id: query.Id, StatusCode: 'Complete', Values: value === undefined ? [] : [value], Timestamps: value === undefined ? [] : [input.StartTime as Date] };
        }),
      }));
    },
    event: () => ({ ...EVENT }),
  },
};

const CONFIG_VARIABLES: Record<HookKind, string> = {
  'preflight': PREFLIGHT_CONFIG_ENV,
  'migration': MIGRATION_CONFIG_ENV,
  'smoke-test': SMOKE_CHECKS_ENV,
  'metric-gate': METRIC_GATE_CONFIG_ENV,
};

describe.each(Object.keys(SCENARIOS) as HookKind[])('the bundled %s hook, shared by the services of a stack', (kind) => {
  beforeEach(() => {
    process.env[HOOK_KIND_ENV] = kind;
    // What a function of a single service would read: never used by a shared one.
    process.env[CONFIG_VARIABLES[kind]] = 'not the service\'s configuration';
  });

  test('reads the service\'s section from its parameter, runs on it, and reports Succeeded once', async () => {
    const scenario = SCENARIOS[kind];
    scenario.stub();
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAMETER, Type: 'String', Value: JSON.stringify({
      version: 1, serviceName: 'orders', hooks: { [kind]: { hookName: `orders ${kind}`, config: scenario.config() } },
    }) } });

    const result = await bundled(kind)(scenario.event(), fakeContext(60_000, `${kind}-fn`));

    expect(result).toMatchObject({ verdict: 'Succeeded', report: 'reported' });
    expectSingleReport(codeDeploy, 'Succeeded');
    expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toEqual([{ Name: PARAMETER }]);
    expect(logs.lines.filter((line) => line.message === 'hook configuration read')).toEqual([
      expect.objectContaining({ serviceName: 'orders', hookName: `orders ${kind}`, parameterName: PARAMETER }),
    ]);
  });

  test('a missing parameter is one Failed report naming it', async () => {
    ssm.on(GetParameterCommand).rejects(awsError('ParameterNotFound'));

    const result = await bundled(kind)(SCENARIOS[kind].event(), fakeContext(60_000, `${kind}-fn`));

    expect(result.reason).toBe(`ssm:GetParameter ${PARAMETER}: ParameterNotFound — the service's hook configuration is missing; deploy its stack again`);
    expectSingleReport(codeDeploy, 'Failed');
  });
});
