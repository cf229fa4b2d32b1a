/**
 * The deployment record as data: what ReleasePipeline passes to the deployment recorder, and the
 * items the recorder writes to the record table, one per release and stage.
 *
 * Two kinds of item share the table, because the events of one release-stage name it two ways:
 * CodePipeline's by pipeline execution, CodeDeploy's and Amazon ECS's by deployment. A `stage`
 * item holds what the pipeline knows (its status, the approval's wait, the deployments it ran);
 * a `deployment` item what the engine knows (status, timeline, rollback verification). The deploy
 * action's completion links the two (`pipelineExecutionId` / `deploymentIds`). An `execution`
 * item per pipeline execution holds its status and who or what started it.
 *
 * The attributes are flat, not nested maps: an update cannot create a nested path of an item
 * that does not exist yet, and an index key must be a top-level attribute.
 *
 * Pure TypeScript with no imports: both `lib/` and `lambda/` import this file.
 */

/** Environment variable holding `JSON.stringify(DeploymentRecorderConfig)`. */
export const DEPLOYMENT_RECORDER_CONFIG_ENV = 'CDK_ECS_RELEASE_RECORDER_CONFIG';

/** Environment variable holding the record table's name. */
export const RECORD_TABLE_ENV = 'CDK_ECS_RELEASE_RECORD_TABLE';

/** The partition key: `<service name>#<stage name>` (deployments), `<pipeline name>#<stage name>` (stages) or `<pipeline name>` (executions). */
export const RECORD_PARTITION_KEY = 'releaseKey';
/** The sort key: the deployment id (deployments) or the pipeline execution id (stages, executions). */
export const RECORD_SORT_KEY = 'recordId';
/** The local index sorting one partition's records by `startedAt`: "this service's production releases, newest first". */
export const RECORD_BY_START_INDEX = 'byStartedAt';
/** Its sort key, an ISO 8601 time. */
export const RECORD_START_ATTRIBUTE = 'startedAt';

/** A record's status; `in_progress` until an event ends it. */
export type ReleaseRecordStatus = 'in_progress' | 'success' | 'failed' | 'rolled_back';

/**
 * What a record describes: a deployment of one service, a deploy stage of one execution, a whole
 * pipeline execution, one restoration of a service and stage after a failure (time to restore),
 * or the service and stage's current failure, while one lasts (recordId {@link SERVICE_STATE_RECORD_ID}).
 */
export type ReleaseRecordKind = 'deployment' | 'stage' | 'execution' | 'restore' | 'service';

/** The recordId of a service and stage's `service` item. */
export const SERVICE_STATE_RECORD_ID = '#service';

/** The recordId of a `restore` item: `restore#<restoredAt>`, so one partition's restores sort by time. */
export function restoreRecordId(restoredAt: string): string {
  return `restore#${restoredAt}`;
}

/**
 * One record item as the table holds it. Only what an event carried is set: an absent attribute
 * is unknown, never guessed.
 */
export interface ReleaseRecordItem {
  readonly releaseKey: string;
  readonly recordId: string;
  readonly kind: ReleaseRecordKind;
  /** Deployments and stages. */
  readonly stageName?: string;
  /** Deployments: the service's name as people know it. */
  readonly serviceName?: string;
  /** Stages and executions: the pipeline's name. */
  readonly pipelineName?: string;
  /** Executions: how the release started (`execution-trigger.trigger-type`, e.g. `StartPipelineExecution`, `Webhook`). */
  readonly triggerType?: string;
  /** Executions: who or what started it (`execution-trigger.trigger-detail`, e.g. the caller's ARN). */
  readonly triggeredBy?: string;
  /** Executions: the revision the source action reports (a Git source's commit id), and its summary (the commit message). */
  readonly sourceRevision?: string;
  readonly sourceSummary?: string;
  /**
   * Executions, and deployments once linked to their execution: the commit's time, from the source
   * action's variables (`CommitterDate`, else `AuthorDate`); lead time for changes counts from it.
   */
  readonly commitTime?: string;
  /** Executions, and deployments once linked: the image the build pushed, by digest, and its tag (the build's exported variables). */
  readonly imageUri?: string;
  readonly imageTag?: string;
  /** Deployments, stages and executions; `service` and `restore` items have no status, statusOrder, seenEvents or lastEventTime. */
  readonly status?: ReleaseRecordStatus;
  /** `<event time>#<rank>`: a status is replaced only by one of a later event (at one time, by an end over a start). */
  readonly statusOrder?: string;
  /** `CODE_DEPLOY` or `ECS`, on deployments. */
  readonly engine?: string;
  readonly deploymentId?: string;
  /**
   * Deployments: CodeDeploy's rollback of this other deployment (`unknown` when CodeDeploy did
   * not say which): not a release of its own.
   */
  readonly rollbackOf?: string;
  /** The pipeline execution that ran the deployment, once its deploy action completed. */
  readonly pipelineExecutionId?: string;
  /** Stages: the deployments the stage's deploy actions ran. */
  readonly deploymentIds?: string[];
  /** ISO 8601 times. */
  readonly startedAt?: string;
  readonly completedAt?: string;
  readonly durationSeconds?: number;
  /** Stages: the approval's request and decision. */
  readonly approvalRequestedAt?: string;
  readonly approvalDecidedAt?: string;
  /** `SUCCEEDED` (approved), `FAILED` (rejected). */
  readonly approvalOutcome?: string;
  /** Stages: the ARN of whoever approved or rejected (the approval's `updatedBy`). */
  readonly approvedBy?: string;
  /** The time waiting for a person (the approval), and the rest of the duration. */
  readonly waitingSeconds?: number;
  readonly activeSeconds?: number;
  /** The deployment or execution in the console. */
  readonly url?: string;
  /** The rollback's verification, when a rollback was verified, and when the verification ended. */
  readonly rollbackVerification?: 'VERIFIED' | 'UNVERIFIED';
  readonly rollbackVerifiedAt?: string;
  readonly rollbackVerificationReason?: string;
  /** The production URL the verification checked. */
  readonly verifiedUrl?: string;
  readonly restoredVersion?: string;
  /** `<name>: passed|failed: <detail>` per check of the verification. */
  readonly verificationChecks?: string[];
  /**
   * Deployments: each lifecycle hook's reported result, in the order reported:
   * `<lifecycle event> <hook>: SUCCEEDED|FAILED: <summary>` (pre-checks, smoke tests, migration, metric gate).
   */
  readonly hookResults?: string[];
  /** Deployments: the metric gate's verdict, and its figures as `<name>=<value>` (e.g. `errorRate=0.4`). */
  readonly metricGateVerdict?: string;
  readonly metricGateFigures?: string[];
  /** Deployments that rolled back: the incident report's S3 key, and its console URL. */
  readonly incidentReportKey?: string;
  readonly incidentReportUrl?: string;
  /** Deployments and restores: when each DORA fact of the record was emitted, so a redelivered event never counts twice. */
  readonly doraCountedAt?: string;
  readonly doraLeadTimeCountedAt?: string;
  /** `service` items: when the current failure began (a failed deployment or a rollback alarm), and what began it. */
  readonly failingSince?: string;
  readonly failedBy?: string;
  /**
   * `service` items: the latest successful release or verified rollback applied; a failure that
   * began before it was over by then, and starts nothing when its event comes late.
   */
  readonly lastRestoredAt?: string;
  /** `restore` items: the failure's start and what began it, the restoration and what made it (a deployment id, a verified rollback), and the time between. */
  readonly restoredAt?: string;
  readonly restoredBy?: string;
  readonly restoreSeconds?: number;
  /** One line per event worth a person's reading: why a deployment failed or was stopped. */
  readonly notes?: string[];
  /** The ids of the events applied: a redelivered event is recognised and not applied twice. */
  readonly seenEvents?: string[];
  /** The time of the latest event applied. */
  readonly lastEventTime?: string;
}

/** A CodeDeploy deployment group of a stage. */
export interface RecordedDeploymentGroup {
  readonly applicationName: string;
  readonly deploymentGroupName: string;
  readonly serviceName: string;
  readonly stageName: string;
}

/** A service Amazon ECS deploys, by the ARN its deployment events name. */
export interface RecordedEcsService {
  readonly serviceArn: string;
  readonly serviceName: string;
  readonly stageName: string;
}

/** A deploy action of a stage, and the service it deploys. */
export interface RecordedDeployAction {
  readonly stageName: string;
  readonly actionName: string;
  readonly serviceName: string;
}

/** A rollback alarm of a stage's service: its ALARM starts a failure (time to restore). */
export interface RecordedAlarm {
  readonly alarmName: string;
  readonly serviceName: string;
  readonly stageName: string;
}

export interface DeploymentRecorderConfig {
  readonly deploymentGroups: RecordedDeploymentGroup[];
  readonly ecsServices: RecordedEcsService[];
  readonly deployActions: RecordedDeployAction[];
  /** The build's exported variables holding the image by digest and its tag, read when the build action succeeds. */
  readonly buildVariables?: { readonly imageUri: string; readonly imageTag: string };
  /** The stages' rollback alarms, by name. */
  readonly alarms?: RecordedAlarm[];
  /** The pipeline's name, the key of its execution and stage items: the incident report reads who started and approved the release. */
  readonly pipelineName?: string;
  /**
   * The names of SSM parameters holding the rest of the lists, when they do not fit the function's
   * environment (4 KB): each parameter's value is a `DeploymentRecorderConfig` of lists only, and
   * the lists of all add up.
   */
  readonly configurationParameters?: string[];
}

/**
 * DORA's facts, as CloudWatch metrics the recorder emits (embedded metric format in its log) once
 * per record: the dashboard's figures. Dimensions: {@link DORA_SERVICE_DIMENSION}, {@link DORA_STAGE_DIMENSION}.
 */
export const DORA_METRIC_NAMESPACE = 'CdkEcsRelease/DORA';
export const DORA_SERVICE_DIMENSION = 'Service';
export const DORA_STAGE_DIMENSION = 'Stage';
export const DORA_METRICS = {
  /** 1 per release that ended (success, failed or rolled back), a rollback deployment not counted. */
  deployments: 'Deployments',
  /** 1 per release that failed or rolled back (0 otherwise): change failure rate is its sum over `deployments`. */
  changeFailures: 'ChangeFailures',
  /** Per successful release: seconds from the commit's time to the deployment's completion. */
  leadTime: 'LeadTimeSeconds',
  /** Per restoration: seconds from the failure's start to the next healthy release or verified rollback. */
  timeToRestore: 'TimeToRestoreSeconds',
} as const;

/** Environment variable holding the incident reports' bucket. */
export const INCIDENT_BUCKET_ENV = 'CDK_ECS_RELEASE_INCIDENT_BUCKET';

/** The incident report's key: `incidents/<service>/<stage>/<deployment>.md`, the deployment by its id (an ECS service deployment by its ARN's last part). */
export function incidentReportKey(serviceName: string, stageName: string, deploymentId: string): string {
  const id = deploymentId.split('/').pop() ?? deploymentId;
  return `incidents/${serviceName}/${stageName}/${id.replace(/[^A-Za-z0-9._-]/g, '_')}.md`;
}

/**
 * An S3 object in the console (the incident report): the object's page, which opens and downloads
 * it for whoever may read the bucket and its key.
 */
export function s3ObjectConsoleUrl(bucketName: string, region: string, key: string): string {
  return `https://${region}.console.aws.amazon.com/s3/object/${bucketName}?region=${region}&bucketType=general&prefix=${encodeURIComponent(key)}`;
}
