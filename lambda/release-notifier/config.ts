import { NotifiedDeploymentGroup, NotifiedEcsService, RELEASE_NOTIFIER_CONFIG_ENV, ReleaseNotifierConfig } from '../../contract/release-notifier';
import type { SeverityTopic } from '../../contract/notification-routing';
import { NOTIFICATION_SEVERITIES } from '../../contract/notification-routing';
import { JsonConfigReader } from '../shared/config';

export interface NotifierSettings {
  readonly deploymentGroups: NotifiedDeploymentGroup[];
  readonly topicArn: string;
  readonly releaseVersionVariable: string;
  readonly pipelineConsoleUrl?: string;
  readonly ecsServices: NotifiedEcsService[];
  /** Whether a completed Amazon ECS deployment (not a rollback) is notified. */
  readonly notifyDeploymentSuccess: boolean;
  /** Whether deployment starts are notified. */
  readonly notifyDeploymentStart: boolean;
  /** The topics above INFO, each with its threshold. */
  readonly severityTopics: SeverityTopic[];
  /** Where the incident reports are, and of which services and stages: a rollback's message links its report. */
  readonly incidentReports?: { readonly bucket: string; readonly releaseKeys: string[] };
}

// Typed explicitly so that TypeScript narrows after `config.fail(...)`, which never returns.
const config: JsonConfigReader = new JsonConfigReader(RELEASE_NOTIFIER_CONFIG_ENV);

/** Reads the configuration; without a topic there is nowhere to publish, so it is required. */
export function loadNotifierSettings(env: NodeJS.ProcessEnv = process.env): NotifierSettings {
  const parsed = config.read<ReleaseNotifierConfig>(env, { required: true });
  const groups = parsed.deploymentGroups ?? [];
  if (!Array.isArray(groups)) {
    config.fail('deploymentGroups must be an array');
  }
  const ecsServices = parsed.ecsServices ?? [];
  if (!Array.isArray(ecsServices)) {
    config.fail('ecsServices must be an array');
  }
  return {
    topicArn: config.requireString(parsed.topicArn, 'topicArn'),
    releaseVersionVariable: config.optionalString(parsed.releaseVersionVariable, 'releaseVersionVariable') ?? 'RELEASE_VERSION',
    pipelineConsoleUrl: config.optionalString(parsed.pipelineConsoleUrl, 'pipelineConsoleUrl'),
    deploymentGroups: groups.map((group, index) => {
      const field = (name: string) => `deploymentGroups[${index}].${name}`;
      return {
        applicationName: config.requireString(group?.applicationName, field('applicationName')),
        deploymentGroupName: config.requireString(group?.deploymentGroupName, field('deploymentGroupName')),
        serviceName: config.requireString(group?.serviceName, field('serviceName')),
        stageName: config.requireString(group?.stageName, field('stageName')),
        consoleUrl: config.requireString(group?.consoleUrl, field('consoleUrl')),
        cluster: config.optionalString(group?.cluster, field('cluster')),
        service: config.optionalString(group?.service, field('service')),
        containerName: config.optionalString(group?.containerName, field('containerName')),
      };
    }),
    ecsServices: ecsServices.map((service, index) => {
      const field = (name: string) => `ecsServices[${index}].${name}`;
      return {
        serviceArn: config.requireString(service?.serviceArn, field('serviceArn')),
        serviceName: config.requireString(service?.serviceName, field('serviceName')),
        stageName: config.requireString(service?.stageName, field('stageName')),
        containerName: config.optionalString(service?.containerName, field('containerName')),
        consoleUrl: config.optionalString(service?.consoleUrl, field('consoleUrl')),
      };
    }),
    notifyDeploymentSuccess: config.boolean(parsed.notifyDeploymentSuccess, 'notifyDeploymentSuccess', false),
    notifyDeploymentStart: config.boolean(parsed.notifyDeploymentStart, 'notifyDeploymentStart', false),
    severityTopics: severityTopicsOf(parsed.severityTopics),
    ...incidentReportsOf(parsed.incidentReports),
  };
}

function incidentReportsOf(value: ReleaseNotifierConfig['incidentReports']): Pick<NotifierSettings, 'incidentReports'> {
  if (value === undefined) {
    return {};
  }
  const releaseKeys = value?.releaseKeys ?? [];
  if (!Array.isArray(releaseKeys)) {
    config.fail('incidentReports.releaseKeys must be an array');
  }
  return { incidentReports: {
    bucket: config.requireString(value?.bucket, 'incidentReports.bucket'),
    releaseKeys: releaseKeys.map((key, index) => config.requireString(key, `incidentReports.releaseKeys[${index}]`)),
  } };
}

function severityTopicsOf(value: unknown): SeverityTopic[] {
  const topics = value ?? [];
  if (!Array.isArray(topics)) {
    config.fail('severityTopics must be an array');
  }
  return topics.map((topic: Partial<SeverityTopic> | undefined, index) => {
    const minimumSeverity = topic?.minimumSeverity;
    if (!(NOTIFICATION_SEVERITIES as readonly unknown[]).includes(minimumSeverity)) {
      config.fail(`severityTopics[${index}].minimumSeverity must be one of ${NOTIFICATION_SEVERITIES.join(', ')}`);
    }
    return { topicArn: config.requireString(topic?.topicArn, `severityTopics[${index}].topicArn`), minimumSeverity: minimumSeverity! };
  });
}
