/**
 * The checks of BlueGreenService's props. Each invalid prop is recorded on the service (see
 * lib/private/validation) and replaced by a safe stand-in, so that construction goes on and one
 * synthesis reports every invalid prop of the app.
 */
import { Duration, Token, Tokenization } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import type { BlueGreenServiceProps } from '../blue-green-service-props';
import type { ServiceListenerOptions } from '../listener-options';
import { fargateSizeProblem } from './fargate';
import { isDualStack } from './load-balancer';
import {
  durationProblem, integerRangeProblem, isResolved, literalNumberProblem, recordPropProblem, valid, wholeDuration,
} from '../../private/validation';

/** CodeDeploy's limit for the termination and approval waits: 2 days. */
const MAX_WAIT_MINUTES = 2880;

/** The health-check timeout of the target groups is 5 seconds; the interval must exceed it. */
const MIN_HEALTH_CHECK_INTERVAL_SECONDS = 6;

/** The props the service builds with: the given values where valid, stand-ins where not. */
export interface ServiceInput {
  readonly containerName: string;
  /** Undefined for a generated name, also in place of an invalid one. */
  readonly applicationName?: string;
  readonly deploymentGroupName?: string;
  readonly containerPort: number;
  readonly cpu: number;
  readonly memoryLimitMiB: number;
  readonly desiredCount: number;
  readonly https: boolean;
  readonly certificate?: elbv2.IListenerCertificate;
  readonly listenerPort: number;
  readonly testListenerPort: number;
  readonly redirectHttp: boolean;
  readonly healthCheckPath: string;
  readonly healthCheckInterval: Duration;
  readonly deregistrationDelay: Duration;
  readonly terminationWait: Duration;
  readonly approvalWait?: Duration;
}

export function checkServiceProps(scope: Construct, props: BlueGreenServiceProps): ServiceInput {
  const containerPort = ifValid(scope, 'containerPort', props.containerPort,
    literalNumberProblem(props.containerPort, 'the AppSpec file and taskdef.json of every release name the port', '8080')
      ?? integerRangeProblem(props.containerPort, 1, 65535, 'use the port the container listens on'), 8080);
  const containerName = ifValid(scope, 'containerName', props.containerName, containerNameProblem(props.containerName), 'web');
  const applicationName = ifValid(scope, 'applicationName', props.applicationName,
    codeDeployNameProblem(props.applicationName, 'application'), undefined);
  const deploymentGroupName = ifValid(scope, 'deploymentGroupName', props.deploymentGroupName,
    codeDeployNameProblem(props.deploymentGroupName, 'deployment group'), undefined);
  const desiredCount = ifValid(scope, 'desiredCount', props.desiredCount, integerRangeProblem(props.desiredCount, 1, 5000,
    'run at least one task; a blue/green deployment needs a running task set to shift traffic from'), 2);

  let cpu = props.cpu ?? 256;
  let memoryLimitMiB = props.memoryLimitMiB ?? 512;
  // Fargate takes only some pairs of the two, which the library checks together.
  const pairReason = 'Fargate accepts only some pairs of cpu and memoryLimitMiB, which are checked together at synthesis';
  const cpuLiteral = valid(scope, 'cpu', literalNumberProblem(props.cpu, pairReason, '512'));
  const memoryLiteral = valid(scope, 'memoryLimitMiB', literalNumberProblem(props.memoryLimitMiB, pairReason, '1024'));
  if (!cpuLiteral || !memoryLiteral) {
    cpu = 256;
    memoryLimitMiB = 512;
  } else {
    const problem = fargateSizeProblem(cpu, memoryLimitMiB);
    if (problem) {
      recordPropProblem(scope, problem.startsWith('cpu') ? 'cpu' : 'memoryLimitMiB', problem);
      cpu = 256;
      memoryLimitMiB = 512;
    }
  }

  const { https, listenerPort, testListenerPort, redirectHttp } = checkListenerOptions(scope, props);

  const healthCheckPath = ifValid(scope, 'healthCheckPath', props.healthCheckPath,
    props.healthCheckPath !== undefined && isResolved(props.healthCheckPath) && !props.healthCheckPath.startsWith('/')
      ? `must start with '/', got '${props.healthCheckPath}'; for example '/health'` : undefined, '/');
  // The load balancer rejects an interval that is not longer than the health-check timeout,
  // which is 5 seconds for IP targets over HTTP.
  // A token given in the unit the target takes goes to it unchanged; CloudFormation checks its value.
  const healthCheckInterval = wholeDuration(ifValid(scope, 'healthCheckInterval', props.healthCheckInterval,
    durationProblem(props.healthCheckInterval, { unit: 'seconds', min: MIN_HEALTH_CHECK_INTERVAL_SECONDS, max: 300,
      fix: 'the load balancer needs it longer than its 5-second health-check timeout, e.g. Duration.seconds(15)' }), Duration.seconds(15)), 'seconds');
  const deregistrationDelay = deregistrationDelayOf(ifValid(scope, 'deregistrationDelay', props.deregistrationDelay,
    durationProblem(props.deregistrationDelay, { unit: 'seconds', min: 0, max: 3600, fix: 'for example Duration.seconds(30)' }), Duration.seconds(30)));
  const terminationWait = wholeDuration(ifValid(scope, 'terminationWait', props.terminationWait,
    durationProblem(props.terminationWait, { unit: 'minutes', min: 0, max: MAX_WAIT_MINUTES,
      fix: 'CodeDeploy counts it in whole minutes, at most 2 days, e.g. Duration.hours(1)' }), Duration.hours(1)), 'minutes');
  const approvalWait = props.approvalWait !== undefined && valid(scope, 'approvalWait', durationProblem(props.approvalWait,
    { unit: 'minutes', min: 1, max: MAX_WAIT_MINUTES, fix: 'CodeDeploy counts it in whole minutes, at most 2 days, e.g. Duration.hours(4)' }))
    ? wholeDuration(props.approvalWait, 'minutes') : undefined;

  for (const prop of ['testListenerPeers', 'productionListenerPeers'] as const) {
    const peers = props[prop];
    if (peers !== undefined && peers.length === 0) {
      const listener = prop === 'testListenerPeers' ? 'test' : 'production';
      recordPropProblem(scope, prop, `is empty, so nothing${prop === 'testListenerPeers' ? ' but the hooks' : ''} could reach the `
        + `${listener} listener; leave it unset for the default, or name the peers (e.g. [ec2.Peer.ipv4('10.0.0.0/8')])`);
    }
  }
  if (props.loadBalancer && props.internetFacing !== undefined) {
    recordPropProblem(scope, 'internetFacing', 'only applies to a load balancer created here; remove it or remove loadBalancer');
  }
  if (props.loadBalancer && props.accessLogsBucket) {
    recordPropProblem(scope, 'accessLogsBucket', 'only applies to a load balancer created here; enable access logs on the load balancer you pass');
  }
  if (props.vpc && props.cluster && props.vpc !== props.cluster.vpc) {
    recordPropProblem(scope, 'vpc', 'differs from the VPC of the given cluster; pass only cluster, or a cluster in this VPC');
  }

  return {
    containerName, applicationName, deploymentGroupName, containerPort, cpu, memoryLimitMiB, desiredCount, https, certificate: https ? props.certificate : undefined,
    listenerPort, testListenerPort, redirectHttp, healthCheckPath, healthCheckInterval, deregistrationDelay, terminationWait, approvalWait,
  };
}

/** The listener settings a service or a shared load balancer builds with. */
export interface ListenerInput {
  readonly https: boolean;
  readonly listenerPort: number;
  readonly testListenerPort: number;
  readonly redirectHttp: boolean;
}

/** Checks the listener props of a service or a shared load balancer, recording problems on `scope`. */
export function checkListenerOptions(scope: Construct, props: ServiceListenerOptions): ListenerInput {
  // HTTPS needs a certificate, and a certificate means HTTPS; a mismatch builds HTTP listeners.
  let https = (props.protocol ?? (props.certificate ? elbv2.ApplicationProtocol.HTTPS : elbv2.ApplicationProtocol.HTTP))
    === elbv2.ApplicationProtocol.HTTPS;
  if (props.protocol === elbv2.ApplicationProtocol.HTTPS && !props.certificate) {
    recordPropProblem(scope, 'certificate',
      'is required with protocol HTTPS; pass an ACM certificate (elbv2.ListenerCertificate.fromCertificateManager(cert)) or use HTTP');
    https = false;
  }
  if (props.protocol === elbv2.ApplicationProtocol.HTTP && props.certificate) {
    recordPropProblem(scope, 'protocol', 'is HTTP but a certificate was given; remove the certificate or use HTTPS');
  }

  const portReason = 'the two listener ports must differ, which is checked at synthesis, and the hooks\' URLs and the HTTP redirect name them';
  const listenerPort = ifValid(scope, 'listenerPort', props.listenerPort,
    literalNumberProblem(props.listenerPort, portReason, '443') ?? integerRangeProblem(props.listenerPort, 1, 65535), https ? 443 : 80);
  let testListenerPort = ifValid(scope, 'testListenerPort', props.testListenerPort,
    literalNumberProblem(props.testListenerPort, portReason, '8443') ?? integerRangeProblem(props.testListenerPort, 1, 65535), https ? 8443 : 8080);
  if (listenerPort === testListenerPort) {
    recordPropProblem(scope, 'testListenerPort', `must differ from listenerPort, both are ${listenerPort}; pick another port for the test listener`);
    testListenerPort = listenerPort === 8081 ? 8082 : 8081;
  }

  // By default only when port 80 is free: the load balancer refuses two listeners on one port.
  let redirectHttp = props.redirectHttp ?? (https && listenerPort === 443 && testListenerPort !== 80);
  if (props.redirectHttp && props.protocol !== elbv2.ApplicationProtocol.HTTPS && !props.certificate) {
    recordPropProblem(scope, 'redirectHttp', 'needs HTTPS listeners; give a certificate, or remove redirectHttp');
    redirectHttp = false;
  } else if (props.redirectHttp && (props.listenerPort === 80 || props.testListenerPort === 80)) {
    recordPropProblem(scope, 'redirectHttp', 'takes port 80, which listenerPort or testListenerPort already uses; move that listener or remove redirectHttp');
    redirectHttp = false;
  }
  return { https, listenerPort, testListenerPort, redirectHttp };
}

/** Records a problem when the load balancer given is in another VPC than the service. */
export function checkLoadBalancerVpc(scope: Construct, loadBalancer: elbv2.IApplicationLoadBalancer, vpc: ec2.IVpc): void {
  const lbVpc = loadBalancer.vpc;
  if (!lbVpc || lbVpc === vpc) {
    return;
  }
  // Two VPCs defined in the app are two VPCs; otherwise only resolved ids can be compared.
  const bothDefinedHere = lbVpc instanceof ec2.Vpc && vpc instanceof ec2.Vpc;
  const idsDiffer = isResolved(lbVpc.vpcId) && isResolved(vpc.vpcId) && lbVpc.vpcId !== vpc.vpcId;
  if (bothDefinedHere || idsDiffer) {
    recordPropProblem(scope, 'loadBalancer', `${loadBalancer.node.path} is in VPC ${describeVpc(lbVpc)}, the service in VPC ${describeVpc(vpc)}; `
      + 'a load balancer forwards only to target groups of its own VPC: pass a load balancer of the service\'s VPC, or run the service in '
      + 'the load balancer\'s VPC (vpc or cluster)');
  }
}

/**
 * Who may reach the production listener by default: anyone for an internet-facing load balancer
 * (over IPv6 too when it is dual-stack), the VPC's CIDR block for an internal one. `undefined`
 * when the scheme of a given (imported) load balancer is not known here.
 */
export function defaultProductionPeers(loadBalancer: elbv2.IApplicationLoadBalancer, vpc: ec2.IVpc): ec2.IPeer[] | undefined {
  const cfn = loadBalancer instanceof elbv2.ApplicationLoadBalancer ? loadBalancer.node.defaultChild : undefined;
  if (!(cfn instanceof elbv2.CfnLoadBalancer)) {
    return undefined;
  }
  if (cfn.scheme === 'internal') {
    return [ec2.Peer.ipv4(vpc.vpcCidrBlock)];
  }
  return isDualStack(loadBalancer) ? [ec2.Peer.anyIpv4(), ec2.Peer.anyIpv6()] : [ec2.Peer.anyIpv4()];
}

function describeVpc(vpc: ec2.IVpc): string {
  return isResolved(vpc.vpcId) ? vpc.vpcId : vpc.node.path;
}

/**
 * The delay as the target group takes it: its attribute is a string, which aws-cdk-lib writes as
 * `toSeconds().toString()`; a number token would resolve to a number there, so it is made a
 * string token first.
 */
function deregistrationDelayOf(delay: Duration): Duration {
  if (!delay.isUnresolved()) {
    return wholeDuration(delay, 'seconds');
  }
  return Duration.seconds(Token.asNumber(Tokenization.stringifyNumber(delay.toSeconds())));
}

/**
 * What is wrong with a container name. It must be literal: it is the container's id in the task
 * definition, and the AppSpec file and taskdef.json of every release, written at synthesis, name it.
 */
function containerNameProblem(name: string | undefined): string | undefined {
  if (name === undefined) {
    return undefined;
  }
  if (!isResolved(name)) {
    return 'is a deploy-time value (a token), but it must be known at synthesis: the AppSpec file and taskdef.json of every release, '
      + 'written at synthesis, name the container. Pass a literal string, e.g. \'web\'; for a name per environment, read it from context '
      + '(this.node.tryGetContext(\'containerName\')) or from the stack\'s props';
  }
  return /^[A-Za-z0-9_-]{1,255}$/.test(name) ? undefined : `must be 1-255 letters, digits, hyphens or underscores, got '${name}'`;
}

/** CodeDeploy's rule for application and deployment group names, as aws-cdk-lib checks it. */
const CODEDEPLOY_NAME = /^[A-Za-z0-9._+=,@-]{1,100}$/;

/** What is wrong with a CodeDeploy name; a token is CodeDeploy's to check at deployment. */
function codeDeployNameProblem(name: string | undefined, what: string): string | undefined {
  if (name === undefined || !isResolved(name) || CODEDEPLOY_NAME.test(name)) {
    return undefined;
  }
  const got = `'${name}'${name.length > 100 ? ` (${name.length} characters)` : ''}`;
  return `must be 1-100 letters, digits, '.', '_', '+', '=', ',', '@' or '-', got ${got}; CodeDeploy refuses other ${what} names, `
    + 'e.g. use \'orders-api\', or leave it unset for a generated name';
}

function ifValid<T>(scope: Construct, prop: string, value: T | undefined, problem: string | undefined, standIn: T): T {
  return valid(scope, prop, problem) ? value ?? standIn : standIn;
}
