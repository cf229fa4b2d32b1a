/**
 * The stacks the synth benchmark measures, each built into a fresh `App`:
 * - `library`: one `BlueGreenService` (VPC, cluster, load balancer, CodeDeploy group, rollback alarms);
 * - `anchor`: the same resources written with stock aws-cdk-lib L2 constructs (handwritten-stack.ts);
 * - `scale`: N services in one stack on a shared VPC and cluster, each with the rollback alarms and
 *   all four hooks (preflight, migration, smoke test, metric gate);
 * - `scale-ecs`: the same on the Amazon ECS engine, for the engines side by side;
 * - `scale-shared`: the same on the Amazon ECS engine behind one `SharedLoadBalancer`, each service
 *   routed by its host name: the layout in which many services share a stack.
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import {
  BlueGreenService, DeploymentEngine, MetricGateHook, MigrationHook, PreflightHook, ServiceRouting, SharedLoadBalancer, SmokeCheck, SmokeTestHook,
  TrafficShifting,
} from '../lib';
import { HandwrittenBlueGreenStack } from './handwritten-stack';
import { LibraryBlueGreenStack } from './library-stack';

export type ScenarioName = 'library' | 'anchor' | 'scale' | 'scale-ecs' | 'scale-shared';

const env = { region: 'eu-west-1' };

/** N services, each with every hook and the rollback alarms, in one stack. */
export class ScaleStack extends Stack {
  constructor(scope: App, id: string, services: number, engine: DeploymentEngine = DeploymentEngine.codeDeploy(), shared = false) {
    super(scope, id, { env });
    const vpc = new ec2.Vpc(this, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const cluster = new ecs.Cluster(this, 'Cluster', { vpc });
    const sharedLoadBalancer = shared ? new SharedLoadBalancer(this, 'Edge', { vpc }) : undefined;
    const image = ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable');
    for (let index = 1; index <= services; index++) {
      const id = `Service${index}`;
      const service = new BlueGreenService(this, id, {
        serviceName: `service-${index}`,
        cluster,
        image,
        healthCheckPath: '/health',
        trafficShifting: TrafficShifting.canary(10, Duration.minutes(5)),
        engine,
        ...(sharedLoadBalancer ? { sharedLoadBalancer, routing: ServiceRouting.hostHeaders([`service-${index}.example.com`], index) } : {}),
      });
      new PreflightHook(this, `${id}Preflight`, { service });
      new MigrationHook(this, `${id}Migration`, { service, command: ['npm', 'run', 'db:migrate'] });
      new SmokeTestHook(this, `${id}SmokeTests`, { service, checks: [SmokeCheck.get('/health')] });
      new MetricGateHook(this, `${id}MetricGate`, { service });
    }
  }
}

/** Adds the scenario's stack to `app` and returns it. */
export function buildScenario(app: App, scenario: ScenarioName, services = 1): Stack {
  switch (scenario) {
    case 'library':
      return new LibraryBlueGreenStack(app, 'Library', { env });
    case 'anchor':
      return new HandwrittenBlueGreenStack(app, 'Anchor', { env });
    case 'scale':
      return new ScaleStack(app, `Scale${services}`, services);
    case 'scale-ecs':
      return new ScaleStack(app, `ScaleEcs${services}`, services, DeploymentEngine.ecs());
    case 'scale-shared':
      return new ScaleStack(app, `ScaleShared${services}`, services, DeploymentEngine.ecs(), true);
  }
}
