import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Template } from 'aws-cdk-lib/assertions';
import {
  BlueGreenService, ChangeCalendar, DeploymentEngine, DeploymentRunbook, DeploymentWindow, JsonValue, MetricGateHook, MigrationHook,
  NotificationRoute, NotificationSeverity, PreflightHook, ReleaseDashboard, ReleasePipeline, ReleaseSource, SmokeCheck, SmokeTestHook,
  TrafficShifting, Weekday,
} from '../../lib';
import { evaluateJson } from '../pipeline/cfn-eval';
import { CONNECTION_ARN } from '../pipeline/util';
import { synthErrors } from '../synth-errors';
import { importAttributes } from '../service/imported-fixture';

function serviceIn(stack: Stack, id: string, props: { engine?: DeploymentEngine; trafficShifting?: TrafficShifting; approvalWait?: Duration } = {}): BlueGreenService {
  const vpc = new ec2.Vpc(stack, `${id}Vpc`, { maxAzs: 2, natGateways: 1 });
  return new BlueGreenService(stack, id, {
    vpc,
    image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable'),
    serviceName: id.toLowerCase(),
    ...props,
  });
}

/** A CodeDeploy service with every hook, released by a pipeline with a production stage behind an approval, window and freeze. */
function releasedService(app = new App()): { stack: Stack; service: BlueGreenService; pipeline: ReleasePipeline; runbook: DeploymentRunbook } {
  const stack = new Stack(app, 'Orders', { env: { region: 'eu-west-1' } });
  const service = serviceIn(stack, 'OrdersApi', { trafficShifting: TrafficShifting.canary(20, Duration.minutes(7)), approvalWait: Duration.minutes(30) });
  const staging = serviceIn(stack, 'Staging');
  const freeze = new ChangeCalendar(stack, 'Freeze');
  new PreflightHook(stack, 'Preflight', { service, changeCalendars: [freeze.calendarName] });
  new MigrationHook(stack, 'Migrate', { service, command: ['npm', 'run', 'migrate'], dryRunCommand: ['npm', 'run', 'migrate:check'],
    deadline: Duration.minutes(20) });
  const smoke = new SmokeTestHook(stack, 'Smoke', { service, checks: [SmokeCheck.get('/health', { jsonFields: { status: JsonValue.fromString('ok') } })] });
  new MetricGateHook(stack, 'Gate', { service, latencyRatio: 1.3, maxErrorRatePercent: 2, production: true });
  const pipeline = new ReleasePipeline(stack, 'Release', {
    source: ReleaseSource.codeStarConnection({ connectionArn: CONNECTION_ARN, owner: 'my-org', repo: 'orders-api' }),
    pipelineName: 'orders-release',
    notificationEmails: ['releases@example.com'],
    notificationRoutes: [NotificationRoute.email('on-call@example.com', NotificationSeverity.CRITICAL)],
    stages: [{ stageName: 'Staging', service: staging }, {
      stageName: 'Production', service, requireApproval: true, changeCalendars: [freeze.calendarName],
      deploymentWindow: DeploymentWindow.weekly({ days: [Weekday.MONDAY, Weekday.TUESDAY], startHour: 9, endHour: 16, timeZone: 'Europe/Dublin' }),
    }],
  });
  const runbook = new DeploymentRunbook(stack, 'Runbook', { service, pipeline });
  // Added after the runbook: it must still appear.
  smoke.addCheck(SmokeCheck.get('/orders/42', { name: 'one order', latencyBudget: Duration.millis(400), retries: 2 }));
  service.addRollbackAlarm(new cloudwatch.Alarm(stack, 'QueueDepth', {
    alarmName: 'orders-queue-depth', metric: new cloudwatch.Metric({ namespace: 'Orders', metricName: 'QueueDepth' }), threshold: 100, evaluationPeriods: 3,
  }));
  return { stack, service, pipeline, runbook };
}

describe('DeploymentRunbook', () => {
  test('renders the engine, traffic shifting and waits', () => {
    const { runbook } = releasedService();
    const text = runbook.render();
    expect(text).toContain('# Deployment runbook: ordersapi');
    expect(text).toContain('- Engine: **CodeDeploy**');
    expect(text).toContain('- Traffic shifting: canary 20% then the rest after 7 minutes');
    expect(text).toContain('waits up to 30 minutes for a person');
    expect(text).toContain('- Termination wait: 1 hour');
  });

  test('renders every hook in lifecycle order with its settings, including checks added later', () => {
    const text = releasedService().runbook.render();
    const order = ['BeforeInstall: PreflightHook', 'AfterInstall: MigrationHook', 'AfterAllowTestTraffic: SmokeTestHook', 'AfterAllowTraffic: MetricGateHook'];
    const positions = order.map((heading) => text.indexOf(`### ${heading}`));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(text).toContain('runs `npm run migrate` as a one-off task of the new task definition; stopped after 20 minutes');
    expect(text).toContain('dry run at the approval: `npm run migrate:check`');
    expect(text).toContain('`GET /health`: status 200, `status` = `"ok"`; timeout 5000 ms, 1 attempt(s)');
    expect(text).toContain('`GET /orders/42` (one order):');
    expect(text).toContain('latency budget 400 ms, 3 attempt(s)');
    expect(text).toContain('exceeds 1.3× blue\'s');
    expect(text).toContain('5xx rate exceeds 2%, whatever blue did');
    expect(text).toMatch(/change calendars: `<Freeze[^`]*>`/);
    expect(text).toContain('freeze override: SSM parameter `/cdk-ecs-release/freeze-override/ordersapi`');
  });

  test('renders the rollback criteria with thresholds, alarms added later included', () => {
    const { runbook, service } = releasedService();
    const text = runbook.render();
    expect(service.rollbackAlarms!.alarms.length).toBeGreaterThan(2);
    expect(text).toContain('- `orders-queue-depth`: at or above 100, 3 of 3 periods');
    expect(text).toMatch(/more than 1% of the requests to a target group fail with a 5xx/);
    expect(text).toContain('failed task set guard');
  });

  test('renders the stages, notifications and emergency commands with real names', () => {
    const text = releasedService().runbook.render();
    expect(text).toContain('Pipeline `orders-release`: Source, Build, then `Staging`, `Production`');
    expect(text).toContain('- Manual approval: yes, before the deployment');
    expect(text).toContain('- Deployment window: ');
    expect(text).toContain('a hotfix enters with the override in SSM parameter `/cdk-ecs-release/freeze-override/ordersapi`');
    expect(text).toContain('- Migration dry run at the approval: `npm run migrate:check`, its output shown to the approver');
    expect(text).toContain('- releases@example.com (e-mail, every message)');
    expect(text).toContain('- on-call@example.com (e-mail) (CRITICAL and above)');
    expect(text).toContain('npx cdk-ecs-release abort --service ordersapi --reason "<why>"');
    expect(text).toContain('npx cdk-ecs-release rollback --service ordersapi --stage Production');
    expect(text).toContain('npx cdk-ecs-release override --service ordersapi');
    expect(text).toContain('aws deploy stop-deployment --deployment-id <deployment-id> --auto-rollback-enabled --region eu-west-1');
    expect(text).toContain('aws codepipeline rollback-stage --pipeline-name orders-release --stage-name Production --target-pipeline-execution-id <execution-id>');
    expect(text).toContain('https://eu-west-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/orders-release/view?region=eu-west-1');
  });

  test('writes deploy-time names as construct paths, never as token strings', () => {
    const text = releasedService().runbook.render();
    expect(text).not.toMatch(/\$\{Token\[/);
    expect(text).not.toContain('[object Object]');
    expect(text).toMatch(/--deployment-group-name <OrdersApi\/DeploymentGroup[^>]*>/);
  });

  test('an ECS-engine service gets the ECS commands and bake time, and no pipeline means no stages or notifications', () => {
    const stack = new Stack(new App(), 'Preview');
    const service = serviceIn(stack, 'Preview', { engine: DeploymentEngine.ecs(), trafficShifting: TrafficShifting.linear(25, Duration.minutes(2)) });
    const text = new DeploymentRunbook(stack, 'Runbook', { service }).render();
    expect(text).toContain('- Engine: **Amazon ECS**');
    expect(text).toContain('- Traffic shifting: linear 25% every 2 minutes');
    expect(text).toContain('- Bake time: 1 hour');
    expect(text).toContain('aws ecs stop-service-deployment --service-deployment-arn <service-deployment-arn> --stop-type ROLLBACK --region <AWS::Region>');
    expect(text).not.toContain('aws deploy ');
    expect(text).toContain('No release pipeline given');
    expect(text).toContain('No hooks');
    expect(text).not.toMatch(/\$\{Token\[/);
  });

  test('names the Amazon ECS lifecycle stage each hook runs at on the ECS engine', () => {
    const stack = new Stack(new App(), 'Preview', { env: { region: 'eu-west-1' } });
    const service = serviceIn(stack, 'Preview', { engine: DeploymentEngine.ecs() });
    const runbook = new DeploymentRunbook(stack, 'Runbook', { service });
    new PreflightHook(stack, 'Preflight', { service });
    new SmokeTestHook(stack, 'Smoke', { service, checks: [SmokeCheck.get('/health')] });
    const text = runbook.render();
    expect(text).toContain('### PRE_SCALE_UP (BeforeInstall): PreflightHook (`Preview/Preflight`)');
    expect(text).toContain('- refuses to start while a rollback alarm fires');
    expect(text).toContain('### POST_TEST_TRAFFIC_SHIFT (AfterAllowTestTraffic): SmokeTestHook (`Preview/Smoke`)');
    expect(text).toContain('aws ecs list-service-deployments --cluster <Preview/Cluster> --service <Preview/Service/Service.Name> --status IN_PROGRESS');
  });

  test('says what it cannot know of an imported service, and still gives its commands', () => {
    const app = new App();
    const defined = serviceIn(new Stack(app, 'Defined', { env: { region: 'eu-west-1' } }), 'Orders');
    const stack = new Stack(app, 'Imported', { env: { region: 'eu-west-1' } });
    const service = BlueGreenService.fromBlueGreenServiceAttributes(stack, 'Orders', importAttributes(stack, defined));
    const text = new DeploymentRunbook(stack, 'Runbook', { service }).render();
    expect(text).toContain('- Traffic shifting: not known (an imported service)');
    expect(text).toContain('- the alarms of the deployment group (not known here: the service is imported)');
    expect(text).toContain('aws deploy list-deployments --application-name orders --deployment-group-name orders-api');
    expect(text).toContain('npx cdk-ecs-release abort --service orders-api');
    expect(text).not.toMatch(/\$\{Token\[/);
  });

  test('writes the runbook into the cloud assembly next to the template', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'runbook-'));
    const app = new App({ outdir });
    const { runbook } = releasedService(app);
    const assembly = app.synth();
    expect(runbook.fileName).toBe('Orders.ordersapi.runbook.md');
    const file = path.join(assembly.directory, runbook.fileName);
    expect(fs.existsSync(path.join(assembly.directory, 'Orders.template.json'))).toBe(true);
    const written = fs.readFileSync(file, 'utf8');
    expect(written).toContain('orders-queue-depth');
    expect(written).toBe(runbook.render());
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('adds its short form to the dashboard as a text widget, with the names CloudFormation resolves', () => {
    const { stack, service, pipeline } = releasedService();
    const dashboard = new ReleaseDashboard(stack, 'Dashboard', { services: [service], pipeline });
    const runbook = new DeploymentRunbook(stack, 'DashboardRunbook', { service, pipeline, dashboard, fileName: 'orders.md' });
    const dashboards = Template.fromStack(stack).findResources('AWS::CloudWatch::Dashboard');
    const body = evaluateJson(Object.values(dashboards)[0].Properties.DashboardBody) as { widgets: Array<{ type: string; properties: { markdown?: string } }> };
    const texts = body.widgets.filter((w) => w.type === 'text' && w.properties.markdown?.startsWith('## Runbook: ordersapi'));
    expect(texts).toHaveLength(1);
    const markdown = texts[0].properties.markdown!;
    expect(markdown).toContain('**CodeDeploy**, canary 20% then the rest after 7 minutes');
    expect(markdown).toContain('`orders-queue-depth`');
    expect(markdown).toContain('npx cdk-ecs-release abort --service ordersapi');
    expect(markdown).toContain('npx cdk-ecs-release rollback --service ordersapi --stage Production');
    expect(markdown).toContain('The whole runbook: `orders.md` in the cloud assembly');
    // The dashboard gets the names CloudFormation resolves (here references), the file placeholders.
    expect(markdown).toMatch(/GETATT|REF/);
    expect(runbook.renderSummary()).not.toMatch(/\$\{Token\[|GETATT|REF\(/);
  });

  test('fails when the pipeline does not deploy the service, or the dashboard does not show it', () => {
    const app = new App();
    const { stack, pipeline } = releasedService(app);
    const stranger = serviceIn(stack, 'Stranger');
    const dashboard = new ReleaseDashboard(stack, 'Dashboard', { pipeline });
    new DeploymentRunbook(stack, 'StrangerRunbook', { service: stranger, pipeline, dashboard });
    const errors = synthErrors(app).join('\n');
    expect(errors).toContain('Orders/StrangerRunbook: invalid pipeline: no stage of Orders/Release deploys Orders/Stranger');
    expect(errors).toContain('Orders/StrangerRunbook: invalid dashboard: Orders/Dashboard does not show Orders/Stranger');
  });

  test('fails when two runbooks write the same file, or the file name is not one', () => {
    const app = new App();
    const { stack, service } = releasedService(app);
    new DeploymentRunbook(stack, 'Again', { service });
    new DeploymentRunbook(stack, 'BadName', { service, fileName: 'run book.txt' });
    const errors = synthErrors(app).join('\n');
    expect(errors).toContain('Orders/Again: invalid fileName: \'Orders.ordersapi.runbook.md\' is also the file of Orders/Runbook');
    expect(errors).toContain('Orders/BadName: invalid fileName: must be letters, digits');
  });
});
