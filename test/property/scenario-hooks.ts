import { Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  CustomHook, ExpectedVersion, HttpMethod, IBlueGreenService, JsonValue, LifecycleEvent, MetricGateHook, MigrationHook, PreflightHook,
  SmokeCheck, SmokeTestHook, TrafficShiftingKind, UncertainVerdictPolicy, VersionSource,
} from '../../lib';
import { CaseSpec } from './arbitraries';
import { Materializer } from './values';

/* Builds the hooks of a case (scenario.ts builds the rest). */

type HooksSpec = NonNullable<CaseSpec['extra']['hooks']>;
type HookOptionsSpec = { logRetention?: number; tracing?: string; role?: string };

function hookOptions(stack: Stack, id: string, o: HookOptionsSpec) {
  return {
    logRetention: o.logRetention as logs.RetentionDays | undefined,
    tracing: o.tracing as lambda.Tracing | undefined,
    role: o.role === undefined ? undefined : o.role === 'new'
      ? new iam.Role(stack, `${id}Role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') })
      : iam.Role.fromRoleName(stack, `${id}Role`, 'hook-role'),
  };
}

/** `list` with its first item once more at the end, when `duplicate`. */
function duplicated<T>(duplicate: boolean | undefined, list: T[]): T[] {
  return duplicate && list.length > 0 ? [...list, list[0]] : list;
}

type SmokeCheckSpec = NonNullable<NonNullable<HooksSpec['smokeTest']>['checks']>[number];

function smokeCheck(stack: Stack, m: Materializer, id: string, c: SmokeCheckSpec): SmokeCheck {
  const o = c.options;
  const json = (v: { s?: unknown; n?: unknown; b?: boolean; null?: boolean }) => 's' in v ? JsonValue.fromString(m.str(v.s as never))
    : 'n' in v ? JsonValue.fromNumber(m.num(v.n as never)) : 'b' in v ? JsonValue.fromBoolean(v.b!) : JsonValue.NULL;
  const options = {
    name: m.str(o.name),
    method: o.method as HttpMethod | undefined,
    headers: m.record(o.headers),
    body: m.str(o.body),
    expectedStatuses: o.expectedStatuses?.map((s) => m.num(s)),
    bodyContains: m.str(o.bodyContains),
    jsonFields: o.jsonFields && Object.fromEntries(Object.entries(o.jsonFields).map(([k, v]) => [k, json(v)])),
    version: o.version && ('header' in o.version ? VersionSource.header(m.str(o.version.header)) : VersionSource.jsonField(m.str(o.version.jsonField))),
    expectedVersion: o.expectedVersion && ('of' in o.expectedVersion ? ExpectedVersion.of(m.str(o.expectedVersion.of))
      : ExpectedVersion.fromDeployedEnvironment(m.str(o.expectedVersion.variable))),
    timeout: m.dur(o.timeout),
    latencyBudget: m.dur(o.latencyBudget),
    retries: m.num(o.retries),
    retryDelay: m.dur(o.retryDelay),
    secret: o.secret ? secretsmanager.Secret.fromSecretNameV2(stack, `${id}Secret`, 'smoke-token') : undefined,
    secretHeaderName: m.str(o.secretHeaderName),
    secretPrefix: m.str(o.secretPrefix),
    secretJsonField: m.str(o.secretJsonField),
  };
  return c.http ? SmokeCheck.http({ ...options, path: m.str(c.path) }) : SmokeCheck.get(m.str(c.path), options);
}

export function addHooks(stack: Stack, m: Materializer, service: IBlueGreenService, h: HooksSpec): void {
  if (h.preflight) {
    const p = h.preflight;
    new PreflightHook(stack, 'Preflight', {
      service, ...hookOptions(stack, 'Preflight', p),
      alarms: p.alarms === undefined ? undefined : duplicated(p.duplicateAlarm,
        Array.from({ length: p.alarms }, (_, i) => cloudwatch.Alarm.fromAlarmName(stack, `PreflightAlarm${i}`, `alarm-${i}`))),
      failOnActionsDisabled: p.failOnActionsDisabled,
      allowDisabledAlarmMonitoring: p.allowDisabledAlarmMonitoring,
    });
  }
  if (h.migration) {
    const p = h.migration.props;
    new MigrationHook(stack, 'Migration', {
      service, ...hookOptions(stack, 'Migration', p),
      command: m.strs(h.migration.command)!,
      environment: m.record(p.environment),
      deadline: m.dur(p.deadline),
      lifecycleEvent: p.lifecycleEvent as LifecycleEvent | undefined,
      vpcSubnets: p.vpcSubnets && { subnetType: p.vpcSubnets as ec2.SubnetType },
      securityGroups: p.securityGroups === undefined ? undefined : duplicated(p.duplicateSecurityGroup,
        Array.from({ length: p.securityGroups }, (_, i) => ec2.SecurityGroup.fromSecurityGroupId(stack, `MigrationSg${i}`, `sg-0000000000000000${i}`))),
      platformVersion: p.platformVersion as ecs.FargatePlatformVersion | undefined,
    });
  }
  if (h.smokeTest) {
    const p = h.smokeTest;
    const hook = new SmokeTestHook(stack, 'SmokeTest', {
      service, ...hookOptions(stack, 'SmokeTest', p),
      checks: p.checks?.map((c, i) => smokeCheck(stack, m, `Check${i}`, c)),
      lifecycleEvent: p.lifecycleEvent as LifecycleEvent | undefined,
      expectedVersion: p.expectedVersion && ('of' in p.expectedVersion ? ExpectedVersion.of(m.str(p.expectedVersion.of)) : ExpectedVersion.fromDeployedEnvironment()),
      timeout: m.dur(p.timeout),
      createVpcEndpoints: p.createVpcEndpoints,
      hostName: m.str(p.hostName),
      verifyCertificate: p.verifyCertificate,
    });
    p.addChecks?.forEach((c, i) => hook.addCheck(smokeCheck(stack, m, `AddedCheck${i}`, c)));
  }
  if (h.metricGate) {
    const p = h.metricGate;
    new MetricGateHook(stack, 'MetricGate', {
      service, ...hookOptions(stack, 'MetricGate', p),
      latencyRatio: m.num(p.latencyRatio),
      latencyFloor: m.dur(p.latencyFloor),
      errorRateDelta: m.num(p.errorRateDelta),
      marginalBand: m.num(p.marginalBand),
      minRequestCount: m.num(p.minRequestCount),
      minBaselineRequestCount: m.num(p.minBaselineRequestCount),
      maxErrorRatePercent: m.num(p.maxErrorRatePercent),
      maxLatency: m.dur(p.maxLatency),
      bakeWindow: m.dur(p.bakeWindow),
      lookback: m.dur(p.lookback),
      onMarginal: p.onMarginal as UncertainVerdictPolicy | undefined,
      onInconclusive: p.onInconclusive as UncertainVerdictPolicy | undefined,
      production: p.production,
      dryRun: p.dryRun,
      trafficShiftingKind: p.trafficShiftingKind as TrafficShiftingKind | undefined,
    });
  }
  if (h.custom) {
    const fn = h.custom.imported
      ? lambda.Function.fromFunctionArn(stack, 'CustomFunction', 'arn:aws:lambda:eu-west-1:123456789012:function:warm-caches')
      : new lambda.Function(stack, 'CustomFunction', {
        runtime: lambda.Runtime.NODEJS_24_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};'),
      });
    new CustomHook(stack, 'Custom', { service, function: fn, lifecycleEvent: h.custom.lifecycleEvent as LifecycleEvent });
  }
}

