import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, IConstruct } from 'constructs';
import type { RollbackAlarms } from '../alarms/rollback-alarms';
import type { AppSpecOptions, ILifecycleHook } from './lifecycle-hook';
import type { DeploymentEngine } from './deployment-engine';
import type { TrafficShifting } from './traffic-shifting';
import type { ServiceRouting } from './service-routing';

/**
 * A service deployed blue/green behind an Application Load Balancer, by CodeDeploy or by Amazon
 * ECS itself: what hooks,
 * pipeline stages and dashboards need of it. `BlueGreenService` defines one;
 * `BlueGreenService.fromBlueGreenServiceAttributes()` imports one defined in another stack or app.
 */
export interface IBlueGreenService extends IConstruct {
  /** The name people read in alarms, notifications and dashboards. */
  readonly serviceName: string;
  /** The cluster the service runs in. */
  readonly cluster: ecs.ICluster;
  /** The ECS service, with the `CODE_DEPLOY` or the `ECS` deployment controller. */
  readonly service: ecs.IBaseService;
  /** The engine that deploys the service. */
  readonly engine: DeploymentEngine;
  /**
   * Whether a stack update that changes the task definition releases it.
   * @default false
   */
  readonly releasesOnStackUpdate?: boolean;
  /** The task definition the pipeline renders `taskdef.json` from and migrations run. */
  readonly taskDefinition: ecs.TaskDefinition;
  /** The application container of `taskDefinition`. */
  readonly container: ecs.ContainerDefinition;
  /** The name of the application container; AppSpec files refer to it. */
  readonly containerName: string;
  /** The port the container listens on. */
  readonly containerPort: number;
  /**
   * The log group of the container.
   * @default - not known: hooks that read the container's logs cannot
   */
  readonly logGroup?: logs.ILogGroup;
  /**
   * The awslogs stream prefix; a task's stream is `<prefix>/<containerName>/<taskId>`.
   * @default - not known
   */
  readonly logStreamPrefix?: string;
  /** The VPC the service runs in. */
  readonly vpc: ec2.IVpc;
  /** The subnets the tasks run in; one-off tasks such as migrations use them too. */
  readonly serviceSubnets: ec2.SubnetSelection;
  /** The load balancer of the listeners. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The full name of the load balancer (`app/<name>/<id>`), as CloudWatch dimensions use it. */
  readonly loadBalancerFullName: string;
  /** The listener that serves production traffic. */
  readonly productionListener: elbv2.IApplicationListener;
  /** The listener that reaches the new version before production traffic does. */
  readonly testListener: elbv2.IApplicationListener;
  /** Port of the test listener. */
  readonly testListenerPort: number;
  /** Whether the listeners speak HTTPS. */
  readonly https: boolean;
  /** The target group production traffic starts on. */
  readonly blueTargetGroup: elbv2.IApplicationTargetGroup;
  /** The target group the new version starts on. */
  readonly greenTargetGroup: elbv2.IApplicationTargetGroup;
  /**
   * The CodeDeploy deployment group.
   * @default - none: the Amazon ECS engine deploys the service
   */
  readonly deploymentGroup?: codedeploy.IEcsDeploymentGroup;
  /**
   * A link to the deployment group in the CodeDeploy console.
   * @default - none: the Amazon ECS engine deploys the service
   */
  readonly deploymentGroupConsoleUrl?: string;
  /** A link to where the service's deployments show: the CodeDeploy deployment group, or the service's deployments in the ECS console. */
  readonly deploymentsConsoleUrl: string;
  /**
   * The production listener's rule that Amazon ECS shifts between the target groups.
   * @default - none: the CodeDeploy engine swaps the listener's default action
   */
  readonly productionListenerRule?: elbv2.ApplicationListenerRule;
  /**
   * The production URL.
   * @default - not known
   */
  readonly url?: string;
  /** The test listener URL, e.g. `http://my-alb-123.eu-west-1.elb.amazonaws.com:8080`. */
  readonly testUrl: string;
  /**
   * How production traffic moves to the new version.
   * @default - not known: the metric gate needs `trafficShiftingKind`
   */
  readonly trafficShifting?: TrafficShifting;
  /**
   * The alarms that stop and roll back a deployment of this service.
   * @default - not known: the dashboard shows no alarm lines or status
   */
  readonly rollbackAlarms?: RollbackAlarms;
  /**
   * Which requests of the load balancer are the service's, when its rules take only some.
   * @default - every request of its listeners
   */
  readonly routing?: ServiceRouting;
  /**
   * The host name the service answers at, when it has one (`domainName`, or a host its routing
   * names): smoke tests send it as `Host` and verify TLS against it.
   * @default - the load balancer's DNS name
   */
  readonly hostName?: string;
  /** The hooks added so far, in the order CodeDeploy runs them. */
  readonly hooks: ILifecycleHook[];

  /**
   * Runs `hook` at its lifecycle event in every deployment of this service: lets CodeDeploy
   * invoke its function, lets the function report its status on this deployment group only,
   * and lists it in the AppSpec file.
   */
  addHook(hook: ILifecycleHook): void;

  /**
   * Lets `grantee` report a hook's status (`codedeploy:PutLifecycleEventHookExecutionStatus`)
   * on this service's deployment group, and no other.
   */
  grantReportHookStatus(grantee: iam.IGrantable): iam.Grant;

  /** Lets `other` reach the test listener, e.g. a hook function in the VPC. */
  allowTestListenerFrom(other: ec2.IConnectable, description?: string): void;

  /**
   * The AppSpec file (`appspec.yaml`) of this service's deployments as a person reads it, listing
   * the hooks added so far, deploy-time names as `<construct path>` placeholders.
   */
  previewAppSpec(options?: AppSpecOptions): string;

  /**
   * The AppSpec file with deploy-time names as tokens, for the release pipeline's build.
   * @internal
   */
  _renderAppSpec(options?: AppSpecOptions): string;
}

/**
 * The base of `BlueGreenService`: a service this app defines. Its subclasses may narrow the types
 * of the interface's properties (a `FargateService` for `service`, say), which languages other
 * than TypeScript allow from a base class but not from an interface.
 */
export abstract class BlueGreenServiceBase extends Construct implements IBlueGreenService {
  /** The name people read in alarms, notifications and dashboards. */
  public abstract readonly serviceName: string;
  /** The cluster the service runs in. */
  public abstract readonly cluster: ecs.ICluster;
  /** The ECS service, with the `CODE_DEPLOY` or the `ECS` deployment controller. */
  public abstract readonly service: ecs.IBaseService;
  /** The engine that deploys the service. */
  public abstract readonly engine: DeploymentEngine;
  /**
   * Whether a stack update that changes the task definition releases it.
   * @default false
   */
  public abstract readonly releasesOnStackUpdate?: boolean;
  /** The task definition the pipeline renders `taskdef.json` from and migrations run. */
  public abstract readonly taskDefinition: ecs.TaskDefinition;
  /** The application container of `taskDefinition`. */
  public abstract readonly container: ecs.ContainerDefinition;
  /** The name of the application container; AppSpec files refer to it. */
  public abstract readonly containerName: string;
  /** The port the container listens on. */
  public abstract readonly containerPort: number;
  /**
   * The log group of the container.
   * @default - not known: hooks that read the container's logs cannot
   */
  public abstract readonly logGroup?: logs.ILogGroup;
  /**
   * The awslogs stream prefix; a task's stream is `<prefix>/<containerName>/<taskId>`.
   * @default - not known
   */
  public abstract readonly logStreamPrefix?: string;
  /** The VPC the service runs in. */
  public abstract readonly vpc: ec2.IVpc;
  /** The subnets the tasks run in; one-off tasks such as migrations use them too. */
  public abstract readonly serviceSubnets: ec2.SubnetSelection;
  /** The load balancer of the listeners. */
  public abstract readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The full name of the load balancer (`app/<name>/<id>`), as CloudWatch dimensions use it. */
  public abstract readonly loadBalancerFullName: string;
  /** The listener that serves production traffic. */
  public abstract readonly productionListener: elbv2.IApplicationListener;
  /** The listener that reaches the new version before production traffic does. */
  public abstract readonly testListener: elbv2.IApplicationListener;
  /** Port of the test listener. */
  public abstract readonly testListenerPort: number;
  /** Whether the listeners speak HTTPS. */
  public abstract readonly https: boolean;
  /** The target group production traffic starts on. */
  public abstract readonly blueTargetGroup: elbv2.IApplicationTargetGroup;
  /** The target group the new version starts on. */
  public abstract readonly greenTargetGroup: elbv2.IApplicationTargetGroup;
  /**
   * The CodeDeploy deployment group.
   * @default - none: the Amazon ECS engine deploys the service
   */
  public abstract readonly deploymentGroup?: codedeploy.IEcsDeploymentGroup;
  /**
   * A link to the deployment group in the CodeDeploy console.
   * @default - none: the Amazon ECS engine deploys the service
   */
  public abstract readonly deploymentGroupConsoleUrl?: string;
  /** A link to where the service's deployments show: the CodeDeploy deployment group, or the service's deployments in the ECS console. */
  public abstract readonly deploymentsConsoleUrl: string;
  /**
   * The production listener's rule that Amazon ECS shifts between the target groups.
   * @default - none: the CodeDeploy engine swaps the listener's default action
   */
  public abstract readonly productionListenerRule?: elbv2.ApplicationListenerRule;
  /**
   * The production URL.
   * @default - not known
   */
  public abstract readonly url?: string;
  /** The test listener URL, e.g. `http://my-alb-123.eu-west-1.elb.amazonaws.com:8080`. */
  public abstract readonly testUrl: string;
  /**
   * How production traffic moves to the new version.
   * @default - not known: the metric gate needs `trafficShiftingKind`
   */
  public abstract readonly trafficShifting?: TrafficShifting;
  /**
   * The alarms that stop and roll back a deployment of this service.
   * @default - not known: the dashboard shows no alarm lines or status
   */
  public abstract readonly rollbackAlarms?: RollbackAlarms;
  /**
   * Which requests of the load balancer are the service's, when its rules take only some.
   * @default - every request of its listeners
   */
  public abstract readonly routing?: ServiceRouting;
  /**
   * The host name the service answers at, when it has one (`domainName`, or a host its routing
   * names): smoke tests send it as `Host` and verify TLS against it.
   * @default - the load balancer's DNS name
   */
  public abstract readonly hostName?: string;
  /** The hooks added so far, in the order CodeDeploy runs them. */
  public abstract readonly hooks: ILifecycleHook[];

  /**
   * Runs `hook` at its lifecycle event in every deployment of this service: lets CodeDeploy
   * invoke its function, lets the function report its status on this deployment group only,
   * and lists it in the AppSpec file.
   */
  public abstract addHook(hook: ILifecycleHook): void;

  /**
   * Lets `grantee` report a hook's status (`codedeploy:PutLifecycleEventHookExecutionStatus`)
   * on this service's deployment group, and no other.
   */
  public abstract grantReportHookStatus(grantee: iam.IGrantable): iam.Grant;

  /** Lets `other` reach the test listener, e.g. a hook function in the VPC. */
  public abstract allowTestListenerFrom(other: ec2.IConnectable, description?: string): void;

  /**
   * The AppSpec file (`appspec.yaml`) of this service's deployments as a person reads it, listing
   * the hooks added so far, deploy-time names as `<construct path>` placeholders.
   */
  public abstract previewAppSpec(options?: AppSpecOptions): string;

  /**
   * The AppSpec file with deploy-time names as tokens, for the release pipeline's build.
   * @internal
   */
  public abstract _renderAppSpec(options?: AppSpecOptions): string;
}
