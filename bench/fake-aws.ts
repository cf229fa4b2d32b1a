/**
 * A fake AWS endpoint on 127.0.0.1 for the release CLI's bundle: it answers the JSON-protocol
 * calls (`X-Amz-Target`) the CLI's `status` makes, from a table of canned answers, so the bundle
 * runs end to end with `AWS_ENDPOINT_URL` pointing here. Used by the bench and the bundle's tests.
 */
import * as http from 'http';
import { AddressInfo } from 'net';

export type FakeAnswers = Record<string, unknown>;

export interface FakeAws {
  readonly url: string;
  /** The targets called, in order. */
  readonly calls: string[];
  close(): Promise<void>;
}

/** No resource has the library's tags. */
export const NOTHING_TAGGED: FakeAnswers = {
  'ResourceGroupsTaggingAPI_20170126.GetResources': { ResourceTagMappingList: [] },
};

const SERVICE_ARN = 'arn:aws:ecs:eu-west-1:123456789012:service/orders/orders-api';
const PIPELINE_ARN = 'arn:aws:codepipeline:eu-west-1:123456789012:orders-release';

/** One pipeline deploying one ECS-native service, idle: what `status` reads in a small account. */
export const ONE_SERVICE: FakeAnswers = {
  'ResourceGroupsTaggingAPI_20170126.GetResources': (body: { TagFilters?: { Key: string }[] }) => ({
    ResourceTagMappingList: body.TagFilters?.[0]?.Key === 'cdk-ecs-release:service'
      ? [{ ResourceARN: SERVICE_ARN, Tags: [{ Key: 'cdk-ecs-release:service', Value: 'orders-api' }] }]
      : [{ ResourceARN: PIPELINE_ARN, Tags: [{ Key: 'cdk-ecs-release:pipeline', Value: 'Orders/Release' }, { Key: 'cdk-ecs-release:stage:Production', Value: 'orders/orders-api' }] }],
  }),
  'CodePipeline_20150709.GetPipelineState': {
    pipelineName: 'orders-release',
    stageStates: [{ stageName: 'Production', latestExecution: { pipelineExecutionId: 'a1b2c3d4-0000-0000-0000-000000000000', status: 'Succeeded' }, actionStates: [] }],
  },
  'CodePipeline_20150709.ListPipelineExecutions': {
    pipelineExecutionSummaries: [{ pipelineExecutionId: 'a1b2c3d4-0000-0000-0000-000000000000', status: 'Succeeded',
      sourceRevisions: [{ actionName: 'Source', revisionId: '9f3c2e1d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e', revisionSummary: 'Round the checkout total once' }] }],
  },
  'AmazonEC2ContainerServiceV20141113.DescribeServices': {
    services: [{ serviceArn: SERVICE_ARN, serviceName: 'orders-api', deploymentController: { type: 'ECS' }, runningCount: 2, desiredCount: 2,
      taskDefinition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/orders-api:7' }],
  },
  'AmazonEC2ContainerServiceV20141113.ListServiceDeployments': { serviceDeployments: [] },
};

export function startFakeAws(answers: FakeAnswers): Promise<FakeAws> {
  const calls: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      calls.push(target);
      const answer = answers[target];
      const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') : {};
      const status = answer === undefined ? 400 : 200;
      const payload = answer === undefined ? { __type: 'UnknownOperationException', message: `the fake does not answer ${target}` }
        : typeof answer === 'function' ? (answer as (input: unknown) => unknown)(body) : answer;
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(payload));
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, calls, close: () => new Promise((done) => server.close(() => done())) });
    });
  });
}

/** The environment that sends the bundle's calls to `fake`, with dummy credentials. */
export function fakeAwsEnvironment(fake: FakeAws): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    AWS_ENDPOINT_URL: fake.url,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIAFAKEFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}
