#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ExampleReleaseStack } from './example-stack';

const app = new App();
new ExampleReleaseStack(app, 'OrdersApiRelease', {
  description: 'Example: the orders-api service released blue/green with cdk-ecs-release',
});
app.synth();
