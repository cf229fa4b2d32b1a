#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { platformStacks } from './platform-stacks';

/*
 * The second example: an infra repo laid out by owner and environment. Per environment a network
 * stack (VPC, cluster, one load balancer) and a services stack with two services sharing that
 * load balancer by host name; staging and production each in an account of their own, production
 * in a second region; and a tooling stack, in a third account, with their release pipelines.
 * Synthesize it with
 *   npx cdk synth -a 'node --single-threaded-gc --max-semi-space-size=32 -r ts-node/register bin/platform-app.ts'
 */
const app = new App();
platformStacks(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
