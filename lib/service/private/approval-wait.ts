/**
 * The approval wait on the Amazon ECS engine: ECS has no state in which a deployment waits for a
 * person, so a pause hook at POST_TEST_TRAFFIC_SHIFT (green serves test traffic, production is
 * still on blue) answers IN_PROGRESS until `approve <deployment id>` is written to the service's
 * approval parameter, and fails (ECS rolls back) on `reject` or when the wait runs out. It
 * publishes an EventBridge event when it starts waiting and when it is decided.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import {
  APPROVAL_PARAMETER_INITIAL_VALUE, APPROVAL_WAIT_CONFIG_ENV, ApprovalWaitHookConfig, approvalWaitHookTimeoutMinutes,
} from '../../../contract/approval-wait';
import { createHookFunction } from '../../private/handler-function';
import { wholeDurationIn } from '../../private/validation';
import { EcsLifecycleStage } from '../deployment-engine';
import { LifecycleEvent } from '../lifecycle-event';
import type { ILifecycleHook } from '../lifecycle-hook';

/** The parameter people approve with, and the hook that waits for it. */
export interface ApprovalWait {
  readonly parameter: ssm.StringParameter;
  readonly hook: ILifecycleHook;
  readonly stages: EcsLifecycleStage[];
  /** ECS's time limit for the hook: the wait, one poll and a margin. */
  readonly timeoutMinutes: number;
}

export function createApprovalWait(scope: Construct, serviceName: string, wait: Duration): ApprovalWait {
  const stack = Stack.of(scope);
  const parameter = new ssm.StringParameter(scope, 'ApprovalParameter', {
    parameterName: `/cdk-ecs-release/approvals/${stack.stackName}/${serviceName}`,
    simpleName: false,
    description: `${serviceName}: write "approve <deployment id>" or "reject <deployment id> <reason>" to release or roll back a waiting deployment`.slice(0, 1024),
    stringValue: APPROVAL_PARAMETER_INITIAL_VALUE,
  });
  const waitSeconds = wholeDurationIn(wait, 'seconds');
  const config: ApprovalWaitHookConfig = { serviceName, approvalParameterName: parameter.parameterName, waitSeconds };
  const resources = createHookFunction(new Construct(scope, 'ApprovalWait'), {
    handler: 'approval-wait',
    entryPoint: 'ecsHandler',
    hookName: `${serviceName} approval wait`,
    description: `${serviceName}: holds a deployment before production traffic until it is approved (POST_TEST_TRAFFIC_SHIFT hook)`,
    timeout: Duration.minutes(1),
    environment: { [APPROVAL_WAIT_CONFIG_ENV]: stack.toJsonString(config) },
  });
  parameter.grantRead(resources.function);
  resources.function.addToRolePolicy(new iam.PolicyStatement({
    actions: ['events:PutEvents'],
    resources: [stack.formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
  }));
  const hook: ILifecycleHook = { lifecycleEvent: LifecycleEvent.AFTER_ALLOW_TEST_TRAFFIC, function: resources.function as lambda.IFunction };
  return {
    parameter,
    hook,
    stages: [EcsLifecycleStage.POST_TEST_TRAFFIC_SHIFT],
    timeoutMinutes: approvalWaitHookTimeoutMinutes(waitSeconds),
  };
}
