import { App, Duration, Environment, Fn, Stack, StackProps, Validations } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import {
  BlueGreenService, DeploymentEngine, ExpectedVersion, ReleaseDashboard, ReleasePipeline, ReleaseSource, ServiceRouting,
  SharedLoadBalancer, SmokeCheck, SmokeTestHook, TrafficShifting, VersionSource,
} from '../lib';
import { EXAMPLE_APPLICATION, accessLogsBucket, acknowledgeImageAssetPull, exampleVpc } from './example-network';

/**
 * The accounts and regions of the platform example, as AWS's deployment pipeline reference
 * architecture lays them out: a tooling account with the pipeline, staging and production each
 * in an account of its own, production in a second region. Placeholders: synthesis needs no
 * credentials and makes no lookups.
 */
export const PLATFORM_ENVIRONMENTS = {
  tooling: { account: '111111111111', region: 'eu-west-1' },
  staging: { account: '222222222222', region: 'eu-west-1' },
  production: { account: '333333333333', region: 'us-east-1' },
} satisfies Record<string, Required<Environment>>;

const PLACEHOLDER_CONNECTION = 'arn:aws:codeconnections:eu-west-1:111111111111:connection/00000000-0000-0000-0000-000000000000';

/** Properties of a {@link NetworkStack}. */
export interface NetworkStackProps extends StackProps {
  readonly env: Required<Environment>;
}

/**
 * The network of an environment, owned by the platform team: the VPC, the cluster and one load
 * balancer that every service of the environment shares, each by its own host name.
 */
export class NetworkStack extends Stack {
  public readonly cluster: ecs.Cluster;
  public readonly edge: SharedLoadBalancer;

  /**
   * The VPC's two zones, chosen by CloudFormation as for an env-agnostic stack: with an explicit
   * account, aws-cdk-lib would look them up, which needs credentials.
   */
  public get availabilityZones(): string[] {
    return [0, 1].map((index) => Fn.select(index, Fn.getAzs()));
  }

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
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
  /** The environment's DNS zone, e.g. `staging.example.com`; each service gets a host name in it. */
  readonly zoneName: string;
  readonly hostedZoneId: string;
}

/**
 * The services of an environment, owned by their teams: each on the Amazon ECS engine behind the
 * network's load balancer, by host name, with its own rules, target groups and smoke tests, and
 * a dashboard of the environment's services.
 */
export class ServicesStack extends Stack {
  public readonly orders: BlueGreenService;
  public readonly payments: BlueGreenService;

  constructor(scope: Construct, id: string, props: ServicesStackProps) {
    super(scope, id, props);
    const { cluster, edge } = props.network;
    // The zone by its attributes: synthesis makes no lookup.
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: props.hostedZoneId, zoneName: props.zoneName });
    // Built for the tasks' Graviton CPUs, whatever machine runs `cdk deploy`.
    const image = ecs.ContainerImage.fromAsset(EXAMPLE_APPLICATION, { platform: Platform.LINUX_ARM64 });
    const service = (serviceId: string, serviceName: string, priority: number) => {
      const domainName = `${serviceName.replace(/-api$/, '')}.${props.zoneName}`;
      const created = new BlueGreenService(this, serviceId, {
        serviceName, cluster, image, desiredCount: 2, containerPort: 8080, healthCheckPath: '/health',
        engine: DeploymentEngine.ecs(), sharedLoadBalancer: edge, routing: ServiceRouting.hostHeaders([domainName], priority),
        domainName, hostedZone: zone,
        trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)), terminationWait: Duration.minutes(10),
        // Graviton, one on-demand task and the rest mostly on Spot; the image is built for ARM64.
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        capacityProviderStrategies: [{ capacityProvider: 'FARGATE', base: 1, weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 3 }],
        enableExecuteCommand: true,
        logGroupName: `/ecs/${serviceName}`,
      });
      Validations.of(created.taskDefinition).acknowledge({
        id: 'AwsSolutions-ECS2',
        reason: 'The one plain environment variable is RELEASE_VERSION (the image tag, set by the release pipeline), which is not secret.',
      });
      acknowledgeImageAssetPull(created.taskDefinition);
      // The smoke tests send the service's host name, which its rules match.
      new SmokeTestHook(this, `${serviceId}Smoke`, {
        service: created,
        checks: [SmokeCheck.get('/health'), SmokeCheck.get('/version', { version: VersionSource.jsonField('version'), expectedVersion: ExpectedVersion.fromDeployedEnvironment() })],
      });
      return created;
    };
    this.orders = service('Orders', 'orders-api', 10);
    this.payments = service('Payments', 'payments-api', 20);
    // A dashboard shows its own account and region: one per environment, the pipeline's in the tooling account.
    new ReleaseDashboard(this, 'Dashboard', { services: [this.orders, this.payments] });
  }
}

/** Properties of a {@link ToolingStack}. */
export interface ToolingStackProps extends StackProps {
  readonly staging: ServicesStack;
  readonly production: ServicesStack;
}

/**
 * The release pipeline, in the tooling account: one for the platform's repository, which holds
 * both services, each with its Dockerfile. Each release builds both images, goes to staging, then,
 * once approved, to production, orders-api before payments-api in each, by updating the services'
 * stack in each account.
 */
export class ToolingStack extends Stack {
  public readonly release: ReleasePipeline;

  constructor(scope: Construct, id: string, props: ToolingStackProps) {
    super(scope, id, props);
    const { staging, production } = props;
    this.release = new ReleasePipeline(this, 'Release', {
      source: ReleaseSource.codeStarConnection({ connectionArn: PLACEHOLDER_CONNECTION, owner: 'example-org', repo: 'platform', branch: 'main' }),
      preCheckCommands: ['npm ci', 'npm test'],
      // One Dockerfile per service: orders-api's is the first image, payments-api's another.
      dockerfile: 'orders-api/Dockerfile',
      dockerBuildContext: 'orders-api',
      additionalImages: [{ dockerfile: 'payments-api/Dockerfile', dockerBuildContext: 'payments-api', services: [staging.payments, production.payments] }],
      stages: [
        { stageName: 'Staging', services: [staging.orders, staging.payments] },
        { stageName: 'Production', services: [production.orders, production.payments], requireApproval: true },
      ],
      notificationEmails: ['platform-team@example.com'],
    });
    new ReleaseDashboard(this, 'Dashboard', { pipeline: this.release });
  }
}

/** The stacks of the platform example. */
export interface PlatformStacks {
  readonly stagingNetwork: NetworkStack;
  readonly staging: ServicesStack;
  readonly productionNetwork: NetworkStack;
  readonly production: ServicesStack;
  readonly tooling: ToolingStack;
}

/** Builds the platform example in `app`: a network and a services stack per environment, and the tooling stack. */
export function platformStacks(app: App): PlatformStacks {
  const { tooling, staging, production } = PLATFORM_ENVIRONMENTS;
  const stagingNetwork = new NetworkStack(app, 'PlatformStagingNetwork', { env: staging, description: 'Example platform, staging: VPC, cluster and the shared load balancer' });
  const stagingServices = new ServicesStack(app, 'PlatformStagingServices', {
    env: staging, network: stagingNetwork, zoneName: 'staging.example.com', hostedZoneId: 'Z0000000000STAGING',
    description: 'Example platform, staging: orders-api and payments-api on the shared load balancer',
  });
  const productionNetwork = new NetworkStack(app, 'PlatformProductionNetwork', { env: production, description: 'Example platform, production: VPC, cluster and the shared load balancer' });
  const productionServices = new ServicesStack(app, 'PlatformProductionServices', {
    env: production, network: productionNetwork, zoneName: 'example.com', hostedZoneId: 'Z0000000000EXAMPLE',
    description: 'Example platform, production: orders-api and payments-api on the shared load balancer',
  });
  const toolingStack = new ToolingStack(app, 'PlatformTooling', {
    env: tooling, staging: stagingServices, production: productionServices, description: 'Example platform: the release pipelines',
  });
  return { stagingNetwork, staging: stagingServices, productionNetwork, production: productionServices, tooling: toolingStack };
}
