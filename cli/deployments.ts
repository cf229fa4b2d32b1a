/**
 * What each engine says about a service: its deployment controller, task definition and counts
 * (ECS), the deployment in flight and its step (Amazon ECS's service deployments, or CodeDeploy
 * on a `CODE_DEPLOY` service), and the alarms that stop it.
 */
import type { Service as EcsService } from '@aws-sdk/client-ecs';
import { Aws } from './aws';
import { FoundService } from './discovery';

/** A deployment in flight, on either engine. */
export interface InFlight {
  readonly engine: 'ECS' | 'CODE_DEPLOY';
  /** The CodeDeploy deployment id, or the ECS service deployment ARN. */
  readonly id: string;
  readonly status: string;
  /** Where it is: the lifecycle stage (ECS), the lifecycle event running (CodeDeploy). */
  readonly step: string;
  /** Whether it waits for a person: a pause hook (ECS) or `Ready` (CodeDeploy). */
  readonly waiting: boolean;
  /** The ECS pause hook awaiting action. */
  readonly hookId?: string;
}

export interface ServiceState {
  readonly service: FoundService;
  readonly controller: string;
  readonly taskDefinition: string;
  readonly running: number;
  readonly desired: number;
  readonly alarmNames: string[];
  readonly inFlight: InFlight[];
  /** The CodeDeploy application and deployment group (CODE_DEPLOY services). */
  readonly deploymentGroup?: { readonly application: string; readonly name: string };
}

const ECS_IN_FLIGHT = ['PENDING', 'IN_PROGRESS', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS', 'STOP_REQUESTED'] as const;
const CODEDEPLOY_IN_FLIGHT = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready'] as const;

/** `arn:…:task-definition/orders:42` → `orders:42`. */
export function taskDefinitionName(arn: string | undefined): string {
  return arn ? arn.split('/').pop() ?? arn : '-';
}

/** Reads every service's state, a DescribeServices per cluster. */
export async function readServiceStates(aws: Aws, services: readonly FoundService[]): Promise<ServiceState[]> {
  const ecs = await aws.ecs();
  const byCluster = new Map<string, FoundService[]>();
  for (const service of services) {
    byCluster.set(service.cluster, [...(byCluster.get(service.cluster) ?? []), service]);
  }
  const described = new Map<string, EcsService>();
  await Promise.all([...byCluster].flatMap(([cluster, members]) => chunks(members, 10).map(async (chunk) => {
    const out = await aws.call('ecs:DescribeServices', `cluster ${cluster}`, () => ecs.client.send(new ecs.sdk.DescribeServicesCommand({
      cluster, services: chunk.map((service) => service.arn),
    })));
    for (const description of out.services ?? []) {
      described.set(description.serviceArn ?? '', description);
    }
  })));
  return Promise.all(services.map(async (service) => {
    const description = described.get(service.arn);
    if (!description || description.status === 'INACTIVE') {
      // The Tagging API lists a deleted service for a while after it is gone.
      return { service, controller: 'MISSING', taskDefinition: '-', running: 0, desired: 0, alarmNames: [], inFlight: [] };
    }
    const controller = description.deploymentController?.type ?? 'ECS';
    const base = {
      service,
      controller,
      taskDefinition: taskDefinitionName(description.taskDefinition),
      running: description.runningCount ?? 0,
      desired: description.desiredCount ?? 0,
    };
    if (controller === 'CODE_DEPLOY') {
      const group = await deploymentGroupOf(aws, service);
      return { ...base, alarmNames: group?.alarms ?? [], inFlight: group ? await codeDeployInFlight(aws, group) : [],
        deploymentGroup: group ? { application: group.application, name: group.name } : undefined };
    }
    return { ...base, alarmNames: description.deploymentConfiguration?.alarms?.alarmNames ?? [], inFlight: await ecsInFlight(aws, service) };
  }));
}

/** How many CodeDeploy applications are read at once: an account may have hundreds, and the API throttles. */
const APPLICATIONS_AT_ONCE = 5;

/** `run` on every item, `size` at a time, the results in the items' order. */
async function inBatches<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const batch of chunks(items, size)) {
    results.push(...await Promise.all(batch.map(run)));
  }
  return results;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}

async function ecsInFlight(aws: Aws, service: FoundService): Promise<InFlight[]> {
  const ecs = await aws.ecs();
  const listed = await aws.call('ecs:ListServiceDeployments', service.arn, () => ecs.client.send(new ecs.sdk.ListServiceDeploymentsCommand({
    cluster: service.cluster, service: service.name, status: [...ECS_IN_FLIGHT],
  })));
  const arns = (listed.serviceDeployments ?? []).map((brief) => brief.serviceDeploymentArn).filter((arn): arn is string => !!arn);
  if (arns.length === 0) {
    return [];
  }
  const out = await aws.call('ecs:DescribeServiceDeployments', service.arn, () => ecs.client.send(new ecs.sdk.DescribeServiceDeploymentsCommand({
    serviceDeploymentArns: arns,
  })));
  return (out.serviceDeployments ?? []).map((deployment) => {
    const paused = (deployment.lifecycleHookDetails ?? []).find((hook) => hook.status === 'AWAITING_ACTION');
    return {
      engine: 'ECS' as const,
      id: deployment.serviceDeploymentArn ?? '',
      status: deployment.status ?? 'UNKNOWN',
      step: paused ? `${deployment.lifecycleStage ?? '?'} (paused)` : deployment.lifecycleStage ?? '-',
      waiting: paused !== undefined,
      hookId: paused?.hookId,
    };
  });
}

interface DeploymentGroupInfo {
  readonly application: string;
  readonly name: string;
  readonly alarms: string[];
  readonly services: readonly { readonly cluster: string; readonly service: string }[];
}

/** Every ECS deployment group of the account's CodeDeploy applications, read once per run. */
function ecsDeploymentGroups(aws: Aws): Promise<DeploymentGroupInfo[]> {
  return aws.remember('deployment-groups', async () => {
    const codeDeploy = await aws.codeDeploy();
    const applications: string[] = [];
    let token: string | undefined;
    do {
      const page = await aws.call('codedeploy:ListApplications', undefined, () => codeDeploy.client.send(new codeDeploy.sdk.ListApplicationsCommand({ nextToken: token })));
      applications.push(...(page.applications ?? []));
      token = page.nextToken;
    } while (token);
    const groups = await inBatches(applications, APPLICATIONS_AT_ONCE, async (application) => {
      const names: string[] = [];
      let next: string | undefined;
      do {
        const page = await aws.call('codedeploy:ListDeploymentGroups', `application ${application}`, () => codeDeploy.client.send(
          new codeDeploy.sdk.ListDeploymentGroupsCommand({ applicationName: application, nextToken: next })));
        names.push(...(page.deploymentGroups ?? []));
        next = page.nextToken;
      } while (next);
      const infos: DeploymentGroupInfo[] = [];
      for (const chunk of chunks(names, 100)) {
        const out = await aws.call('codedeploy:BatchGetDeploymentGroups', `application ${application}`, () => codeDeploy.client.send(
          new codeDeploy.sdk.BatchGetDeploymentGroupsCommand({ applicationName: application, deploymentGroupNames: chunk })));
        for (const info of out.deploymentGroupsInfo ?? []) {
          if ((info.ecsServices ?? []).length > 0) {
            infos.push({
              application,
              name: info.deploymentGroupName ?? '',
              alarms: (info.alarmConfiguration?.alarms ?? []).map((alarm) => alarm.name ?? '').filter((name) => name !== ''),
              services: (info.ecsServices ?? []).map((ecs) => ({ cluster: ecs.clusterName ?? '', service: ecs.serviceName ?? '' })),
            });
          }
        }
      }
      return infos;
    });
    return groups.flat();
  });
}

async function deploymentGroupOf(aws: Aws, service: FoundService): Promise<DeploymentGroupInfo | undefined> {
  const groups = await ecsDeploymentGroups(aws);
  // A deployment group names its cluster by name or ARN.
  return groups.find((group) => group.services.some((ecs) => ecs.service === service.name
    && (ecs.cluster === service.cluster || ecs.cluster.endsWith(`:cluster/${service.cluster}`))));
}

async function codeDeployInFlight(aws: Aws, group: DeploymentGroupInfo): Promise<InFlight[]> {
  const codeDeploy = await aws.codeDeploy();
  const of = `deployment group ${group.application}/${group.name}`;
  const listed = await aws.call('codedeploy:ListDeployments', of, () => codeDeploy.client.send(new codeDeploy.sdk.ListDeploymentsCommand({
    applicationName: group.application, deploymentGroupName: group.name, includeOnlyStatuses: [...CODEDEPLOY_IN_FLIGHT],
  })));
  return Promise.all((listed.deployments ?? []).map(async (id) => {
    const out = await aws.call('codedeploy:GetDeployment', `deployment ${id}`, () => codeDeploy.client.send(new codeDeploy.sdk.GetDeploymentCommand({ deploymentId: id })));
    const status = out.deploymentInfo?.status ?? 'Unknown';
    return { engine: 'CODE_DEPLOY' as const, id, status, step: await codeDeployStep(aws, id, status), waiting: status === 'Ready' };
  }));
}

/** The lifecycle event a CodeDeploy ECS deployment runs now, from its one target. */
async function codeDeployStep(aws: Aws, id: string, status: string): Promise<string> {
  if (status === 'Ready') {
    return 'waiting to reroute traffic';
  }
  const codeDeploy = await aws.codeDeploy();
  const targets = await aws.call('codedeploy:ListDeploymentTargets', `deployment ${id}`, () => codeDeploy.client.send(
    new codeDeploy.sdk.ListDeploymentTargetsCommand({ deploymentId: id })));
  const targetIds = targets.targetIds ?? [];
  if (targetIds.length === 0) {
    return '-';
  }
  const out = await aws.call('codedeploy:BatchGetDeploymentTargets', `deployment ${id}`, () => codeDeploy.client.send(
    new codeDeploy.sdk.BatchGetDeploymentTargetsCommand({ deploymentId: id, targetIds })));
  const events = out.deploymentTargets?.[0]?.ecsTarget?.lifecycleEvents ?? [];
  const running = events.find((event) => event.status === 'InProgress') ?? [...events].reverse().find((event) => event.status === 'Succeeded');
  return running?.lifecycleEventName ?? '-';
}

/** Each alarm's state, `ALARM`, `OK` or `INSUFFICIENT_DATA`, read 100 at a time. */
export async function alarmStates(aws: Aws, names: readonly string[]): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  const unique = [...new Set(names)];
  if (unique.length === 0) {
    return states;
  }
  const cloudWatch = await aws.cloudWatch();
  for (const chunk of chunks(unique, 100)) {
    const out = await aws.call('cloudwatch:DescribeAlarms', `${chunk.length} alarms`, () => cloudWatch.client.send(
      new cloudWatch.sdk.DescribeAlarmsCommand({ AlarmNames: chunk, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 100 })));
    for (const alarm of [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])]) {
      states.set(alarm.AlarmName ?? '', alarm.StateValue ?? 'UNKNOWN');
    }
  }
  return states;
}

/** `3 OK`, or the alarms in ALARM by name: what a person needs to see first. */
export function alarmSummary(names: readonly string[], states: ReadonlyMap<string, string>): string {
  if (names.length === 0) {
    return 'none';
  }
  const firing = names.filter((name) => states.get(name) === 'ALARM');
  if (firing.length > 0) {
    return `ALARM: ${firing.join(', ')}`;
  }
  const ok = names.filter((name) => states.get(name) === 'OK').length;
  return ok === names.length ? `${ok} OK` : `${ok} OK, ${names.length - ok} no data`;
}
