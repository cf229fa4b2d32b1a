/** A service's latest deployments on its engine, newest first: Amazon ECS service deployments or CodeDeploy deployments. */
import { Aws } from './aws';
import { ServiceState } from './deployments';

export interface PastDeployment {
  readonly id: string;
  readonly status: string;
  readonly started?: string;
  readonly finished?: string;
  /** Why it failed or rolled back, as the engine says it. */
  readonly detail?: string;
}

export async function deploymentHistory(aws: Aws, state: ServiceState, limit: number): Promise<PastDeployment[]> {
  if (state.controller === 'CODE_DEPLOY') {
    return state.deploymentGroup ? codeDeployHistory(aws, state.deploymentGroup, limit) : [];
  }
  return state.controller === 'ECS' ? ecsHistory(aws, state, limit) : [];
}

async function ecsHistory(aws: Aws, state: ServiceState, limit: number): Promise<PastDeployment[]> {
  const ecs = await aws.ecs();
  const { service } = state;
  const listed = await aws.call('ecs:ListServiceDeployments', service.arn, () => ecs.client.send(new ecs.sdk.ListServiceDeploymentsCommand({
    cluster: service.cluster, service: service.name, maxResults: limit,
  })));
  const arns = (listed.serviceDeployments ?? []).map((brief) => brief.serviceDeploymentArn).filter((arn): arn is string => !!arn).slice(0, limit);
  const deployments = [];
  for (let i = 0; i < arns.length; i += 20) {
    const out = await aws.call('ecs:DescribeServiceDeployments', service.arn, () => ecs.client.send(new ecs.sdk.DescribeServiceDeploymentsCommand({
      serviceDeploymentArns: arns.slice(i, i + 20),
    })));
    deployments.push(...(out.serviceDeployments ?? []));
  }
  return deployments
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
    .map((deployment) => ({
      id: deployment.serviceDeploymentArn?.split('/').pop() ?? '',
      status: deployment.status ?? 'UNKNOWN',
      started: (deployment.startedAt ?? deployment.createdAt)?.toISOString(),
      finished: (deployment.finishedAt ?? deployment.stoppedAt)?.toISOString(),
      detail: deployment.rollback?.reason ?? deployment.statusReason,
    }));
}

async function codeDeployHistory(aws: Aws, group: { application: string; name: string }, limit: number): Promise<PastDeployment[]> {
  const codeDeploy = await aws.codeDeploy();
  const of = `deployment group ${group.application}/${group.name}`;
  const listed = await aws.call('codedeploy:ListDeployments', of, () => codeDeploy.client.send(new codeDeploy.sdk.ListDeploymentsCommand({
    applicationName: group.application, deploymentGroupName: group.name,
  })));
  // CodeDeploy lists the newest first; BatchGetDeployments takes 25 at a time.
  const ids = (listed.deployments ?? []).slice(0, limit);
  const infos = [];
  for (let i = 0; i < ids.length; i += 25) {
    const out = await aws.call('codedeploy:BatchGetDeployments', of, () => codeDeploy.client.send(new codeDeploy.sdk.BatchGetDeploymentsCommand({
      deploymentIds: ids.slice(i, i + 25),
    })));
    infos.push(...(out.deploymentsInfo ?? []));
  }
  return infos
    .sort((a, b) => (b.createTime?.getTime() ?? 0) - (a.createTime?.getTime() ?? 0))
    .map((info) => ({
      id: info.deploymentId ?? '',
      status: info.status ?? 'Unknown',
      started: (info.startTime ?? info.createTime)?.toISOString(),
      finished: info.completeTime?.toISOString(),
      detail: info.rollbackInfo?.rollbackMessage ?? info.errorInformation?.message,
    }));
}
