import * as fc from 'fast-check';
import { DurSpec, NumSpec, StrSpec, dur, literal, minutes, num, pascal, seconds, someOf, str } from './values';

/*
 * The random cases: plain data that scenario.ts builds into an app. Every prop of every public
 * construct is drawn type-correct, mostly plausible and sometimes wild.
 */

export type Network = 'default' | 'vpc' | 'isolated' | 'importedWithCidr' | 'importedWithoutCidr' | 'importedPublicOnly' | 'cluster' | 'importedCluster';
export type Peer = 'anyIpv4' | 'anyIpv6' | 'vpcCidr' | '10.1.0.0/16' | '192.168.0.1/32' | 'securityGroup';
export type Shifting =
  | { readonly allAtOnce: true }
  | { readonly canary: NumSpec; readonly interval: DurSpec }
  | { readonly linear: NumSpec; readonly interval: DurSpec }
  | { readonly config: string; readonly kind?: string };
export type FilterPattern = { readonly anyTerm: StrSpec[] } | { readonly literal: StrSpec } | { readonly allTerms: StrSpec[] };

const bool = fc.boolean();
const retention = fc.constantFrom(1, 7, 30, 90, 365, 731, 3653, 9999);
const tracing = fc.constantFrom('Active', 'PassThrough', 'Disabled');
const lifecycleEvent = fc.constantFrom('BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic');
const shiftingKind = fc.constantFrom('ALL_AT_ONCE', 'CANARY', 'LINEAR', 'CUSTOM');
const verdict = fc.constantFrom('fail', 'pass', 'fail-in-production');
const listenerPort = num(fc.constantFrom(80, 443, 1, 65535));
const testPort = num(fc.constantFrom(8080, 8443, 9000));
const percent = num(fc.integer({ min: 1, max: 99 }));
const count = (max: number) => num(fc.integer({ min: 0, max }));
const ratio = num(fc.double({ min: 0, max: 10, noNaN: true }));
const env = fc.dictionary(literal(fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/)), str(), { maxKeys: 4 });
// ec2.SubnetType's values: PRIVATE_WITH_EGRESS, PRIVATE_ISOLATED, PUBLIC.
const subnetType = fc.constantFrom('Private', 'Isolated', 'Public');

const shifting: fc.Arbitrary<Shifting> = fc.oneof(
  fc.constant({ allAtOnce: true as const }),
  fc.record({ canary: percent, interval: dur(minutes(1, 60)) }),
  fc.record({ linear: percent, interval: dur(minutes(1, 60)) }),
  fc.record({
    config: fc.constantFrom('CodeDeployDefault.ECSAllAtOnce', 'CodeDeployDefault.ECSCanary10Percent5Minutes', 'CodeDeployDefault.ECSLinear10PercentEvery1Minutes', 'my-config', 'new'),
    kind: fc.option(shiftingKind, { nil: undefined }),
  }).map(({ config, kind }) => (kind === undefined ? { config } : { config, kind })),
);

const filterPattern: fc.Arbitrary<FilterPattern> = fc.oneof(
  fc.record({ anyTerm: fc.array(str(fc.constantFrom('FATAL', 'panic')), { minLength: 1, maxLength: 3 }) }),
  fc.record({ literal: str(fc.constantFrom('{ $.level = "fatal" }', '[ts, level = FATAL, ...]')) }),
  fc.record({ allTerms: fc.array(str(fc.constantFrom('ERROR', 'db')), { minLength: 1, maxLength: 3 }) }),
);

export const rollbackOptions = someOf({
  attachToDeploymentGroup: bool,
  period: dur(minutes(1, 5)),
  evaluationPeriods: count(10),
  minRequestCount: count(1000),
  enableErrorRateAlarm: bool,
  maxErrorRatePercent: num(fc.double({ min: 0, max: 100, noNaN: true })),
  enableLatencyAlarm: bool,
  latencyBaseline: dur(fc.integer({ min: 1, max: 5000 }).map((millis) => ({ millis }))),
  latencyMultiplier: ratio,
  latencyAnomalyBandWidth: ratio,
  enableUnhealthyTargetsAlarm: bool,
  maxUnhealthyTargets: count(10),
  enableFatalLogAlarm: bool,
  fatalLogPatterns: fc.array(filterPattern, { maxLength: 6 }),
  enableRunningTaskShortfallAlarm: bool,
  minRunningTaskPercent: num(fc.integer({ min: 1, max: 100 })),
  runningTaskEvaluationPeriods: count(10),
  enableFailedTaskSetGuard: bool,
  failedGreenTaskThreshold: count(10),
}, 0.15);

export const serviceProps = someOf({
  serviceName: str(),
  containerName: str(),
  containerPort: num(fc.constantFrom(8080, 80, 3000)),
  // 2048 MiB goes with each of these: a wild value tries the other combinations.
  cpu: num(fc.constantFrom(256, 512, 1024)),
  memoryLimitMiB: num(fc.constant(2048)),
  desiredCount: count(10),
  environment: env,
  secrets: fc.array(literal(fc.stringMatching(/^[A-Z][A-Z_]{0,8}$/)), { maxLength: 3 }),
  vpcSubnets: subnetType,
  logRetention: retention,
  protocol: fc.constantFrom('HTTP', 'HTTPS'),
  // Unset: a certificate exactly with HTTPS.
  certificate: bool,
  listenerPort,
  testListenerPort: testPort,
  testListenerPeers: fc.array(fc.constantFrom<Peer>('anyIpv4', 'anyIpv6', 'vpcCidr', '10.1.0.0/16', '192.168.0.1/32', 'securityGroup'), { maxLength: 3 }),
  productionListenerPeers: fc.array(fc.constantFrom<Peer>('anyIpv4', 'anyIpv6', 'vpcCidr', '10.1.0.0/16', '192.168.0.1/32', 'securityGroup'), { maxLength: 3 }),
  redirectHttp: bool,
  healthCheckPath: str(fc.constantFrom('/', '/health', '/a/b?c=1')),
  healthCheckInterval: dur(seconds(6, 300)),
  deregistrationDelay: dur(seconds(0, 3600)),
  trafficShifting: shifting,
  terminationWait: dur(minutes(0, 2880)),
  approvalWait: dur(minutes(1, 2880)),
  applicationName: str(),
  deploymentGroupName: str(),
  internetFacing: bool,
  accessLogsBucket: fc.constantFrom('new', 'imported'),
  loadBalancer: fc.constantFrom('new', 'newInternal', 'imported'),
  rollbackAlarmOptions: rollbackOptions,
}, 0.12);

const hookOptions = {
  logRetention: retention,
  tracing,
  role: fc.constantFrom('new', 'imported'),
};

const smokeCheck = fc.record({
  path: str(fc.constantFrom('/', '/health', '/version')),
  http: bool,
  options: someOf({
    name: str(),
    method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
    headers: fc.dictionary(literal(fc.constantFrom('x-a', 'accept', 'authorization')), str(), { maxKeys: 2 }),
    body: str(fc.constantFrom('{}', 'hello')),
    expectedStatuses: fc.array(num(fc.constantFrom(200, 201, 204, 301, 404)), { maxLength: 3 }),
    bodyContains: str(),
    jsonFields: fc.dictionary(literal(fc.constantFrom('status', 'db.ok', 'a.b.c')), fc.oneof(str().map((s) => ({ s })), num(fc.integer()).map((n) => ({ n })), bool.map((b) => ({ b })), fc.constant({ null: true })), { maxKeys: 2 }),
    version: fc.oneof(str(fc.constant('x-app-version')).map((header) => ({ header })), str(fc.constant('build.version')).map((jsonField) => ({ jsonField }))),
    expectedVersion: fc.oneof(str(fc.constant('1.2.3')).map((of) => ({ of })), fc.option(str(fc.constant('RELEASE_VERSION')), { nil: undefined }).map((variable) => ({ variable }))),
    timeout: dur(seconds(1, 60)),
    latencyBudget: dur(fc.integer({ min: 1, max: 5000 }).map((millis) => ({ millis }))),
    retries: count(10),
    retryDelay: dur(seconds(0, 30)),
    secret: bool,
    secretHeaderName: str(fc.constant('authorization')),
    secretPrefix: str(fc.constant('Bearer ')),
    secretJsonField: str(fc.constant('token')),
  }, 0.2),
});

export const hooks = someOf({
  preflight: someOf({ ...hookOptions, alarms: fc.integer({ min: 0, max: 3 }), duplicateAlarm: bool, failOnActionsDisabled: bool, allowDisabledAlarmMonitoring: bool }),
  migration: fc.record({
    command: fc.array(str(fc.constantFrom('npm', 'run', 'migrate')), { maxLength: 5 }),
    props: someOf({
      ...hookOptions,
      environment: env,
      deadline: dur(minutes(1, 50)),
      lifecycleEvent,
      vpcSubnets: subnetType,
      securityGroups: fc.integer({ min: 0, max: 3 }),
      duplicateSecurityGroup: bool,
      platformVersion: fc.constantFrom('LATEST', '1.4.0'),
    }),
  }),
  smokeTest: someOf({
    ...hookOptions,
    checks: fc.array(smokeCheck, { maxLength: 4 }),
    addChecks: fc.array(smokeCheck, { maxLength: 2 }),
    lifecycleEvent,
    expectedVersion: fc.oneof(str(fc.constant('1.2.3')).map((of) => ({ of })), fc.constant({ variable: undefined })),
    timeout: dur(minutes(1, 15)),
    createVpcEndpoints: bool,
    hostName: str(fc.constant('orders.example.com')),
    verifyCertificate: bool,
  }),
  metricGate: someOf({
    ...hookOptions,
    latencyRatio: ratio,
    latencyFloor: dur(fc.integer({ min: 1, max: 1000 }).map((millis) => ({ millis }))),
    errorRateDelta: ratio,
    marginalBand: num(fc.double({ min: 0, max: 1, noNaN: true })),
    minRequestCount: count(1000),
    minBaselineRequestCount: count(1000),
    maxErrorRatePercent: num(fc.double({ min: 0, max: 100, noNaN: true })),
    maxLatency: dur(fc.integer({ min: 1, max: 10000 }).map((millis) => ({ millis }))),
    bakeWindow: dur(minutes(1, 30)),
    lookback: dur(minutes(1, 60)),
    onMarginal: verdict,
    onInconclusive: verdict,
    production: bool,
    dryRun: bool,
    trafficShiftingKind: shiftingKind,
  }),
  custom: fc.record({ lifecycleEvent, imported: bool }),
}, 0.4);

const stage = fc.record({
  stageName: str(pascal),
  second: bool,
  options: someOf({ requireApproval: bool, approvalComment: str(fc.constant('check the dashboard')) }),
});

export const pipeline = fc.record({
  source: fc.oneof(
    fc.record({ ecr: fc.constantFrom('new', 'imported'), imageTag: fc.option(str(fc.constantFrom('latest', 'v1')), { nil: undefined }) }),
    fc.record({ connectionArn: str(fc.constant('arn:aws:codestar-connections:eu-west-1:123456789012:connection/abcd')), owner: str(), repo: str(), branch: fc.option(str(fc.constant('main')), { nil: undefined }), triggerOnPush: fc.option(bool, { nil: undefined }) }),
    fc.record({ s3: fc.constantFrom('new', 'imported'), bucketKey: str(fc.constant('app/source.zip')), trigger: fc.option(fc.constantFrom('None', 'Poll', 'Events'), { nil: undefined }) }),
  ),
  stages: fc.array(stage, { minLength: 1, maxLength: 3 }),
  addStages: fc.array(stage, { maxLength: 1 }),
  props: someOf({
    pipelineName: str(),
    releaseVersionVariable: str(fc.constant('APP_VERSION')),
    preCheckCommands: fc.array(str(fc.constantFrom('npm ci', 'npm test')), { maxLength: 3 }),
    repository: fc.constantFrom('new', 'imported'),
    dockerfile: str(fc.constant('Dockerfile')),
    dockerBuildContext: str(fc.constant('.')),
    buildComputeType: fc.constantFrom('BUILD_GENERAL1_SMALL', 'BUILD_GENERAL1_LARGE'),
    buildTimeout: dur(minutes(5, 480)),
    buildLogRetention: retention,
    notificationEmails: fc.array(str(fc.constantFrom('ops@example.com', 'dev@example.com')), { maxLength: 3 }),
    // Together mostly; one without the other is refused.
    slack: fc.record({ slackWorkspaceId: fc.option(str(fc.constant('T0123ABCD')), { nil: undefined, freq: 8 }), slackChannelId: fc.option(str(fc.constant('C0123ABCD')), { nil: undefined, freq: 8 }) }),
    notifyDeploymentSuccess: bool,
    notifierLogRetention: retention,
    deploymentRecordRetention: retention,
  }, 0.15),
});

export const dashboard = fc.tuple(fc.constantFrom('first', 'both', 'first', 'both', 'none', 'twice'), someOf({
  dashboardName: str(),
  pipeline: bool,
  productionStages: fc.array(str(pascal), { maxLength: 2 }),
  period: dur(minutes(1, 60)),
  defaultInterval: dur(fc.integer({ min: 1, max: 48 }).map((hours) => ({ hours }))),
}, 0.4)).map(([services, props]) => ({ services, ...props }));

export const rollbackAlarms = fc.record({
  targetGroups: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 6) }),
  duplicateTargetGroup: bool,
  props: someOf({
    loadBalancer: bool,
    serviceName: str(),
    logGroup: bool,
    deploymentGroup: bool,
    service: bool,
  }),
  options: rollbackOptions,
});

export const guard = someOf({
  serviceName: str(),
  failedTaskThreshold: num(fc.integer({ min: 1, max: 100 })),
  stopDeployments: bool,
  logRetention: retention,
});

export const importedService = someOf({
  serviceName: str(),
  // Mostly the defined service's own: another one is refused.
  containerName: fc.oneof({ weight: 4, arbitrary: fc.constant('same') }, { weight: 1, arbitrary: str() }),
  containerPort: fc.oneof({ weight: 4, arbitrary: fc.constant('same') }, { weight: 1, arbitrary: num(fc.constantFrom(8080, 80)) }),
  logStreamPrefix: str(),
  https: bool,
  testListenerPort: testPort,
  testUrl: str(fc.constant('https://test.example.com:8443')),
  url: str(fc.constant('https://example.com')),
  trafficShifting: shifting,
  deploymentGroupRole: bool,
}, 0.3);

export const caseSpec = fc.record({
  env: fc.constantFrom('agnostic', 'explicit'),
  network: fc.constantFrom<Network>('default', 'vpc', 'cluster', 'importedWithCidr', 'importedCluster', 'default', 'vpc', 'cluster', 'isolated', 'importedWithoutCidr', 'importedPublicOnly'),
  service: serviceProps,
  extra: someOf({
    // On the first service's load balancer, on ports of its own (the same ports are refused).
    secondService: serviceProps.map(({ listenerPort: _l, testListenerPort: _t, redirectHttp: _r, ...props }) => props),
    hooks,
    pipeline,
    dashboard,
    rollbackAlarms,
    guard,
    importedService,
    // A service in another stack of the app (in the first one's environment with `match`, in its
    // region or another with `same` / `other`, or environment-agnostic), deployed by the
    // pipeline's stages that pick the last service, and a replication bucket for that region in
    // a stack of its own or in the service's, or imported with its key; `named`: the service's
    // CodeDeploy application and deployment group have physical names.
    otherStack: fc.record({ region: fc.constantFrom('match', 'match', 'match', 'same', 'other', 'agnostic'), bucket: fc.constantFrom('none', 'ownStack', 'serviceStack', 'imported'), named: bool }),
    // The methods that take user input after construction.
    allowTestListenerFrom: fc.record({ description: fc.option(str(fc.constant('from the canary')), { nil: undefined }) }),
    rollbackAlarmCount: fc.integer({ min: 1, max: 12 }),
    dashboardPipelineStages: fc.array(str(pascal), { maxLength: 2 }),
  }, 0.25),
});

export type CaseSpec = typeof caseSpec extends fc.Arbitrary<infer T> ? T : never;
export type ServicePropsSpec = typeof serviceProps extends fc.Arbitrary<infer T> ? T : never;
