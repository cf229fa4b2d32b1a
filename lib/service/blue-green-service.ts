import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { RollbackAlarms } from '../alarms/rollback-alarms';
import type { BlueGreenServiceAttributes } from './blue-green-service-attributes';
import { BlueGreenServiceBase, type IBlueGreenService } from './blue-green-service-base';
import type { BlueGreenServiceProps } from './blue-green-service-props';
import type { AppSpecOptions, ILifecycleHook } from './lifecycle-hook';
import { TargetGroupSource, metricHttpCodeTarget, metricRequestCount, sumOfTargetGroups } from '../private/metrics';
import { DeploymentEngine, DeploymentEngineKind } from './deployment-engine';
import { setUpCodeDeployDeployments } from './private/codedeploy-engine';
import {
  renderDeploymentAlarms, serviceDeploymentsConsoleUrlOf, setUpEcsDeployments,
} from './private/ecs-engine';
import { addServiceOutputs, serviceUrls } from './private/service-outputs';
import { ecsTrafficShift } from './private/ecs-traffic-shift';
import { HookRegistry, REPORT_HOOK_STATUS_ACTION, grantReportHookStatus } from './private/hook-registry';
import { ImportedBlueGreenService } from './private/imported-service';
import { createServiceVpc } from './private/vpc';
import { deploymentGroupConsoleUrlOf, loadBalancerFullNameOf } from './private/load-balancer';
import { serviceArnPatternOf } from '../private/ecs-arns';
import { checkedServiceName, serviceNameProblem } from '../private/service-name';
import { fitSecurityGroupDescriptions } from '../private/security-group-descriptions';
import { ec2Description } from '../private/text-limits';
import { recordPropProblem } from '../private/validation';
import { watchStackCapacity } from './private/stack-capacity';
import { checkServiceProps } from './private/service-input';
import { enableExecuteCommand, namedTaskRoles } from './private/task-roles';
import { checkRuntimeOptions } from './private/runtime-options';
import { createServiceListeners } from './private/service-listeners';
import { serviceDomain } from './private/service-domain';
import { serviceSubnetsOf } from './private/environment-checks';
import type { ServiceRouting } from './service-routing';
import { TrafficShifting } from './traffic-shifting';

/**
 * A Fargate service that CodeDeploy deploys blue/green behind an Application Load Balancer.
 *
 * The production listener forwards to the blue target group and the test listener to the green
 * one; CodeDeploy swaps them on each deployment, shifting production traffic as configured and
 * rolling back on failure, on a stop request and on alarm.
 */
export class BlueGreenService extends BlueGreenServiceBase {
  /**
   * A service defined in another stack or app, for hooks, pipeline stages and dashboards there.
   * Hooks added to it are listed in its AppSpec; CodeDeploy may invoke them when
   * `deploymentGroupRole` is given (a warning says what to do otherwise).
   */
  public static fromBlueGreenServiceAttributes(scope: Construct, id: string, attrs: BlueGreenServiceAttributes): IBlueGreenService {
    const imported = new ImportedBlueGreenService(scope, id, attrs);
    const problem = serviceNameProblem(imported.serviceName, attrs.serviceName === undefined ? 'the construct id' : undefined);
    if (problem !== undefined) {
      recordPropProblem(imported, 'serviceName', problem);
    }
    return imported;
  }

  /** The VPC the service runs in. */
  public readonly vpc: ec2.IVpc;
  /** The cluster the service runs in. */
  public readonly cluster: ecs.ICluster;
  /** The ECS service, with the `CODE_DEPLOY` or the `ECS` deployment controller. */
  public readonly service: ecs.FargateService;
  /** The engine that deploys the service. */
  public readonly engine: DeploymentEngine;
  /** Whether a stack update (`cdk deploy`) that changes the task definition releases it: always on the ECS engine, with `deployOnStackUpdate` on CodeDeploy. */
  public readonly releasesOnStackUpdate?: boolean;
  /** The task definition defined here; the pipeline renders `taskdef.json` from it. */
  public readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The application container. */
  public readonly container: ecs.ContainerDefinition;
  /** The name of the application container. */
  public readonly containerName: string;
  /** The port the container listens on. */
  public readonly containerPort: number;
  /** The log group of the container. */
  public readonly logGroup?: logs.ILogGroup;
  /** The awslogs stream prefix; a task's stream is `<prefix>/<containerName>/<taskId>`. */
  public readonly logStreamPrefix?: string;
  /** The load balancer. */
  public readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The listener that serves production traffic. */
  public readonly productionListener: elbv2.ApplicationListener;
  /** The port-80 listener that redirects to HTTPS, when there is one. */
  public readonly redirectListener?: elbv2.ApplicationListener;
  /** The listener that reaches the new version before production traffic does. */
  public readonly testListener: elbv2.ApplicationListener;
  /** Port of the production listener. */
  public readonly listenerPort: number;
  /** Port of the test listener. */
  public readonly testListenerPort: number;
  /** The target group production traffic starts on. */
  public readonly blueTargetGroup: elbv2.ApplicationTargetGroup;
  /** The target group the new version starts on. */
  public readonly greenTargetGroup: elbv2.ApplicationTargetGroup;
  /** The CodeDeploy application; undefined on the Amazon ECS engine. */
  public readonly application?: codedeploy.IEcsApplication;
  /** The CodeDeploy deployment group; undefined on the Amazon ECS engine. */
  public readonly deploymentGroup?: codedeploy.EcsDeploymentGroup;
  /** The production listener's rule that Amazon ECS shifts between blue and green; undefined on the CodeDeploy engine. */
  public readonly productionListenerRule?: elbv2.ApplicationListenerRule;
  /** The test listener's rule that Amazon ECS points at green; undefined on the CodeDeploy engine. */
  public readonly testListenerRule?: elbv2.ApplicationListenerRule;
  /**
   * The role Amazon ECS shifts the listener rules and invokes the hooks with, one per stack for
   * its services on the Amazon ECS engine (`CdkEcsReleaseEcsDeploymentRole`); undefined on the
   * CodeDeploy engine.
   */
  public readonly deploymentRole?: iam.IRole;
  /** The alarms that stop and roll back a deployment of this service; always set on a `BlueGreenService`. */
  public readonly rollbackAlarms?: RollbackAlarms;
  /** `rollbackAlarms`, which the optional type of the interface cannot say is always there. */
  private readonly alarms: RollbackAlarms;
  /** How production traffic moves to the new version. */
  public readonly trafficShifting?: TrafficShifting;
  /** The name people read in alarms, notifications and dashboards. */
  public readonly serviceName: string;
  /** The subnets the tasks run in; one-off tasks such as migrations use them too. */
  public readonly serviceSubnets: ec2.SubnetSelection;
  /** The production URL, e.g. `http://my-alb-123.eu-west-1.elb.amazonaws.com`. */
  public readonly url?: string;
  /** The test listener URL, e.g. `http://my-alb-123.eu-west-1.elb.amazonaws.com:8080`. */
  public readonly testUrl: string;
  /** Whether the listeners speak HTTPS. */
  public readonly https: boolean;
  /** Which requests of the load balancer are this service's, with `routing`. */
  public readonly routing?: ServiceRouting;
  /** The host name the service answers at: `domainName`, else its routing's first host header when that is a plain name. */
  public readonly hostName?: string;

  /** How long blue keeps running after a successful deployment (on the Amazon ECS engine, the bake time). */
  public readonly terminationWait: Duration;
  /** How long a deployment waits for a person before production traffic shifts; undefined when it does not wait. */
  public readonly approvalWait?: Duration;

  private readonly hookRegistry: HookRegistry;

  constructor(scope: Construct, id: string, props: BlueGreenServiceProps) {
    super(scope, id);
    // Invalid props are recorded and replaced by stand-ins: synthesis reports them all at once.
    const input = checkServiceProps(this, props);
    const runtime = checkRuntimeOptions(this, props);
    watchStackCapacity(this, () => this.hooks);

    // Checked: it goes unchanged into alarm, metric and log stream names and many descriptions.
    this.serviceName = checkedServiceName(this, props.serviceName, id, 'the construct id');
    this.containerName = input.containerName;
    this.terminationWait = input.terminationWait;
    this.approvalWait = input.approvalWait;
    this.containerPort = input.containerPort;
    this.trafficShifting = props.trafficShifting ?? TrafficShifting.canary(10, Duration.minutes(5));
    this.engine = props.engine ?? DeploymentEngine.codeDeploy();

    this.vpc = props.vpc ?? props.cluster?.vpc ?? createServiceVpc(this);
    this.cluster = props.cluster ?? new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
      ...(runtime.capacityProviderStrategies ? { enableFargateCapacityProviders: true } : {}),
    });

    // Task definition and container.
    this.logStreamPrefix = this.serviceName;
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: runtime.logGroupName,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'TaskDefinition', {
      cpu: input.cpu,
      memoryLimitMiB: input.memoryLimitMiB,
      runtimePlatform: runtime.runtimePlatform,
      ...namedTaskRoles(this, runtime),
    });
    this.container = this.taskDefinition.addContainer(this.containerName, {
      image: props.image,
      essential: true,
      environment: props.environment,
      secrets: props.secrets,
      portMappings: [{ containerPort: this.containerPort, protocol: ecs.Protocol.TCP }],
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: this.logStreamPrefix }),
    });

    // Load balancer, target groups and listeners: its own, or a shared load balancer's.
    const onEcs = this.engine.kind === DeploymentEngineKind.ECS;
    const listeners = createServiceListeners(this, props, {
      input, runtime, vpc: this.vpc, serviceName: this.serviceName, logPrefix: this.logStreamPrefix, onEcs,
      isService: (construct) => construct instanceof BlueGreenService,
    });
    this.loadBalancer = listeners.loadBalancer;
    this.productionListener = listeners.productionListener;
    this.testListener = listeners.testListener;
    this.redirectListener = listeners.redirectListener;
    this.blueTargetGroup = listeners.blueTargetGroup;
    this.greenTargetGroup = listeners.greenTargetGroup;
    this.routing = listeners.routing;
    this.hostName = serviceDomain(this, props, this.loadBalancer, this.routing);
    this.https = listeners.https;
    this.listenerPort = listeners.listenerPort;
    this.testListenerPort = listeners.testListenerPort;
    const rules = listeners.rules;
    this.productionListenerRule = rules?.productionRule;
    this.testListenerRule = rules?.testRule;

    // The service. The CODE_DEPLOY controller hands task sets and traffic to CodeDeploy; the ECS
    // controller runs the blue/green, canary or linear deployment itself.
    this.serviceSubnets = serviceSubnetsOf(this, props, this.vpc);
    const ecsShift = onEcs ? ecsTrafficShift(this, this.trafficShifting, input.terminationWait, input.approvalWait) : undefined;
    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: input.desiredCount,
      // They bound the task sets or revisions while a deployment replaces them: green starts in full beside blue.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      deploymentController: { type: onEcs ? ecs.DeploymentControllerType.ECS : ecs.DeploymentControllerType.CODE_DEPLOY },
      ...ecsShift,
      // What the failed-task-set guard does for CodeDeploy: green tasks that keep failing to
      // start stop the deployment and roll it back, instead of ECS retrying for hours.
      circuitBreaker: onEcs ? { enable: true, rollback: true } : undefined,
      vpcSubnets: this.serviceSubnets,
      assignPublicIp: false,
      healthCheckGracePeriod: runtime.healthCheckGracePeriod,
      capacityProviderStrategies: runtime.capacityProviderStrategies,
      enableExecuteCommand: false,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });
    if (runtime.enableExecuteCommand) {
      enableExecuteCommand(this.service, this.taskDefinition);
    }
    if (rules) {
      const parts = setUpEcsDeployments(this, {
        service: this.service, blue: this.blueTargetGroup, green: this.greenTargetGroup, rules,
        containerName: this.containerName, containerPort: this.containerPort, approvalWait: input.approvalWait,
      });
      this.deploymentRole = parts.role;
      this.hookRegistry = parts.hookRegistry;
    } else {
      const parts = setUpCodeDeployDeployments(this, {
        service: this.service, serviceName: this.serviceName, blue: this.blueTargetGroup, green: this.greenTargetGroup,
        productionListener: this.productionListener, testListener: this.testListener, trafficShifting: this.trafficShifting,
        applicationName: input.applicationName, deploymentGroupName: input.deploymentGroupName,
        terminationWait: input.terminationWait, approvalWait: input.approvalWait,
        deployOnStackUpdate: props.deployOnStackUpdate === true, taskDefinition: this.taskDefinition,
      });
      this.application = parts.application;
      this.deploymentGroup = parts.deploymentGroup;
      this.hookRegistry = parts.hookRegistry;
    }
    if (onEcs && props.deployOnStackUpdate === false) {
      recordPropProblem(this, 'deployOnStackUpdate', 'cannot be false on the Amazon ECS engine, where every stack update of the service is a '
        + 'release; remove it, or use DeploymentEngine.codeDeploy() to release through ReleasePipeline only');
    }
    this.releasesOnStackUpdate = onEcs || props.deployOnStackUpdate === true;
    this.service.connections.allowFrom(this.loadBalancer, ec2.Port.tcp(this.containerPort), 'load balancer to tasks');

    this.rollbackAlarms = this.alarms = new RollbackAlarms(this, 'RollbackAlarms', {
      ...props.rollbackAlarmOptions,
      serviceName: this.serviceName,
      targetGroups: [this.blueTargetGroup, this.greenTargetGroup],
      loadBalancer: this.loadBalancer,
      logGroup: this.logGroup,
      service: this.service,
      deploymentGroup: this.deploymentGroup,
      attachToService: onEcs,
    });
    if (onEcs && this.alarms.attachedToDeploymentGroup) {
      renderDeploymentAlarms(this.service, () => this.alarms.deploymentGroupAlarms);
    }

    const urls = serviceUrls(this.loadBalancer, this.https, this.listenerPort, this.testListenerPort, this.hostName);
    this.url = urls.url;
    this.testUrl = urls.testUrl;
    addServiceOutputs(this, { ...urls, serviceName: this.serviceName, service: this.service,
      deploymentsConsoleUrl: this.deploymentsConsoleUrl, deploymentGroup: this.deploymentGroup });

    fitSecurityGroupDescriptions(this);
  }

  /** The full name of the load balancer (`app/<name>/<id>`), as CloudWatch dimensions and ENI descriptions use it. */
  public get loadBalancerFullName(): string {
    return loadBalancerFullNameOf(this.loadBalancer);
  }

  /**
   * Adds an alarm that stops and rolls back a deployment of this service when it fires, during
   * the deployment and the termination wait. Alarms beyond CodeDeploy's limit of 10 are combined
   * into a composite alarm.
   */
  public addRollbackAlarm(alarm: cloudwatch.IAlarm): void {
    this.alarms.addAlarm(alarm);
  }

  /** A link to the deployment group in the CodeDeploy console; undefined on the Amazon ECS engine. */
  public get deploymentGroupConsoleUrl(): string | undefined {
    return this.deploymentGroup ? deploymentGroupConsoleUrlOf(this, this.deploymentGroup) : undefined;
  }

  /** A link to where the service's deployments show: the CodeDeploy deployment group, or the service's deployments in the ECS console. */
  public get deploymentsConsoleUrl(): string {
    return this.deploymentGroup
      ? deploymentGroupConsoleUrlOf(this, this.deploymentGroup)
      : serviceDeploymentsConsoleUrlOf(this, this.cluster, this.service);
  }

  /**
   * Requests served by both target groups (sum per period).
   * @default - sum over 1 minute
   */
  public metricRequestCount(options: cloudwatch.MetricOptions = {}): cloudwatch.MathExpression {
    return this.sumOfTargetGroups(options, 'Requests', (source, o) => metricRequestCount(source, o));
  }

  /**
   * HTTP 5xx responses generated by the targets of both target groups (sum per period).
   * @default - sum over 1 minute
   */
  public metricTarget5xxCount(options: cloudwatch.MetricOptions = {}): cloudwatch.MathExpression {
    return this.sumOfTargetGroups(options, 'Target 5xx',
      (source, o) => metricHttpCodeTarget(source, elbv2.HttpCodeTarget.TARGET_5XX_COUNT, o));
  }

  /**
   * The p99 target response time in seconds of the worse target group, as the latency rollback
   * alarm sees it: a target group that served fewer than `minRequestCount` requests counts as 0.
   * @default - over the rollback alarms' period
   */
  public metricTargetResponseTime(options: cloudwatch.MetricOptions = {}): cloudwatch.MathExpression {
    return this.alarms.metricTargetResponseTime(options);
  }

  /**
   * The unhealthy targets of the worse target group, as the unhealthy-targets rollback alarm sees it.
   * @default - maximum over the rollback alarms' period
   */
  public metricUnhealthyHostCount(options: cloudwatch.MetricOptions = {}): cloudwatch.MathExpression {
    return this.alarms.metricUnhealthyHostCount(options);
  }

  /**
   * Lets `other` reach the test listener, e.g. a hook function in the VPC.
   * Hooks connect to the load balancer's private addresses, so a security-group rule suffices.
   */
  public allowTestListenerFrom(other: ec2.IConnectable, description?: string): void {
    // From `other`'s side: the rules then live in its stack, never in the load balancer's, which
    // a network stack may hold (the rules name `other`, and the network stack must not depend on it).
    other.connections.allowTo(this.loadBalancer, ec2.Port.tcp(this.testListenerPort), ec2Description(description ?? `test listener of ${this.serviceName}`));
  }

  /**
   * Runs `hook` at its lifecycle event in every deployment of this service: lets CodeDeploy invoke
   * its function, lets the function report its status on this deployment group only, and lists it
   * in the AppSpec file. The hooks of this library call it themselves. CodeDeploy runs one
   * function per lifecycle event, so a second hook on an event already taken is an error.
   */
  public addHook(hook: ILifecycleHook): void {
    this.hookRegistry.add(hook);
  }

  /**
   * Lets `grantee` report a hook's status (`codedeploy:PutLifecycleEventHookExecutionStatus`) on
   * this service's deployment group, and no other.
   */
  public grantReportHookStatus(grantee: iam.IGrantable): iam.Grant {
    if (!this.deploymentGroup) {
      // ECS reads a hook's status from its return value: there is nothing to allow.
      return iam.Grant.drop(grantee, REPORT_HOOK_STATUS_ACTION);
    }
    return grantReportHookStatus(grantee, this.deploymentGroup);
  }

  /**
   * Lets `grantee` release (or roll back) a deployment that waits for approval (`approvalWait`):
   * `codedeploy:ContinueDeployment` on the deployment group, or on the Amazon ECS engine
   * `ecs:ContinueServiceDeployment` on the service's deployments, with the read that finds the
   * waiting hook's id.
   */
  public grantApproveRelease(grantee: iam.IGrantable): iam.Grant {
    if (this.deploymentGroup) {
      return iam.Grant.addToPrincipal({ grantee, actions: ['codedeploy:ContinueDeployment'], resourceArns: [this.deploymentGroup.deploymentGroupArn] });
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['ecs:ContinueServiceDeployment', 'ecs:DescribeServiceDeployments'],
      resourceArns: [serviceArnPatternOf(this, 'service-deployment', this.cluster, this.service)],
    });
  }

  /** The hooks added so far, in the order CodeDeploy runs them. */
  public get hooks(): ILifecycleHook[] {
    return this.hookRegistry.hooks;
  }

  /**
   * The AppSpec file (`appspec.yaml`) of this service's deployments as a person reads it: the
   * task definition placeholder, the container and port the load balancer routes to, and the
   * hooks added so far in lifecycle order, each function as a `<construct path>` placeholder
   * (its name is known at deployment only). The release pipeline's preview in the cloud assembly
   * holds the whole file, with hooks added later too. Throws on the Amazon ECS engine, which has
   * no AppSpec.
   */
  public previewAppSpec(options: AppSpecOptions = {}): string {
    return this.hookRegistry.previewAppSpec(options);
  }

  /**
   * The AppSpec file as the release pipeline's build writes it: rendered at synthesis, so hooks
   * added later are listed too, with the function names resolved at deployment.
   * @internal
   */
  public _renderAppSpec(options: AppSpecOptions = {}): string {
    return this.hookRegistry.renderAppSpec(options);
  }

  private sumOfTargetGroups(options: cloudwatch.MetricOptions, label: string,
    metricOf: (source: TargetGroupSource, o: cloudwatch.MetricOptions) => cloudwatch.Metric): cloudwatch.MathExpression {
    const period = options.period ?? Duration.minutes(1);
    const perGroup = { ...options, period, label: undefined, color: undefined };
    return sumOfTargetGroups({
      blue: metricOf({ targetGroup: this.blueTargetGroup, loadBalancer: this.loadBalancer }, perGroup),
      green: metricOf({ targetGroup: this.greenTargetGroup, loadBalancer: this.loadBalancer }, perGroup),
    }, { period, label: options.label ?? `${this.serviceName}: ${label}`, color: options.color });
  }
}
