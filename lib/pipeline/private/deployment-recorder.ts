/**
 * The deployment record as data: a DynamoDB table holding one item per release and stage, and
 * the function that writes it from the events the deployment record's rules match.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DEPLOYMENT_RECORDER_CONFIG_ENV, DeploymentRecorderConfig, INCIDENT_BUCKET_ENV, RECORD_BY_START_INDEX, RECORD_PARTITION_KEY, RECORD_SORT_KEY,
  RECORD_START_ATTRIBUTE, RECORD_TABLE_ENV,
} from '../../../contract/deployment-record';
import { RECORD_TABLE_TAG } from '../../../contract/release-tags';
import { addAcknowledgedScopedStatement } from '../../private/acknowledgements';
import { createWatchedDeadLetterQueue } from '../../private/dead-letter-queue';
import { serviceArnPatternOf } from '../../private/ecs-arns';
import { createHookFunction } from '../../private/handler-function';
import { tagResource, tagValue } from '../../private/release-tags';
import { fitText, iamDescription } from '../../private/text-limits';
import { DeploymentEngineKind } from '../../service/deployment-engine';
import { EXPORTED_VARIABLES } from './buildspec';
import { IncidentReportBucket } from './incident-report-bucket';
import { notifierTargetOptions } from './notifier-parts';
import { recorderConfigurationValue } from './recorder-configuration';
import { isRemoteStage } from './remote-stage';
import { StageUnit, hasDeploymentFiles } from './stage-naming';

export interface DeploymentRecorderProps {
  /** The release pipeline. */
  readonly owner: Construct;
  /** The services of every stage, as units, once they are all added. */
  readonly stages: () => readonly StageUnit[];
  readonly logRetention?: logs.RetentionDays;
  /** The pipeline's name: its execution and stage items are keyed by it, and the incident reports read them. */
  readonly pipelineName: string;
}

/**
 * The record table (on demand, point-in-time recovery, encrypted with its own key, retained) and
 * its recorder, which EventBridge invokes; an event the recorder could not write after every
 * retry lands in the dead-letter queue, where the lost-records alarm sees it.
 */
export class DeploymentRecorder extends Construct {
  public readonly table: dynamodb.Table;
  public readonly key: kms.Key;
  public readonly fn: lambda.Function;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly lostAlarm: cloudwatch.Alarm;
  /** The incident reports of rolled-back deployments. */
  public readonly incidentReports: IncidentReportBucket;
  private readonly owner: Construct;
  private readonly config: () => DeploymentRecorderConfig;

  constructor(scope: Construct, id: string, props: DeploymentRecorderProps) {
    super(scope, id);
    this.owner = props.owner;
    const ownerPath = props.owner.node.path;
    // Retained with the table: a record whose key is gone cannot be read.
    this.key = new kms.Key(this, 'Key', {
      description: fitText(`Encrypts the deployment record table of ${ownerPath}`, 8192),
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A Table rather than a TableV2 (a global table): TableV2 cannot render a customer-managed
    // key in a stack without an explicit region.
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: RECORD_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      sortKey: { name: RECORD_SORT_KEY, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // One service and stage's releases by time is one Query of the index.
    this.table.addLocalSecondaryIndex({ indexName: RECORD_BY_START_INDEX, sortKey: { name: RECORD_START_ATTRIBUTE, type: dynamodb.AttributeType.STRING } });
    tagResource(this.table.node.defaultChild as dynamodb.CfnTable, RECORD_TABLE_TAG, tagValue(ownerPath));

    const deadLetters = createWatchedDeadLetterQueue(this, 'the deployment records (of the EventBridge targets and of the function\'s asynchronous invocations)',
      'LostRecords', fitText(`A deployment record of ${ownerPath} could not be written; the event is in the dead-letter queue `
        + 'and the recorder\'s log', 1024));
    this.deadLetterQueue = deadLetters.queue;
    this.lostAlarm = deadLetters.alarm;

    const config = (): DeploymentRecorderConfig => {
      // The stages EventBridge here sees; another environment's deployments reach the log group only.
      const units = props.stages().filter((unit) => !isRemoteStage(props.owner, unit));
      const onCodeDeploy = units.filter((unit) => hasDeploymentFiles(unit) && unit.service.deploymentGroup);
      return {
        deploymentGroups: onCodeDeploy.map((unit) => ({
          applicationName: unit.service.deploymentGroup!.application.applicationName,
          deploymentGroupName: unit.service.deploymentGroup!.deploymentGroupName,
          serviceName: unit.service.serviceName,
          stageName: unit.stageName,
        })),
        ecsServices: units.filter((unit) => unit.service.engine.kind === DeploymentEngineKind.ECS).map((unit) => ({
          serviceArn: unit.service.service.serviceArn,
          serviceName: unit.service.serviceName,
          stageName: unit.stageName,
        })),
        // A stage on the Amazon ECS engine has none: its action updates the service's stack (a
        // CodeBuild build), whose completion names the build, not the deployment, and Amazon ECS's
        // deployment events name no pipeline execution. Its deployments are recorded unlinked.
        deployActions: onCodeDeploy.map((unit) => ({ stageName: unit.stageName, actionName: unit.actionName, serviceName: unit.service.serviceName })),
        alarms: units.flatMap((unit) => (unit.service.rollbackAlarms?.alarms ?? []).map((alarm) => ({
          alarmName: alarm.alarmName, serviceName: unit.service.serviceName, stageName: unit.stageName,
        }))),
        buildVariables: { imageUri: EXPORTED_VARIABLES.imageUri, imageTag: EXPORTED_VARIABLES.imageTag },
        pipelineName: props.pipelineName,
      };
    };
    this.config = config;
    this.incidentReports = new IncidentReportBucket(this, 'IncidentReports', { key: this.key });
    const { function: fn } = createHookFunction(this, {
      handler: 'deployment-recorder',
      hookName: 'deployment recorder',
      description: fitText(iamDescription(`Writes the deployment record of ${ownerPath}: one item per release and stage`), 256),
      timeout: Duration.seconds(30),
      environment: {
        [RECORD_TABLE_ENV]: this.table.tableName,
        [INCIDENT_BUCKET_ENV]: this.incidentReports.bucket.bucketName,
        // The stages are listed at synthesis: more may be added after this.
        [DEPLOYMENT_RECORDER_CONFIG_ENV]: recorderConfigurationValue(this, props.owner, () => this.fn, config),
      },
      logRetention: props.logRetention,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.fn = fn;
    // Updates and reads of single items of the table alone (a deployment's pipeline execution, a
    // service's current failure): the recorder never deletes, queries or scans it, nor reads an index.
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['dynamodb:UpdateItem', 'dynamodb:GetItem'],
      resources: [this.table.tableArn],
    }));
    this.incidentReports.grantPutReports(fn.role!);
    // DynamoDB uses the table's key on the recorder's behalf, and only then.
    fn.addToRolePolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
      resources: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
    }));
  }

  /** The services and stages (`<service>#<stage>`) the recorder records, and writes incident reports of; read at synthesis. */
  public reportedReleaseKeys(): string[] {
    const config = this.config();
    return [...new Set([...config.deploymentGroups, ...config.ecsServices].map((stage) => `${stage.serviceName}#${stage.stageName}`))];
  }

  /** Lets the recorder read who decided an approval of `pipeline` (`ListActionExecutions`). */
  public readApprovals(pipelineArn: string): void {
    this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['codepipeline:ListActionExecutions'], resources: [pipelineArn] }));
  }

  /**
   * Lets the recorder tell whether a deployment of these stages rolled back
   * (`codedeploy:GetDeployment`, which authorizes on the deployment group; Amazon ECS's
   * `DescribeServiceDeployments`), and read their rollback alarms for the incident report.
   */
  public recordStage(units: readonly StageUnit[]): void {
    const local = units.filter((unit) => !isRemoteStage(this.owner, unit));
    const groups = local.filter((unit) => hasDeploymentFiles(unit) && unit.service.deploymentGroup)
      .map((unit) => unit.service.deploymentGroup!.deploymentGroupArn);
    if (groups.length > 0) {
      this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['codedeploy:GetDeployment'], resources: groups }));
    }
    const onEcs = local.filter((unit) => unit.service.engine.kind === DeploymentEngineKind.ECS);
    if (onEcs.length > 0) {
      addAcknowledgedScopedStatement(this.fn.role!, new iam.PolicyStatement({
        actions: ['ecs:DescribeServiceDeployments'],
        resources: onEcs.map((unit) => serviceArnPatternOf(this.fn, 'service-deployment', unit.service.cluster, unit.service.service)),
      }), 'ecs:DescribeServiceDeployments, read-only, on these services\' deployments, which Amazon ECS creates and names at deployment time: '
        + 'the recorder reads whether the one an event ends rolled back.');
    }
    // Metric alarms by ARN: DescribeAlarms authorizes on each (a composite alarm would need `*`, and is left unread).
    const alarms = local.flatMap((unit) => unit.service.rollbackAlarms?.alarms ?? []).map((alarm) => alarm.alarmArn);
    if (alarms.length > 0) {
      this.fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'], resources: [...new Set(alarms)] }));
    }
  }

  /** The recorder as the target of a rule: retried for six hours, then kept in the dead-letter queue. */
  public target(): events.IRuleTarget {
    return new targets.LambdaFunction(this.fn, notifierTargetOptions(this.deadLetterQueue));
  }
}
