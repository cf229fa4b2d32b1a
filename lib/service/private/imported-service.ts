import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Token } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RollbackAlarms } from '../../alarms/rollback-alarms';
import { ec2Description } from '../../private/text-limits';
import { describeSubnetGroups, subnetSelectionProblem } from '../../private/subnet-selection';
import { integerRangeProblem, literalNumberProblem, propError, recordPropProblem, valid } from '../../private/validation';
import type { BlueGreenServiceAttributes } from '../blue-green-service-attributes';
import type { IBlueGreenService } from '../blue-green-service-base';
import type { AppSpecOptions, ILifecycleHook } from '../lifecycle-hook';
import { privateSubnetsOf } from './vpc';
import type { TrafficShifting } from '../traffic-shifting';
import { HookRegistry, grantReportHookStatus } from './hook-registry';
import { deploymentGroupConsoleUrlOf, loadBalancerFullNameOf } from './load-balancer';
import { DeploymentEngine } from '../deployment-engine';

/**
 * A blue/green service defined in another stack or app. Its hooks are kept here: the AppSpec a
 * pipeline stage renders from it lists them, and CodeDeploy's role, when given, may invoke them.
 */
export class ImportedBlueGreenService extends Construct implements IBlueGreenService {
  public readonly serviceName: string;
  public readonly cluster: ecs.ICluster;
  public readonly service: ecs.IBaseService;
  public readonly taskDefinition: ecs.TaskDefinition;
  public readonly container: ecs.ContainerDefinition;
  public readonly containerName: string;
  public readonly containerPort: number;
  public readonly logGroup?: logs.ILogGroup;
  public readonly logStreamPrefix?: string;
  public readonly vpc: ec2.IVpc;
  public readonly serviceSubnets: ec2.SubnetSelection;
  public readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  public readonly productionListener: elbv2.IApplicationListener;
  public readonly testListener: elbv2.IApplicationListener;
  public readonly testListenerPort: number;
  public readonly https: boolean;
  public readonly blueTargetGroup: elbv2.IApplicationTargetGroup;
  public readonly greenTargetGroup: elbv2.IApplicationTargetGroup;
  public readonly deploymentGroup: codedeploy.IEcsDeploymentGroup;
  /** An imported service is deployed by its CodeDeploy deployment group. */
  public readonly engine = DeploymentEngine.codeDeploy();
  public readonly url?: string;
  public readonly testUrl: string;
  public readonly trafficShifting?: TrafficShifting;
  public readonly rollbackAlarms?: RollbackAlarms = undefined;

  private readonly hookRegistry: HookRegistry;

  constructor(scope: Construct, id: string, attrs: BlueGreenServiceAttributes) {
    super(scope, id);
    this.serviceName = attrs.serviceName ?? id;
    this.service = attrs.service;
    this.cluster = attrs.cluster ?? attrs.service.cluster;
    this.taskDefinition = attrs.taskDefinition;
    this.containerName = attrs.containerName ?? 'web';
    this.containerPort = attrs.containerPort ?? 8080;
    const containerPortProblem = literalNumberProblem(attrs.containerPort, 'the AppSpec file and taskdef.json of every release name the port', '8080')
      ?? integerRangeProblem(attrs.containerPort, 1, 65535, 'use the port the container listens on');
    if (containerPortProblem) {
      throw propError(this, 'containerPort', containerPortProblem);
    }
    // A token goes into the test URL and the security-group rules as it is.
    const testPortProblem = integerRangeProblem(attrs.testListenerPort, 1, 65535, 'use the port of the test listener');
    if (testPortProblem) {
      throw propError(this, 'testListenerPort', testPortProblem);
    }
    const container = attrs.taskDefinition.findContainer(this.containerName);
    if (!container) {
      throw propError(this, 'containerName', `is '${this.containerName}', but the task definition ${attrs.taskDefinition.node.path} has `
        + 'no container of that name; pass the name of the application container');
    }
    this.container = container;
    this.logGroup = attrs.logGroup;
    this.logStreamPrefix = valid(this, 'logStreamPrefix', logStreamPrefixProblem(attrs.logStreamPrefix, this.containerName)) ? attrs.logStreamPrefix : undefined;
    this.vpc = attrs.vpc ?? this.cluster.vpc;
    this.serviceSubnets = importedServiceSubnets(this, this.vpc, attrs.serviceSubnets);
    this.loadBalancer = attrs.loadBalancer;
    this.productionListener = attrs.productionListener;
    this.testListener = attrs.testListener;
    this.testListenerPort = attrs.testListenerPort;
    this.https = attrs.https ?? false;
    this.blueTargetGroup = attrs.blueTargetGroup;
    this.greenTargetGroup = attrs.greenTargetGroup;
    this.deploymentGroup = attrs.deploymentGroup;
    this.url = attrs.url;
    this.testUrl = attrs.testUrl
      ?? `${this.https ? 'https' : 'http'}://${this.loadBalancer.loadBalancerDnsName}:${this.testListenerPort}`;
    this.trafficShifting = attrs.trafficShifting;
    this.hookRegistry = new HookRegistry(this, attrs.deploymentGroupRole);
  }

  public get loadBalancerFullName(): string {
    return loadBalancerFullNameOf(this.loadBalancer);
  }

  public get deploymentGroupConsoleUrl(): string {
    return deploymentGroupConsoleUrlOf(this, this.deploymentGroup);
  }

  public get deploymentsConsoleUrl(): string {
    return this.deploymentGroupConsoleUrl;
  }

  public get hooks(): ILifecycleHook[] {
    return this.hookRegistry.hooks;
  }

  public addHook(hook: ILifecycleHook): void {
    this.hookRegistry.add(hook);
  }

  public grantReportHookStatus(grantee: iam.IGrantable): iam.Grant {
    return grantReportHookStatus(grantee, this.deploymentGroup);
  }

  public allowTestListenerFrom(other: ec2.IConnectable, description?: string): void {
    // From the other side: the load balancer's security group may be in another stack that must
    // not refer back to this one, and aws-cdk-lib then writes the ingress rule in `other`'s stack.
    other.connections.allowTo(this.loadBalancer, ec2.Port.tcp(this.testListenerPort), ec2Description(description ?? `test listener of ${this.serviceName}`));
  }

  public previewAppSpec(options: AppSpecOptions = {}): string {
    return this.hookRegistry.previewAppSpec(options);
  }

  /** @internal */
  public _renderAppSpec(options: AppSpecOptions = {}): string {
    return this.hookRegistry.renderAppSpec(options);
  }
}

/** CloudWatch Logs' longest log stream name. */
const MAX_LOG_STREAM_NAME = 512;
/** ECS's longest container name, for a container name not known at synthesis. */
const MAX_CONTAINER_NAME = 255;
/** The awslogs driver names a task's stream `<prefix>/<container>/<task id>`; a task id has 32 characters. */
const TASK_ID_LENGTH = 32;

/**
 * What is wrong with the awslogs stream prefix the migration hook looks for the migration's logs
 * under: CloudWatch Logs refuses stream names with ':' or '*' or over 512 characters, so the
 * hook would look for a stream that cannot exist. Undefined when fine, absent or a token.
 */
export function logStreamPrefixProblem(prefix: string | undefined, containerName: string): string | undefined {
  if (prefix === undefined || Token.isUnresolved(prefix)) {
    return undefined;
  }
  if (prefix === '') {
    return 'is empty; give the awslogs stream prefix of the container (awslogs-stream-prefix), or leave logStreamPrefix unset when it has none';
  }
  const forbidden = /[:*]/.exec(prefix);
  if (forbidden) {
    return `holds '${forbidden[0]}' at index ${forbidden.index}, got '${prefix}', which CloudWatch Logs refuses in a log stream name; `
      + 'give the awslogs stream prefix the container logs with';
  }
  const container = Token.isUnresolved(containerName) ? MAX_CONTAINER_NAME : containerName.length;
  const max = MAX_LOG_STREAM_NAME - container - TASK_ID_LENGTH - 2;
  if (prefix.length > max) {
    return `is ${prefix.length} characters, but the awslogs stream name '<prefix>/<container>/<task id>' then exceeds CloudWatch Logs' `
      + `${MAX_LOG_STREAM_NAME} characters: with ${Token.isUnresolved(containerName) ? `a container name of up to ${MAX_CONTAINER_NAME}` : `container '${containerName}'`} `
      + `and a ${TASK_ID_LENGTH}-character task id, the prefix may have at most ${max}; give the awslogs stream prefix the container logs with`;
  }
  return undefined;
}

/**
 * The subnets the imported service's tasks run in: `given` when the VPC has them, else, as
 * BlueGreenService chooses, its private subnets with egress, or else its isolated ones. A VPC
 * with neither needs `serviceSubnets`: that is recorded, and no subnet stands in.
 */
function importedServiceSubnets(scope: Construct, vpc: ec2.IVpc, given: ec2.SubnetSelection | undefined): ec2.SubnetSelection {
  if (given !== undefined) {
    return valid(scope, 'serviceSubnets', subnetSelectionProblem(vpc, given, 'serviceSubnets')) ? given : { subnets: [] };
  }
  const subnets = privateSubnetsOf(vpc);
  if (subnets) {
    return subnets;
  }
  recordPropProblem(scope, 'serviceSubnets', `is not given, and VPC ${vpc.node.path} has no private or isolated subnets to default to; `
    + `its subnet groups are ${describeSubnetGroups(vpc)}. Pass the subnets the service's tasks run in, `
    + 'e.g. serviceSubnets: { subnetType: ec2.SubnetType.PUBLIC }');
  return { subnets: [] };
}
