import * as fs from 'fs';
import * as path from 'path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ExampleReleaseStack } from '../bin/example-stack';

/**
 * Users have deployed the example's stacks: a changed logical id makes CloudFormation replace the
 * resource (a load balancer, a service, a database migration's task role). This list is the
 * example template's ids as deployed; a change to it must be deliberate and explained in its commit.
 * Regenerate it with `UPDATE_LOGICAL_IDS=1 npx jest test/example-app.logical-ids.test.ts`.
 */
const LIST = path.join(__dirname, 'example-app.logical-ids.txt');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdkJson = require('../cdk.json') as { context: Record<string, unknown> };

function exampleLogicalIds(): string[] {
  const app = new App({ context: { ...cdkJson.context }, builtinCloudFormationValidation: false });
  const stack = new ExampleReleaseStack(app, 'OrdersApiRelease', { env: { region: 'eu-west-1' } });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>;
  return Object.entries(resources).map(([id, resource]) => `${id} ${resource.Type}`).sort();
}

test('the example template keeps the logical ids of its resources', () => {
  const actual = exampleLogicalIds();
  if (process.env.UPDATE_LOGICAL_IDS === '1') {
    fs.writeFileSync(LIST, `${actual.join('\n')}\n`);
  }
  const expected = fs.readFileSync(LIST, 'utf8').split('\n').filter((line) => line.length > 0);
  const removed = expected.filter((line) => !actual.includes(line));
  const added = actual.filter((line) => !expected.includes(line));
  // Reported apart: a removed id replaces a deployed resource, an added one only creates one.
  expect({ removed, added }).toEqual({ removed: [], added: [] });
});
