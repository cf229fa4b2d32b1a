/**
 * The bucket of the incident reports the deployment recorder writes, one Markdown object per
 * rolled-back deployment under `incidents/<service>/<stage>/<deployment>.md`.
 */
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { addAcknowledgedScopedStatement } from '../../private/acknowledgements';

/** The key prefix of the reports: the recorder may write there and nowhere else. */
export const INCIDENT_REPORT_PREFIX = 'incidents/';

export interface IncidentReportBucketProps {
  /** The record table's key: a report is part of the record, and is readable by whoever reads it. */
  readonly key: kms.IKey;
}

/**
 * Private, SSL-only, versioned (a re-rendered report keeps the one before) and retained with the
 * record, encrypted with the record table's key.
 */
export class IncidentReportBucket extends Construct {
  public readonly bucket: s3.Bucket;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: IncidentReportBucketProps) {
    super(scope, id);
    this.key = props.key;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      // One data key per bucket, not per object: fewer KMS calls for each report.
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket.node.defaultChild ?? this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'The incident bucket holds only the reports the deployment recorder writes, KMS-encrypted with the record\'s key; '
        + 'each write follows a deployment event recorded in the deployment record, and the versions keep every report written.',
    });
  }

  /** Lets `grantee` put reports under {@link INCIDENT_REPORT_PREFIX} alone, encrypted with the key through S3 only. */
  public grantPutReports(role: iam.IRole): void {
    addAcknowledgedScopedStatement(role, new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: [this.bucket.arnForObjects(`${INCIDENT_REPORT_PREFIX}*`)],
    }), 's3:PutObject on the incident reports\' prefix of the incident bucket: one object per rolled-back deployment, keyed by service, '
      + 'stage and deployment at the time of the rollback.');
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:GenerateDataKey'],
      resources: [this.key.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
    }));
  }
}
