import { Duration } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { RollbackAlarmsOptions } from '../alarms/rollback-alarms';
import type { DeploymentEngine } from './deployment-engine';
import type { ServiceListenerOptions } from './listener-options';
import type { ServiceRouting } from './service-routing';
import type { SharedLoadBalancer } from './shared-load-balancer';
import { TrafficShifting } from './traffic-shifting';

/** Properties of a {@link BlueGreenService}. */
export interface BlueGreenServiceProps extends ServiceListenerOptions {
  /** The container image of the application. */
  readonly image: ecs.ContainerImage;

  /**
   * The VPC to run in.
   * @default - a new VPC over two availability zones with one NAT gateway and flow logs
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The ECS cluster to run in. Its VPC is used when `vpc` is not given.
   * @default - a new cluster with Container Insights
   */
  readonly cluster?: ecs.ICluster;

  /**
   * A load balancer shared with other services on the Amazon ECS engine: the service takes its
   * production and test listeners and adds a rule to each for the requests `routing` names, which
   * Amazon ECS shifts between the service's target groups. The listener props (`loadBalancer`,
   * ports, protocol, certificate, peers, `redirectHttp`, `accessLogsBucket`) are the shared load
   * balancer's then. Not on the CodeDeploy engine, which cannot share a listener.
   * @default - a load balancer of the service's own (`loadBalancer`, or a new one)
   */
  readonly sharedLoadBalancer?: SharedLoadBalancer;

  /**
   * Which requests are this service's, by host header and/or path, and its rules' priority.
   * Required with `sharedLoadBalancer`; on a load balancer of its own it narrows what the
   * service's rules take (Amazon ECS engine only).
   * @default - every request of the service's own listeners
   */
  readonly routing?: ServiceRouting;

  /**
   * The name clients reach the service at, e.g. `orders.example.com`: its URLs and stack outputs
   * say it, and its smoke tests send it as `Host` and verify the HTTPS certificate against it. With
   * `routing` by host, it must match one of the host headers.
   * @default - the routing's host name, else the load balancer's DNS name
   */
  readonly domainName?: string;

  /**
   * The Route 53 hosted zone of `domainName`, where alias records (A, and AAAA for a dual-stack
   * load balancer) point the name at the load balancer.
   * @default - no records: point the name at the load balancer yourself
   */
  readonly hostedZone?: route53.IHostedZone;

  /**
   * The name people read in alarm names, notifications and dashboards, e.g. `orders-api`: 1-64
   * letters, digits, `.`, `_` or `-`, starting with a letter or digit, and a literal string (not a
   * token), because it is part of alarm, metric and log-stream names fixed at synthesis.
   * @default - the construct id, which must then follow the same rule
   */
  readonly serviceName?: string;

  /**
   * The name of the application container; AppSpec files refer to it. 1-255 letters, digits,
   * hyphens or underscores, and a literal string (not a token): the AppSpec file and
   * taskdef.json are written at synthesis.
   * @default 'web'
   */
  readonly containerName?: string;

  /**
   * The port the container listens on.
   * @default 8080
   */
  readonly containerPort?: number;

  /**
   * CPU units of the task: 256, 512, 1024, 2048, 4096, 8192 or 16384.
   * @default 256
   */
  readonly cpu?: number;

  /**
   * Memory of the task in MiB; must be a size Fargate accepts with `cpu`.
   * @default 512
   */
  readonly memoryLimitMiB?: number;

  /**
   * Number of tasks to run.
   * @default 2
   */
  readonly desiredCount?: number;

  /**
   * Plain environment variables of the container. Put secrets in `secrets`.
   * @default - none
   */
  readonly environment?: Record<string, string>;

  /**
   * Secrets exposed to the container as environment variables, from Secrets Manager or SSM.
   * @default - none
   */
  readonly secrets?: Record<string, ecs.Secret>;

  /**
   * The subnets the tasks run in.
   * @default - the VPC's private subnets with egress, or its isolated subnets when it has none
   *   (then the tasks need VPC endpoints for ECR, S3 and CloudWatch Logs to start)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * How long the container logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Path of the target-group health check.
   * @default '/'
   */
  readonly healthCheckPath?: string;

  /**
   * Time between health checks of a target: 6 to 300 seconds, longer than the 5-second
   * health-check timeout. A deploy-time value (token) must be given in seconds.
   * @default Duration.seconds(15)
   */
  readonly healthCheckInterval?: Duration;

  /**
   * Time the load balancer waits for in-flight requests before deregistering a task: 0 to 3600
   * seconds. A deploy-time value (token) must be given in seconds.
   * @default Duration.seconds(30)
   */
  readonly deregistrationDelay?: Duration;

  /**
   * The CPU architecture the tasks run on; `ecs.CpuArchitecture.ARM64` for AWS Graviton (the image
   * must be built for it).
   * @default ecs.CpuArchitecture.X86_64
   */
  readonly cpuArchitecture?: ecs.CpuArchitecture;

  /**
   * Where the tasks run: Fargate's capacity providers, e.g. `[{ capacityProvider: 'FARGATE', base: 1,
   * weight: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 3 }]`. A cluster created here gets both
   * providers; a cluster you give must have them (`enableFargateCapacityProviders: true`).
   * @default - the Fargate launch type
   */
  readonly capacityProviderStrategies?: ecs.CapacityProviderStrategy[];

  /**
   * Whether people may open a shell in a running task with ECS Exec
   * (`aws ecs execute-command`). The task role then gets the four `ssmmessages` actions ECS Exec
   * needs, which take no resource.
   * @default false
   */
  readonly enableExecuteCommand?: boolean;

  /**
   * How long ECS ignores failing load balancer health checks of a new task: its start-up time.
   * @default Duration.seconds(60)
   */
  readonly healthCheckGracePeriod?: Duration;

  /**
   * How many health checks in a row make a target healthy: 2 to 10.
   * @default 2
   */
  readonly healthyThresholdCount?: number;

  /**
   * How many failed health checks in a row make a target unhealthy: 2 to 10.
   * @default 3
   */
  readonly unhealthyThresholdCount?: number;

  /**
   * The HTTP codes a healthy target answers the health check with: codes or ranges from 200 to
   * 499, comma-separated, e.g. `'200'` or `'200-299,302'`.
   * @default '200-399'
   */
  readonly healthyHttpCodes?: string;

  /**
   * A physical name for the task role, e.g. for a policy or trust in another account to name it.
   * @default - generated by CloudFormation
   */
  readonly taskRoleName?: string;

  /**
   * A physical name for the task execution role.
   * @default - generated by CloudFormation
   */
  readonly executionRoleName?: string;

  /**
   * A physical name for the container log group, e.g. `/ecs/orders-api`.
   * @default - generated by CloudFormation
   */
  readonly logGroupName?: string;

  /**
   * The engine that deploys the service: CodeDeploy, or Amazon ECS's own blue/green deployments,
   * with which every stack update of the service (`cdk deploy`) is a release.
   * @default DeploymentEngine.codeDeploy()
   */
  readonly engine?: DeploymentEngine;

  /**
   * On the CodeDeploy engine: release the task definition of each stack update (`cdk deploy`)
   * through CodeDeploy, with the AppSpec's hooks, and fail the update (CloudFormation rolls it
   * back) when the deployment fails, is stopped or rolls back. CloudFormation waits an hour at
   * most for it, so the shift, `approvalWait` and `terminationWait` must fit 45 minutes together.
   * A `ReleasePipeline` stage deploying the same service must say it accepts such releases too.
   * The Amazon ECS engine always releases on a stack update: `false` is refused there.
   * @default false on the CodeDeploy engine
   */
  readonly deployOnStackUpdate?: boolean;

  /**
   * How production traffic moves to the new version.
   * @default TrafficShifting.canary(10, Duration.minutes(5))
   */
  readonly trafficShifting?: TrafficShifting;

  /**
   * How long the old (blue) task set keeps running after a successful deployment, so a
   * rollback in that window is instant; on the Amazon ECS engine, the deployment's bake time,
   * during which the rollback alarms still roll back. Whole minutes, at most 2 days (24 hours on
   * the ECS engine); a deploy-time value (token) must be given in minutes.
   * @default Duration.hours(1)
   */
  readonly terminationWait?: Duration;

  /**
   * When set, the deployment waits up to this long for a person to approve it before production
   * traffic shifts, and rolls back if nobody does. CodeDeploy holds the deployment Ready until it
   * is continued; on the Amazon ECS engine a PAUSE hook holds it at `POST_TEST_TRAFFIC_SHIFT`
   * until it is continued (`ContinueServiceDeployment`). `grantApproveRelease()` allows either.
   * Whole minutes, at most 2 days; a deploy-time value (token) must be given in minutes (a
   * literal duration on the ECS engine).
   * @default - traffic shifts as soon as the hooks succeed
   */
  readonly approvalWait?: Duration;

  /**
   * Name of the CodeDeploy application (CodeDeploy engine only): 1-100 letters, digits, `.`, `_`, `+`, `=`, `,`, `@` or `-`.
   * @default - generated by CloudFormation; chosen by CDK when a release pipeline in another account or region deploys the service
   */
  readonly applicationName?: string;

  /**
   * Name of the CodeDeploy deployment group (CodeDeploy engine only): 1-100 letters, digits, `.`, `_`, `+`, `=`, `,`, `@` or `-`.
   * @default - generated by CloudFormation; chosen by CDK when a release pipeline in another account or region deploys the service
   */
  readonly deploymentGroupName?: string;

  /**
   * Thresholds and switches of the rollback alarms, which stop and roll back a deployment when
   * the new version raises the 5xx rate, the p99 latency, unhealthy targets or fatal log lines,
   * or leaves the service short of running tasks.
   * @default - the defaults of `RollbackAlarms`: 5xx rate above 1% or p99 above its anomaly band
   * or any unhealthy target for 2 minutes, any fatal log line, or fewer running tasks than
   * desired for 3 minutes
   */
  readonly rollbackAlarmOptions?: RollbackAlarmsOptions;
}
