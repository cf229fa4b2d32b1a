/**
 * Where an ECS task's awslogs output is, and its link in the CloudWatch console: the migration
 * hook and the migration's dry run name the same streams.
 */

/** The task id is the last segment of its ARN: arn:aws:ecs:region:account:task/cluster/<id>. */
export function taskIdOf(taskArn: string): string {
  const parts = taskArn.split('/');
  return parts[parts.length - 1];
}

/** The awslogs stream of one container of one task: `<prefix>/<container>/<taskId>`. */
export function logStreamName(prefix: string, containerName: string, taskArn: string): string {
  return `${prefix}/${containerName}/${taskIdOf(taskArn)}`;
}

/** CloudWatch console encodes path segments by escaping `%` as `$25` after URI encoding. */
function consoleEncode(value: string): string {
  return encodeURIComponent(encodeURIComponent(value)).replace(/%/g, '$');
}

export function logStreamConsoleUrl(region: string, logGroupName: string, streamName: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}`
    + `#logsV2:log-groups/log-group/${consoleEncode(logGroupName)}/log-events/${consoleEncode(streamName)}`;
}
