import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { RollbackAlarms, RollbackAlarmsProps } from '../../lib/alarms';
import { alarmTestStack, mockService, MockService } from './mock-service';
import { expectSynthError } from '../synth-errors';

/** RollbackAlarms named orders-api over a mock service's target groups, log group and deployment group. */
export function setup(props: Partial<RollbackAlarmsProps> = {}, serviceOptions: Parameters<typeof mockService>[1] = {}) {
  const stack = alarmTestStack();
  const svc = mockService(stack, serviceOptions);
  const alarms = alarmsOn(stack, svc, props);
  return { stack, svc, alarms };
}

/** {@link setup}, with the mock's ECS service given too. */
export function setupWithService(props: Partial<RollbackAlarmsProps> = {}, serviceOptions: Parameters<typeof mockService>[1] = {}) {
  const stack = alarmTestStack();
  const svc = mockService(stack, serviceOptions);
  const alarms = alarmsOn(stack, svc, { service: svc.service, ...props });
  return { stack, svc, alarms };
}

/** Asserts that the RollbackAlarms of {@link setup} with `props` are built, and fail the synthesis with `message`. */
export function setupFails(props: Partial<RollbackAlarmsProps>, message: RegExp | string,
  serviceOptions: Parameters<typeof mockService>[1] = {}): void {
  const stack = alarmTestStack();
  const svc = mockService(stack, serviceOptions);
  expectSynthError(stack, () => alarmsOn(stack, svc, props), message);
}

/** RollbackAlarms named orders-api over `svc`'s target groups, log group and deployment group. */
export function alarmsOn(stack: Stack, svc: MockService, props: Partial<RollbackAlarmsProps> = {}): RollbackAlarms {
  return new RollbackAlarms(stack, 'RollbackAlarms', {
    serviceName: 'orders-api',
    targetGroups: [svc.blue, svc.green],
    logGroup: svc.logGroup,
    deploymentGroup: svc.deploymentGroup,
    ...props,
  });
}

export function userAlarms(stack: Stack, count: number, prefix = 'User'): cloudwatch.Alarm[] {
  return Array.from({ length: count }, (_, i) => new cloudwatch.Alarm(stack, `${prefix}${i + 1}`, {
    alarmName: `${prefix.toLowerCase()}-${i + 1}`,
    metric: new cloudwatch.Metric({ namespace: 'Orders', metricName: `Metric${i + 1}` }),
    threshold: 1,
    evaluationPeriods: 1,
  }));
}

export function deploymentGroupAlarmNames(stack: Stack): unknown[] {
  const groups = Template.fromStack(stack).findResources('AWS::CodeDeploy::DeploymentGroup');
  const [group] = Object.values(groups);
  return (group.Properties.AlarmConfiguration?.Alarms ?? []).map((a: { Name: unknown }) => a.Name);
}

export function refOf(stack: Stack, construct: Construct): { Ref: string } {
  const resource = construct.node.defaultChild as unknown as { logicalId: string };
  return { Ref: stack.resolve(resource.logicalId) };
}
