import { App, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as actions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  BlueGreenService, BlueGreenServiceProps, FailedTaskSetGuard, IBlueGreenService, ReleaseDashboard, ReleasePipeline, ReleaseSource, RollbackAlarms,
  RollbackAlarmsOptions, TrafficShifting, TrafficShiftingKind,
} from '../../lib';
import { CaseSpec, FilterPattern, Network, Peer, ServicePropsSpec, Shifting } from './arbitraries';
import { addHooks } from './scenario-hooks';
import { Materializer } from './values';

/* Builds a case into an app: one App per case, every construct of lib/index.ts reachable. */

const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable');
const CONNECTION_ARN = 'arn:aws:codestar-connections:eu-west-1:123456789012:connection/abcd';

export interface BuiltCase {
  readonly app: App;
  readonly stack: Stack;
}

/**
 * An app with the built-in validation as the environment says (off in jest unless a file turns
 * it on), turned off, or on under the strict rules.
 */
export function newApp(validation: 'environment' | 'off' | 'strict' = 'environment'): App {
  return new App({
    ...(validation === 'environment' ? {} : { builtinCloudFormationValidation: validation === 'strict' }),
    context: {
      '@aws-cdk/aws-codedeploy:removeAlarmsFromDeploymentGroup': true,
      ...(validation === 'strict' ? { '@aws-cdk/core:validateAgainstDefaultRules': true } : {}),
    },
  });
}

/** Builds `spec` into `app`; throws what the constructs throw at construction. */
export function buildCase(app: App, spec: CaseSpec): BuiltCase {
  const stack = new Stack(app, 'Stack', spec.env === 'explicit' ? { env: { account: '123456789012', region: 'eu-west-1' } } : {});
  const m = new Materializer(stack);
  const network = buildNetwork(stack, spec.network);
  const service = new BlueGreenService(stack, 'Service', serviceProps(stack, m, 'Service', network, spec.service));
  const services: IBlueGreenService[] = [service];
  const { extra } = spec;
  if (extra.secondService) {
    // Another service on the first one's load balancer and network, on ports of its own: two
    // services on the same ports of one load balancer are refused.
    services.push(new BlueGreenService(stack, 'Second', {
      ...serviceProps(stack, m, 'Second', network, extra.secondService),
      listenerPort: 81, testListenerPort: 8081,
      loadBalancer: service.loadBalancer, vpc: service.vpc,
    }));
  }
  let replicationBuckets: Record<string, s3.IBucket> | undefined;
  if (extra.otherStack) {
    const { region, bucket } = extra.otherStack;
    const env = region === 'agnostic' || (region === 'match' && spec.env === 'agnostic') ? undefined
      : { account: '123456789012', region: region === 'other' ? 'us-east-1' : 'eu-west-1' };
    const other = new Stack(app, 'Other', { env });
    services.push(new BlueGreenService(other, 'Service', {
      image, serviceName: 'other', ...(extra.otherStack.named ? { applicationName: 'other-app', deploymentGroupName: 'other-dg' } : {}),
    }));
    if (bucket === 'imported') {
      replicationBuckets = { [other.region]: s3.Bucket.fromBucketAttributes(stack, 'ReplicationBucket', {
        bucketName: 'replication-us-east-1', region: other.region,
        encryptionKey: kms.Key.fromKeyArn(stack, 'ReplicationKey', `arn:aws:kms:${other.region}:123456789012:key/12345678-1234-1234-1234-123456789012`),
      }) };
    } else if (bucket !== 'none') {
      const scope = bucket === 'serviceStack' ? other : new Stack(app, 'Replication', { env });
      replicationBuckets = { [scope.region]: new s3.Bucket(scope, 'ReplicationBucket', { encryptionKey: new kms.Key(scope, 'ReplicationKey') }) };
    }
  }
  let hooked: IBlueGreenService = service;
  if (extra.importedService) {
    hooked = importService(stack, m, service, extra.importedService);
    services.push(hooked);
  }
  if (extra.allowTestListenerFrom) {
    const canary = ec2.SecurityGroup.fromSecurityGroupId(stack, 'CanarySecurityGroup', 'sg-0123456789abcdef2');
    service.allowTestListenerFrom(canary, m.str(extra.allowTestListenerFrom.description));
  }
  for (let i = 0; i < (extra.rollbackAlarmCount ?? 0); i++) {
    service.addRollbackAlarm(cloudwatch.Alarm.fromAlarmName(stack, `RollbackAlarm${i}`, `rollback-${i}`));
  }
  if (extra.hooks) {
    addHooks(stack, m, hooked, extra.hooks);
  }
  let pipeline: ReleasePipeline | undefined;
  if (extra.pipeline) {
    pipeline = buildPipeline(stack, m, services, extra.pipeline, replicationBuckets);
  }
  if (extra.dashboard) {
    const d = extra.dashboard;
    const chosen = { none: [], first: [service], both: services, twice: [service, service] }[d.services ?? 'none'];
    new ReleaseDashboard(stack, 'Dashboard', {
      dashboardName: m.str(d.dashboardName),
      services: d.services === undefined ? undefined : chosen,
      pipeline: d.pipeline ? pipeline : undefined,
      productionStages: m.strs(d.productionStages),
      period: m.dur(d.period),
      defaultInterval: m.dur(d.defaultInterval),
    });
  }
  if (extra.dashboardPipelineStages && pipeline) {
    // A dashboard of its own, the pipeline added after construction.
    new ReleaseDashboard(stack, 'PipelineDashboard').addPipeline(pipeline, { productionStages: m.strs(extra.dashboardPipelineStages) });
  }
  if (extra.rollbackAlarms) {
    const r = extra.rollbackAlarms;
    const targetGroups = Array.from({ length: r.targetGroups }, (_, i) => elbv2.ApplicationTargetGroup.fromTargetGroupAttributes(stack, `ImportedTargetGroup${i}`, {
      targetGroupArn: `arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/tg-${i}/0123456789abcdef`,
      loadBalancerArns: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shared/0123456789abcdef',
    }));
    if (r.duplicateTargetGroup && targetGroups.length > 0) {
      targetGroups.push(targetGroups[0]);
    }
    new RollbackAlarms(stack, 'Alarms', {
      ...rollbackOptions(m, r.options),
      targetGroups,
      loadBalancer: r.props.loadBalancer ? service.loadBalancer : undefined,
      serviceName: m.str(r.props.serviceName),
      logGroup: r.props.logGroup ? logs.LogGroup.fromLogGroupName(stack, 'ImportedLogGroup', 'app-logs') : undefined,
      deploymentGroup: r.props.deploymentGroup ? importedDeploymentGroup(stack, 'AlarmsDeploymentGroup') : undefined,
      service: r.props.service ? importedFargateService(stack, 'AlarmsService', network) : undefined,
    });
  }
  if (extra.guard) {
    const g = extra.guard;
    new FailedTaskSetGuard(stack, 'Guard', {
      deploymentGroup: importedDeploymentGroup(stack, 'GuardDeploymentGroup'),
      service: importedFargateService(stack, 'GuardService', network),
      serviceName: m.str(g.serviceName),
      failedTaskThreshold: m.num(g.failedTaskThreshold),
      stopDeployments: g.stopDeployments,
      logRetention: g.logRetention,
    });
  }
  return { app, stack };
}

interface BuiltNetwork {
  readonly vpc?: ec2.IVpc;
  readonly cluster?: ecs.ICluster;
}

function buildNetwork(stack: Stack, network: Network): BuiltNetwork {
  const imported = (id: string, attrs: Partial<ec2.VpcAttributes>) => ec2.Vpc.fromVpcAttributes(stack, id, {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    publicSubnetIds: ['subnet-0000000000000001', 'subnet-0000000000000002'],
    ...attrs,
  });
  switch (network) {
    case 'default':
      return {};
    case 'vpc':
      return { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) };
    case 'isolated':
      return {
        vpc: new ec2.Vpc(stack, 'Vpc', {
          maxAzs: 2, natGateways: 0,
          subnetConfiguration: [{ name: 'Public', subnetType: ec2.SubnetType.PUBLIC }, { name: 'Isolated', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
        }),
      };
    case 'importedWithCidr':
      return { vpc: imported('Vpc', { vpcCidrBlock: '10.0.0.0/16', privateSubnetIds: ['subnet-0000000000000003', 'subnet-0000000000000004'] }) };
    case 'importedWithoutCidr':
      return { vpc: imported('Vpc', { privateSubnetIds: ['subnet-0000000000000003', 'subnet-0000000000000004'] }) };
    case 'importedPublicOnly':
      return { vpc: imported('Vpc', { vpcCidrBlock: '10.0.0.0/16' }) };
    case 'cluster':
      return { cluster: new ecs.Cluster(stack, 'Cluster', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 }) }) };
    case 'importedCluster': {
      const vpc = imported('Vpc', { vpcCidrBlock: '10.0.0.0/16', privateSubnetIds: ['subnet-0000000000000003', 'subnet-0000000000000004'] });
      return { cluster: ecs.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'shared', vpc }) };
    }
  }
}

function peer(stack: Stack, p: Peer, id: string): ec2.IPeer {
  switch (p) {
    case 'anyIpv4': return ec2.Peer.anyIpv4();
    case 'anyIpv6': return ec2.Peer.anyIpv6();
    case 'vpcCidr': return ec2.Peer.ipv4('10.0.0.0/16');
    case 'securityGroup': return ec2.SecurityGroup.fromSecurityGroupId(stack, id, 'sg-0123456789abcdef0');
    default: return ec2.Peer.ipv4(p);
  }
}

function shiftingOf(stack: Stack, m: Materializer, id: string, s: Shifting): TrafficShifting {
  if ('allAtOnce' in s) {
    return TrafficShifting.allAtOnce();
  }
  if ('canary' in s) {
    return TrafficShifting.canary(m.num(s.canary), m.dur(s.interval)!);
  }
  if ('linear' in s) {
    return TrafficShifting.linear(m.num(s.linear), m.dur(s.interval)!);
  }
  const config = s.config === 'new'
    ? new codedeploy.EcsDeploymentConfig(stack, `${id}DeploymentConfig`, { trafficRouting: codedeploy.TrafficRouting.allAtOnce() })
    : codedeploy.EcsDeploymentConfig.fromEcsDeploymentConfigName(stack, `${id}ImportedDeploymentConfig`, s.config);
  return TrafficShifting.fromDeploymentConfig(config, s.kind as TrafficShiftingKind | undefined);
}

function filterPattern(m: Materializer, p: FilterPattern): logs.IFilterPattern {
  if ('anyTerm' in p) {
    return logs.FilterPattern.anyTerm(...p.anyTerm.map((t) => m.str(t)));
  }
  if ('allTerms' in p) {
    return logs.FilterPattern.allTerms(...p.allTerms.map((t) => m.str(t)));
  }
  return logs.FilterPattern.literal(m.str(p.literal));
}

function rollbackOptions(m: Materializer, o: NonNullable<ServicePropsSpec['rollbackAlarmOptions']>): RollbackAlarmsOptions {
  return {
    ...o,
    period: m.dur(o.period),
    evaluationPeriods: m.num(o.evaluationPeriods),
    minRequestCount: m.num(o.minRequestCount),
    maxErrorRatePercent: m.num(o.maxErrorRatePercent),
    latencyBaseline: m.dur(o.latencyBaseline),
    latencyMultiplier: m.num(o.latencyMultiplier),
    latencyAnomalyBandWidth: m.num(o.latencyAnomalyBandWidth),
    maxUnhealthyTargets: m.num(o.maxUnhealthyTargets),
    fatalLogPatterns: o.fatalLogPatterns?.map((p) => filterPattern(m, p)),
    minRunningTaskPercent: m.num(o.minRunningTaskPercent),
    runningTaskEvaluationPeriods: m.num(o.runningTaskEvaluationPeriods),
    failedGreenTaskThreshold: m.num(o.failedGreenTaskThreshold),
  };
}

function serviceProps(stack: Stack, m: Materializer, id: string, network: BuiltNetwork, p: ServicePropsSpec): BlueGreenServiceProps {
  const vpcForLb = network.vpc ?? network.cluster?.vpc;
  let loadBalancer: elbv2.IApplicationLoadBalancer | undefined;
  if (p.loadBalancer && vpcForLb) {
    loadBalancer = p.loadBalancer === 'imported'
      ? elbv2.ApplicationLoadBalancer.fromApplicationLoadBalancerAttributes(stack, `${id}ImportedAlb`, {
        loadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shared/0123456789abcdef',
        securityGroupId: 'sg-0123456789abcdef1',
        loadBalancerDnsName: 'shared-123.eu-west-1.elb.amazonaws.com',
        vpc: vpcForLb,
      })
      : new elbv2.ApplicationLoadBalancer(stack, `${id}Alb`, { vpc: vpcForLb, internetFacing: p.loadBalancer === 'new' });
  }
  return {
    image,
    vpc: network.vpc,
    cluster: network.cluster,
    loadBalancer,
    internetFacing: p.internetFacing,
    serviceName: m.str(p.serviceName),
    containerName: m.str(p.containerName),
    containerPort: m.num(p.containerPort),
    cpu: m.num(p.cpu),
    memoryLimitMiB: m.num(p.memoryLimitMiB),
    desiredCount: m.num(p.desiredCount),
    environment: m.record(p.environment),
    secrets: p.secrets && Object.fromEntries(p.secrets.map((name, i) => [name, ecs.Secret.fromSecretsManager(
      secretsmanager.Secret.fromSecretNameV2(stack, `${id}Secret${i}`, `app/${i}`))])),
    vpcSubnets: p.vpcSubnets && { subnetType: p.vpcSubnets as ec2.SubnetType },
    logRetention: p.logRetention as logs.RetentionDays | undefined,
    protocol: p.protocol as elbv2.ApplicationProtocol | undefined,
    certificate: p.certificate ?? p.protocol === 'HTTPS' ? elbv2.ListenerCertificate.fromArn('arn:aws:acm:eu-west-1:123456789012:certificate/abcd') : undefined,
    listenerPort: m.num(p.listenerPort),
    testListenerPort: m.num(p.testListenerPort),
    testListenerPeers: p.testListenerPeers?.map((x, i) => peer(stack, x, `${id}TestPeer${i}`)),
    productionListenerPeers: p.productionListenerPeers?.map((x, i) => peer(stack, x, `${id}ProductionPeer${i}`)),
    redirectHttp: p.redirectHttp,
    healthCheckPath: m.str(p.healthCheckPath),
    healthCheckInterval: m.dur(p.healthCheckInterval),
    deregistrationDelay: m.dur(p.deregistrationDelay),
    trafficShifting: p.trafficShifting && shiftingOf(stack, m, id, p.trafficShifting),
    terminationWait: m.dur(p.terminationWait),
    approvalWait: m.dur(p.approvalWait),
    applicationName: m.str(p.applicationName),
    deploymentGroupName: m.str(p.deploymentGroupName),
    accessLogsBucket: p.accessLogsBucket === undefined ? undefined
      : p.accessLogsBucket === 'new' ? new s3.Bucket(stack, `${id}AccessLogs`) : s3.Bucket.fromBucketName(stack, `${id}AccessLogs`, 'access-logs'),
    rollbackAlarmOptions: p.rollbackAlarmOptions && rollbackOptions(m, p.rollbackAlarmOptions),
  };
}

function importedDeploymentGroup(stack: Stack, id: string): codedeploy.IEcsDeploymentGroup {
  return codedeploy.EcsDeploymentGroup.fromEcsDeploymentGroupAttributes(stack, id, {
    application: codedeploy.EcsApplication.fromEcsApplicationName(stack, `${id}Application`, 'orders'),
    deploymentGroupName: 'orders-api',
  });
}

function importedFargateService(stack: Stack, id: string, network: BuiltNetwork): ecs.IBaseService {
  const cluster = network.cluster ?? ecs.Cluster.fromClusterAttributes(stack, `${id}Cluster`, {
    clusterName: 'shared', vpc: network.vpc ?? ec2.Vpc.fromVpcAttributes(stack, `${id}Vpc`, { vpcId: 'vpc-1', availabilityZones: ['eu-west-1a'] }),
  });
  return ecs.FargateService.fromFargateServiceAttributes(stack, id, { cluster, serviceName: 'orders' });
}

function importService(stack: Stack, m: Materializer, service: BlueGreenService, p: NonNullable<CaseSpec['extra']['importedService']>): IBlueGreenService {
  return BlueGreenService.fromBlueGreenServiceAttributes(stack, 'Imported', {
    service: service.service,
    deploymentGroup: importedDeploymentGroup(stack, 'ImportedDeploymentGroup'),
    deploymentGroupRole: p.deploymentGroupRole ? iam.Role.fromRoleName(stack, 'ImportedDeploymentRole', 'codedeploy') : undefined,
    loadBalancer: service.loadBalancer,
    productionListener: service.productionListener,
    testListener: service.testListener,
    testListenerPort: m.num(p.testListenerPort) ?? service.testListenerPort,
    blueTargetGroup: service.blueTargetGroup,
    greenTargetGroup: service.greenTargetGroup,
    taskDefinition: service.taskDefinition,
    containerName: p.containerName === 'same' ? service.containerName : m.str(p.containerName),
    containerPort: p.containerPort === 'same' ? service.containerPort : m.num(p.containerPort),
    logGroup: service.logGroup,
    logStreamPrefix: m.str(p.logStreamPrefix),
    serviceName: m.str(p.serviceName),
    https: p.https,
    testUrl: m.str(p.testUrl),
    url: m.str(p.url),
    trafficShifting: p.trafficShifting && shiftingOf(stack, m, 'Imported', p.trafficShifting),
  });
}

type PipelineSpec = NonNullable<CaseSpec['extra']['pipeline']>;

function buildPipeline(stack: Stack, m: Materializer, services: IBlueGreenService[], p: PipelineSpec,
  crossRegionReplicationBuckets?: Record<string, s3.IBucket>): ReleasePipeline {
  const s = p.source;
  let source: ReleaseSource;
  if ('ecr' in s) {
    const repository = s.ecr === 'new' ? new ecr.Repository(stack, 'SourceRepository') : ecr.Repository.fromRepositoryName(stack, 'SourceRepository', 'app');
    source = ReleaseSource.ecr({ repository, imageTag: m.str(s.imageTag) });
  } else if ('s3' in s) {
    const bucket = s.s3 === 'new' ? new s3.Bucket(stack, 'SourceBucket', { versioned: true }) : s3.Bucket.fromBucketName(stack, 'SourceBucket', 'sources');
    source = ReleaseSource.s3({ bucket, bucketKey: m.str(s.bucketKey), trigger: s.trigger as actions.S3Trigger | undefined });
  } else {
    source = ReleaseSource.codeStarConnection({
      connectionArn: m.str(s.connectionArn) ?? CONNECTION_ARN, owner: m.str(s.owner), repo: m.str(s.repo), branch: m.str(s.branch), triggerOnPush: s.triggerOnPush,
    });
  }
  const stage = (x: PipelineSpec['stages'][number]) => ({
    stageName: m.str(x.stageName),
    service: services[x.second ? services.length - 1 : 0],
    requireApproval: x.options.requireApproval,
    approvalComment: m.str(x.options.approvalComment),
  });
  const o = p.props;
  const pipeline = new ReleasePipeline(stack, 'Pipeline', {
    source,
    stages: p.stages.map(stage),
    pipelineName: m.str(o.pipelineName),
    releaseVersionVariable: m.str(o.releaseVersionVariable),
    preCheckCommands: m.strs(o.preCheckCommands),
    repository: o.repository === undefined ? undefined
      : o.repository === 'new' ? new ecr.Repository(stack, 'Repository') : ecr.Repository.fromRepositoryName(stack, 'Repository', 'built'),
    dockerfile: m.str(o.dockerfile),
    dockerBuildContext: m.str(o.dockerBuildContext),
    buildComputeType: o.buildComputeType as codebuild.ComputeType | undefined,
    buildTimeout: m.dur(o.buildTimeout),
    buildLogRetention: o.buildLogRetention as logs.RetentionDays | undefined,
    notificationEmails: m.strs(o.notificationEmails),
    slackWorkspaceId: m.str(o.slack?.slackWorkspaceId),
    slackChannelId: m.str(o.slack?.slackChannelId),
    notifyDeploymentSuccess: o.notifyDeploymentSuccess,
    notifierLogRetention: o.notifierLogRetention as logs.RetentionDays | undefined,
    deploymentRecordRetention: o.deploymentRecordRetention as logs.RetentionDays | undefined,
    crossRegionReplicationBuckets,
  });
  p.addStages.forEach((x) => pipeline.addStage(stage(x)));
  return pipeline;
}
