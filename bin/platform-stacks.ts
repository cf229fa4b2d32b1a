import { Duration, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import {
  BlueGreenService, DeploymentEngine, ExpectedVersion, ReleaseDashboard, ReleasePipeline, ReleaseSource, ServiceRouting,
  SharedLoadBalancer, SmokeCheck, SmokeTestHook, TrafficShifting, VersionSource,
} from '../lib';
import { accessLogsBucket, exampleVpc } from './example-network';

const PLACEHOLDER_CONNECTION = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/00000000-0000-0000-0000-000000000000';

/**
 * The network of an environment, owned by the platform team: the VPC, the cluster and one load
 * balancer that every service of the environment shares, each by its own host name.
 */
export class NetworkStack extends Stack {
  public readonly cluster: ecs.Cluster;
  public readonly edge: SharedLoadBalancer;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    const vpc = exampleVpc(this);
    this.cluster = new ecs.Cluster(this, 'Cluster', { vpc, containerInsightsV2: ecs.ContainerInsights.ENABLED, enableFargateCapacityProviders: true });
    const accessLogs = accessLogsBucket(this);
    this.edge = new SharedLoadBalancer(this, 'Edge', { vpc, accessLogsBucket: accessLogs, deletionProtection: true });
  }
}

/** Properties of a {@link ServicesStack}. */
export interface ServicesStackProps extends StackProps {
  readonly network: NetworkStack;
}

/**
 * The services of an environment, owned by their teams: each on the Amazon ECS engine behind the
 * network's load balancer, by host name, with its own rules, target groups and smoke tests.
 */
export class ServicesStack extends Stack {
  public readonly orders: BlueGreenService;
  public readonly payments: BlueGreenService;

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, props);
    const { cluster, edge } = props.network;
    // The zone by its attributes: synthesis makes no lookup.
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: 'Z0000000000EXAMPLE', zoneName: 'example.com' });
    const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable');
    const service = (serviceId: string, serviceName: string, domainName: string, priority: number) => {
      const created = new BlueGreenService(this, serviceId, {
        serviceName, cluster, image, desiredCount: 2, containerPort: 8080, healthCheckPath: '/health',
        engine: DeploymentEngine.ecs(), sharedLoadBalancer: edge, routing: ServiceRouting.hostHeaders([domainName], priority),
        domainName, hostedZone: zone,
        trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)), terminationWait: Duration.minutes(10),
        // Graviton, one on-demand task and the rest mostly on Spot; the image is multi-architecture.
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        capacityProviderStrategies: [{ capacityProvider: 'FARGATE', base: 1, weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 3 }],
        enableExecuteCommand: true,
        logGroupName: `/ecs/${serviceName}`,
      });
      Validations.of(created.taskDefinition).acknowledge({
        id: 'AwsSolutions-ECS2',
        reason: 'The one plain environment variable is RELEASE_VERSION (the image tag, set by the release pipeline), which is not secret.',
      });
      // The smoke tests send the service's host name, which its rules match.
      new SmokeTestHook(this, `${serviceId}Smoke`, {
        service: created,
        checks: [SmokeCheck.get('/health'), SmokeCheck.get('/version', { version: VersionSource.jsonField('version'), expectedVersion: ExpectedVersion.fromDeployedEnvironment() })],
      });
      return created;
    };
    this.orders = service('Orders', 'orders-api', 'orders.example.com', 10);
    this.payments = service('Payments', 'payments-api', 'payments.example.com', 20);
  }
}

/** Properties of a {@link ToolingStack}. */
export interface ToolingStackProps extends StackProps {
  readonly services: ServicesStack;
}

/** The release pipelines, each releasing its service by updating the services' stack. */
export class ToolingStack extends Stack {
  constructor(scope: Construct, id: string, props: ToolingStackProps) {
    super(scope, id, props);
    const { orders, payments } = props.services;
    const pipeline = (pipelineId: string, repo: string, service: BlueGreenService) => new ReleasePipeline(this, pipelineId, {
      source: ReleaseSource.codeStarConnection({ connectionArn: PLACEHOLDER_CONNECTION, owner: 'example-org', repo, branch: 'main' }),
      preCheckCommands: ['npm ci', 'npm test'],
      stages: [{ stageName: 'Staging', service }],
      notificationEmails: ['platform-team@example.com'],
    });
    const ordersRelease = pipeline('OrdersRelease', 'orders-api', orders);
    const paymentsRelease = pipeline('PaymentsRelease', 'payments-api', payments);
    new ReleaseDashboard(this, 'Dashboard', { pipeline: ordersRelease, services: [orders, payments] }).addPipeline(paymentsRelease);
  }
}
