import { Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';

/**
 * The alarm's name as written in its definition when it has one, else its reference. A service
 * that lists its own alarms (Amazon ECS deployment alarms, or hooks' details in the service
 * definition) must not refer to them: the running-task alarm refers to the service, and the
 * two references would make a cycle CloudFormation refuses.
 */
export function literalAlarmName(alarm: cloudwatch.IAlarm): string {
  const resource = alarm.node.defaultChild;
  const given = resource instanceof cloudwatch.CfnAlarm || resource instanceof cloudwatch.CfnCompositeAlarm
    ? (resource instanceof cloudwatch.CfnAlarm ? resource.alarmName : resource.alarmName)
    : undefined;
  return given !== undefined && !Token.isUnresolved(given) ? given : alarm.alarmName;
}
