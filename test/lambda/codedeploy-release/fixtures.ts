/**
 * What the release handler's tests share: a CloudFormation request answered to a real server on
 * 127.0.0.1, the handler from the sources or from the bundle, and the answers it PUT.
 */
import * as path from 'path';
import { RecordedRequest, TestServer, startServer } from '../smoke-test/server';
import type { CustomResourceEvent, ReleaseSummary } from '../../../lambda/codedeploy-release';
import type { LambdaContext } from '../../../lambda/shared';

export const OLD_TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:41';
export const NEW_TASK_DEFINITION = 'arn:aws:ecs:eu-west-1:111122223333:task-definition/orders-api:42';
export const BUNDLE = path.join(__dirname, '..', '..', '..', 'assets', 'handlers', 'codedeploy-release', 'index.js');

export type ReleaseHandler = (event: CustomResourceEvent, context: LambdaContext) => Promise<ReleaseSummary>;

/** The AppSpec the construct renders, naming `taskDefinition`. */
export function appSpec(taskDefinition: string): string {
  return [
    'version: 0.0',
    'Resources:',
    '  - TargetService:',
    '      Type: AWS::ECS::Service',
    '      Properties:',
    `        TaskDefinition: "${taskDefinition}"`,
    '        LoadBalancerInfo: { ContainerName: "web", ContainerPort: 8080 }',
    'Hooks:',
    '  - AfterAllowTestTraffic: "orders-smoke-test"',
    '',
  ].join('\n');
}

/** An Update of the release resource, as CloudFormation sends it, answered to `server`. */
export function updateRequest(server: TestServer, properties: Record<string, unknown> = {}): CustomResourceEvent {
  return {
    RequestType: 'Update',
    ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:orders-release',
    ResponseURL: `${server.url}/cfn-response?X-Amz-Signature=abc`,
    StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Orders/5b6a1a90-0000-11ef-0000-0a1b2c3d4e5f',
    RequestId: 'cfn-request-7',
    LogicalResourceId: 'OrdersRelease',
    PhysicalResourceId: 'orders-app/orders-prod',
    ResourceType: 'Custom::CodeDeployRelease',
    ResourceProperties: {
      ApplicationName: 'orders-app',
      DeploymentGroupName: 'orders-prod',
      ClusterName: 'orders',
      ServiceName: 'orders-api',
      TaskDefinitionArn: NEW_TASK_DEFINITION,
      AppSpecContent: appSpec(NEW_TASK_DEFINITION),
      // As CloudFormation delivers numbers: strings.
      TimeoutSeconds: '60',
      PollSeconds: '0.02',
      ...properties,
    },
    OldResourceProperties: { TaskDefinitionArn: OLD_TASK_DEFINITION },
  };
}

/** A server that records the answers; the first `failFirst` PUTs get a 500. */
export async function startResponseServer(failFirst = 0): Promise<TestServer> {
  let seen = 0;
  return startServer((_request, response) => {
    seen++;
    response.statusCode = seen <= failFirst ? 500 : 200;
    response.end(seen <= failFirst ? 'InternalError' : '');
  });
}

export interface CloudFormationAnswer {
  readonly Status: string;
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Record<string, string>;
}

export function answers(server: TestServer): CloudFormationAnswer[] {
  return server.requests.map((request: RecordedRequest) => JSON.parse(request.body) as CloudFormationAnswer);
}

/** Asserts exactly one PUT to the response URL, with `status`; returns it. */
export function expectSingleAnswer(server: TestServer, status: 'SUCCESS' | 'FAILED'): CloudFormationAnswer {
  expect(server.requests.map((request) => request.method)).toEqual(['PUT']);
  const [answer] = answers(server);
  expect(answer).toMatchObject({
    Status: status,
    StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/Orders/5b6a1a90-0000-11ef-0000-0a1b2c3d4e5f',
    RequestId: 'cfn-request-7',
    LogicalResourceId: 'OrdersRelease',
    PhysicalResourceId: 'orders-app/orders-prod',
  });
  return answer;
}

/** The handler from the sources, or from the bundle Lambda runs. */
export function loadHandler(source: 'sources' | 'bundle'): ReleaseHandler {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return source === 'sources'
    ? (require('../../../lambda/codedeploy-release') as { handler: ReleaseHandler }).handler
    : (require(BUNDLE) as { handler: ReleaseHandler }).handler;
  /* eslint-enable @typescript-eslint/no-require-imports */
}
