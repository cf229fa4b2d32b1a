import { Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  BlueGreenService, ChangeCalendar, DeploymentEngine, DeploymentRunbook, DeploymentWindow, ExpectedVersion, JsonValue, MetricGateHook, MigrationHook,
  NotificationRoute, NotificationSeverity, PreflightHook, ReleaseDashboard, ReleasePipeline, ReleaseSource,
  SmokeCheck, SmokeTestHook, TrafficShifting, VersionSource, Weekday,
} from '../lib';
import { EXAMPLE_APPLICATION, accessLogsBucket, acknowledgeImageAssetPull, exampleVpc } from './example-network';

/** Settings of the example that a real infra repo would take from its own configuration. */
export interface ExampleReleaseStackProps extends StackProps {
  /**
   * The CodeStar connection to the application's Git repository.
   * @default - a placeholder ARN: synthesis works, a deployment needs a real connection
   */
  readonly connectionArn?: string;
}

const PLACEHOLDER_CONNECTION = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/00000000-0000-0000-0000-000000000000';

/** Production releases in working hours, Monday to Thursday: not on Fridays. */
const PRODUCTION_WINDOW = DeploymentWindow.weekly({
  days: [Weekday.MONDAY, Weekday.TUESDAY, Weekday.WEDNESDAY, Weekday.THURSDAY], startHour: 9, endHour: 16, timeZone: 'Europe/Dublin',
});

/**
 * The example app: the `orders-api` service in a staging and a production environment, each
 * released blue/green by CodeDeploy with rollback alarms, a pre-flight check, a database
 * migration, smoke tests through the test listener and a metric gate; one pipeline takes every
 * commit through preview, staging, an approval and production. The preview environment runs the
 * same hooks on Amazon ECS's own blue/green deployments: `cdk deploy` releases it, and so does the
 * pipeline, by updating the stack with the new image. Account-agnostic: it synthesizes with no AWS
 * account.
 */
export class ExampleReleaseStack extends Stack {
  public readonly staging: BlueGreenService;
  public readonly production: BlueGreenService;
  public readonly preview: BlueGreenService;
  public readonly pipeline: ReleasePipeline;
  /** The Change Calendar that freezes production releases, at the stage entry and in the pre-flight hook. */
  public readonly productionFreeze: ChangeCalendar;

  constructor(scope: Construct, id: string, props: ExampleReleaseStackProps = {}) {
    super(scope, id, props);

    const vpc = exampleVpc(this);
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED });

    const accessLogs = accessLogsBucket(this);

    // The first deployment runs the example application (examples/orders-api: it listens on 8080
    // and answers the health, version and smoke-check paths); from then on the pipeline deploys
    // each commit's image.
    const image = ecs.ContainerImage.fromAsset(EXAMPLE_APPLICATION);
    this.staging = this.releaseEnvironment('Staging', {
      serviceName: 'orders-api-staging',
      cluster,
      image,
      desiredCount: 1,
      accessLogsBucket: accessLogs,
      // Staging takes all traffic at once: no users to protect, faster feedback.
      trafficShifting: TrafficShifting.allAtOnce(),
      terminationWait: Duration.minutes(5),
    }, false);
    // Freezes people add in the Change Calendar console, without a code change.
    this.productionFreeze = new ChangeCalendar(this, 'ProductionFreeze');
    this.production = this.releaseEnvironment('Production', {
      serviceName: 'orders-api',
      cluster,
      image,
      desiredCount: 2,
      accessLogsBucket: accessLogs,
      trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)),
      terminationWait: Duration.minutes(30),
    }, true);

    // A preview environment on Amazon ECS's own blue/green deployments: each `cdk deploy` that
    // changes it (image, environment, size) is a release with every hook and rollback alarm, held
    // for approval before production traffic, and the stack update fails if it rolls back.
    this.preview = this.releaseEnvironment('Preview', {
      serviceName: 'orders-api-preview',
      cluster,
      image,
      desiredCount: 1,
      accessLogsBucket: accessLogs,
      engine: DeploymentEngine.ecs(),
      trafficShifting: TrafficShifting.linear(25, Duration.minutes(2)),
      terminationWait: Duration.minutes(10),
      approvalWait: Duration.hours(4),
    }, false);

    this.pipeline = new ReleasePipeline(this, 'Release', {
      source: ReleaseSource.codeStarConnection({
        connectionArn: props.connectionArn ?? PLACEHOLDER_CONNECTION,
        owner: 'example-org',
        repo: 'orders-api',
        branch: 'main',
      }),
      preCheckCommands: ['npm ci', 'npm run lint', 'npm test', 'npm audit --audit-level=high'],
      stages: [
        // Released by updating its stack, as cdk deploy does: Amazon ECS runs the deployment.
        { stageName: 'Preview', service: this.preview },
        { stageName: 'Staging', service: this.staging },
        {
          stageName: 'Production', service: this.production, requireApproval: true, approvalComment: 'Check the staging smoke tests and dashboard first.',
          deploymentWindow: PRODUCTION_WINDOW,
          // A freeze holds production at its entry too; a hotfix goes through with an approved override.
          changeCalendars: [this.productionFreeze.calendarName],
        },
      ],
      // Every message, INFO and up, to the team; failures, rollbacks and approvals waiting to the
      // on-call address; what may hurt users now (a rollback that could not be verified, a
      // production rollback alarm outside a deployment) pages through PagerDuty.
      notificationEmails: ['orders-team@example.com'],
      notificationRoutes: [
        NotificationRoute.email('orders-oncall@example.com', NotificationSeverity.WARNING),
        NotificationRoute.pagerDuty({
          // The PagerDuty service's Events API v2 integration key, stored once:
          // aws secretsmanager create-secret --name release/pagerduty-routing-key --secret-string <integration key>
          routingKey: secretsmanager.Secret.fromSecretNameV2(this, 'PagerDutyRoutingKey', 'release/pagerduty-routing-key'),
        }),
      ],
    });

    // Every synthesis writes what each stage will release into cdk.out for review:
    // OrdersApiRelease.Release.release-preview/ (preview.md, and per stage and service taskdef.json and
    // appspec.yaml, or ecs-deployment.json for the preview environment on the Amazon ECS engine).

    // What to watch during a release: the pipeline, then each environment; a stack output links to it.
    const dashboard = new ReleaseDashboard(this, 'Dashboard', { pipeline: this.pipeline, services: [this.staging, this.production, this.preview] });

    // A runbook per environment, written from these constructs into cdk.out at every synthesis
    // (OrdersApiRelease.<service>.runbook.md), and in short onto the dashboard.
    for (const service of [this.preview, this.staging, this.production]) {
      new DeploymentRunbook(this, `${service.node.id}Runbook`, { service, pipeline: this.pipeline, dashboard });
    }
  }

  /** One environment of the service with its hooks. */
  private releaseEnvironment(id: string, props: ConstructorParameters<typeof BlueGreenService>[2], production: boolean): BlueGreenService {
    const service = new BlueGreenService(this, id, {
      containerPort: 8080,
      environment: { LOG_LEVEL: 'info' },
      healthCheckPath: '/health',
      ...props,
    });
    Validations.of(service.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The plain environment variables are LOG_LEVEL and RELEASE_VERSION (the image tag, set by the release pipeline); '
        + 'neither is secret, and secrets go through Secrets Manager.',
    });
    acknowledgeImageAssetPull(service.taskDefinition);

    // The pre-flight hook keeps production's window for any deployment, not only the pipeline's,
    // and its change freezes, which people add in the Change Calendar console.
    new PreflightHook(this, `${id}Preflight`, {
      service,
      ...(production ? { deploymentWindow: PRODUCTION_WINDOW, changeCalendars: [this.productionFreeze.calendarName] } : {}),
    });
    // Production's approval shows what the migration would change: its dry run runs first, from the release's task definition.
    new MigrationHook(this, `${id}Migration`, {
      service,
      command: ['npm', 'run', 'db:migrate'],
      ...(production ? { dryRunCommand: ['npm', 'run', 'db:migrate', '--', '--dry-run'] } : {}),
    });
    new SmokeTestHook(this, `${id}SmokeTests`, {
      service,
      checks: [
        SmokeCheck.get('/health', { jsonFields: { status: JsonValue.fromString('ok') }, retries: 3 }),
        SmokeCheck.get('/orders?limit=1', { latencyBudget: Duration.millis(800) }),
        // The application reports its RELEASE_VERSION; it must be the release being deployed.
        SmokeCheck.get('/version', { version: VersionSource.jsonField('version'), expectedVersion: ExpectedVersion.fromDeployedEnvironment() }),
      ],
    });
    new MetricGateHook(this, `${id}MetricGate`, { service, production });
    return service;
  }
}
