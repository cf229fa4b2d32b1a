#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { NetworkStack, ServicesStack, ToolingStack } from './platform-stacks';

/*
 * The second example: an infra repo laid out by owner. A network stack (VPC, cluster, one load
 * balancer), a services stack with two services sharing that load balancer by host name, and a
 * tooling stack with their release pipelines. Synthesize it with
 *   npx cdk synth -a 'npx ts-node --prefer-ts-exts bin/platform-app.ts'
 */
const app = new App();
// Region only, no account: synthesis needs no credentials and makes no lookups.
const region: string = app.node.tryGetContext('region') ?? 'eu-west-1';
const env = { region };
const network = new NetworkStack(app, 'PlatformNetwork', { env, description: 'Example platform: VPC, cluster and the shared load balancer' });
const services = new ServicesStack(app, 'PlatformServices', { env, network, description: 'Example platform: orders-api and payments-api on the shared load balancer' });
new ToolingStack(app, 'PlatformTooling', { env, services, description: 'Example platform: the release pipelines' });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
