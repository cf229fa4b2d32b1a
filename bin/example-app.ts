#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ExampleReleaseStack } from './example-stack';

const app = new App();
// Region only, no account: synthesis needs no credentials and makes no lookups. The load
// balancer's access-log bucket policy names the region's log-delivery principal, so the
// region must be known; pass `-c region=...` to target another one.
const region: string = app.node.tryGetContext('region') ?? 'eu-west-1';
new ExampleReleaseStack(app, 'OrdersApiRelease', {
  env: { region },
  description: 'Example: the orders-api service released blue/green with cdk-ecs-release',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
