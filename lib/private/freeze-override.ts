import { ArnFormat, Stack } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { freezeOverrideParameterName } from '../../contract/freeze-override';

/**
 * The ARN of the hotfix override parameter of the ECS service `serviceName`, in the account and
 * region of `scope`'s stack: `arn:aws:ssm:<region>:<account>:parameter/cdk-ecs-release/freeze-override/<name>`.
 */
export function freezeOverrideParameterArn(scope: IConstruct, serviceName: string): string {
  return Stack.of(scope).formatArn({
    service: 'ssm',
    resource: 'parameter',
    // The parameter's name starts with '/', which the ARN's separator already is.
    resourceName: freezeOverrideParameterName(serviceName).slice(1),
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}
