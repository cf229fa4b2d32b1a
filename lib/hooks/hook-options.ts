import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IBlueGreenService } from '../service/blue-green-service-base';

/** Properties every hook of this library takes. */
export interface HookFunctionOptions {
  /** The service whose deployments run the hook. The hook adds itself to it. */
  readonly service: IBlueGreenService;

  /**
   * How long the hook function's logs are kept; each run logs one line per decision, which is
   * where a person reads why a deployment rolled back.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The role of the hook function; the hook adds the statements it needs to it.
   * @default - a new role allowed what the hook needs and nothing else
   */
  readonly role?: iam.IRole;

  /**
   * X-Ray tracing of the hook function.
   * @default lambda.Tracing.DISABLED
   */
  readonly tracing?: lambda.Tracing;
}
