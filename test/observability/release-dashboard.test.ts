import { CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { IConstruct } from 'constructs';
import {
  BlueGreenService, ReleaseDashboard, ReleaseDashboardProps, ReleasePipeline, ReleaseSource, RollbackAlarmsOptions,
} from '../../lib';
import {
  DORA_METRICS, DORA_METRIC_NAMESPACE, DORA_SERVICE_DIMENSION, DORA_STAGE_DIMENSION,
} from '../../contract/deployment-record';
import { DEPLOY_ACTION_NAME, RECORD_EVENT_TYPES } from '../../lib/observability/private/deployment-record-queries';
import { evaluate, evaluateJson } from '../pipeline/cfn-eval';
import { CONNECTION_ARN } from '../pipeline/util';
import { expectSynthError } from '../synth-errors';
import { testStack } from '../util';

interface Widget {
  type: string;
  width: number;
  height: number;
  x: number;
  y: number;
  properties: Record<string, unknown> & { title?: string; markdown?: string; query?: string; metrics?: unknown[][]; alarms?: string[] };
}

function service(stack: Stack, id: string, rollbackAlarmOptions?: RollbackAlarmsOptions): BlueGreenService {
  const vpc = new ec2.Vpc(stack, `${id}Vpc`, { maxAzs: 2, natGateways: 1 });
  return new BlueGreenService(stack, id, {
    vpc,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    serviceName: id.toLowerCase(),
    rollbackAlarmOptions,
  });
}

function pipelineOf(stack: Stack, stages: Array<[string, BlueGreenService]>): ReleasePipeline {
  return new ReleasePipeline(stack, 'Release', {
    source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
    stages: stages.map(([stageName, s], i) => ({ stageName, service: s, requireApproval: i > 0 })),
  });
}

/** The dashboard body of the stack's only dashboard, with references replaced by REF(...) and GETATT(...). */
function widgets(stack: Stack): Widget[] {
  const dashboards = templateOf(stack).findResources('AWS::CloudWatch::Dashboard');
  expect(Object.keys(dashboards)).toHaveLength(1);
  const body = evaluateJson(Object.values(dashboards)[0].Properties.DashboardBody) as { widgets: Widget[] };
  return body.widgets;
}

function widget(all: Widget[], title: string): Widget {
  const found = all.filter((w) => w.properties.title === title);
  expect(found.map((w) => w.properties.title)).toEqual([title]);
  return found[0];
}

/** The four DORA widgets: single values. */
function doraWidgets(stack: Stack): Widget[] {
  return widgets(stack).filter((w) => w.properties.view === 'singleValue');
}

/** `<service>/<stage>` of each DORA metric a widget graphs, once each. */
function dimensionsOf(key: Widget): string[] {
  const metrics = key.properties.metrics!.filter((m) => m[0] === DORA_METRIC_NAMESPACE) as string[][];
  return [...new Set(metrics.map((m) => `${m[3]}/${m[5]}`))];
}

/** How `evaluate` renders an attribute of a construct's resource. */
function getAtt(stack: Stack, construct: IConstruct, attribute: string): string {
  return `GETATT(${stack.getLogicalId(construct.node.defaultChild as CfnElement)}.${attribute})`;
}

/** The stack with a staging and a production service, a pipeline over both, and a dashboard of all three. */
function fixture(props: Partial<ReleaseDashboardProps> = {}, productionAlarms?: RollbackAlarmsOptions) {
  const stack = testStack();
  const staging = service(stack, 'Staging');
  const production = service(stack, 'Production', productionAlarms);
  const pipeline = pipelineOf(stack, [['Staging', staging], ['Production', production]]);
  const dashboard = new ReleaseDashboard(stack, 'Dashboard', { pipeline, services: [staging, production], ...props });
  return { stack, staging, production, pipeline, dashboard };
}

let defaults: { fixture: ReturnType<typeof fixture>; template?: Template } | undefined;

/**
 * The default fixture, built once for the tests that only read it: building and synthesizing two
 * services and a pipeline takes seconds.
 */
function sharedFixture(): ReturnType<typeof fixture> {
  defaults ??= { fixture: fixture() };
  return defaults.fixture;
}

/** The stack's template; the shared fixture's is synthesized once, as nothing changes it. */
function templateOf(stack: Stack): Template {
  if (stack !== defaults?.fixture.stack) return Template.fromStack(stack);
  defaults.template ??= Template.fromStack(stack);
  return defaults.template;
}

describe('ReleaseDashboard', () => {
  test('gives each service a header with its links and a row of graphs and alarms, below the pipeline', () => {
    const { stack } = sharedFixture();
    const all = widgets(stack);
    const headers = all.filter((w) => w.type === 'text').map((w) => w.properties.markdown!.split('\n')[0]);
    expect(headers).toEqual([expect.stringMatching(/^## Releases: /), '## staging', '## production']);

    for (const name of ['staging', 'production']) {
      expect(all.filter((w) => w.properties.title?.startsWith(`${name}: `)).map((w) => w.properties.title)).toEqual([
        `${name}: requests per target group`,
        `${name}: target 5xx rate (%) per target group`,
        `${name}: target response time p99 (s) per target group`,
        `${name}: unhealthy targets per target group`,
        `${name}: running vs desired tasks`,
        `${name}: rollback alarms`,
      ]);
    }
    // The pipeline section comes first, then each service's three rows.
    const stagingHeader = all.find((w) => w.properties.markdown?.startsWith('## staging'))!;
    const productionHeader = all.find((w) => w.properties.markdown?.startsWith('## production'))!;
    expect(stagingHeader.y).toBeLessThan(productionHeader.y);
    expect(all.filter((w) => w.type === 'log').every((w) => w.y < stagingHeader.y)).toBe(true);
  });

  test('the service header links to the production URL, the test URL and the deployment group', () => {
    const { stack, production } = sharedFixture();
    const header = widgets(stack).find((w) => w.properties.markdown?.startsWith('## production'))!;
    const dns = getAtt(stack, production.loadBalancer, 'DNSName');
    expect(header.properties.markdown).toContain(`[Production URL](http://${dns})`);
    expect(header.properties.markdown).toContain(`[Test URL](http://${dns}:8080)`);
    expect(header.properties.markdown).toContain(`[CodeDeploy deployment group](${evaluate(stack.resolve(production.deploymentGroupConsoleUrl))})`);
  });

  test('draws blue and green as two lines on the 5xx rate and p99 graphs, each from its own target group', () => {
    const { stack, production } = sharedFixture();
    const all = widgets(stack);
    const blue = getAtt(stack, production.blueTargetGroup, 'TargetGroupFullName');
    const green = getAtt(stack, production.greenTargetGroup, 'TargetGroupFullName');

    const p99 = widget(all, 'production: target response time p99 (s) per target group');
    expect(p99.properties.metrics).toEqual([
      ['AWS/ApplicationELB', 'TargetResponseTime', 'LoadBalancer', expect.any(String), 'TargetGroup', blue,
        expect.objectContaining({ label: 'blue target group', stat: 'p99', period: 60 })],
      ['AWS/ApplicationELB', 'TargetResponseTime', 'LoadBalancer', expect.any(String), 'TargetGroup', green,
        expect.objectContaining({ label: 'green target group', stat: 'p99', period: 60 })],
    ]);

    const errors = widget(all, 'production: target 5xx rate (%) per target group');
    const metrics = errors.properties.metrics!;
    const expressions = metrics.filter((m) => typeof m[0] === 'object').map((m) => m[0]);
    expect(expressions).toEqual([
      expect.objectContaining({ label: 'blue target group', expression: '100 * FILL(blueErrors, 0) / blueRequests' }),
      expect.objectContaining({ label: 'green target group', expression: '100 * FILL(greenErrors, 0) / greenRequests' }),
    ]);
    const inputs = metrics.filter((m) => typeof m[0] === 'string')
      .map((m) => [m[1], m[5], (m[6] as { id: string }).id]);
    expect(inputs).toEqual([
      ['RequestCount', blue, 'blueRequests'],
      ['HTTPCode_Target_5XX_Count', blue, 'blueErrors'],
      ['RequestCount', green, 'greenRequests'],
      ['HTTPCode_Target_5XX_Count', green, 'greenErrors'],
    ]);
  });

  test('stacks the requests of blue and green, so the traffic shift of a canary shows', () => {
    const { stack } = sharedFixture();
    const requests = widget(widgets(stack), 'production: requests per target group');
    expect(requests.properties.stacked).toBe(true);
    expect(requests.properties.metrics!.map((m) => [m[1], (m[6] as { label: string }).label])).toEqual([
      ['RequestCount', 'blue target group'],
      ['RequestCount', 'green target group'],
    ]);
  });

  test('the alarm status widget lists every rollback alarm of the service, including one added later', () => {
    const { stack, production } = fixture();
    const extra = new cloudwatch.Alarm(stack, 'QueueBacklog', {
      metric: new cloudwatch.Metric({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible' }),
      threshold: 1000,
      evaluationPeriods: 1,
    });
    production.addRollbackAlarm(extra);

    const status = widget(widgets(stack), 'production: rollback alarms');
    expect(status.type).toBe('alarm');
    expect(status.properties.alarms).toEqual(production.rollbackAlarms!.alarms.map((alarm) => getAtt(stack, alarm, 'Arn')));
    expect(status.properties.alarms).toHaveLength(6);
    expect(status.properties.alarms).toContain(getAtt(stack, extra, 'Arn'));
    expect(status.properties.sortBy).toBe('stateUpdatedTimestamp');
  });

  test('a service without rollback alarms says so instead of an empty alarm widget', () => {
    const stack = testStack();
    const quiet = service(stack, 'Quiet', {
      enableErrorRateAlarm: false, enableLatencyAlarm: false, enableUnhealthyTargetsAlarm: false,
      enableFatalLogAlarm: false, enableRunningTaskShortfallAlarm: false,
    });
    new ReleaseDashboard(stack, 'Dashboard', { services: [quiet] });
    const all = widgets(stack);
    expect(all.filter((w) => w.type === 'alarm')).toEqual([]);
    expect(all.find((w) => w.properties.markdown?.startsWith('### quiet: rollback alarms'))?.properties.markdown)
      .toContain('does not roll back by itself');
    // No alarm, no threshold line.
    expect(all.filter((w) => w.properties.annotations !== undefined)).toEqual([]);
  });

  test('draws the thresholds of the rollback alarms on their graphs', () => {
    const { stack } = fixture({}, { latencyBaseline: Duration.millis(250) });
    const all = widgets(stack);
    const line = (title: string) => (widget(all, title).properties.annotations as { horizontal: unknown[] }).horizontal;

    expect(line('production: target 5xx rate (%) per target group')).toEqual([{
      label: 'Rollback: production: target 5xx rate (%) > 1 for 2 datapoints within 2 minutes', value: 1, color: '#d62728', yAxis: 'left',
    }]);
    expect(line('production: target response time p99 (s) per target group')).toEqual([
      expect.objectContaining({ value: 0.75, yAxis: 'left', label: expect.stringMatching(/^Rollback: .* > 0\.75 for 2 datapoints/) }),
    ]);
    expect(line('production: unhealthy targets per target group')).toEqual([expect.objectContaining({ value: 0, yAxis: 'left' })]);
    // The running-task alarm watches the running share of desired tasks, drawn on the right axis.
    const tasks = widget(all, 'production: running vs desired tasks');
    expect(line('production: running vs desired tasks')).toEqual([expect.objectContaining({ value: 100, yAxis: 'right' })]);
    expect(tasks.properties.metrics!.map((m) => (typeof m[0] === 'string' ? m[1] : (m[0] as { expression: string }).expression))).toEqual([
      'RunningTaskCount', 'DesiredTaskCount', 'PendingTaskCount', 'IF(desired > 0, 100 * running / desired, 100)',
    ]);
  });

  test('draws no line for the anomaly-detection latency alarm, which has no fixed threshold', () => {
    const { stack } = sharedFixture();
    const p99 = widget(widgets(stack), 'staging: target response time p99 (s) per target group');
    expect(p99.properties.annotations).toBeUndefined();
  });

  test('period sets the period of every service graph; by default it is the rollback alarms\' period', () => {
    const periods = (stack: Stack) => widgets(stack).filter((w) => w.type === 'metric' && w.properties.view === 'timeSeries')
      .flatMap((w) => w.properties.metrics!.map((m) => (m[m.length - 1] as { period: number }).period));
    expect(new Set(periods(sharedFixture().stack))).toEqual(new Set([60]));
    expect(new Set(periods(fixture({ period: Duration.minutes(3) }).stack))).toEqual(new Set([180]));
    expect(new Set(periods(fixture({}, { period: Duration.minutes(2) }).stack))).toEqual(new Set([60, 120]));
  });

  test('every query of the pipeline section reads the deployment record log group', () => {
    const { stack, pipeline } = sharedFixture();
    const logs = widgets(stack).filter((w) => w.type === 'log');
    const recordName = evaluate(stack.resolve(pipeline.deploymentRecord.logGroupName));
    expect(logs.map((w) => w.properties.title)).toEqual([
      'Latest releases: pipeline and stage executions',
      'Latest deployments',
    ]);
    for (const log of logs) {
      expect(log.properties.query).toMatch(new RegExp(`^SOURCE '${escapeRegExp(recordName)}' \\| filter `));
    }
    templateOf(stack).hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('/deployments$') });
  });

  test('DORA\'s four keys: one figure per production service and stage over the time range, from the recorder\'s metrics', () => {
    const { stack } = sharedFixture();
    const keys = doraWidgets(stack);
    expect(keys.map((w) => [w.properties.title, w.width, w.properties.view, w.properties.setPeriodToTimeRange])).toEqual([
      ['Deployment frequency: releases in the time range', 6, 'singleValue', true],
      ['Lead time for changes: median hours, commit to production', 6, 'singleValue', true],
      ['Change failure rate: % of releases that failed or rolled back', 6, 'singleValue', true],
      ['Time to restore: median minutes, failure to restoration', 6, 'singleValue', true],
    ]);
    const dimensions = [DORA_SERVICE_DIMENSION, 'production', DORA_STAGE_DIMENSION, 'Production'];
    const [frequency, leadTime, failureRate, restore] = keys.map((w) => w.properties.metrics);
    expect(frequency).toEqual([[DORA_METRIC_NAMESPACE, DORA_METRICS.deployments, ...dimensions, { label: 'production Production', stat: 'Sum' }]]);
    expect(leadTime).toEqual([
      [{ expression: 'lead0 / 3600', label: 'production Production' }],
      [DORA_METRIC_NAMESPACE, DORA_METRICS.leadTime, ...dimensions, { stat: 'p50', visible: false, id: 'lead0' }],
    ]);
    expect(failureRate).toEqual([
      [{ expression: '100 * failures0 / releases0', label: 'production Production' }],
      [DORA_METRIC_NAMESPACE, DORA_METRICS.changeFailures, ...dimensions, { stat: 'Sum', visible: false, id: 'failures0' }],
      [DORA_METRIC_NAMESPACE, DORA_METRICS.deployments, ...dimensions, { stat: 'Sum', visible: false, id: 'releases0' }],
    ]);
    expect(restore).toEqual([
      [{ expression: 'restore0 / 60', label: 'production Production' }],
      [DORA_METRIC_NAMESPACE, DORA_METRICS.timeToRestore, ...dimensions, { stat: 'p50', visible: false, id: 'restore0' }],
    ]);
    // The commit time is in the record now: the header no longer says otherwise.
    const header = widgets(stack).find((w) => w.properties.markdown?.startsWith('## Releases: '))!;
    expect(header.properties.markdown).not.toContain('commit time');
    expect(header.properties.markdown).toContain('from the metrics the deployment recorder emits');
  });

  test('the DORA keys count the last stage by default, stages added later included', () => {
    const stack = testStack();
    const staging = service(stack, 'Staging');
    const production = service(stack, 'Production');
    const pipeline = pipelineOf(stack, [['Staging', staging]]);
    new ReleaseDashboard(stack, 'Dashboard', { pipeline });
    pipeline.addStage({ stageName: 'Production', service: production, requireApproval: true });

    const keys = doraWidgets(stack);
    expect(keys).toHaveLength(4);
    for (const key of keys) {
      expect(dimensionsOf(key)).toEqual(['production/Production']);
    }
  });

  test('productionStages names the stages the DORA keys count, each service and stage with its own expression ids', () => {
    const { stack } = fixture({ productionStages: ['Staging', 'Production'] });
    const keys = doraWidgets(stack);
    for (const key of keys) {
      expect(dimensionsOf(key)).toEqual(['staging/Staging', 'production/Production']);
    }
    expect(keys[2].properties.metrics!.filter((m) => typeof m[0] === 'object').map((m) => (m[0] as { expression: string }).expression))
      .toEqual(['100 * failures0 / releases0', '100 * failures1 / releases1']);
  });

  test('the pipeline records every kind of event the queries read, and its deploy actions have the name they filter on', () => {
    const { stack } = sharedFixture();
    const template = templateOf(stack);
    const recorded = Object.values(template.findResources('AWS::Events::Rule'))
      .filter((rule) => JSON.stringify(rule.Properties.Targets).includes('DeploymentRecord'))
      .flatMap((rule) => rule.Properties.EventPattern['detail-type'] as string[]);
    // Its stages are on the CodeDeploy engine; an Amazon ECS-engine stage's record is tested with the stage.
    expect(recorded).toEqual(expect.arrayContaining(Object.values(RECORD_EVENT_TYPES).filter((type) => type !== RECORD_EVENT_TYPES.ecsDeployment)));

    const stages = Object.values(template.findResources('AWS::CodePipeline::Pipeline'))[0].Properties.Stages as
      Array<{ Name: string; Actions: Array<{ Name: string; ActionTypeId: { Category: string; Provider: string } }> }>;
    const production = stages.find((s) => s.Name === 'Production')!;
    expect(production.Actions.map((a) => [a.Name, a.ActionTypeId])).toEqual([
      ['Approve', expect.objectContaining({ Category: 'Approval' })],
      [DEPLOY_ACTION_NAME, expect.objectContaining({ Category: 'Deploy', Provider: 'CodeDeployToECS' })],
    ]);
  });

  test('adds sections with addService() and addPipeline()', () => {
    const stack = testStack();
    const orders = service(stack, 'Orders');
    const pipeline = pipelineOf(stack, [['Production', orders]]);
    const dashboard = new ReleaseDashboard(stack, 'Dashboard', { dashboardName: 'orders-releases' });
    dashboard.addService(orders);
    dashboard.addPipeline(pipeline, { productionStages: ['Production'] });

    expect(dashboard.services).toEqual([orders]);
    expect(dashboard.pipelines).toEqual([pipeline]);
    const all = widgets(stack);
    expect(all.filter((w) => w.type === 'text').map((w) => w.properties.markdown!.split('\n')[0]))
      .toEqual(['## orders', expect.stringMatching(/^## Releases: /)]);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'orders-releases' });
  });

  test('opens on the last 3 hours by default', () => {
    const stack = testStack();
    new ReleaseDashboard(stack, 'Dashboard', { services: [service(stack, 'Orders')], defaultInterval: Duration.hours(6) });
    const dashboards = Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard');
    expect((evaluateJson(Object.values(dashboards)[0].Properties.DashboardBody) as { start: string }).start).toBe('-PT6H');
    expect((evaluateJson(Object.values(templateOf(sharedFixture().stack).findResources('AWS::CloudWatch::Dashboard'))[0]
      .Properties.DashboardBody) as { start: string }).start).toBe('-PT3H');
  });

  test('a stack output links to the dashboard in the CloudWatch console', () => {
    const stack = testStack();
    const dashboard = new ReleaseDashboard(stack, 'Dashboard', { services: [service(stack, 'Orders')] });
    const outputs = Template.fromStack(stack).findOutputs('*', { Description: 'Release dashboard in the CloudWatch console' });
    expect(Object.values(outputs).map((o) => evaluate(o.Value))).toEqual([
      `https://REF(AWS::Region).console.aws.amazon.com/cloudwatch/home?region=REF(AWS::Region)#dashboards/dashboard/REF(${
        stack.getLogicalId(dashboard.dashboard.node.defaultChild as cloudwatch.CfnDashboard)})`,
    ]);
  });

  test('the console link names the region of a stack that has one', () => {
    const stack = new Stack(testStack().node.scope as never, 'Regional', { env: { region: 'eu-west-1' } });
    const dashboard = new ReleaseDashboard(stack, 'Dashboard', { dashboardName: 'orders', services: [service(stack, 'Orders')] });
    expect(evaluate(stack.resolve(dashboard.dashboardUrl))).toBe('https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1'
      + `#dashboards/dashboard/REF(${stack.getLogicalId(dashboard.dashboard.node.defaultChild as cloudwatch.CfnDashboard)})`);
  });
});

describe('ReleaseDashboard validation', () => {
  test.each([
    ['orders api', 'orders-api'],
    ['orders/api.prod', 'orders-api-prod'],
    ['x'.repeat(256), 'x'.repeat(255)],
  ])('fails when dashboardName is %j', (dashboardName, suggestion) => {
    const stack = testStack();
    expectSynthError(stack, () => new ReleaseDashboard(stack, 'Dashboard', { dashboardName, services: [service(stack, 'Orders')] }),
      `TestStack/Dashboard: invalid dashboardName: must be 1-255 letters, digits, '-' or '_', got '${dashboardName}' `
        + `(${dashboardName.length} characters); for example '${suggestion}'`);
  });

  test('fails when dashboardName is empty', () => {
    const stack = testStack();
    expectSynthError(stack, () => new ReleaseDashboard(stack, 'Dashboard', { dashboardName: '', services: [service(stack, 'Orders')] }),
      'TestStack/Dashboard: invalid dashboardName: must be 1-255 letters, digits, \'-\' or \'_\', got \'\' (0 characters)');
  });

  test('fails when the same service is added twice', () => {
    const stack = testStack();
    const orders = service(stack, 'Orders');
    new ReleaseDashboard(stack, 'Dashboard', { services: [orders, orders] });
    const dashboard = new ReleaseDashboard(stack, 'Other', { services: [orders] });
    expect(() => dashboard.addService(orders)).not.toThrow();
    expect(() => Template.fromStack(stack)).toThrow('TestStack/Dashboard: invalid services: orders (TestStack/Orders) is already on the dashboard; add each service once');
    expect(() => Template.fromStack(stack)).toThrow('TestStack/Other: invalid services: orders (TestStack/Orders) is already on the dashboard');
  });

  test('fails when the same pipeline is added twice', () => {
    const stack = testStack();
    const pipeline = pipelineOf(stack, [['Production', service(stack, 'Orders')]]);
    const dashboard = new ReleaseDashboard(stack, 'Dashboard', { pipeline });
    expectSynthError(stack, () => dashboard.addPipeline(pipeline),
      'TestStack/Dashboard: invalid pipeline: TestStack/Release is already on the dashboard; add each pipeline once');
  });

  test('fails at synthesis when the dashboard has nothing to show', () => {
    const stack = testStack();
    new ReleaseDashboard(stack, 'Dashboard');
    expect(() => Template.fromStack(stack)).toThrow('TestStack/Dashboard: invalid services: the dashboard has no service and no pipeline, '
      + 'so it would be empty; pass services or pipeline, or call addService() or addPipeline()');
  });

  test('fails at synthesis when productionStages names a stage the pipeline does not have', () => {
    const { stack } = fixture({ productionStages: ['Prod', 'Production'] });
    expect(() => Template.fromStack(stack)).toThrow('TestStack/Dashboard: invalid productionStages: \'Prod\' is not a stage of '
      + 'TestStack/Release; its stages are \'Staging\', \'Production\'');
  });

  test('fails when productionStages is empty', () => {
    const stack = testStack();
    const pipeline = pipelineOf(stack, [['Production', service(stack, 'Orders')]]);
    expectSynthError(stack, () => new ReleaseDashboard(stack, 'Dashboard', { pipeline, productionStages: [] }),
      'TestStack/Dashboard: invalid productionStages: is empty for pipeline TestStack/Release; name the stages that deploy '
        + 'to production, e.g. [\'Production\'], or leave it unset for the last stage');
  });

  test('fails when productionStages is given without a pipeline', () => {
    const stack = testStack();
    expectSynthError(stack, () => new ReleaseDashboard(stack, 'Dashboard', { services: [service(stack, 'Orders')], productionStages: ['Production'] }),
      'TestStack/Dashboard: invalid productionStages: is [Production] but there is no pipeline; pass pipeline, or give the stages to addPipeline()');
  });

  test.each([
    [Duration.seconds(30), '30 seconds'],
    [Duration.seconds(90), '1 minute 30 seconds'],
    [Duration.days(2), '2 days'],
  ])('fails when period is %s', (period, text) => {
    const stack = testStack();
    expectSynthError(stack, () => new ReleaseDashboard(stack, 'Dashboard', { services: [service(stack, 'Orders')], period }),
      `TestStack/Dashboard: invalid period: must be a whole number of minutes up to 1 day, got ${text}; load balancer metrics `
        + 'have a resolution of 1 minute. Use e.g. Duration.minutes(1)');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
